/**
 * The client SDK from a plain browser bundle: esbuild bundles `import ... from 'ephemera/client'` (the package's
 * exports map, browser condition) for the browser, a page served from 127.0.0.1 loads it in Chromium, and that
 * page meets a Node client (the Node entry, on `ws`) in a real relay: chat both ways, a document with its
 * SHA-256 (pure TypeScript in the browser), a poll, and a media frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { launchChromium } from './browser-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The page's script: the SDK as a browser bundle, driven from the test through window.sdkTest. */
const ENTRY = `
import { connect, toHex, sha256Of } from 'ephemera/client';
const log = { chat: [], tallies: [], media: 0, errors: [] };
window.sdkTest = {
  log,
  async join(url, token) {
    const client = await connect({ url, token });
    window.client = client;
    client.on('chat', (m) => log.chat.push(m.from + ':' + m.text));
    client.on('pollTally', (t) => log.tallies.push(t.answers));
    client.on('media', () => log.media++);
    client.on('trackPublished', (t) => client.subscribe(t.publisher, t.id));
    client.on('error', (e) => log.errors.push(e.code));
    return client.you.id;
  },
  async share(size) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 7) & 255;
    const r = await window.client.shareDocument(bytes, { name: 'from-browser.bin' });
    return { sha: r.sha256, expected: toHex(sha256Of(bytes)) };
  },
};
`;

describe.each(TRANSPORTS)('client SDK from a plain browser bundle (%s transport)', (transport) => {
  let harness: Harness;
  let browser: Browser;
  let server: Server;
  let page: Page;
  let inputs: string[] = [];

  beforeAll(async () => {
    const built = await esbuild.build({
      stdin: { contents: ENTRY, resolveDir: ROOT, sourcefile: 'sdk-test-entry.js', loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      conditions: ['browser'],
      metafile: true,
      logLevel: 'silent',
    });
    inputs = Object.keys(built.metafile.inputs);
    const js = built.outputFiles[0]!.contents;
    server = createServer((req, res) => {
      if (req.url === '/sdk.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html lang="en"><title>sdk</title><script type="module" src="/sdk.js"></script></html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    harness = await startHarness(transport);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'sdkTest' in window);
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await harness?.close();
    await new Promise((r) => server?.close(r));
  }, 30_000);

  it('bundles the browser entry without Node built-ins or ws', () => {
    expect(inputs).toContain('client/browser.ts');
    expect(inputs).not.toContain('client/index.ts');
    expect(inputs.filter((i) => i.startsWith('node:') || /node_modules\/ws\//.test(i))).toEqual([]);
  });

  it('joins a meeting from the browser and uses chat, documents, polls and media with a Node client', async () => {
    const mid = meetingId();
    const node = await harness.join(mid, 'node-host', { role: 'host' });
    const youId = await page.evaluate(([url, token]) => (window as unknown as { sdkTest: { join(u: string, t: string): Promise<string> } }).sdkTest.join(url!, token!), [
      `${harness.relay.url}/v1/meetings/${mid}`,
      harness.token(mid, 'browser-1', { role: 'attendee', displayName: 'Browser' }),
    ]);
    expect(youId).toBe('browser-1');
    await waitFor(() => node.roster.has('browser-1'), 5_000, 'browser in the roster');

    const got: string[] = [];
    node.on('chat', (m) => got.push(`${m.from}:${m.text}`));
    await page.evaluate(() => (window as unknown as { client: { sendChat(t: string): void } }).client.sendChat('hello from a browser bundle'));
    node.sendChat('hello from node');
    await waitFor(() => got.length === 1, 5_000, 'chat from the browser');
    expect(got).toEqual(['browser-1:hello from a browser bundle']);
    await page.waitForFunction(() => (window as unknown as { sdkTest: { log: { chat: string[] } } }).sdkTest.log.chat.includes('node-host:hello from node'));

    const received: Promise<Uint8Array> = new Promise((resolve) => node.once('documentOffered', (d) => resolve(d.receive())));
    const shared = await page.evaluate(() => (window as unknown as { sdkTest: { share(n: number): Promise<{ sha: string; expected: string }> } }).sdkTest.share(300_000));
    expect(shared.sha).toBe(shared.expected);
    const bytes = await received;
    expect(bytes.length).toBe(300_000);
    expect(bytes[299_999]).toBe((299_999 * 7) & 255);

    const pollId = node.openPoll({ questions: [{ text: 'Works?', options: ['yes', 'no'] }] });
    const tally = new Promise<number>((resolve) => node.on('pollTally', (t) => t.answers === 1 && resolve(t.answers)));
    await page.evaluate((id) => (window as unknown as { client: { answerPoll(p: string, c: number[]): void } }).client.answerPoll(id, [0]), pollId);
    await expect(tally).resolves.toBe(1);

    // A new subscriber of a video track makes the relay ask the publisher for a keyframe: that is the cue.
    node.once('keyframeRequest', (k) => node.sendMedia(k.track, new Uint8Array([1, 2, 3]), { keyframe: true }));
    node.publishTrack({ id: 1, source: 'video', codec: 'vp8' });
    await page.waitForFunction(() => (window as unknown as { sdkTest: { log: { media: number } } }).sdkTest.log.media > 0);
    expect(await page.evaluate(() => (window as unknown as { sdkTest: { log: { errors: string[] } } }).sdkTest.log.errors)).toEqual([]);
  }, 60_000);
});
