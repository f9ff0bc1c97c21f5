/**
 * The web client in a real browser: Debian's Chromium (headless, fake camera, microphone and screen) opens the
 * links `ephemera start` prints and the host's page creates, against the real relay and invite service processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createInviteLink, expectLiveVideo, join, launchChromium, openLink, startEphemera, tileSelector, waitForAudio, type Started } from './browser-harness.js';

describe('web client: a meeting in the browser', () => {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'ephemera-web-'));
  let server: Started;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let host: Page;
  let presenter: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startEphemera(dataDir);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function newPage(): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    return page;
  }

  it('the host opens the printed link, and a presenter joins from a link the host page created', async () => {
    host = await newPage();
    await openLink(host, server.hostLink);
    expect(new URL(host.url()).hash).toBe('');
    ids.host = await join(host);
    const link = await createInviteLink(host, 'presenter', 'Priya');
    expect(link).toMatch(/\/join#relay=ws.*&token=/);
    presenter = await newPage();
    await openLink(presenter, link);
    await expect(presenter.textContent('.display-name')).resolves.toBe('Priya');
    ids.presenter = await join(presenter);
    const seen = await expectLiveVideo(host, tileSelector(ids.presenter, 'camera'));
    expect(seen.first.lit).toBeGreaterThan(0.05);
    expect(seen.first.colours).toBeGreaterThan(8);
    expect(seen.second.hash).not.toBe(seen.first.hash);
    await waitForAudio(host, tileSelector(ids.presenter, 'camera'));
  }, 120_000);
});
