/**
 * Opens a connection to a meeting and resolves once the relay has welcomed the participant. Runtime-neutral: the
 * WebSocket constructor comes from the caller or from the global scope (browsers); the Node entry
 * (client/index.ts) passes the `ws` package. Nothing here imports a Node built-in.
 */
import { BEARER_PREFIX, decodeEnvelope, Kind, SUBPROTOCOL, type Envelope } from '../protocol/index.js';
import { EphemeraClient, type WebSocketLike } from './client.js';
import type { PayloadCodec } from './payload-codec.js';
import { resolveReconnect, resumeProtocol, resumeUrl, tokenRejoinBlocker, type ReconnectOptions } from './reconnect.js';

export interface ConnectOptions {
  /** The join URL `ws://host:port/v1/meetings/<meetingId>`, or the relay's base URL when `meetingId` is given. */
  readonly url: string;
  readonly meetingId?: string;
  /** The join token (it travels in Sec-WebSocket-Protocol, never in the URL). */
  readonly token: string;
  /** How long to wait for the WELCOME, in ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Application keep-alive interval; default a third of the relay's idle timeout. 0 turns it off. */
  readonly pingIntervalMs?: number;
  /**
   * The WebSocket constructor. Default: the `ws` package when imported from the Node entry (`ephemera/client` in
   * Node, client/index.ts), the global WebSocket in browsers (client/browser.ts).
   */
  readonly WebSocket?: new (url: string, protocols: string[]) => WebSocketLike;
  /** Extra options passed to the `ws` constructor in Node (e.g. { localAddress, ca }). */
  readonly nodeOptions?: Record<string, unknown>;
  /** Where payloads are sealed and opened (the seam for end-to-end encryption). Default: as they are. */
  readonly payloads?: PayloadCodec;
  /**
   * Reconnect and resume after an unexpected close (client/reconnect.ts): on by default when the relay offers
   * resume; `{ enabled: false }` turns it off (then an unexpected close is just a close, as before).
   */
  readonly reconnect?: ReconnectOptions;
}

/** A join the relay refused at the upgrade (HTTP status and RELAY_ERR_* code when the transport exposes them). */
export class JoinRefusedError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'JoinRefusedError';
  }
}

type WsCtor = new (url: string, protocols: string[], options?: Record<string, unknown>) => WebSocketLike & {
  on?(event: string, fn: (...args: unknown[]) => void): void;
};

function globalWebSocket(): WsCtor {
  const g = (globalThis as { WebSocket?: WsCtor }).WebSocket;
  if (g === undefined) throw new TypeError('connect(): no WebSocket constructor: pass options.WebSocket (in Node, import from the Node entry, which passes `ws`)');
  return g;
}

/** The join URL of a meeting on a relay (`<url>/v1/meetings/<meetingId>`), or `url` itself without a meeting id. */
export function joinUrl(url: string, meetingId?: string): string {
  if (meetingId === undefined) return url;
  return `${url.replace(/\/+$/, '')}/v1/meetings/${encodeURIComponent(meetingId)}`;
}

/** Connects and resolves with the client once WELCOME arrived; rejects with JoinRefusedError (or Error). */
export async function connect(options: ConnectOptions): Promise<EphemeraClient> {
  return openSocket(options, [SUBPROTOCOL, BEARER_PREFIX + options.token], options.timeoutMs ?? 10_000, (socket, env) => {
    const welcome = env.welcome!;
    const idle = welcome.limits?.idleTimeoutMs ?? 30_000;
    const client = new EphemeraClient(socket, welcome, options.pingIntervalMs ?? Math.floor(idle / 3), options.payloads);
    const reconnect = resolveReconnect(options.reconnect, welcome.resumeGraceMs ?? 0, idle);
    const credential = welcome.resumeCredential ?? '';
    const otherRelays = (options.reconnect?.urls?.length ?? 0) > 0 || options.reconnect?.urlFor !== undefined;
    // Without a credential (a cluster without --resume-secret-file) there is nothing to resume, but a cluster close
    // can still be recovered by a rejoin when the caller named other relays.
    if (reconnect.enabled && (credential !== '' || (reconnect.rejoin && otherRelays))) {
      const rejoin = {
        otherRelays,
        blocker: () => tokenRejoinBlocker(options.token, Date.now()),
        open: (onWelcome: (socket: WebSocketLike, env: Envelope) => void, attempt: number) =>
          openSocket({ ...options, url: resumeUrl(options.url, options.reconnect, attempt) }, [SUBPROTOCOL, BEARER_PREFIX + options.token], reconnect.attemptTimeoutMs, onWelcome),
      };
      client.enableResume(env.seq, credential, reconnect, (cred, lastSeq, onWelcome, attempt) =>
        openSocket({ ...options, url: resumeUrl(options.url, options.reconnect, attempt) }, [SUBPROTOCOL, resumeProtocol(cred, lastSeq)], reconnect.attemptTimeoutMs, onWelcome),
      rejoin);
    }
    return client;
  });
}

/**
 * Opens one socket with the given subprotocols and calls `onWelcome` synchronously with the WELCOME (so that the
 * frames right behind it reach the handlers it attaches); resolves with its result.
 */
export function openSocket<T>(
  options: ConnectOptions,
  protocols: string[],
  timeoutMs: number,
  onWelcome: (socket: WebSocketLike, env: Envelope) => T,
): Promise<T> {
  const Ctor = (options.WebSocket as WsCtor | undefined) ?? globalWebSocket();
  const socket = new Ctor(joinUrl(options.url, options.meetingId), protocols, options.nodeOptions);
  socket.binaryType = 'arraybuffer';
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // The socket may not be open yet.
      }
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error('timed out waiting for the relay to welcome this participant')), timeoutMs);
    // `ws` exposes the refused upgrade's status and JSON body; browsers only see a failed connection.
    socket.on?.('unexpected-response', (_req: unknown, res: unknown) => {
      const r = res as { statusCode?: number; on(e: string, f: (c?: Uint8Array) => void): void };
      let body = '';
      const text = new TextDecoder();
      r.on('data', (c) => (body += c === undefined ? '' : text.decode(c, { stream: true })));
      r.on('end', () => {
        let code = 'RELAY_ERR_REFUSED';
        let message = `join refused with HTTP ${r.statusCode}`;
        try {
          const parsed = JSON.parse(body) as { error?: string; message?: string };
          code = parsed.error ?? code;
          message = parsed.message ?? message;
        } catch {
          // Not JSON: keep the generic message.
        }
        fail(new JoinRefusedError(r.statusCode ?? 0, code, message));
      });
    });
    socket.onerror = (ev) => {
      const msg = (ev as { message?: string; error?: Error })?.error?.message ?? (ev as { message?: string })?.message ?? 'connection failed';
      // Let unexpected-response report refusals with their code.
      setTimeout(() => fail(new Error(msg)), 50);
    };
    socket.onclose = (ev) => fail(new JoinRefusedError(0, 'RELAY_ERR_CLOSED', `connection closed before welcome (${ev.code} ${ev.reason})`));
    socket.onmessage = (ev) => {
      const data = ev.data;
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
      if (bytes === null) return;
      const decoded = decodeEnvelope(bytes);
      if (!decoded.ok) return fail(new Error('the relay sent a malformed first frame'));
      const env = decoded.value;
      if (env.kind === Kind.ERROR) {
        return fail(new JoinRefusedError(0, env.error?.code ?? 'RELAY_ERR_REFUSED', env.error?.message ?? 'join refused'));
      }
      if (env.kind !== Kind.WELCOME || env.welcome == null) return fail(new Error('the relay did not start with WELCOME'));
      settled = true;
      clearTimeout(timer);
      resolve(onWelcome(socket, env));
    };
  });
}
