/**
 * TLS and the Origin allowlist, on both transports.
 * - `ephemera relay --tls-cert-file --tls-key-file` (a real child process, a certificate this test generates)
 *   serves wss://: the client SDK joins with the certificate as its CA and chats end to end; a client that does
 *   not trust the certificate and a plain ws:// client get no session.
 * - `--allowed-origins`: an Origin not on the list gets 403 RELAY_ERR_ORIGIN (before any token work), a listed
 *   one and a request without Origin (non-browser clients) are admitted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type EphemeraClient } from '../../client/index.js';
import { meetingId, startHarness, waitFor, type Harness } from '../helpers/relay-harness.js';
import { refusedJoin, rawJoin, selfSignedCert, startRelayChild, tokenMinter, TRANSPORT_NAMES, type RelayChild } from './security-helpers.js';

describe.each(TRANSPORT_NAMES)('TLS over %s', (transport) => {
  const cert = selfSignedCert();
  let relay: RelayChild | undefined;
  let dataDir = '';
  const clients: EphemeraClient[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ephemera-tls-relay-'));
    relay = await startRelayChild({
      args: ['--transport', transport, '--data-dir', dataDir, '--log-level', 'warn', '--tls-cert-file', cert.certFile, '--tls-key-file', cert.keyFile],
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await relay?.kill();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cert.dir, { recursive: true, force: true });
  });

  it('serves wss:// from the certificate and key files: the SDK joins with the CA and chats end to end', async () => {
    const r = relay!;
    expect(r.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const token = tokenMinter(dataDir);
    const mid = meetingId();
    const host = await connect({ url: r.url, meetingId: mid, token: token(mid, 'host', { role: 'host' }), nodeOptions: { ca: cert.ca } });
    const guest = await connect({ url: r.url, meetingId: mid, token: token(mid, 'guest'), nodeOptions: { ca: cert.ca } });
    clients.push(host, guest);
    const got: string[] = [];
    guest.on('chat', (e) => got.push(`${e.from}:${e.text}`));
    host.on('chat', (e) => got.push(`${e.from}:${e.text}`));
    host.sendChat('over tls');
    guest.sendChat('back', { to: 'host' });
    await waitFor(() => got.length === 2, 5_000, 'chat over TLS');
    expect(got.sort()).toEqual(['guest:back', 'host:over tls']);
    // A development shortcut, documented: rejectUnauthorized false also connects.
    const dev = await connect({ url: r.url, meetingId: mid, token: token(mid, 'dev'), nodeOptions: { rejectUnauthorized: false } });
    clients.push(dev);
    expect(dev.you.id).toBe('dev');
  });

  it('gives no session to a client that does not trust the certificate, nor to plain ws://', async () => {
    const r = relay!;
    const token = tokenMinter(dataDir);
    const mid = meetingId();
    await expect(connect({ url: r.url, meetingId: mid, token: token(mid, 'untrusting'), timeoutMs: 3_000 })).rejects.toThrow();
    // What the TLS layer says, seen through a raw client.
    const err = (await rawJoin(r.url, mid, token(mid, 'untrusting')).then(() => null, (e: unknown) => e)) as NodeJS.ErrnoException | null;
    expect(err?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    await expect(connect({ url: r.url.replace('wss://', 'ws://'), meetingId: mid, token: token(mid, 'plain'), timeoutMs: 3_000 })).rejects.toThrow();
    // The relay is fine afterwards.
    const ok = await connect({ url: r.url, meetingId: mid, token: token(mid, 'after'), nodeOptions: { ca: cert.ca } });
    clients.push(ok);
    expect(ok.you.id).toBe('after');
  });
});

describe.each(TRANSPORT_NAMES)('Origin allowlist over %s', (transport) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('refuses an Origin not on the list with 403 RELAY_ERR_ORIGIN, before the token is looked at; admits listed origins and requests without one', async () => {
    h = await startHarness(transport, { allowedOrigins: ['https://meet.example.com', 'https://app.example.com'] });
    const mid = meetingId();
    const evil = await refusedJoin(h.relay.url, mid, h.token(mid, 'x'), { origin: 'https://evil.example.com' });
    expect(evil.status).toBe(403);
    expect(evil.body).toEqual({ error: 'RELAY_ERR_ORIGIN', message: 'The request Origin is not on the relay allowlist.' });
    // A garbage token from a foreign origin is refused for its origin: no token work for it.
    const garbage = await refusedJoin(h.relay.url, mid, 'garbage', { origin: 'https://evil.example.com' });
    expect(garbage.body.error).toBe('RELAY_ERR_ORIGIN');
    // Close variants are not the listed origin.
    for (const origin of ['https://meet.example.com.evil.net', 'http://meet.example.com', 'https://meet.example.com:444', 'null']) {
      expect((await refusedJoin(h.relay.url, mid, h.token(mid, 'x'), { origin })).body.error).toBe('RELAY_ERR_ORIGIN');
    }
    const listed = await rawJoin(h.relay.url, mid, h.token(mid, 'browser'), { origin: 'https://app.example.com' });
    const tool = await rawJoin(h.relay.url, mid, h.token(mid, 'cli'));
    expect(listed.closeCode).toBeNull();
    expect(tool.closeCode).toBeNull();
    listed.ws.terminate();
    tool.ws.terminate();
  });
});
