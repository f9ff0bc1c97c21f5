/**
 * The invite service's side of the web client, over real HTTP and real WebSockets: every join grant carries a
 * link with the token in the fragment; the page and its assets are served with a strict CSP; the page learns the
 * reason for a refusal from the relay's admission check at the grant's join URL (the invite service no longer
 * has a join-check route, so tokens are never sent to it for that); tokens never reach the service's logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { addHost, createInviteService, WEB_CLIENT_CSP, type InviteService, type WebClientFiles } from '../../invite-service/index.js';
import { startRelay, type Relay } from '../../relay/index.js';
import { connect, type EphemeraClient } from '../../client/index.js';

interface Grant {
  participantId: string;
  token: string;
  joinUrl: string;
  link?: string;
}

const FILES: WebClientFiles = new Map([
  ['index.html', { contentType: 'text/html; charset=utf-8', body: new TextEncoder().encode('<!doctype html><title>t</title>') }],
  ['app.js', { contentType: 'text/javascript; charset=utf-8', body: new TextEncoder().encode('console.log(1)') }],
]);

describe.each(['uws', 'ws'] as const)('invite service: web client links, and the relay\'s admission check behind them (%s)', (transport) => {
  let dir: string;
  let svc: InviteService;
  let relay: Relay;
  let apiKey: string;
  let logs = '';
  const clients: EphemeraClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eph-invite-web-'));
    apiKey = addHost(join(dir, 'hosts.json'), 'host').apiKey;
    const sink = new Writable({ write: (c, _e, cb) => ((logs += String(c)), cb()) });
    svc = await createInviteService({ dataDir: dir, port: 0, relayUrl: 'ws://127.0.0.1:1', logger: pino({ level: 'debug' }, sink), webClient: FILES });
    relay = await startRelay({ transport, port: 0, adminPort: 0, dataDir: join(dir, 'relay'), logLevel: 'silent', jwksUrl: svc.jwksUrl }, pino({ level: 'silent' }));
    svc.setRelayUrl(relay.url);
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await relay?.close();
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: unknown, auth = true): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('gives every grant a web client link whose fragment carries the relay join URL and the token', async () => {
    const m = await post('/v1/meetings', { host: { displayName: 'Hana' } });
    expect(m.status).toBe(201);
    const host = m.json.host as Grant;
    expect(svc.webClientUrl).toBe(`${svc.url}/join`);
    const link = new URL(host.link!);
    expect(`${link.origin}${link.pathname}`).toBe(`${svc.url}/join`);
    expect(link.search).toBe('');
    const fragment = new URLSearchParams(link.hash.slice(1));
    expect(fragment.get('token')).toBe(host.token);
    expect(fragment.get('relay')).toBe(host.joinUrl);
    expect(host.joinUrl.startsWith(relay.url)).toBe(true);
    const inv = await post(`/v1/meetings/${m.json.meetingId}/invites`, { invites: [{ role: 'attendee', displayName: 'Ana' }] });
    const grant = (inv.json.invites as Grant[])[0]!;
    expect(new URLSearchParams(new URL(grant.link!).hash.slice(1)).get('token')).toBe(grant.token);
  });

  it('serves the page and its files with a strict CSP and no referrer; unknown files are 404 JSON', async () => {
    const page = await fetch(`${svc.url}/join`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(WEB_CLIENT_CSP);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('<title>t</title>');
    const js = await fetch(`${svc.url}/join/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const missing = await fetch(`${svc.url}/join/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('INVITE_ERR_NOT_FOUND');
  });

  it("the grant's join URL leads to the relay's admission check, which gives the relay's reason; the service has no join-check", async () => {
    const m = await post('/v1/meetings', {});
    const host = m.json.host as Grant;
    const inv = await post(`/v1/meetings/${m.json.meetingId}/invites`, { invites: [{ role: 'attendee' }, { role: 'attendee' }] });
    const [first, second] = inv.json.invites as Grant[];
    const hostClient = await connect({ url: host.joinUrl, token: host.token });
    clients.push(hostClient);
    // What the page does (web/src/relay-check.ts): GET <join URL as http>/admission, token in Authorization,
    // from the page's origin (the invite service's).
    const check = async (token: string): Promise<{ status: number; json: Record<string, unknown>; allowOrigin: string | null }> => {
      const url = `${host.joinUrl.replace(/^ws/, 'http')}/admission`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, origin: svc.url } });
      return { status: res.status, json: (await res.json()) as Record<string, unknown>, allowOrigin: res.headers.get('access-control-allow-origin') };
    };
    expect(await check(first!.token)).toEqual({ status: 200, json: { ok: true }, allowOrigin: svc.url });
    // The check did not join: the host is still alone.
    expect(hostClient.roster.size).toBe(1);
    // The relay announces the lock to everyone, the host included, once it holds.
    const locked = new Promise<void>((resolve) => hostClient.on('hostControl', (c) => c.action === 'lock' && resolve()));
    hostClient.lock();
    await locked;
    expect(await check(second!.token)).toEqual({
      status: 403,
      json: { error: 'RELAY_ERR_MEETING_LOCKED', message: 'The meeting is locked: no new participants may join.' },
      allowOrigin: svc.url,
    });
    expect(await check('not-a-token')).toMatchObject({ status: 401, json: { error: 'RELAY_ERR_TOKEN_INVALID' } });
    // The invite service no longer repeats joins for the page: no route, nothing in its OpenAPI document.
    const gone = await post('/v1/join-check', { token: second!.token }, false);
    expect(gone.status).toBe(404);
    const openapi = await (await fetch(`${svc.url}/openapi.json`)).text();
    expect(openapi).not.toContain('join-check');
    expect(logs).not.toContain(second!.token);
    expect(logs).not.toContain(host.token);
  }, 20_000);
});
