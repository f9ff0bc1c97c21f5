/** The load generator's lean WebSocket client against a real `ws` server: framing, fragments, control frames. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { LeanWebSocket } from '../load/adapters/lean-websocket.js';

let http: Server;
let wss: WebSocketServer;
let url: string;
const pongsSeen: Buffer[] = [];

beforeAll(async () => {
  http = createServer((_req, res) => {
    res.writeHead(403).end();
  });
  wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('p2') ? 'p2' : false) });
  http.on('upgrade', (req, socket, head) => {
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WsSocket) => {
    ws.on('pong', (data) => pongsSeen.push(Buffer.from(data)));
    ws.on('message', (data: Buffer, isBinary) => {
      const cmd = isBinary ? '' : data.toString();
      if (cmd === 'fragments') {
        ws.send(Buffer.from('ab'), { fin: false, binary: true });
        ws.send(Buffer.from('cd'), { fin: false, binary: true });
        ws.send(Buffer.from('ef'), { fin: true, binary: true });
      } else if (cmd === 'ping') ws.ping(Buffer.from('hi'));
      else if (cmd.startsWith('close')) ws.close(4005, 'replaced');
      else if (cmd.startsWith('burst')) {
        // many frames of mixed sizes in as few TCP writes as the kernel makes of them
        for (const n of [0, 1, 125, 126, 127, 65535, 65536, 200_000, 3]) ws.send(Buffer.alloc(n, n % 251), { binary: true });
      } else ws.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  wss.close();
  await new Promise((r) => http.close(r));
});

function open(path = '/', protocols?: string[]): Promise<LeanWebSocket> {
  const ws = new LeanWebSocket(url + path, protocols, { maxPayload: 1 << 20, handshakeTimeout: 5000, localAddress: '127.0.0.1' });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function collect(ws: LeanWebSocket, count: number): Promise<Array<{ data: Buffer; binary: boolean }>> {
  const got: Array<{ data: Buffer; binary: boolean }> = [];
  return new Promise((resolve) => {
    ws.on('message', (data: Buffer, binary: boolean) => {
      got.push({ data: Buffer.from(data), binary });
      if (got.length === count) resolve(got);
    });
  });
}

describe('LeanWebSocket', () => {
  it('echoes binary and text messages of every length class, and picks the subprotocol', async () => {
    const ws = await open('/', ['p1', 'p2']);
    expect(ws.protocol).toBe('p2');
    const sizes = [0, 5, 125, 126, 65535, 65536, 300_000];
    const got = collect(ws, sizes.length + 1);
    for (const n of sizes) ws.send(Buffer.alloc(n, n % 255));
    ws.send('hello', { binary: false });
    const messages = await got;
    expect(messages.slice(0, sizes.length).map((m) => [m.data.length, m.binary, m.data.every((b) => b === m.data.length % 255)])).toEqual(sizes.map((n) => [n, true, true]));
    expect(messages.at(-1)).toEqual({ data: Buffer.from('hello'), binary: false });
    ws.terminate();
  });

  it('parses frames split across and packed into TCP chunks', async () => {
    const ws = await open();
    const got = collect(ws, 9);
    ws.send('burst', { binary: false });
    const messages = await got;
    expect(messages.map((m) => m.data.length)).toEqual([0, 1, 125, 126, 127, 65535, 65536, 200_000, 3]);
    expect(messages.every((m) => m.data.every((b) => b === m.data.length % 251))).toBe(true);
    ws.terminate();
  });

  it('reassembles frames that arrive a few bytes at a time, headers split included', async () => {
    // A hand-written server: the 101 response and three frames (2-, 4- and 10-byte length headers) written in
    // 3-byte slices, each in its own TCP segment.
    const frames = [Buffer.alloc(5, 1), Buffer.alloc(300, 2), Buffer.alloc(70_000, 3)].map((p) => {
      const header = p.length < 126 ? Buffer.from([0x82, p.length]) : p.length < 65536 ? Buffer.from([0x82, 126, p.length >> 8, p.length & 255]) : Buffer.concat([Buffer.from([0x82, 127, 0, 0, 0, 0]), Buffer.from([(p.length >>> 24) & 255, (p.length >>> 16) & 255, (p.length >>> 8) & 255, p.length & 255])]);
      return Buffer.concat([header, p]);
    });
    const server = createTcpServer((sock) => {
      sock.setNoDelay(true);
      sock.once('data', async (req) => {
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(req.toString())![1]!;
        const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        const bytes = Buffer.concat([Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`), ...frames]);
        // small slices through the handshake and the first two frames, then the big one in larger pieces
        for (let at = 0; at < bytes.length; ) {
          const step = at < 400 ? 3 : 4096;
          sock.write(bytes.subarray(at, at + step));
          at += step;
          await new Promise((r) => setTimeout(r, at < 400 ? 1 : 0));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ws = new LeanWebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, undefined, { maxPayload: 1 << 20, handshakeTimeout: 5000 });
    const got = collect(ws, 3);
    const messages = await got;
    expect(messages.map((m) => [m.data.length, m.data.every((b) => b === m.data[0]), m.data[0]])).toEqual([
      [5, true, 1],
      [300, true, 2],
      [70_000, true, 3],
    ]);
    ws.terminate();
    server.close();
  });

  it('joins fragmented messages and answers pings', async () => {
    const ws = await open();
    const got = collect(ws, 2);
    ws.send('fragments', { binary: false });
    ws.send('ping', { binary: false });
    ws.send(Buffer.from([7]));
    const messages = await got;
    expect(messages[0]!.data.toString()).toBe('abcdef');
    expect(messages[1]!.data).toEqual(Buffer.from([7]));
    await expect.poll(() => pongsSeen.map((p) => p.toString())).toContain('hi');
    ws.terminate();
  });

  it('reports the close code and reason the server sends', async () => {
    const ws = await open();
    const closed = new Promise<[number, string]>((resolve) => ws.on('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
    ws.send('close', { binary: false });
    expect(await closed).toEqual([4005, 'replaced']);
    expect(ws.readyState).toBe(LeanWebSocket.CLOSED);
  });

  it('fails the handshake on a refusal, and reports 1006 after terminate()', async () => {
    await expect(open('/refuse')).rejects.toThrow(/Unexpected server response: 403/);
    const ws = await open();
    const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
    ws.terminate();
    expect(await closed).toBe(1006);
  });
});
