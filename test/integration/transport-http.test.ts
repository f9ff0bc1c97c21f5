/**
 * Both transports' plain-HTTP path to the core (TransportHandlers.request, which carries the admission pre-check),
 * against real sockets on 127.0.0.1: what the core sees (method, path without query, lower-case headers, remote
 * address), synchronous and asynchronous answers, bodiless answers, "not mine" (426 as before), a core that throws
 * or rejects (500 RELAY_ERR_INTERNAL, no exception text), and a client that goes away while the core decides.
 */
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTransport,
  type HttpAnswer,
  type HttpRequest,
  type Transport,
  type TransportHandlers,
  type UpgradeDecision,
} from '../../relay/transport/index.js';

const TRANSPORTS = ['uws', 'ws'] as const;

/** A core that only answers plain requests, by path. */
class HttpCore implements TransportHandlers<null> {
  readonly seen: HttpRequest[] = [];
  private releaseSlow: (() => void) | null = null;
  slowStarted = false;

  upgrade(): UpgradeDecision<null> {
    return { accept: false, status: 404, body: { error: 'RELAY_ERR_NOT_FOUND', message: 'no' } };
  }
  open(): void {}
  message(): void {}
  drain(): void {}
  close(): void {}

  request(req: HttpRequest): HttpAnswer | null | Promise<HttpAnswer | null> {
    this.seen.push(req);
    const headers = { 'X-Core': 'yes', 'Cache-Control': 'no-store' };
    switch (req.path) {
      case '/sync':
        return { status: 200, headers, body: { ok: true, method: req.method } };
      case '/async':
        return new Promise((resolve) => setImmediate(() => resolve({ status: 403, headers, body: { error: 'RELAY_ERR_BARRED', message: 'barred' } })));
      case '/empty':
        return { status: 204, headers, body: null };
      case '/none':
        return null;
      case '/throw':
        throw new Error('a core bug with a secret');
      case '/reject':
        return Promise.reject(new Error('a core bug with a secret'));
      case '/slow':
        this.slowStarted = true;
        return new Promise((resolve) => {
          this.releaseSlow = () => resolve({ status: 200, headers, body: { ok: true } });
        });
      default:
        return null;
    }
  }

  release(): void {
    this.releaseSlow?.();
  }
}

interface Got {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

function get(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.end();
  });
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each(TRANSPORTS)('plain HTTP requests reach the core over %s', (name) => {
  let transport: Transport | null = null;
  let core: HttpCore;
  let port = 0;

  async function start(): Promise<void> {
    core = new HttpCore();
    transport = createTransport(name, { host: '127.0.0.1', port: 0, maxPayloadBytes: 65536, maxBackpressureBytes: 1 << 20, idleTimeoutSeconds: 0, closeTimeoutMs: 500 }, core);
    port = await transport.listen();
  }

  afterEach(async () => {
    await transport?.close();
    transport = null;
  });

  it('gives the core method, path without query, lower-case headers and the address; writes its status, headers and JSON', async () => {
    await start();
    const got = await get(port, 'get', '/sync?x=1', { Authorization: 'Bearer abc', Origin: 'http://o.example' });
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-core']).toBe('yes');
    expect(got.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(got.text)).toEqual({ ok: true, method: 'GET' });
    const seen = core.seen[0]!;
    expect(seen).toMatchObject({ method: 'GET', path: '/sync', remoteAddress: '127.0.0.1' });
    expect(seen.headers.authorization).toBe('Bearer abc');
    expect(seen.headers.origin).toBe('http://o.example');
    const options = await get(port, 'OPTIONS', '/sync');
    expect(JSON.parse(options.text)).toMatchObject({ method: 'OPTIONS' });
  });

  it('waits for an asynchronous answer; writes a bodiless one with no JSON type', async () => {
    await start();
    const later = await get(port, 'GET', '/async');
    expect(later.status).toBe(403);
    expect(JSON.parse(later.text)).toEqual({ error: 'RELAY_ERR_BARRED', message: 'barred' });
    expect(later.headers['x-core']).toBe('yes');
    const empty = await get(port, 'OPTIONS', '/empty');
    expect(empty.status).toBe(204);
    expect(empty.text).toBe('');
    expect(empty.headers['content-type']).toBeUndefined();
    expect(empty.headers['x-core']).toBe('yes');
  });

  it('answers 426 RELAY_ERR_UPGRADE_REQUIRED when the core says "not mine"; 500 RELAY_ERR_INTERNAL without the text when it throws or rejects', async () => {
    await start();
    const none = await get(port, 'GET', '/none');
    expect(none.status).toBe(426);
    expect(JSON.parse(none.text)).toMatchObject({ error: 'RELAY_ERR_UPGRADE_REQUIRED' });
    for (const path of ['/throw', '/reject']) {
      const bad = await get(port, 'GET', path);
      expect(bad.status, path).toBe(500);
      expect(JSON.parse(bad.text), path).toMatchObject({ error: 'RELAY_ERR_INTERNAL' });
      expect(bad.text, path).not.toContain('secret');
    }
    // Still serving.
    expect((await get(port, 'GET', '/sync')).status).toBe(200);
  });

  it('survives a client that goes away while the core decides', async () => {
    await start();
    const socket = netConnect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => core.slowStarted, 'the core to start deciding');
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.destroy();
    await gone;
    core.release();
    expect((await get(port, 'GET', '/sync')).status).toBe(200);
  });
});
