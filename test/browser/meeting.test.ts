/**
 * The web client in a real browser: Debian's Chromium (headless, fake camera, microphone and screen) opens the
 * link `ephemera start` prints and the links the host's page creates, against the real relay and invite service
 * (one `ephemera start` process). The steps run in order on one meeting: join, media, screen share, chat, polls,
 * a 5 MB document, host controls, the end, and the meeting's one CDR. Every wait is on the page's own state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readCdrs, waitForCdr } from '../helpers/cdr-file.js';
import { TRANSPORTS } from '../helpers/relay-harness.js';
import {
  createInviteLink,
  expectLiveVideo,
  join,
  launchChromium,
  openLink,
  seriousAxeViolations,
  startEphemera,
  tileSelector,
  waitForAudio,
  type Started,
} from './browser-harness.js';
import { startCutProxy } from '../integration/resume-helpers.js';

/** The README shows these (written by the uws run; the ws run writes its own beside the data folder). */
const README_SCREENSHOTS = fileURLToPath(new URL('../../web/screenshots/', import.meta.url));

describe.each(TRANSPORTS)('web client over the %s transport: a meeting in the browser', (transport) => {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'ephemera-web-'));
  let server: Started;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let host: Page;
  let presenter: Page;
  let attendee: Page;
  let meetingId = '';
  const ids = { host: '', presenter: '', attendee: '' };
  let attendeeLink = '';
  const pageErrors: string[] = [];
  const SCREENSHOTS = transport === 'uws' ? README_SCREENSHOTS : joinPath(dataDir, 'screenshots');

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startEphemera(dataDir, ['--transport', transport]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function newPage(): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return page;
  }

  const incoming = (page: Page): Promise<string[]> => page.$$eval('.chat-log li.incoming .text', (els) => els.map((e) => e.textContent ?? ''));
  const waitForChat = (page: Page, text: string): Promise<unknown> =>
    page.waitForFunction((t) => [...document.querySelectorAll('.chat-log li.incoming .text')].some((e) => e.textContent === t), text);

  it('the host opens the printed link: prejoin with the name from the token, no violations, the fragment cleared', async () => {
    host = await newPage();
    await openLink(host, server.hostLink);
    expect(new URL(host.url()).hash).toBe('');
    await expect(host.textContent('.display-name')).resolves.toBe('Host');
    await host.waitForFunction(() => (document.querySelector('video.preview') as HTMLVideoElement | null)?.readyState === 4);
    expect(await seriousAxeViolations(host)).toEqual([]);
    await host.screenshot({ path: joinPath(SCREENSHOTS, 'prejoin.png') });
    ids.host = await join(host);
    meetingId = await host.$eval('.meeting', (el) => (el as HTMLElement).dataset.meeting ?? '');
    expect(meetingId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  }, 60_000);

  it('a presenter and an attendee join from links the host page created; everyone sees and hears the other two', async () => {
    const presenterLink = await createInviteLink(host, 'presenter', 'Priya');
    attendeeLink = await createInviteLink(host, 'attendee', 'Ana');
    expect(presenterLink).toMatch(/\/join#relay=ws.*&token=/);
    presenter = await newPage();
    attendee = await newPage();
    await Promise.all([openLink(presenter, presenterLink), openLink(attendee, attendeeLink)]);
    await expect(attendee.textContent('.display-name')).resolves.toBe('Ana');
    [ids.presenter, ids.attendee] = await Promise.all([join(presenter), join(attendee)]);
    const pages = { host, presenter, attendee } as const;
    const checks: Array<Promise<void>> = [];
    for (const [viewer, page] of Object.entries(pages)) {
      for (const other of Object.keys(pages) as Array<keyof typeof pages>) {
        if (other === viewer) continue;
        const sel = tileSelector(ids[other], 'camera');
        checks.push(
          (async () => {
            const seen = await expectLiveVideo(page, sel);
            expect(seen.first.lit, `${viewer} sees ${other}: lit`).toBeGreaterThan(0.05);
            expect(seen.first.colours, `${viewer} sees ${other}: colours`).toBeGreaterThan(2);
            expect(seen.second.hash, `${viewer} sees ${other} change`).not.toBe(seen.first.hash);
            await waitForAudio(page, sel, 25);
          })(),
        );
      }
    }
    await Promise.all(checks);
    for (const page of Object.values(pages)) expect(await page.$$eval('.tile[data-source="camera"]', (t) => t.length)).toBe(3);
    await expect(host.textContent(`${tileSelector(ids.attendee, 'camera')} .role`)).resolves.toBe('attendee');
    // Tiles carry the names from the invitations, not participant ids (a track can come right after a join).
    await expect(host.textContent(`${tileSelector(ids.attendee, 'camera')} .name`)).resolves.toBe('Ana');
    await expect(host.textContent(`${tileSelector(ids.presenter, 'camera')} .name`)).resolves.toBe('Priya');
  }, 150_000);

  it("the presenter's screen share appears in focus on the others", async () => {
    await presenter.click('#toggle-screen');
    for (const page of [host, attendee]) {
      const sel = `.tile.focus${tileSelector(ids.presenter, 'screen')}`;
      await page.waitForSelector(sel, { timeout: 30_000 });
      const seen = await expectLiveVideo(page, sel);
      expect(seen.first.lit).toBeGreaterThan(0.05);
      expect(seen.first.width).toBeGreaterThan(320);
    }
    expect(await seriousAxeViolations(host)).toEqual([]);
    await host.screenshot({ path: joinPath(SCREENSHOTS, 'meeting.png') });
  }, 120_000);

  it('chat to everyone, to one participant and to the hosts reaches exactly the right pages', async () => {
    await host.fill('#chat-text', 'hello from the host');
    await host.click('.chat-form button[type="submit"]');
    await presenter.selectOption('#chat-to', `one:${ids.attendee}`);
    await presenter.fill('#chat-text', 'psst, only for Ana');
    await presenter.click('.chat-form button[type="submit"]');
    await attendee.selectOption('#chat-to', 'hosts');
    await attendee.fill('#chat-text', 'a question for the hosts');
    await attendee.click('.chat-form button[type="submit"]');
    // Per-sender order: once each sender's later message to everyone arrived, its earlier one would have too.
    for (const [page, text] of [[presenter, 'sync from presenter'], [attendee, 'sync from attendee']] as const) {
      await page.selectOption('#chat-to', 'everyone');
      await page.fill('#chat-text', text);
      await page.click('.chat-form button[type="submit"]');
    }
    await Promise.all([
      waitForChat(host, 'sync from presenter'),
      waitForChat(host, 'sync from attendee'),
      waitForChat(presenter, 'sync from attendee'),
      waitForChat(presenter, 'hello from the host'),
      waitForChat(attendee, 'sync from presenter'),
      waitForChat(attendee, 'hello from the host'),
    ]);
    expect((await incoming(host)).sort()).toEqual(['a question for the hosts', 'sync from attendee', 'sync from presenter']);
    expect((await incoming(presenter)).sort()).toEqual(['hello from the host', 'sync from attendee']);
    expect((await incoming(attendee)).sort()).toEqual(['hello from the host', 'psst, only for Ana', 'sync from presenter']);
  }, 60_000);

  it('a poll opened by the presenter is answered by the others; the owner sees the tally, the attendee never sees an answer', async () => {
    await presenter.fill('#poll-question', 'Ship on Friday?');
    await presenter.fill('#poll-options', 'Yes\nNo');
    await presenter.uncheck('#poll-anonymous');
    await presenter.click('.poll-form button[type="submit"]');
    for (const [page, option] of [[host, 0], [attendee, 1]] as const) {
      await page.waitForSelector('.poll.received');
      await page.check(`.poll.received input[value="${option}"]`);
      await page.click('.poll.received button[type="submit"]');
    }
    await presenter.waitForSelector('.poll.owned .tally[data-answers="2"]');
    const counts = await presenter.$$eval('.poll.owned .tally li', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.count)));
    expect(counts).toEqual([1, 1]);
    await expect(presenter.textContent('.poll.owned .answered-by')).resolves.toMatch(/Host.*Ana|Ana.*Host/);
    // The attendee's page holds its own choice and nothing of anyone else's.
    expect(await attendee.$$('.poll.received .tally, .poll.received .answered-by')).toHaveLength(0);
    expect(await attendee.textContent('.polls-panel')).not.toContain('Host');
    await presenter.click('.poll.owned .share-results');
    await attendee.waitForSelector('.poll.received .shared-results .tally[data-answers="2"]');
    expect(await attendee.textContent('.poll.received .shared-results')).not.toMatch(/Host|Priya/);
  }, 60_000);

  it('a 5 MB document shared from the host page is saved by the others with its SHA-256 verified', async () => {
    const bytes = randomBytes(5 * 1024 * 1024);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await host.setInputFiles('#share-file', { name: 'minutes.bin', mimeType: 'application/octet-stream', buffer: bytes });
    for (const page of [presenter, attendee]) {
      const item = await page.waitForSelector('li.document.incoming[data-state="verified"]', { timeout: 90_000 });
      expect(await item.getAttribute('data-sha256')).toBe(sha256);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('li.document.incoming a.save')]);
      expect(download.suggestedFilename()).toBe('minutes.bin');
      const saved = readFileSync(await download.path());
      expect(saved.length).toBe(bytes.length);
      expect(createHash('sha256').update(saved).digest('hex')).toBe(sha256);
    }
    await host.waitForSelector('li.document.outgoing[data-state="sent"]');
  }, 120_000);

  it("host controls in a participant's menu: ask to mute, make attendee, make presenter", async () => {
    const presenterTile = tileSelector(ids.presenter, 'camera');
    const menuAction = async (cls: string): Promise<void> => {
      await host.click(`${presenterTile} .menu summary`);
      await host.click(`${presenterTile} .menu button.${cls}`);
    };
    await menuAction('ask-mute');
    await presenter.waitForSelector('#toggle-mic[aria-pressed="true"]');
    await expect(presenter.textContent('.topbar .status')).resolves.toMatch(/asked you to mute/);
    await host.waitForSelector(`${presenterTile} .mic[data-muted="true"]`);
    await menuAction('demote');
    for (const page of [host, presenter, attendee]) await page.waitForFunction((sel) => document.querySelector(`${sel} .role`)?.textContent === 'attendee', presenterTile);
    await menuAction('promote');
    for (const page of [host, presenter, attendee]) await page.waitForFunction((sel) => document.querySelector(`${sel} .role`)?.textContent === 'presenter', presenterTile);
    await presenter.waitForSelector('#toggle-screen:not([disabled])');
  }, 60_000);

  it('is usable with the keyboard and readable at phone width', async () => {
    await attendee.setViewportSize({ width: 390, height: 844 });
    const overflow = await attendee.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await seriousAxeViolations(attendee)).toEqual([]);
    await attendee.screenshot({ path: joinPath(SCREENSHOTS, 'phone.png'), fullPage: false });
    // Tab reaches the controls; each control has a name.
    await attendee.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const reached: string[] = [];
    for (let i = 0; i < 60 && !reached.includes('chat-text'); i++) {
      await attendee.keyboard.press('Tab');
      reached.push(await attendee.evaluate(() => document.activeElement?.id ?? ''));
    }
    expect(reached).toContain('toggle-mic');
    expect(reached).toContain('leave');
    expect(reached).toContain('chat-text');
    expect(reached.indexOf('toggle-mic')).toBeLessThan(reached.indexOf('chat-text'));
    await attendee.setViewportSize({ width: 1280, height: 860 });
  }, 60_000);

  it('the host removes and bars the attendee, locks the meeting (a fourth link is refused with the reason), and ends it', async () => {
    await host.click(`${tileSelector(ids.attendee, 'camera')} .menu summary`);
    await host.click(`${tileSelector(ids.attendee, 'camera')} .menu button.remove-bar`);
    await attendee.waitForSelector('[data-state="removed"]');
    await expect(attendee.textContent('h1')).resolves.toMatch(/removed/i);
    await host.waitForFunction((id) => document.querySelector(`.tile[data-participant="${id}"]`) === null, ids.attendee);
    // Barred: the same invitation link no longer gets in, and the page says why. (A link that differs only in
    // its fragment would not reload the page: start from a blank one.)
    await attendee.goto('about:blank');
    await openLink(attendee, attendeeLink);
    // The reason comes from the relay's own admission check (same host and port as the join), not from the
    // invite service: a browser's WebSocket cannot read the refusal.
    const barredCheck = attendee.waitForResponse((r) => r.url().endsWith('/admission'));
    await attendee.click('#join-button');
    await attendee.waitForSelector('[data-state="refused"]');
    await expect(attendee.textContent('.detail')).resolves.toMatch(/removed and barred.*RELAY_ERR_BARRED/);
    const barred = await barredCheck;
    expect(new URL(barred.url()).host).toBe(new URL(server.relayUrl).host);
    expect(barred.status()).toBe(403);
    expect(await barred.json()).toMatchObject({ error: 'RELAY_ERR_BARRED' });
    expect(barred.request().url()).not.toMatch(/token|eyJ/);

    await host.click('#lock-meeting');
    await host.waitForSelector('.badge.lock:not([hidden])');
    await presenter.waitForSelector('.badge.lock:not([hidden])');
    const lateLink = await createInviteLink(host, 'attendee', 'Lee');
    const late = await newPage();
    await openLink(late, lateLink);
    const checks: string[] = [];
    late.on('request', (r) => checks.push(r.url()));
    const lockedCheck = late.waitForResponse((r) => r.url().endsWith('/admission') && r.request().method() === 'GET');
    await late.click('#join-button');
    await late.waitForSelector('[data-state="refused"]');
    await expect(late.textContent('.detail')).resolves.toMatch(/locked.*Ask the host to unlock it.*RELAY_ERR_MEETING_LOCKED/);
    expect((await lockedCheck).status()).toBe(403);
    expect(checks.some((u) => u.includes('/v1/join-check'))).toBe(false);
    // A locked meeting may open again: the page offers to try again.
    await late.waitForSelector('[data-state="refused"] button');

    await host.click('#end-meeting');
    for (const page of [host, presenter]) {
      await page.waitForSelector('[data-state="ended"]');
      await expect(page.textContent('.kept')).resolves.toMatch(/Nothing of this meeting was kept/);
    }
    expect(await seriousAxeViolations(host)).toEqual([]);
    await presenter.screenshot({ path: joinPath(SCREENSHOTS, 'ended.png') });
  }, 90_000);

  it('the meeting left exactly one CDR, listing all three with audio, video, screen share, chat, polls and documents', async () => {
    const cdr = await waitForCdr(dataDir, meetingId, 20_000);
    expect(readCdrs(dataDir).filter((r) => r.meetingId === meetingId && !r.partial)).toHaveLength(1);
    expect(cdr.endReason).toBe('host_ended');
    expect(cdr.participants.map((p) => p.id).sort()).toEqual([ids.host, ids.presenter, ids.attendee].sort());
    const roles = Object.fromEntries(cdr.participants.map((p) => [p.id, p.role]));
    expect(roles[ids.presenter]).toBe('presenter');
    expect(cdr.participants.find((p) => p.id === ids.attendee)!.sessions[0]!.leaveReason).toMatch(/removed/);
    for (const f of ['audio', 'video', 'screen_share', 'chat', 'polls', 'documents']) expect(cdr.features).toContain(f);
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('a page whose connection is cut shows the reconnecting banner, resumes, loses no chat and chats on', async () => {
    const proxy = await startCutProxy(server.relayUrl);
    try {
      const lead = await newPage();
      await openLink(lead, server.hostLink);
      await join(lead);
      // The attendee's link names the relay through a TCP proxy that can cut its connection without a close frame.
      const link = new URL(await createInviteLink(lead, 'attendee', 'Roaming Rui'));
      const params = new URLSearchParams(link.hash.slice(1));
      const relay = new URL(params.get('relay')!);
      relay.host = new URL(proxy.url).host;
      params.set('relay', relay.toString());
      link.hash = params.toString();
      const roamer = await newPage();
      await openLink(roamer, link.toString());
      const roamerId = await join(roamer);
      await lead.waitForSelector(tileSelector(roamerId, 'camera'));
      await lead.fill('#chat-text', 'before the cut');
      await lead.press('#chat-text', 'Enter');
      await waitForChat(roamer, 'before the cut');

      proxy.cut(2_500);
      await roamer.waitForSelector('.connection-banner[data-state="reconnecting"]:not([hidden])');
      await expect(roamer.textContent('.connection-banner .text')).resolves.toMatch(/^Connection lost\. Reconnecting to the meeting/);
      await roamer.screenshot({ path: joinPath(SCREENSHOTS, 'reconnecting.png') });
      // Sent while the roamer is away: the relay's resume window delivers it after the resume.
      await lead.fill('#chat-text', 'while you were away');
      await lead.press('#chat-text', 'Enter');
      await roamer.waitForSelector('.connection-banner', { state: 'hidden', timeout: 20_000 });
      await waitForChat(roamer, 'while you were away');
      expect(await incoming(roamer)).toEqual(['before the cut', 'while you were away']);
      // The same session goes on: the roamer chats and the lead gets it; the roamer's tile never left.
      await roamer.fill('#chat-text', 'back again');
      await roamer.press('#chat-text', 'Enter');
      await waitForChat(lead, 'back again');
      await lead.waitForSelector(tileSelector(roamerId, 'camera'));
      expect(await roamer.$eval('#app > *', (el) => (el as HTMLElement).dataset.state)).toBe('meeting');
      await roamer.close();
      await lead.close();
    } finally {
      await proxy.close();
    }
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('joins muted with the camera off when asked to; a page that loses its relay shows the lost state and offers to rejoin', async () => {
    const page = await newPage();
    await openLink(page, server.hostLink);
    await page.check('#join-muted');
    await page.check('#join-camera-off');
    await join(page);
    await page.waitForSelector('#toggle-mic[aria-pressed="true"]');
    await page.waitForSelector('#toggle-camera[aria-pressed="true"]');
    expect(await page.$$('.tile.local video')).toHaveLength(0);
    server.child.kill('SIGKILL');
    await page.waitForSelector('[data-state="lost"]');
    await expect(page.textContent('h1')).resolves.toBe('Connection lost');
    await page.waitForSelector('[data-state="lost"] button:has-text("Rejoin")');
  }, 30_000);
});
