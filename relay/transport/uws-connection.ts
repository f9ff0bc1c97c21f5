/**
 * One uWebSockets.js WebSocket as a Connection. A small class with no per-message closures: the send path is a
 * bound check, one native send and, outside uWS callbacks, a cork through a preallocated function.
 *
 * uWS facts this relies on (uWS.js 20.30, checked by test/integration/transport.test.ts):
 * - every method of a uWS socket throws once its close handler has returned, so all calls are guarded;
 * - `ws.end()` calls the close handler synchronously and invalidates the socket; uWS then gives the peer its
 *   ping-timeout margin (4 s, 8 s or 16 s depending on idleTimeout) to complete the handshake before it shuts
 *   the TCP connection itself, whatever the peer does (a peer that never reads does not keep the socket);
 * - `ws.send()` returns 1 (sent), 0 (sent, backpressure built up) or 2 (dropped at maxBackpressure, and with
 *   closeOnBackpressureLimit the socket is then shut by uWS, the close handler seeing 1006).
 */
import type { WebSocket as UwsWebSocket } from '@trufflesuite/uws-js-unofficial';
import { CloseCode } from '../../protocol/codes.js';
import { closeReason, SLOW_CONSUMER_REASON, sendableCloseCode } from './close-frame.js';
import type { Connection, TransportHandlers } from './transport.types.js';

/** What the transport hands uWS as user data (uWS.js copies its properties onto the socket). */
export interface UwsUserData {
  conn: UwsConnection<unknown>;
}

export type UwsSocket = UwsWebSocket<UwsUserData>;

/** State the connections of one uWS transport share. */
export interface UwsShared<C> {
  readonly handlers: TransportHandlers<C>;
  /** Hard send-buffer cap (options.maxBackpressureBytes, at most 2 GiB - 1). */
  readonly maxBackpressure: number;
  readonly closeTimeoutMs: number;
  /** Sent (past the cap) just before a socket is closed with 4003 at the hard cap; null for none. */
  readonly capFarewell: Uint8Array | null;
  /** Connections whose open handler ran and whose close handler has not been called yet. */
  readonly open: Set<UwsConnection<C>>;
  /** Called after a connection left `open`. */
  onRemoved(): void;
}

/** ws.send() result: the message was dropped because the socket's buffer passed maxBackpressure. */
const SEND_DROPPED = 2;

/**
 * How deep we are inside uWS callbacks (message, open, drain, close, upgrade). All uWS apps of a process share
 * one loop, so this is module-level. Inside a callback uWS has corked the socket the event is for; outside
 * (timers, resolved promises) nothing is corked and send() corks for itself.
 */
let callbackDepth = 0;

/** Marks entry into a uWS callback. Pair every call with leaveUwsCallback() in a finally block. */
export function enterUwsCallback(): void {
  callbackDepth++;
}

/** Marks exit from a uWS callback. */
export function leaveUwsCallback(): void {
  callbackDepth--;
}

// The corked send outside callbacks, without a closure per message: arguments travel in module variables.
let corkSocket: UwsSocket | null = null;
let corkBytes: Uint8Array | null = null;
let corkResult = SEND_DROPPED;

function corkedSend(): void {
  corkResult = (corkSocket as UwsSocket).send(corkBytes as Uint8Array, true, false);
}

/**
 * Forced-close timers of connections whose close handler did not run inside ws.end() (defensive: uWS 20.30 runs it
 * there, so this stays empty): here rather than a field of every connection.
 */
const closeTimers = new Map<UwsConnection<unknown>, NodeJS.Timeout>();

function forceClose(conn: UwsConnection<unknown>): void {
  closeTimers.delete(conn);
  const ws = conn.ws;
  if (ws === null) return;
  try {
    ws.close();
  } catch {
    // already closed natively: the close handler ran or will not
  }
}

function emitDeferredClose(conn: UwsConnection<unknown>, code: number): void {
  conn.emitClose(code);
}

/** Bits of UwsConnection.state above the local close code (bits 0-15). */
const LOCAL_CODE = 0xffff;
const OVER_LIMIT = 1 << 16;
const ENDING = 1 << 17;
const REPORTED = 1 << 18;
const CORE_OPENED = 1 << 19;

/**
 * A Connection over a uWS WebSocket. Created at the upgrade, attached to its socket in the open handler. One per
 * open socket for as long as it is open, so its flags share one small integer (five fields were 40 bytes of every
 * idle connection).
 */
export class UwsConnection<C> implements Connection<C> {
  closed = false;
  /** The uWS socket between open and close; null before open and after close. */
  ws: UwsSocket | null = null;
  /** The local close code and the flags below, as bits. */
  private state = 0;

  constructor(
    readonly context: C,
    readonly remoteAddress: string,
    private readonly shared: UwsShared<C>,
  ) {}

  /** Code of the close we started (0 while we did not). */
  get localCode(): number {
    return this.state & LOCAL_CODE;
  }

  /** uWS dropped one of our sends at its limit: it closes the socket itself and reports 1006. */
  get overLimit(): boolean {
    return (this.state & OVER_LIMIT) !== 0;
  }

  /** True while our own ws.end() runs: its synchronous close handler is then deferred. */
  get ending(): boolean {
    return (this.state & ENDING) !== 0;
  }

  /** handlers.close was called. */
  get reported(): boolean {
    return (this.state & REPORTED) !== 0;
  }

  /** handlers.open was called (it is deferred after an asynchronous upgrade); close is only reported after it. */
  get coreOpened(): boolean {
    return (this.state & CORE_OPENED) !== 0;
  }

  set coreOpened(on: boolean) {
    this.state = on ? this.state | CORE_OPENED : this.state & ~CORE_OPENED;
  }

  send(bytes: Uint8Array): boolean {
    const ws = this.ws;
    if (ws === null || this.closed) return false;
    let status: number;
    try {
      // Checked before uWS would drop (it drops only once the buffer is already past the limit, silently for
      // JS): closing ourselves gives the peer 4003 and the core a close it can account for.
      const buffered = ws.getBufferedAmount();
      if (buffered + bytes.byteLength > this.shared.maxBackpressure) {
        // uWS drops a send only once the buffer is already past its limit, so the small farewell still goes.
        const farewell = this.shared.capFarewell;
        if (farewell !== null && buffered <= this.shared.maxBackpressure) ws.send(farewell, true, false);
        this.close(CloseCode.SLOW_CONSUMER, SLOW_CONSUMER_REASON);
        return false;
      }
      if (callbackDepth > 0) {
        status = ws.send(bytes, true, false);
      } else {
        corkSocket = ws;
        corkBytes = bytes;
        corkResult = SEND_DROPPED;
        ws.cork(corkedSend);
        status = corkResult;
        corkSocket = null;
        corkBytes = null;
      }
    } catch {
      corkSocket = null;
      corkBytes = null;
      return false;
    }
    if (status === SEND_DROPPED) {
      this.state |= OVER_LIMIT;
      return false;
    }
    return true;
  }

  bufferedAmount(): number {
    const ws = this.ws;
    if (ws === null) return 0;
    try {
      return ws.getBufferedAmount();
    } catch {
      return 0;
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const wire = sendableCloseCode(code);
    this.state = (this.state & ~LOCAL_CODE) | (wire & LOCAL_CODE);
    const ws = this.ws;
    if (ws === null) return;
    this.state |= ENDING;
    try {
      ws.end(wire, closeReason(reason));
    } catch {
      // closed natively in the meantime; the close handler reports it
    } finally {
      this.state &= ~ENDING;
    }
    // uWS runs the close handler inside end(), so this only arms when it did not (defensive: a later uWS may
    // defer it); the forced close() then bounds the handshake by closeTimeoutMs.
    const self = this as UwsConnection<unknown>;
    if (this.ws !== null && !closeTimers.has(self)) closeTimers.set(self, setTimeout(forceClose, this.shared.closeTimeoutMs, self));
  }

  subscribe(topic: string): void {
    const ws = this.ws;
    if (ws === null || this.closed) return;
    try {
      ws.subscribe(topic);
    } catch {
      // closed natively
    }
  }

  unsubscribe(topic: string): void {
    const ws = this.ws;
    if (ws === null || this.closed) return;
    try {
      ws.unsubscribe(topic);
    } catch {
      // closed natively
    }
  }

  publish(topic: string, bytes: Uint8Array): void {
    const ws = this.ws;
    if (ws === null || this.closed) return;
    try {
      ws.publish(topic, bytes, true, false);
    } catch {
      // closed natively
    }
  }

  /**
   * The uWS close handler for this connection: detaches the socket and tells the core, deferred to a microtask
   * when it runs inside our own close() so that handlers.close is never re-entered from a Connection method.
   */
  onUwsClose(code: number, message: ArrayBuffer): void {
    this.closed = true;
    this.ws = null;
    if (closeTimers.size > 0) {
      const timer = closeTimers.get(this as UwsConnection<unknown>);
      if (timer !== undefined) {
        clearTimeout(timer);
        closeTimers.delete(this as UwsConnection<unknown>);
      }
    }
    const reported = this.reportedCode(code, message);
    if (this.ending) queueMicrotask(emitDeferredClose.bind(null, this as UwsConnection<unknown>, reported));
    else this.emitClose(reported);
  }

  /** Calls handlers.close once. */
  emitClose(code: number): void {
    if (this.reported) return;
    this.state |= REPORTED;
    this.shared.open.delete(this);
    try {
      if (this.coreOpened) this.shared.handlers.close(this, code);
    } finally {
      this.shared.onRemoved();
    }
  }

  /** The code the core sees: ours if we closed, 4003 past the cap, 1009 for an oversize frame, else uWS's. */
  private reportedCode(code: number, message: ArrayBuffer): number {
    if (this.localCode !== 0) return this.localCode;
    if (this.overLimit) return CloseCode.SLOW_CONSUMER;
    if (code === 1006 && message.byteLength === TOO_BIG.length && sameBytes(message, TOO_BIG)) return 1009;
    return code;
  }
}

/** The reason uWS gives (to JS only; the peer gets no close frame) when a frame exceeds maxPayloadLength. */
const TOO_BIG = new TextEncoder().encode('Received too big message');

function sameBytes(a: ArrayBuffer, b: Uint8Array): boolean {
  const view = new Uint8Array(a);
  for (let i = 0; i < b.length; i++) if (view[i] !== b[i]) return false;
  return true;
}
