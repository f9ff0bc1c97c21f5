/**
 * Both WebSocket transports against real `ws` clients on 127.0.0.1: handshakes (subprotocol, refusals, async
 * decisions, aborted clients), send and pub/sub, oversize frames, close codes, the hard backpressure cap with a
 * peer that never reads, shutdown, TLS. A tiny echo/pub-sub core written here implements TransportHandlers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as netConnect, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import {
  createTransport,
  uwsIsNative,
  type Connection,
  type Transport,
  type TransportHandlers,
  type TransportOptions,
  type UpgradeDecision,
  type UpgradeRequest,
} from '../../relay/transport/index.js';

const TRANSPORTS = ['uws', 'ws'] as const;
type Name = (typeof TRANSPORTS)[number];
const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Ctx {
  readonly id: number;
  readonly path: string;
}

/** A small core: accepts, refuses or decides later by path; echoes messages; records everything. */
class TestCore implements TransportHandlers<Ctx> {
  readonly requests: UpgradeRequest[] = [];
  readonly opened: Connection<Ctx>[] = [];
  readonly messages: { conn: Connection<Ctx>; data: Uint8Array; isBinary: boolean }[] = [];
  readonly closes: { conn: Connection<Ctx>; code: number }[] = [];
  drains = 0;
  asyncDelayMs = 50;
  private nextId = 0;

  upgrade(req: UpgradeRequest): UpgradeDecision<Ctx> | Promise<UpgradeDecision<Ctx>> {
    this.requests.push(req);
    if (req.path === '/refuse') {
      return { accept: false, status: 403, body: { code: 'RELAY_ERR_MEETING_LOCKED', message: 'locked' } };
    }
    if (req.path === '/throw') throw new Error('a core bug');
    if (req.path === '/reject') return Promise.reject(new Error('a core bug'));
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const decision: UpgradeDecision<Ctx> = {
      accept: true,
      protocol: offered.includes('ephemera.v1') ? 'ephemera.v1' : '',
      context: { id: ++this.nextId, path: req.path },
    };
    if (req.path.startsWith('/async')) {
      return new Promise((resolve) => setTimeout(() => resolve(decision), this.asyncDelayMs));
    }
    return decision;
  }
  open(conn: Connection<Ctx>): void {
    this.opened.push(conn);
  }
  message(conn: Connection<Ctx>, data: Uint8Array, isBinary: boolean): void {
    this.messages.push({ conn, data: data.slice(), isBinary });
    // Echo from inside the callback: the view must still be valid here.
    conn.send(data);
  }
  drain(): void {
    this.drains++;
  }
  close(conn: Connection<Ctx>, code: number): void {
    this.closes.push({ conn, code });
  }
  closeCodeOf(conn: Connection<Ctx>): number | undefined {
    return this.closes.find((c) => c.conn === conn)?.code;
  }
}

const BASE: TransportOptions = {
  host: '127.0.0.1',
  port: 0,
  maxPayloadBytes: 64 * 1024,
  maxBackpressureBytes: 256 * 1024,
  idleTimeoutSeconds: 0,
  closeTimeoutMs: 500,
};

async function waitFor(cond: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Client {
  readonly ws: WebSocket;
  readonly received: Buffer[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

function track(ws: WebSocket): Client {
  const received: Buffer[] = [];
  ws.on('message', (data: Buffer) => received.push(data));
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return { ws, received, closed };
}

function connect(url: string, protocols: string[] = ['ephemera.v1', 'bearer.xyz'], options: ClientOptions = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    const client = track(ws);
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  });
}

/** Attempts an upgrade that is expected to be refused; resolves with the HTTP answer and whether it opened. */
function refused(
  url: string,
  options: ClientOptions = {},
): Promise<{ status: number; contentType: string | undefined; body: unknown; opened: boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['ephemera.v1'], options);
    let opened = false;
    ws.on('open', () => {
      opened = true;
    });
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: JSON.parse(text), opened });
        } catch (err) {
          reject(err);
        }
      });
    });
  });
}

function haveOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

describe.each(TRANSPORTS)('%s transport', (name: Name) => {
  let transport: Transport | undefined;
  let core: TestCore;
  let url: string;
  const clients: WebSocket[] = [];

  async function start(overrides: Partial<TransportOptions> = {}): Promise<void> {
    core = new TestCore();
    transport = createTransport(name, { ...BASE, ...overrides }, core);
    const port = await transport.listen();
    url = `${overrides.tls ? 'wss' : 'ws'}://${overrides.tls ? 'localhost' : '127.0.0.1'}:${port}`;
  }

  async function client(path = '/v1/meetings/abc', protocols?: string[], options?: ClientOptions): Promise<Client> {
    const c = await connect(url + path, protocols, options);
    clients.push(c.ws);
    return c;
  }

  /** A client and its server-side connection. */
  async function pair(path?: string, options?: ClientOptions): Promise<{ c: Client; conn: Connection<Ctx> }> {
    const before = core.opened.length;
    const c = await client(path, undefined, options);
    await waitFor(() => core.opened.length > before, 2_000, 'open');
    return { c, conn: core.opened[core.opened.length - 1]! };
  }

  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await transport?.close();
    transport = undefined;
  });

  it('accepts an upgrade with the chosen subprotocol and echoes binary frames, also from a subarray', async () => {
    await start();
    const { c, conn } = await pair('/v1/meetings/abc?x=1');
    expect(c.ws.protocol).toBe('ephemera.v1');
    const req = core.requests[0]!;
    expect(req.path).toBe('/v1/meetings/abc');
    expect(req.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim())).toEqual(['ephemera.v1', 'bearer.xyz']);
    expect(req.headers['upgrade']?.toLowerCase()).toBe('websocket');
    expect(req.remoteAddress).toBe('127.0.0.1');
    expect(conn.remoteAddress).toBe('127.0.0.1');
    expect(conn.context.path).toBe('/v1/meetings/abc');
    expect(conn.closed).toBe(false);

    c.ws.send(Uint8Array.from([1, 2, 3]));
    await waitFor(() => c.received.length === 1);
    expect([...c.received[0]!]).toEqual([1, 2, 3]);
    expect(core.messages[0]!.isBinary).toBe(true);

    c.ws.send('text');
    await waitFor(() => core.messages.length === 2);
    expect(core.messages[1]!.isBinary).toBe(false);

    // A send from outside any transport callback, of a view into a larger buffer, and the caller then reusing it.
    const big = Uint8Array.from({ length: 100 }, (_, i) => i);
    const view = big.subarray(10, 15);
    expect(conn.send(view)).toBe(true);
    view.fill(0);
    await waitFor(() => c.received.length === 3);
    expect([...c.received[2]!]).toEqual([10, 11, 12, 13, 14]);
  });

  it('refuses with the HTTP status and JSON body, and opens no WebSocket', async () => {
    await start();
    const r = await refused(url + '/refuse');
    expect(r.status).toBe(403);
    expect(r.contentType).toBe('application/json');
    expect(r.body).toEqual({ code: 'RELAY_ERR_MEETING_LOCKED', message: 'locked' });
    expect(r.opened).toBe(false);
    expect(core.opened).toHaveLength(0);
  });

  it('answers 500 with a JSON body when the core throws or rejects', async () => {
    await start();
    for (const path of ['/throw', '/reject']) {
      const r = await refused(url + path);
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ error: 'RELAY_ERR_INTERNAL' });
      expect(JSON.stringify(r.body)).not.toContain('a core bug');
    }
    expect(core.opened).toHaveLength(0);
  });

  it('answers plain HTTP requests with 426 and a JSON body', async () => {
    await start();
    const port = Number(new URL(url).port);
    const got = await new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/meetings/abc' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(got.status).toBe(426);
    expect(got.type).toBe('application/json');
    expect(JSON.parse(got.body)).toMatchObject({ error: 'RELAY_ERR_UPGRADE_REQUIRED' });
  });

  it('waits for an asynchronous upgrade decision', async () => {
    await start();
    core.asyncDelayMs = 100;
    const t0 = Date.now();
    const { c, conn } = await pair('/async/1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(c.ws.protocol).toBe('ephemera.v1');
    expect(conn.context.path).toBe('/async/1');
    c.ws.send(Uint8Array.of(7));
    await waitFor(() => c.received.length === 1);
  });

  it('survives clients that abort during an asynchronous upgrade', async () => {
    await start();
    core.asyncDelayMs = 150;
    const port = Number(new URL(url).port);
    // A raw socket that sends a handshake and resets, and a ws client that gives up while the core decides.
    const raw = netConnect(port, '127.0.0.1', () => {
      raw.write(
        'GET /async/raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      setTimeout(() => raw.resetAndDestroy(), 30);
    });
    raw.on('error', () => {});
    const quitter = new WebSocket(url + '/async/quitter', ['ephemera.v1']);
    quitter.on('error', () => {});
    setTimeout(() => quitter.terminate(), 30);
    await waitFor(() => core.requests.length === 2);
    await sleep(300);
    expect(core.opened).toHaveLength(0);
    // The server still works.
    const { c } = await pair('/v1/meetings/after');
    c.ws.send(Uint8Array.of(1));
    await waitFor(() => c.received.length === 1);
  });

  it('publishes to subscribers: Connection.publish skips the sender, Transport.publish reaches all', async () => {
    await start();
    const a = await pair();
    const b = await pair();
    const c = await pair();
    for (const p of [a, b, c]) p.conn.subscribe('room');
    expect(transport!.subscribers('room')).toBe(3);
    expect(transport!.subscribers('nobody')).toBe(0);

    a.conn.publish('room', Uint8Array.of(1));
    await waitFor(() => b.c.received.length === 1 && c.c.received.length === 1);
    transport!.publish('room', Uint8Array.of(2));
    await waitFor(() => a.c.received.length === 1 && b.c.received.length === 2 && c.c.received.length === 2);
    // The first frame a received is the transport-wide publish: its own publish never came back.
    expect([...a.c.received[0]!]).toEqual([2]);
    expect(b.c.received.map((m) => m[0])).toEqual([1, 2]);

    c.conn.unsubscribe('room');
    expect(transport!.subscribers('room')).toBe(2);
    b.c.ws.close(1000, 'bye');
    await waitFor(() => core.closes.length === 1);
    expect(core.closeCodeOf(b.conn)).toBe(1000);
    expect(transport!.subscribers('room')).toBe(1);
    transport!.publish('room', Uint8Array.of(3));
    await waitFor(() => a.c.received.length === 2);
    await sleep(50);
    expect(c.c.received).toHaveLength(2);

    // Large frames (past uWS's 16 KiB batching and ws's 64 KiB extended length) arrive intact.
    const large = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff);
    transport!.publish('room', large);
    await waitFor(() => a.c.received.length === 3);
    expect(Buffer.compare(a.c.received[2]!, Buffer.from(large))).toBe(0);
  });

  it('closes a subscriber that publish() pushes past the hard cap, and keeps delivering to the others', async () => {
    await start();
    const slow = await pair();
    const fast = await pair();
    slow.conn.subscribe('room');
    fast.conn.subscribe('room');
    slow.c.ws.pause();
    const chunk = new Uint8Array(64 * 1024);
    let published = 0;
    while (core.closes.length === 0) {
      transport!.publish('room', chunk);
      published++;
      // Loopback kernel buffers may absorb tens of MB (tcp_rmem max is 32 MB here) before the cap is reached.
      expect(published).toBeLessThan(5_000);
      await new Promise((r) => setImmediate(r));
    }
    // ws: the transport checks each subscriber and closes with 4003. uWS: uWS closes the subscriber itself
    // (closeOnBackpressureLimit) and JS only sees 1006, like a vanished peer (see README).
    expect(core.closes[0]!.conn).toBe(slow.conn);
    expect(core.closes[0]!.code).toBe(name === 'ws' ? 4003 : 1006);
    expect(transport!.subscribers('room')).toBe(1);
    await waitFor(() => fast.c.received.length === published, 5_000, 'fast subscriber got every frame');
    expect(fast.conn.closed).toBe(false);
  });

  it('reports drain once a backed-up send buffer empties', async () => {
    await start();
    const { c, conn } = await pair();
    c.ws.pause();
    const chunk = new Uint8Array(16 * 1024);
    let sent = 0;
    while (conn.bufferedAmount() === 0) {
      expect(conn.send(chunk)).toBe(true);
      sent++;
      expect(sent).toBeLessThan(20_000);
      if (sent % 8 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(conn.closed).toBe(false);
    const drainsBefore = core.drains;
    c.ws.resume();
    await waitFor(() => core.drains > drainsBefore && conn.bufferedAmount() === 0, 5_000, 'drain');
    await waitFor(() => c.received.length === sent, 5_000, 'every frame');
  });

  it('closes a connection that sends a frame above maxPayloadBytes', async () => {
    await start({ maxPayloadBytes: 1024 });
    const { c, conn } = await pair();
    c.ws.send(new Uint8Array(1024));
    await waitFor(() => c.received.length === 1);
    c.ws.send(new Uint8Array(1025));
    const seen = await c.closed;
    await waitFor(() => core.closes.length === 1);
    // Both drop the TCP connection without a close frame (uWS cannot send one; ws is made to do the same): the
    // client sees 1006 on both, the core's close handler gets 1009 on both.
    expect(seen.code).toBe(1006);
    expect(core.closeCodeOf(conn)).toBe(1009);
    expect(core.messages).toHaveLength(1);
  });

  it('wipes the received bytes once the message handler returned (the handler saw them intact)', async () => {
    await start();
    const views: Uint8Array[] = [];
    const seen: string[] = [];
    const message = core.message.bind(core);
    core.message = (conn, data, isBinary) => {
      views.push(data);
      seen.push(Buffer.from(data).toString());
      message(conn, data, isBinary);
    };
    const { c } = await pair();
    c.ws.send(Buffer.from('secret bytes 0123456789'));
    await waitFor(() => c.received.length === 1);
    expect(seen).toEqual(['secret bytes 0123456789']);
    expect(c.received[0]!.toString()).toBe('secret bytes 0123456789');
    if (name === 'ws') {
      expect(views[0]!.byteLength).toBe(23);
      expect(views[0]!.every((b) => b === 0)).toBe(true);
    } else {
      // uWS detaches the ArrayBuffer after the callback: the wipe of the memory under it (uWS's receive buffer)
      // is seen by the memory scan of test/ephemeral, not from JS.
      expect(views[0]!.byteLength).toBe(0);
    }
  });

  it('delivers close(code, reason) to the client, and the methods stay safe afterwards', async () => {
    await start();
    const { c, conn } = await pair();
    conn.close(4006, 'removed by host');
    expect(conn.closed).toBe(true);
    conn.close(4000, 'again');
    const seen = await c.closed;
    expect(seen).toEqual({ code: 4006, reason: 'removed by host' });
    await waitFor(() => core.closes.length === 1);
    expect(core.closes[0]!.code).toBe(4006);
    expect(conn.send(Uint8Array.of(1))).toBe(false);
    expect(conn.bufferedAmount()).toBe(0);
    expect(() => {
      conn.subscribe('t');
      conn.unsubscribe('t');
      conn.publish('t', Uint8Array.of(1));
      conn.close(1000, '');
    }).not.toThrow();
    await sleep(20);
    expect(core.closes).toHaveLength(1);
  });

  it('cuts an over-long close reason and replaces a code that may not be sent', async () => {
    await start();
    const a = await pair();
    a.conn.close(4001, 'é'.repeat(100));
    const seenA = await a.c.closed;
    expect(seenA.code).toBe(4001);
    expect(Buffer.byteLength(seenA.reason)).toBeLessThanOrEqual(123);
    expect(seenA.reason).toBe('é'.repeat(61));
    const b = await pair();
    b.conn.close(1006, 'no');
    expect((await b.c.closed).code).toBe(4009);
  });

  it('closes a peer that stops reading at the hard backpressure cap with 4003', async () => {
    await start();
    const { c, conn } = await pair();
    c.ws.pause();
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    // Sends from timers (outside transport callbacks) until the cap refuses one.
    while (conn.send(chunk)) {
      sent++;
      if (sent % 16 === 0) await new Promise((r) => setImmediate(r));
      expect(sent).toBeLessThan(5_000);
    }
    expect(conn.closed).toBe(true);
    expect(conn.send(chunk)).toBe(false);
    // A slow (not dead) reader that catches up finds the close frame behind its backlog.
    c.ws.resume();
    const seen = await c.closed;
    expect(seen).toEqual({ code: 4003, reason: 'slow consumer' });
    expect(c.received.length).toBeGreaterThan(0);
    await waitFor(() => core.closes.length === 1, 2_000, 'core close');
    expect(core.closes[0]!.code).toBe(4003);
  });

  it(
    'forcibly closes a slow consumer that never reads',
    async () => {
      await start();
      const { c, conn } = await pair();
      c.ws.pause();
      const chunk = new Uint8Array(64 * 1024);
      while (conn.send(chunk)) await new Promise((r) => setImmediate(r));
      const t0 = Date.now();
      await waitFor(() => core.closes.length === 1, 2_000, 'core close');
      expect(core.closes[0]!.code).toBe(4003);
      // Both transports report a close they started at once; the socket lingers for the peer meanwhile.
      expect(Date.now() - t0).toBeLessThan(BASE.closeTimeoutMs);
      // ws: destroyed closeTimeoutMs (500 ms) after the close frame was queued. uWS: shut by uWS itself after
      // its ping-timeout margin (4 s with idleTimeout 0), closeTimeoutMs does not apply (see README).
      await sleep(name === 'ws' ? BASE.closeTimeoutMs + 300 : 4_000 + 1_500);
      c.ws.resume();
      const seen = await c.closed;
      expect(seen.code).toBe(1006);
    },
    15_000,
  );

  it('close() closes every client with 1001 and reports each close to the core', async () => {
    await start();
    const a = await pair();
    const b = await pair();
    const port = Number(new URL(url).port);
    await transport!.close();
    await transport!.close();
    expect(core.closes.map((x) => x.code).sort()).toEqual([1001, 1001]);
    expect(await a.c.closed).toEqual({ code: 1001, reason: 'going away' });
    expect(await b.c.closed).toEqual({ code: 1001, reason: 'going away' });
    await expect(connect(`ws://127.0.0.1:${port}/v1/meetings/abc`)).rejects.toThrow();
  });

  it('stopAccepting() refuses new connections and keeps open ones', async () => {
    await start();
    const a = await pair();
    const port = Number(new URL(url).port);
    transport!.stopAccepting();
    transport!.stopAccepting();
    await expect(connect(`ws://127.0.0.1:${port}/v1/meetings/abc`)).rejects.toThrow();
    a.c.ws.send(Uint8Array.of(9));
    await waitFor(() => a.c.received.length === 1);
  });

  it('rejects listen() on a port in use with RELAY_ERR_LISTEN', async () => {
    const blocker: NetServer = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      core = new TestCore();
      transport = createTransport(name, { ...BASE, port }, core);
      await expect(transport.listen()).rejects.toMatchObject({ code: 'RELAY_ERR_LISTEN' });
    } finally {
      blocker.close();
    }
  });

  it('throws at construction on bad options, naming the setting', () => {
    expect(() => createTransport(name, { ...BASE, maxPayloadBytes: 0 }, new TestCore())).toThrow(/maxPayloadBytes/);
    expect(() => createTransport(name, { ...BASE, port: 70_000 }, new TestCore())).toThrow(/port/);
    expect(() => createTransport(name, { ...BASE, tls: { certFile: '/nonexistent.pem', keyFile: '/nonexistent.key' } }, new TestCore())).toThrow(
      /tls\.certFile/,
    );
  });

  describe('over TLS', () => {
    let dir: string;
    beforeAll(() => {
      if (!haveOpenssl()) throw new Error('openssl is needed to generate the test certificate');
      dir = mkdtempSync(join(tmpdir(), 'ephemera-tls-'));
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
    });
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('accepts, echoes and publishes over wss://', async () => {
      await start({ tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } });
      const ca = readFileSync(join(dir, 'cert.pem'));
      const a = await pair('/v1/meetings/tls', { ca });
      expect(a.c.ws.protocol).toBe('ephemera.v1');
      a.c.ws.send(Uint8Array.of(5, 6));
      await waitFor(() => a.c.received.length === 1);
      expect([...a.c.received[0]!]).toEqual([5, 6]);
      a.conn.subscribe('t');
      transport!.publish('t', Uint8Array.of(7));
      await waitFor(() => a.c.received.length === 2);
      const r = await refused(url + '/refuse', { ca });
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ code: 'RELAY_ERR_MEETING_LOCKED', message: 'locked' });
      expect(r.opened).toBe(false);
    });
  });
});

describe('ws transport idle timeout', () => {
  let transport: Transport | undefined;
  afterEach(async () => {
    await transport?.close();
    transport = undefined;
  });

  it('drops a peer that answers nothing within idleTimeoutSeconds, keeps one that answers pings', async () => {
    const core = new TestCore();
    transport = createTransport('ws', { ...BASE, idleTimeoutSeconds: 1 }, core);
    const port = await transport.listen();
    const live = await connect(`ws://127.0.0.1:${port}/live`);
    const mute = await connect(`ws://127.0.0.1:${port}/mute`, ['ephemera.v1'], { autoPong: false });
    const t0 = Date.now();
    const seen = await mute.closed;
    expect(seen.code).toBe(1006);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(2_500);
    await waitFor(() => core.closes.length === 1);
    expect(core.closes[0]!.code).toBe(1006);
    expect(core.closes[0]!.conn.context.path).toBe('/mute');
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    live.ws.terminate();
  });
});

describe('ws transport handshake deadline', () => {
  let transport: Transport | undefined;
  afterEach(async () => {
    await transport?.close();
    transport = undefined;
  });

  it('cuts off a connection that trickles its upgrade request or sends nothing, after handshakeTimeoutMs', async () => {
    const core = new TestCore();
    transport = createTransport('ws', { ...BASE, handshakeTimeoutMs: 1_000 }, core);
    const port = await transport.listen();
    const request = 'GET /v1/meetings/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
    const cut = (trickle: boolean): Promise<{ ms: number; answer: string }> =>
      new Promise((resolve) => {
        const socket = netConnect(port, '127.0.0.1');
        const t0 = Date.now();
        let i = 0;
        let answer = '';
        const timer = setInterval(() => {
          if (trickle && i < request.length && !socket.destroyed) socket.write(request[i++]!);
        }, 50);
        socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
        socket.on('error', () => {});
        socket.on('close', () => {
          clearInterval(timer);
          resolve({ ms: Date.now() - t0, answer });
        });
      });
    const [trickled, silent] = await Promise.all([cut(true), cut(false)]);
    for (const r of [trickled, silent]) {
      expect(r.ms).toBeGreaterThanOrEqual(900);
      expect(r.ms).toBeLessThan(2_500);
      expect(r.answer.startsWith('HTTP/1.1 408')).toBe(true);
    }
    expect(core.requests).toEqual([]);
  });

  it('rejects a handshakeTimeoutMs out of range, naming it', () => {
    expect(() => createTransport('ws', { ...BASE, handshakeTimeoutMs: 10 }, new TestCore())).toThrow(/handshakeTimeoutMs/);
  });
});

describe('uws native check', () => {
  it('reports the native binary here', () => {
    expect(uwsIsNative()).toBe(true);
  });

  it('refuses loudly when uWebSockets.js falls back to its JavaScript emulation', () => {
    const script =
      "import { createUwsTransport, uwsIsNative } from './relay/transport/index.ts';" +
      "console.log('native=' + uwsIsNative());" +
      'try { createUwsTransport({ host: "127.0.0.1", port: 0, maxPayloadBytes: 1024, maxBackpressureBytes: 65536, ' +
      'idleTimeoutSeconds: 0, closeTimeoutMs: 100 }, {}); console.log("created"); } ' +
      "catch (e) { console.log('code=' + e.code); console.log('message=' + e.message); }";
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      env: { ...process.env, UWS_USE_FALLBACK: '1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out.stdout).toContain('native=false');
    expect(out.stdout).toContain('code=RELAY_ERR_UWS_NOT_NATIVE');
    expect(out.stdout).toContain('uWebSockets.js native binary did not load; use --transport ws');
    expect(out.stdout).not.toContain('created');
  });
});
