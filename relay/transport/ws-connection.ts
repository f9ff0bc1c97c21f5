/**
 * One `ws` WebSocket as a Connection, with the "ws-batched" send path (shared/PERFORMANCE.md): frames are built
 * once (ws-frame.ts) and written straight to the connection's raw socket, which is corked on its first write in
 * an event-loop turn and uncorked, together with every other socket written in that turn, from one setImmediate.
 * One writev per socket per turn instead of one write syscall per frame.
 *
 * Writing beside ws's Sender is safe because ws writes its own frames (pings, pongs, close frames) to the same
 * socket immediately and in call order: with permessage-deflate off and no Blob sends its queue stays empty.
 * Should it ever hold something (`ws.bufferedAmount` then exceeds `socket.writableLength`, the difference being
 * the Sender's queued bytes), the frame goes through ws.send() so that ws keeps the order.
 *
 * Listeners are shared functions that find their connection through a symbol on the ws object or socket: no
 * closures per connection or per message.
 *
 * Wiping (SECURITY.md): a received message is zeroed once the core's handler returned; a frame built here is
 * zeroed at the turn's flush once every socket it was written to has handed all its bytes to the kernel; one that
 * a slow socket still holds is zeroed when the last such socket drained or closed (`lagging`).
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { CloseCode } from '../../protocol/codes.js';
import { closeReason, SLOW_CONSUMER_REASON, sendableCloseCode } from './close-frame.js';
import type { Connection, TransportHandlers } from './transport.types.js';
import { buildBinaryFrame, frameHeaderLength } from './ws-frame.js';
import { zeroBytes } from './zero-bytes.js';

/** State the connections of one ws transport share. */
export interface WsShared<C> {
  readonly handlers: TransportHandlers<C>;
  readonly maxBackpressure: number;
  readonly closeTimeoutMs: number;
  /** Sent (past the cap) just before a socket is closed with 4003 at the hard cap; null for none. */
  readonly capFarewell: Uint8Array | null;
  /** Connections whose open handler ran and whose close handler has not been called yet. */
  readonly open: Set<WsConnection<C>>;
  /** Connections the core was told are closed whose sockets are still finishing (peer reading its last bytes). */
  readonly lingering: Set<WsConnection<C>>;
  /** Subscribers per topic. */
  readonly topics: Map<string, Set<WsConnection<C>>>;
  /** Called after a connection left `open`. */
  onRemoved(): void;
}

/** ws's readyState for an open socket. */
const OPEN = 1;
const SEND_OPTIONS = Object.freeze({ binary: true, compress: false, fin: true });
/** Corked bytes past which a socket is flushed before the end of the turn. */
const EARLY_FLUSH_BYTES = 64 * 1024;

const kConn = Symbol('ephemera.wsConnection');
type Tagged = { [kConn]?: WsConnection<unknown> };

// Sockets corked in this turn; one setImmediate uncorks them all.
const corked: WsConnection<unknown>[] = [];
let flushScheduled = false;
// Frames written on the corked path in this turn, each once (a publish writes one frame to many sockets in a
// row, hence the dedupe on the last one), and frames handed to ws.send, which may still hold them after the turn.
const turnFrames: Buffer[] = [];
let lastTurnFrame: Buffer | null = null;
let heldFrames: Set<Buffer> | null = null;
/**
 * Frames that slow sockets still held at a flush, with how many sockets hold each: wiped once the last of them
 * drained (handed everything to the kernel) or closed, so that content queued for a slow reader does not stay in
 * memory after its meeting (issue 11).
 */
const lagging = new Map<Buffer, number>();
/** Frames handed to ws.send, whose Sender may keep a view of them: never wiped by `releaseLagging`. */
const senderHeld = new WeakSet<Buffer>();

/** The socket no longer holds any frame it lagged on (it drained or closed): wipe those nobody else holds. */
function releaseLagging(conn: WsConnection<unknown>): void {
  const frames = conn.lagFrames;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i] as Buffer;
    const n = (lagging.get(frame) ?? 1) - 1;
    if (n > 0) lagging.set(frame, n);
    else {
      lagging.delete(frame);
      if (!senderHeld.has(frame)) frame.fill(0);
    }
  }
  frames.length = 0;
}

/**
 * Uncorks every socket written in this turn, then wipes the turn's frames that no socket can still be writing:
 * a socket whose buffer is empty after the uncork handed all of its bytes to the kernel; one that still holds
 * bytes (a slow reader) may hold any of its frames, which wait in `lagging` until it drained or closed.
 */
function flushCorked(): void {
  flushScheduled = false;
  let keep = heldFrames;
  for (let i = 0; i < corked.length; i++) {
    const conn = corked[i] as WsConnection<unknown>;
    conn.corked = false;
    conn.socket.uncork();
    const frames = conn.turnFrames;
    if (conn.socket.writableLength !== 0) {
      keep ??= new Set();
      for (let j = 0; j < frames.length; j++) {
        const frame = frames[j] as Buffer;
        keep.add(frame);
        conn.lagFrames.push(frame);
        lagging.set(frame, (lagging.get(frame) ?? 0) + 1);
      }
    }
    frames.length = 0;
  }
  corked.length = 0;
  for (let i = 0; i < turnFrames.length; i++) {
    const frame = turnFrames[i] as Buffer;
    if (keep === null || !keep.has(frame)) frame.fill(0);
  }
  turnFrames.length = 0;
  lastTurnFrame = null;
  heldFrames = null;
}

function terminateAfterTimeout(conn: WsConnection<unknown>): void {
  conn.closeTimer = null;
  if (!conn.socketGone) conn.ws.terminate();
}

function reportLocalClose(conn: WsConnection<unknown>): void {
  conn.report(conn.localCode);
}

function toBytes(data: RawData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return Buffer.concat(data);
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const conn = (this as Tagged)[kConn];
  const bytes = toBytes(data);
  try {
    if (conn === undefined || conn.closed) return;
    conn.alive = true;
    conn.shared.handlers.message(conn, bytes, isBinary);
  } finally {
    // The message is a view into the socket's read buffer (unmasked in place by ws): wipe it once the core is
    // done, so that the bytes do not outlive the call in memory the garbage collector frees without clearing.
    zeroBytes(bytes);
    if (Array.isArray(data)) for (let i = 0; i < data.length; i++) zeroBytes(data[i] as Buffer);
  }
}

/**
 * Runs before ws's own handler of a receiver error. A frame above maxPayload is dropped without a close frame
 * (the peer sees 1006, the core 1009), exactly as uWS does, which cannot send one: both transports answer alike.
 * ws would otherwise send 1009. Relies on ws 8's `_receiver` (the version is pinned; error-parity.test.ts checks).
 */
function onReceiverError(this: EventEmitter, err: Error & { code?: string }): void {
  const conn = (this as Tagged)[kConn];
  if (conn === undefined || err.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return;
  if (conn.errorCode === 0) conn.errorCode = 1009;
  conn.ws.terminate();
}

function onAlive(this: WebSocket): void {
  const conn = (this as Tagged)[kConn];
  if (conn !== undefined) conn.alive = true;
}

function onClose(this: WebSocket, code: number): void {
  const conn = (this as Tagged)[kConn];
  if (conn !== undefined) conn.onWsClose(code);
}

/**
 * ws reports a peer's protocol error here, sends the matching close frame and stops reading, so its close event
 * then says 1006: remember the code it sent for the core. Without this listener the error would be thrown.
 */
function onError(this: WebSocket, err: Error & { code?: string }): void {
  const conn = (this as Tagged)[kConn];
  if (conn === undefined || conn.errorCode !== 0 || typeof err.code !== 'string') return;
  if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') conn.errorCode = 1009;
  else if (err.code === 'WS_ERR_INVALID_UTF8') conn.errorCode = 1007;
  else if (err.code.startsWith('WS_ERR_')) conn.errorCode = 1002;
}

function onDrain(this: Socket): void {
  const conn = (this as Tagged)[kConn];
  if (conn === undefined) return;
  if (conn.lagFrames.length > 0 && this.writableLength === 0) releaseLagging(conn);
  if (conn.closed) return;
  conn.shared.handlers.drain(conn);
}

/** A Connection over a `ws` WebSocket and its raw socket. */
export class WsConnection<C> implements Connection<C> {
  /** We started a close, or the socket closed. */
  private ended = false;
  /** Code of the close we started (0 while we did not). */
  localCode = 0;
  /** Close code ws sent for a protocol error of the peer (0 if none). */
  errorCode = 0;
  /** The socket is corked until the turn's flush. */
  corked = false;
  /** Traffic since the last heartbeat tick. */
  alive = true;
  /** Heartbeat ticks in a row without traffic. */
  missed = 0;
  /** handlers.close was called. */
  reported = false;
  /** ws's close event ran: the socket is gone. */
  socketGone = false;
  closeTimer: NodeJS.Timeout | null = null;
  /** Topics this connection is subscribed to (for the cleanup at close). */
  topics: Set<string> | null = null;
  /** Frames written to this socket on the corked path in this turn (see flushCorked). */
  readonly turnFrames: Buffer[] = [];
  /** Frames this socket still held at a flush (see `lagging`). */
  readonly lagFrames: Buffer[] = [];

  constructor(
    readonly context: C,
    readonly remoteAddress: string,
    readonly ws: WebSocket,
    readonly socket: Socket,
    readonly shared: WsShared<C>,
  ) {
    (ws as Tagged)[kConn] = this as WsConnection<unknown>;
    (socket as Tagged)[kConn] = this as WsConnection<unknown>;
    ws.on('message', onMessage);
    ws.on('pong', onAlive);
    ws.on('ping', onAlive);
    ws.on('close', onClose);
    ws.on('error', onError);
    socket.on('drain', onDrain);
    const receiver = (ws as unknown as { _receiver?: EventEmitter | null })._receiver;
    if (receiver) {
      (receiver as Tagged)[kConn] = this as WsConnection<unknown>;
      receiver.prependListener('error', onReceiverError);
    }
  }

  /** True once we started a close, the peer started one (ws is CLOSING) or the socket closed. */
  get closed(): boolean {
    return this.ended || this.ws.readyState !== OPEN;
  }

  send(bytes: Uint8Array): boolean {
    if (this.ended || this.ws.readyState !== OPEN) return false;
    return this.writeFrame(buildBinaryFrame(bytes), frameHeaderLength(bytes.byteLength));
  }

  /** Writes a pre-built frame (see ws-frame.ts); the caller checked that the connection is open. */
  writeFrame(frame: Buffer, headerLength: number): boolean {
    const socket = this.socket;
    const buffered = this.ws.bufferedAmount;
    if (buffered + frame.length > this.shared.maxBackpressure) {
      const farewell = this.shared.capFarewell;
      if (farewell !== null && !this.ended) this.ws.send(farewell, SEND_OPTIONS);
      this.close(CloseCode.SLOW_CONSUMER, SLOW_CONSUMER_REASON);
      return false;
    }
    if (buffered !== socket.writableLength) {
      // ws's Sender may queue the bytes (a view, not a copy): this frame must not be wiped at the flush.
      (heldFrames ??= new Set()).add(frame);
      senderHeld.add(frame);
      this.ws.send(frame.subarray(headerLength), SEND_OPTIONS);
      return true;
    }
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      corked.push(this as WsConnection<unknown>);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushCorked);
      }
    }
    socket.write(frame);
    this.turnFrames.push(frame);
    if (frame !== lastTurnFrame) {
      lastTurnFrame = frame;
      turnFrames.push(frame);
    }
    // Batching pays for small frames; once a turn has queued this much, hand it to the kernel now so that the
    // buffer (and the hard cap measured on it) reflects what the peer has not read, not what we have not flushed.
    if (socket.writableLength >= EARLY_FLUSH_BYTES) {
      socket.uncork();
      socket.cork();
    }
    return true;
  }

  /** Bytes queued in user space: the socket's write buffer (corked frames included) plus ws's Sender queue. */
  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  close(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.leaveTopics();
    const wire = sendableCloseCode(code);
    this.localCode = wire;
    try {
      this.ws.close(wire, closeReason(reason));
    } catch {
      this.ws.terminate();
      return;
    }
    if (!this.socketGone && this.closeTimer === null) {
      this.closeTimer = setTimeout(terminateAfterTimeout, this.shared.closeTimeoutMs, this);
    }
    // The core hears of a close we started at once (as on uws), in a microtask so that handlers.close is never
    // re-entered from a Connection method; the socket lingers meanwhile for the peer to read its last bytes.
    queueMicrotask(reportLocalClose.bind(null, this as WsConnection<unknown>));
  }

  /** Drops the socket without a close frame (heartbeat found it silent); the core sees 1006, as on uWS. */
  terminate(): void {
    if (this.socketGone) return;
    this.ended = true;
    this.leaveTopics();
    this.ws.terminate();
  }

  /** Sends a heartbeat ping. */
  ping(): void {
    if (this.closed) return;
    this.ws.ping();
  }

  subscribe(topic: string): void {
    if (this.closed) return;
    const topics = this.shared.topics;
    let set = topics.get(topic);
    if (set === undefined) {
      set = new Set();
      topics.set(topic, set);
    }
    set.add(this);
    (this.topics ??= new Set()).add(topic);
  }

  unsubscribe(topic: string): void {
    if (this.topics === null || !this.topics.delete(topic)) return;
    this.removeFrom(topic);
  }

  publish(topic: string, bytes: Uint8Array): void {
    if (this.closed) return;
    publishFrame(this.shared, topic, bytes, this);
  }

  /** The ws close event: the socket is gone; tells the core unless it was told already. */
  onWsClose(code: number): void {
    if (this.socketGone) return;
    this.socketGone = true;
    this.ended = true;
    if (this.closeTimer !== null) {
      clearTimeout(this.closeTimer);
      this.closeTimer = null;
    }
    this.leaveTopics();
    this.socket.removeListener('drain', onDrain);
    // The socket is gone: it will write none of the frames it still held.
    releaseLagging(this as WsConnection<unknown>);
    this.shared.lingering.delete(this);
    if (this.reported) this.shared.onRemoved();
    else this.report(this.localCode !== 0 ? this.localCode : this.errorCode !== 0 ? this.errorCode : code);
  }

  /** Calls handlers.close once, with the code of the close we started if we did. */
  report(code: number): void {
    if (this.reported) return;
    this.reported = true;
    this.ended = true;
    this.shared.open.delete(this);
    if (!this.socketGone) this.shared.lingering.add(this);
    try {
      this.shared.handlers.close(this, code);
    } finally {
      this.shared.onRemoved();
    }
  }

  private leaveTopics(): void {
    const topics = this.topics;
    if (topics === null) return;
    this.topics = null;
    for (const topic of topics) this.removeFrom(topic);
  }

  private removeFrom(topic: string): void {
    const set = this.shared.topics.get(topic);
    if (set === undefined) return;
    set.delete(this);
    if (set.size === 0) this.shared.topics.delete(topic);
  }
}

/** Sends `bytes` to every open subscriber of `topic` but `except`, framing them once. */
export function publishFrame<C>(shared: WsShared<C>, topic: string, bytes: Uint8Array, except: WsConnection<C> | null): void {
  const set = shared.topics.get(topic);
  if (set === undefined || (except !== null && set.size === 1 && set.has(except))) return;
  const frame = buildBinaryFrame(bytes);
  const headerLength = frameHeaderLength(bytes.byteLength);
  // A slow subscriber closed inside writeFrame leaves the set during the loop: Set iteration allows that.
  for (const conn of set) {
    if (conn === except || conn.closed) continue;
    conn.writeFrame(frame, headerLength);
  }
}
