/**
 * Helpers shared by the proofs under attack (test/integration/security-*.test.ts, test/fuzz, test/ephemeral,
 * test/soak): raw WebSocket peers that see every frame and close code, a relay child process with a chosen cwd,
 * node flags and environment, process memory and CPU readings from /proc, a self-signed certificate, raw HTTP
 * exchanges, a seeded PRNG, percentiles and metric scrapes.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, type ClientOptions } from 'ws';
import { BEARER_PREFIX, decodeEnvelope, SUBPROTOCOL, type Envelope } from '../../protocol/index.js';
import { DEFAULT_CAPABILITIES, loadOrCreateDevKeys, mintJoinToken, type Capability, type Role } from '../../token/index.js';
import { spawnRelay } from '../helpers/relay-process.js';

export const TRANSPORT_NAMES = ['uws', 'ws'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Seeded PRNG (mulberry32): runs are replayable from the seed a test prints. */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(a: readonly T[]): T; bytes(n: number): Buffer } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(a: readonly T[]): T => a[int(a.length)] as T,
    bytes: (n: number): Buffer => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    },
  };
}

/** The q-quantile (0..1) of `values` (nearest rank); NaN for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Mints development tokens for the relay whose data folder is `dataDir`. */
export function tokenMinter(dataDir: string, issuer = 'ephemera-invite', audience = 'ephemera-relay') {
  const keys = loadOrCreateDevKeys(dataDir);
  return (meetingId: string, participantId: string, opts: { role?: Role; capabilities?: Capability[]; ttlSeconds?: number } = {}): string => {
    const role = opts.role ?? 'attendee';
    return mintJoinToken(keys.privateKey, keys.kid, {
      issuer,
      audience,
      participantId,
      meetingId,
      role,
      capabilities: opts.capabilities ?? [...DEFAULT_CAPABILITIES[role]],
      ttlSeconds: opts.ttlSeconds ?? 600,
    });
  };
}

/** A raw WebSocket participant: every frame it receives, decoded, and how it closed. */
export interface RawPeer {
  readonly ws: WebSocket;
  /** Decoded frames in arrival order (undecodable ones are recorded as null). */
  readonly frames: Array<Envelope | null>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Set once closed. */
  closeCode: number | null;
  /** Called for every decoded frame (after it was recorded). */
  onFrame: ((env: Envelope) => void) | null;
}

/** Wraps a `ws` client so that it records frames and its close. */
export function rawPeer(ws: WebSocket, keepFrames = true): RawPeer {
  const peer: RawPeer = {
    ws,
    frames: [],
    closeCode: null,
    onFrame: null,
    closed: new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        peer.closeCode = code;
        resolve({ code, reason: reason.toString() });
      });
    }),
  };
  ws.binaryType = 'nodebuffer';
  ws.on('error', () => {});
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const r = isBinary ? decodeEnvelope(data) : null;
    const env = r !== null && r.ok ? r.value : null;
    if (keepFrames) peer.frames.push(env);
    if (env !== null) peer.onFrame?.(env);
  });
  return peer;
}

/** A refused upgrade: its HTTP status and JSON body. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number, readonly body: { error?: string; code?: string; message?: string }, readonly headers: Record<string, unknown>) {
    super(`upgrade refused with ${status} ${body.error ?? body.code ?? ''}`);
  }
}

/**
 * Opens a raw participant socket and resolves once the relay's WELCOME arrived; rejects with UpgradeRefused for an
 * HTTP refusal. `options` go to the ws constructor (localAddress, origin, ca, headers...).
 */
export function rawJoin(baseUrl: string, meetingId: string, token: string, options: ClientOptions = {}, keepFrames = true): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl}/v1/meetings/${meetingId}`, [SUBPROTOCOL, BEARER_PREFIX + token], { perMessageDeflate: false, ...options });
    const peer = rawPeer(ws, keepFrames);
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(err);
    };
    let lastError: Error | null = null;
    let refusing = false;
    ws.once('unexpected-response', (_req, res) => {
      refusing = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body = {};
        try {
          body = JSON.parse(text) as object;
        } catch {
          // not JSON: reported as an empty body
        }
        fail(new UpgradeRefused(res.statusCode ?? 0, body, res.headers));
      });
    });
    ws.once('error', (err) => (lastError = err));
    ws.once('close', (code) => {
      if (!refusing) fail(lastError ?? new Error(`closed with ${code} before WELCOME`));
    });
    ws.once('message', () => {
      if (settled) return;
      settled = true;
      resolve(peer);
    });
  });
}

/** Attempts a join that the relay should refuse at the upgrade; resolves with the refusal. */
export async function refusedJoin(baseUrl: string, meetingId: string, token: string, options: ClientOptions = {}): Promise<UpgradeRefused> {
  try {
    const p = await rawJoin(baseUrl, meetingId, token, options);
    p.ws.terminate();
  } catch (err) {
    if (err instanceof UpgradeRefused) return err;
    throw err;
  }
  throw new Error('the join was accepted');
}

/** A relay started as a real child process (`node [nodeArgs] bin/ephemera.js relay ...`). */
export interface RelayChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  readonly adminPort: number;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running; resolves once it exited. Idempotent. */
  kill(): Promise<void>;
}

/**
 * Starts `ephemera relay` in a child process with its own cwd (where node writes heap snapshots), node flags and
 * environment. Resolves once it prints its URLs.
 */
export async function startRelayChild(opts: { args: string[]; env?: NodeJS.ProcessEnv; cwd?: string; nodeArgs?: string[]; timeoutMs?: number }): Promise<RelayChild> {
  const r = await spawnRelay(opts.args, opts.env ?? {}, opts.timeoutMs ?? 20_000, {
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.nodeArgs !== undefined ? { nodeArgs: opts.nodeArgs } : {}),
  });
  const child = r.child;
  return {
    child,
    pid: child.pid!,
    url: r.url,
    port: Number(/:(\d+)$/.exec(r.url)![1]),
    adminPort: r.adminPort,
    stdout: r.stdout,
    stderr: r.stderr,
    exited: r.exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await r.exited;
    },
  };
}

/** Resident set size of a process, bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU time (user + system) a process used so far, milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of /proc/pid/stat (utime, stime), here at index 11 and 12 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** One sample of a Prometheus metric from the relay's admin port (0 when absent). */
export async function metricValue(adminPort: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
    if (want.every((w) => rest.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** A self-signed EC certificate for localhost and 127.0.0.1 (needs openssl), in a fresh temp folder. */
export function selfSignedCert(): { dir: string; certFile: string; keyFile: string; ca: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'ephemera-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', keyFile, '-out', certFile,
    ],
    { stdio: 'ignore' },
  );
  return { dir, certFile, keyFile, ca: readFileSync(certFile) };
}

/** The answer to a raw HTTP exchange: status, lower-case headers, body, and when the socket closed. */
export interface RawHttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly closedAfterMs: number;
}

/** Parses the head of an HTTP response. */
export function parseHttpHead(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers, body: end < 0 ? '' : text.slice(end + 4) };
}

/** Writes `request` on a fresh TCP connection and collects everything until the server closes (or `timeoutMs`). */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 5_000, localAddress?: string): Promise<RawHttpAnswer & { socket: Socket }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = netConnect({ port, host: '127.0.0.1', ...(localAddress !== undefined ? { localAddress } : {}) });
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const text = data.toString('latin1');
      resolve({ ...parseHttpHead(text), closedAfterMs: Date.now() - t0, socket });
    };
    const timer = setTimeout(() => {
      finish();
      socket.destroy();
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (c: Buffer) => (data = Buffer.concat([data, c])));
    socket.on('close', finish);
    socket.on('error', () => {});
  });
}

/** An HTTP/1.1 WebSocket upgrade request for a join, as bytes on the wire. */
export function upgradeRequest(path: string, protocols: string[], extra: Record<string, string> = {}): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${protocols.join(', ')}`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  return lines.join('\r\n') + '\r\n\r\n';
}

/**
 * A client-to-server WebSocket frame (masked, as RFC 6455 requires of clients) with free FIN/opcode/RSV bits, for
 * tests that speak the wire directly (fragments, compressed frames).
 */
export function clientFrame(opcode: number, payload: Uint8Array, fin = true, rsv1 = false): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + len);
  out[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  if (head === 2) out[1] = 0x80 | len;
  else if (head === 4) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(len, 6);
  }
  const mask = [0x12, 0x34, 0x56, 0x78];
  for (let i = 0; i < 4; i++) out[head + i] = mask[i]!;
  for (let i = 0; i < len; i++) out[head + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

/** A frame from the server (unmasked), as rawWs parses it. */
export interface ServerFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

/** A WebSocket spoken by hand over a raw TCP socket: for fragments, compressed frames and other oddities. */
export interface RawWs {
  readonly socket: Socket;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Frames received so far (none when discarding). */
  readonly frames: ServerFrame[];
  /** Bytes received after the upgrade answer, when discarding. */
  readonly received: { bytes: number };
  /**
   * Resolves when the server's close frame arrived (answered at once, as a client must) or the TCP connection
   * closed without one; `closeCode` is the code of the server's close frame, null when there was none.
   */
  readonly ended: Promise<{ closeCode: number | null }>;
  send(frame: Buffer): void;
}

/** Splits server frames off the front of `buf`; returns them and the unparsed rest. */
function parseServerFrames(buf: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let at = 0;
  while (buf.length - at >= 2) {
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    let len = b1 & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      len = buf.readUInt32BE(at + 6);
      head = 10;
    }
    if (buf.length - at < head + len) break;
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload: Buffer.from(buf.subarray(at + head, at + head + len)) });
    at += head + len;
  }
  return { frames, rest: buf.subarray(at) };
}

/**
 * Opens a WebSocket by hand: writes the upgrade request, resolves once the answer head arrived (whatever the
 * status), then parses the server's frames as they come.
 */
export function rawWs(
  port: number,
  path: string,
  protocols: string[],
  extraHeaders: Record<string, string> = {},
  localAddress?: string,
  /** Count the bytes after the upgrade instead of parsing frames (cheap readers for crowds); see `received`. */
  discard = false,
): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1', ...(localAddress !== undefined ? { localAddress } : {}) });
    let buf = Buffer.alloc(0);
    let head: { status: number; headers: Record<string, string> } | null = null;
    let closeCode: number | null = null;
    const frames: ServerFrame[] = [];
    const received = { bytes: 0 };
    let endedResolve!: (v: { closeCode: number | null }) => void;
    const ended = new Promise<{ closeCode: number | null }>((r) => (endedResolve = r));
    socket.on('connect', () => socket.write(upgradeRequest(path, protocols, extraHeaders)));
    socket.on('error', (err) => {
      if (head === null) reject(err);
    });
    socket.on('close', () => {
      if (head === null) reject(new Error('closed before the upgrade answer'));
      endedResolve({ closeCode });
    });
    socket.on('data', (chunk: Buffer) => {
      if (head !== null && discard) {
        received.bytes += chunk.length;
        return;
      }
      buf = Buffer.concat([buf, chunk]);
      if (head === null) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const parsed = parseHttpHead(buf.subarray(0, end + 4).toString('latin1'));
        head = { status: parsed.status, headers: parsed.headers };
        buf = buf.subarray(end + 4);
        resolve({ socket, status: head.status, headers: head.headers, frames, ended, received, send: (f) => void socket.write(f) });
        if (discard) {
          received.bytes += buf.length;
          buf = Buffer.alloc(0);
          return;
        }
      }
      const { frames: got, rest } = parseServerFrames(buf);
      buf = Buffer.from(rest);
      for (const f of got) {
        frames.push(f);
        if (f.opcode === 8 && closeCode === null) {
          closeCode = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
          if (!socket.destroyed) socket.write(clientFrame(8, f.payload.subarray(0, 2)));
          endedResolve({ closeCode });
        }
      }
    });
  });
}
