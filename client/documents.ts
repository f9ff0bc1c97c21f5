/**
 * The client's document lane. Sharing: offer (size, SHA-256, chunk size; name and type opaque in the payload),
 * then chunks, never past the credit the relay grants (DOC_CREDIT) and paced below the relay's frame-rate limit,
 * so that a document of any size streams through a bounded window. Receiving: chunks are checked for order,
 * hashed as they come, handed to a sink or collected, acknowledged (DOC_ACK, coalesced) and the hash verified at
 * the end. Nothing here holds more than the window unless the application asks for the whole document.
 *
 * Resume: while the client reconnects, a share waits (it sends nothing into a dead socket). The relay may then
 * ask for chunks again (DOC_RESEND with `rewind`: a receiver resumed and lacks them, or what this sharer sent
 * before the drop was lost); the sharer keeps what it may be asked for (at most the relay's window: the credit
 * never runs more than one window past the slowest receiver's acknowledgement; for a Uint8Array source, views of
 * it, no copy), also for a while after share() resolved. A receiver skips bytes it already has.
 */
import { Audience, decodeDocumentInfo, encodeDocumentInfo, Kind, type Envelope, type EnvelopeInit } from '../protocol/index.js';
import type {
  DocumentCancelledEvent,
  DocumentSink,
  DocumentSource,
  IncomingDocument,
  ShareDocumentOptions,
  ShareResult,
} from './client.types.js';
import { createSha256, sameDigest, sha256Of, toHex } from './sha256.js';

export type DocumentErrorCode =
  /** The relay refused the offer or a chunk (`relayCode` says why). */
  | 'DOC_ERR_REFUSED'
  /** The transfer was cancelled (`reason`: sharer_cancelled, too_slow, sharer_left, no_receivers, ...). */
  | 'DOC_ERR_CANCELLED'
  /** The received bytes do not match the announced SHA-256. */
  | 'DOC_ERR_HASH_MISMATCH'
  /** The source's bytes do not match the size or SHA-256 given. */
  | 'DOC_ERR_SOURCE'
  /** Chunks arrived out of order, or another protocol violation. */
  | 'DOC_ERR_PROTOCOL'
  /** The connection closed first. */
  | 'DOC_ERR_CLOSED';

/** Why a share or a receive failed. Never carries document content. */
export class DocumentError extends Error {
  constructor(
    readonly code: DocumentErrorCode,
    message: string,
    /** The cancel reason (DOC_ERR_CANCELLED) or the relay's error code (DOC_ERR_REFUSED). */
    readonly reason = '',
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}

/** What the document lane needs from its client. */
export interface DocumentLaneHost {
  send(env: EnvelopeInit): number;
  readonly isClosed: boolean;
  /** Null while connected; while reconnecting, resolves once resumed (or closed for good). */
  whenConnected(): Promise<void> | null;
  /** How long a finished share stays able to send chunks again (the relay's resume grace, twice; 0: not). */
  readonly resendLingerMs: number;
  readonly limits: { readonly maxFrameBytes: number; readonly maxFramesPerSecond: number; readonly maxReliableBacklogBytes: number };
}

export interface DocumentLaneEvents {
  documentOffered(d: IncomingDocument): void;
  documentCancelled(e: DocumentCancelledEvent): void;
  documentResendRequested(e: { transferId: string; from: string }): void;
}

/** Default chunk size, lowered to what the relay's limits allow. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** Room for the envelope around a chunk's bytes. */
const CHUNK_OVERHEAD_BYTES = 512;
/** The relay's default flow-control window (its effective window is at most half the reliable backlog bound). */
const RELAY_WINDOW_BYTES = 1024 * 1024;
/** Share of the relay's frame-rate limit that document frames may use (the rest: pings, chat, acks). */
const FRAME_RATE_SHARE = 0.8;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A token bucket that keeps a client's document frames under the relay's rate limit. */
class Pacer {
  private tokens: number;
  private at = Date.now();

  constructor(private readonly perSecond: number, private readonly burst: number) {
    this.tokens = burst;
  }

  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
      this.at = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond)));
    }
  }
}

/** Cuts a source into chunks of `size` bytes (the last may be shorter), copying only to join small pieces. */
async function* rechunk(source: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    for (let i = 0; i < source.length; i += size) yield source.subarray(i, i + size);
    return;
  }
  let buf: Uint8Array | null = null;
  let used = 0;
  for await (const piece of source) {
    let i = 0;
    while (i < piece.length) {
      if (used === 0 && piece.length - i >= size) {
        yield piece.subarray(i, i + size);
        i += size;
        continue;
      }
      buf ??= new Uint8Array(size);
      const take = Math.min(size - used, piece.length - i);
      buf.set(piece.subarray(i, i + take), used);
      used += take;
      i += take;
      if (used === size) {
        yield buf;
        buf = null;
        used = 0;
      }
    }
  }
  if (used > 0) yield buf!.subarray(0, used);
}

/** One document this client shares. */
class Outgoing {
  credit = 0;
  /** The first credit: the relay's window for this transfer (or the whole size). */
  firstCredit = -1;
  /** The relay asked to send again from this offset (DOC_RESEND rewind). */
  rewindTo: number | null = null;
  /** A replay after share() resolved is running. */
  replaying = false;
  /** What a rewind may ask for (streams only: a Uint8Array source is sliced again). */
  readonly kept: Array<{ offset: number; piece: Uint8Array }> = [];
  /** Gets a piece that starts at `offset` again, or null when it is no longer held. */
  pieceAt: (offset: number) => Uint8Array | null = () => null;
  routing: EnvelopeInit = {};
  size = 0;
  /** The relay accepted the offer (it granted credit). */
  accepted = false;
  /** The relay ended the transfer (cancel or refusal): no DOC_CANCEL is owed to it. */
  endedByRelay = false;
  error: DocumentError | null = null;
  readonly dropped: Array<{ participant: string; reason: string }> = [];
  readonly refs: number[] = [];
  private needed = 0;
  private waiter: { resolve: () => void; reject: (e: DocumentError) => void } | null = null;

  constructor(readonly id: string) {}

  /** Resolves once the relay allows sending up to `end` (null: already allowed). Throws once failed. */
  waitCredit(end: number): Promise<void> | null {
    if (this.error !== null) throw this.error;
    if (this.credit >= end) return null;
    this.needed = end;
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  onCredit(allowed: number): void {
    this.accepted = true;
    if (this.firstCredit < 0) this.firstCredit = allowed;
    if (allowed > this.credit) this.credit = allowed;
    // Nobody can be asked for bytes below the slowest receiver's acknowledgement (credit minus the window).
    if (this.firstCredit < this.size) {
      const below = this.credit - this.firstCredit;
      let n = 0;
      while (n < this.kept.length && this.kept[n]!.offset + this.kept[n]!.piece.length <= below) n++;
      if (n > 0) this.kept.splice(0, n);
    }
    const w = this.waiter;
    if (w !== null && this.credit >= this.needed) {
      this.waiter = null;
      w.resolve();
    }
  }

  /** Wakes a wait for credit (a rewind came: the share loop looks again). */
  kick(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.resolve();
  }

  fail(err: DocumentError): void {
    this.error ??= err;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(this.error);
    this.rejectFailed?.(this.error);
  }

  private rejectFailed: ((e: DocumentError) => void) | null = null;
  private failedPromise: Promise<never> | null = null;

  /** Rejects once the transfer fails: raced against a source that may block for a long time. */
  get failed(): Promise<never> {
    if (this.failedPromise === null) {
      this.failedPromise = new Promise<never>((_, reject) => (this.rejectFailed = reject));
      this.failedPromise.catch(() => {});
      if (this.error !== null) this.rejectFailed!(this.error);
    }
    return this.failedPromise;
  }
}

interface PendingChunk {
  readonly offset: number;
  readonly payload: Uint8Array;
  readonly last: boolean;
}

/** One document offered to this client. */
class Incoming implements IncomingDocument {
  private readonly queue: PendingChunk[] = [];
  private state: 'offered' | 'receiving' | 'ended' = 'offered';
  private error: DocumentError | null = null;
  private received = 0;
  private acked = 0;
  private lastAckAt = 0;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly hasher = createSha256();
  private sink: DocumentSink | null = null;
  private parts: Uint8Array[] | null = null;
  private settle: { resolve: (v: Uint8Array | void) => void; reject: (e: DocumentError) => void } | null = null;
  private pumping = false;

  constructor(
    private readonly lane: DocumentLane,
    readonly transferId: string,
    readonly from: string,
    readonly name: string,
    readonly type: string,
    readonly size: number,
    readonly sha256: Uint8Array,
    readonly chunkSize: number,
  ) {}

  receive(): Promise<Uint8Array>;
  receive(sink: DocumentSink): Promise<void>;
  receive(sink?: DocumentSink): Promise<Uint8Array | void> {
    if (this.state !== 'offered') {
      return Promise.reject(this.error ?? new DocumentError('DOC_ERR_PROTOCOL', 'receive() was already called for this document'));
    }
    this.state = 'receiving';
    this.sink = sink ?? null;
    this.parts = sink === undefined ? [] : null;
    const done = new Promise<Uint8Array | void>((resolve, reject) => (this.settle = { resolve, reject }));
    void this.pump();
    return done;
  }

  cancel(): void {
    if (this.state === 'ended') return;
    this.lane.host.send({ kind: Kind.DOC_CANCEL, docCancel: { transferId: this.transferId, reason: 'receiver_cancelled' } });
    this.fail(new DocumentError('DOC_ERR_CANCELLED', 'the receiver cancelled the transfer', 'receiver_cancelled'));
  }

  push(chunk: PendingChunk): void {
    if (this.state === 'ended') return;
    this.queue.push(chunk);
    if (this.state === 'receiving') void this.pump();
  }

  fail(err: DocumentError): void {
    if (this.state === 'ended') return;
    const wasReceiving = this.state === 'receiving';
    this.state = 'ended';
    this.error = err;
    this.queue.length = 0;
    this.parts = null;
    this.stopAckTimer();
    this.lane.forgetIncoming(this.transferId);
    if (wasReceiving) this.settle?.reject(err);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.state === 'receiving' && this.queue.length > 0) {
        let c = this.queue.shift()!;
        // After a resume the relay goes on from our last acknowledgement: skip what we already have.
        if (c.offset < this.received) {
          const end = c.offset + c.payload.length;
          if (end <= this.received) {
            if (c.last) return this.finish();
            continue;
          }
          c = { offset: this.received, payload: c.payload.subarray(this.received - c.offset), last: c.last };
        }
        if (c.offset !== this.received || this.received + c.payload.length > this.size) {
          this.lane.host.send({ kind: Kind.DOC_CANCEL, docCancel: { transferId: this.transferId, reason: 'receiver_cancelled' } });
          this.fail(new DocumentError('DOC_ERR_PROTOCOL', 'a document chunk arrived out of order or past the size'));
          return;
        }
        this.hasher.update(c.payload);
        if (this.sink !== null) {
          try {
            await this.sink(c.payload, c.offset);
          } catch (err) {
            this.lane.host.send({ kind: Kind.DOC_CANCEL, docCancel: { transferId: this.transferId, reason: 'receiver_cancelled' } });
            this.fail(new DocumentError('DOC_ERR_CANCELLED', `the sink failed: ${(err as Error)?.message ?? 'error'}`, 'receiver_cancelled'));
            return;
          }
          if (this.state !== 'receiving') return;
        } else this.parts!.push(c.payload);
        this.received += c.payload.length;
        if (c.last) return this.finish();
        this.maybeAck();
      }
    } finally {
      this.pumping = false;
    }
  }

  private maybeAck(): void {
    const now = Date.now();
    if (this.received - this.acked >= this.lane.ackEveryBytes && now - this.lastAckAt >= this.lane.ackIntervalMs) {
      this.ack(now);
      return;
    }
    // Whatever is left unacknowledged goes soon: the relay never waits on an ack that never comes.
    if (this.ackTimer === null && this.received > this.acked) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = null;
        if (this.state === 'receiving' && this.received > this.acked) this.ack(Date.now());
      }, this.lane.ackIntervalMs);
    }
  }

  private ack(now: number): void {
    this.stopAckTimer();
    this.acked = this.received;
    this.lastAckAt = now;
    this.lane.host.send({ kind: Kind.DOC_ACK, docAck: { transferId: this.transferId, received: this.received } });
  }

  private stopAckTimer(): void {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }

  /** After a resume: tells the relay what we have (what we acknowledged may not have reached it). */
  reack(): void {
    if (this.state === 'receiving' && this.received > 0) this.ack(Date.now());
  }

  private finish(): void {
    const parts = this.parts;
    // The relay ends the transfer for us once we acknowledge the end.
    if (this.received > this.acked) this.ack(Date.now());
    this.state = 'ended';
    this.stopAckTimer();
    this.lane.forgetIncoming(this.transferId);
    if (this.received !== this.size || !sameDigest(this.hasher.digest(), this.sha256)) {
      this.error = new DocumentError('DOC_ERR_HASH_MISMATCH', 'the received document does not match its announced size and SHA-256');
      this.settle?.reject(this.error);
      return;
    }
    if (parts === null) return this.settle?.resolve(undefined);
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    this.settle?.resolve(out);
  }
}

export class DocumentLane {
  private readonly outgoing = new Map<string, Outgoing>();
  /** Shares that resolved but may still be asked for chunks again (resume), until their timer. */
  private readonly lingering = new Map<string, { t: Outgoing; timer: ReturnType<typeof setTimeout> }>();
  private readonly incoming = new Map<string, Incoming>();
  /** The outgoing transfer each sent frame belongs to, by ref (to match the relay's ERROR frames). */
  private readonly refOwners = new Map<number, Outgoing>();
  private readonly pacer: Pacer;
  /** Receivers acknowledge after this many bytes... */
  readonly ackEveryBytes: number;
  /** ...and at most this often per transfer (and at the latest this long after a chunk). */
  readonly ackIntervalMs: number;
  readonly defaultChunkBytes: number;

  constructor(readonly host: DocumentLaneHost, private readonly events: DocumentLaneEvents) {
    const l = host.limits;
    const rate = Math.max(1, l.maxFramesPerSecond * FRAME_RATE_SHARE);
    this.pacer = new Pacer(rate, Math.max(1, Math.floor(rate / 10)));
    const window = Math.min(RELAY_WINDOW_BYTES, Math.floor(l.maxReliableBacklogBytes / 2));
    this.ackEveryBytes = Math.max(1, Math.min(64 * 1024, Math.floor(window / 4)));
    // Acks use at most a quarter of the frame budget.
    this.ackIntervalMs = Math.max(2, Math.ceil(4000 / Math.max(1, l.maxFramesPerSecond)));
    this.defaultChunkBytes = Math.max(1, Math.min(DEFAULT_CHUNK_BYTES, l.maxFrameBytes - CHUNK_OVERHEAD_BYTES, window));
  }

  /** Shares a document; resolves once every chunk is sent, rejects with a DocumentError. */
  async share(source: DocumentSource, opts: ShareDocumentOptions): Promise<ShareResult> {
    if (this.host.isClosed) throw new DocumentError('DOC_ERR_CLOSED', 'the connection is closed');
    const chunkSize = opts.chunkSize ?? this.defaultChunkBytes;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new TypeError('shareDocument: chunkSize must be a positive whole number');
    let size = opts.size;
    let sha256 = opts.sha256;
    if (source instanceof Uint8Array) {
      size ??= source.length;
      sha256 ??= sha256Of(source);
    } else if (size === undefined || sha256 === undefined) {
      if (typeof source !== 'function') throw new TypeError('shareDocument: a one-shot stream needs options.size and options.sha256 (or pass a function that opens the stream)');
      const h = createSha256();
      let n = 0;
      for await (const piece of source()) {
        h.update(piece);
        n += piece.length;
      }
      size ??= n;
      sha256 ??= h.digest();
    }
    const stream = typeof source === 'function' ? source() : source;
    const id = opts.transferId ?? 'doc-' + globalThis.crypto.randomUUID();
    if (this.outgoing.has(id)) throw new TypeError(`shareDocument: transfer ${id} is in progress`);
    const t = new Outgoing(id);
    this.outgoing.set(id, t);
    const onAbort = (): void => void this.cancel(id);
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) onAbort();
    const routing: EnvelopeInit =
      opts.to !== undefined ? { audience: Audience.ONE, to: opts.to } : opts.hosts ? { audience: Audience.HOSTS } : { audience: Audience.EVERYONE };
    let pieces: AsyncGenerator<Uint8Array> | null = null;
    t.routing = routing;
    t.size = size;
    const total = size;
    t.pieceAt =
      source instanceof Uint8Array
        ? (at) => (at < total ? source.subarray(at, Math.min(total, at + chunkSize)) : null)
        : (at) => t.kept.find((k) => k.offset === at)?.piece ?? null;
    try {
      this.track(t, this.host.send({
        kind: Kind.DOC_OFFER,
        ...routing,
        docOffer: { transferId: id, size, sha256, chunkSize },
        payload: encodeDocumentInfo({ name: opts.name, mediaType: opts.type ?? 'application/octet-stream' }),
      }));
      const verify = source instanceof Uint8Array ? null : createSha256();
      const keep = !(source instanceof Uint8Array) && this.host.resendLingerMs > 0;
      let offset = 0;
      let piece: Uint8Array | null = null;
      pieces = rechunk(stream, chunkSize);
      for (;;) {
        if (t.rewindTo !== null) {
          await this.replay(t, offset);
          continue;
        }
        if (piece === null) {
          // A source may block (a slow disk, a network stream): a failed transfer must not wait for it.
          const next = await Promise.race([pieces.next(), t.failed]);
          if (next.done === true) break;
          piece = next.value;
          const end = offset + piece.length;
          if (end > size) throw new DocumentError('DOC_ERR_SOURCE', 'the source is longer than the size given');
          verify?.update(piece);
          if (end === size && verify !== null && !sameDigest(verify.digest(), sha256)) throw new DocumentError('DOC_ERR_SOURCE', 'the source does not match the SHA-256 given');
          if (keep) t.kept.push({ offset, piece });
        }
        const end = offset + piece.length;
        if (!(await this.sendChunk(t, offset, piece, end === size))) continue;
        piece = null;
        offset = end;
        opts.onProgress?.(offset, size);
      }
      if (offset !== size) throw new DocumentError('DOC_ERR_SOURCE', 'the source is shorter than the size given');
      if (size === 0) {
        await t.waitCredit(0);
        this.track(t, this.host.send({ kind: Kind.DOC_CHUNK, ...routing, docChunk: { transferId: id, offset: 0, last: true }, payload: new Uint8Array(0) }));
      }
      if (t.error !== null) throw t.error;
      this.linger(t);
      return { transferId: id, size, sha256: toHex(sha256), dropped: [...t.dropped] };
    } catch (err) {
      // Whatever went wrong on our side, the relay and the receivers must hear that the transfer is over.
      if (t.accepted && !t.endedByRelay && !this.host.isClosed) {
        this.host.send({ kind: Kind.DOC_CANCEL, docCancel: { transferId: id, reason: 'sharer_cancelled' } });
      }
      throw err;
    } finally {
      void pieces?.return(undefined).catch(() => {});
      opts.signal?.removeEventListener('abort', onAbort);
      this.outgoing.delete(id);
      for (const ref of t.refs) this.refOwners.delete(ref);
    }
  }

  /**
   * Sends one chunk once the credit allows it, the connection is up and the pacer lets it. False when a rewind
   * came meanwhile (the caller replays first, then comes back to this piece).
   */
  private async sendChunk(t: Outgoing, offset: number, piece: Uint8Array, last: boolean): Promise<boolean> {
    const end = offset + piece.length;
    for (;;) {
      const credit = t.waitCredit(end);
      if (credit !== null) await credit;
      if (t.rewindTo !== null) return false;
      if (t.credit < end) continue;
      const up = this.host.whenConnected();
      if (up !== null) {
        await up;
        continue;
      }
      await this.pacer.take();
      if (t.error !== null) throw t.error;
      if (t.rewindTo !== null) return false;
      if (this.host.whenConnected() !== null) continue;
      this.track(t, this.host.send({ kind: Kind.DOC_CHUNK, ...t.routing, docChunk: { transferId: t.id, offset, last }, payload: piece }));
      return true;
    }
  }

  /** Sends the chunks from the rewind offset up to `upTo` (what was sent before) again. */
  private async replay(t: Outgoing, upTo: number): Promise<void> {
    let at = t.rewindTo!;
    t.rewindTo = null;
    while (at < upTo) {
      const piece = t.pieceAt(at);
      if (piece === null) throw new DocumentError('DOC_ERR_SOURCE', 'the relay asked for chunks this client no longer holds');
      if (!(await this.sendChunk(t, at, piece, at + piece.length === t.size))) return;
      at += piece.length;
    }
  }

  /** A share that resolved stays able to send chunks again for a while (a receiver may resume and lack them). */
  private linger(t: Outgoing): void {
    const ms = this.host.resendLingerMs;
    if (ms <= 0) return;
    const timer = setTimeout(() => this.lingering.delete(t.id), ms);
    (timer as { unref?: () => void }).unref?.();
    const before = this.lingering.get(t.id);
    if (before !== undefined) clearTimeout(before.timer);
    this.lingering.set(t.id, { t, timer });
  }

  /** DOC_RESEND with `rewind` from the relay: send this transfer's chunks again from `offset`. */
  private rewind(id: string, offset: number): void {
    const live = this.outgoing.get(id);
    if (live !== undefined) {
      live.rewindTo = offset;
      live.kick();
      return;
    }
    const done = this.lingering.get(id)?.t;
    if (done === undefined) return;
    done.rewindTo = offset;
    if (done.replaying) return done.kick();
    done.replaying = true;
    void (async () => {
      try {
        while (done.rewindTo !== null && done.error === null) await this.replay(done, done.size);
      } catch {
        // It cannot send them again: the receivers must hear that the transfer is over.
        if (!this.host.isClosed) this.host.send({ kind: Kind.DOC_CANCEL, docCancel: { transferId: id, reason: 'sharer_cancelled' } });
      } finally {
        done.replaying = false;
      }
    })();
  }

  /** The connection resumed: every document we receive tells the relay how far it got. */
  onResumed(): void {
    for (const d of this.incoming.values()) d.reack();
  }

  /** Asks the sharer of a transfer to offer it again (you joined late, or were dropped). Returns the frame's ref. */
  requestResend(transferId: string): number {
    return this.host.send({ kind: Kind.DOC_RESEND, docResend: { transferId } });
  }

  /** Handles a document frame from the relay. */
  handle(env: Envelope): void {
    switch (env.kind) {
      case Kind.DOC_CHUNK: {
        const c = env.docChunk;
        this.incoming.get(c?.transferId ?? '')?.push({ offset: c?.offset ?? 0, payload: env.payload ?? new Uint8Array(0), last: c?.last ?? false });
        return;
      }
      case Kind.DOC_CREDIT: {
        const id = env.docCredit?.transferId ?? '';
        (this.outgoing.get(id) ?? this.lingering.get(id)?.t)?.onCredit(env.docCredit?.allowed ?? 0);
        return;
      }
      case Kind.DOC_OFFER: {
        const o = env.docOffer;
        const id = o?.transferId ?? '';
        if (id === '' || this.incoming.has(id)) return;
        const info = decodeDocumentInfo(env.payload ?? new Uint8Array(0));
        const doc = new Incoming(
          this, id, env.from, info.ok ? info.value.name : '', info.ok ? info.value.mediaType : '',
          o?.size ?? 0, o?.sha256 ?? new Uint8Array(0), o?.chunkSize ?? 0,
        );
        this.incoming.set(id, doc);
        this.events.documentOffered(doc);
        return;
      }
      case Kind.DOC_CANCEL: {
        const c = env.docCancel;
        const e: DocumentCancelledEvent = { transferId: c?.transferId ?? '', from: env.from, reason: c?.reason ?? '', participant: c?.participant ?? '' };
        const out = this.outgoing.get(e.transferId);
        if (out !== undefined) {
          if (e.participant !== '') out.dropped.push({ participant: e.participant, reason: e.reason });
          else {
            out.endedByRelay = true;
            out.fail(new DocumentError('DOC_ERR_CANCELLED', `the transfer was cancelled (${e.reason})`, e.reason));
          }
        }
        if (e.participant === '') this.incoming.get(e.transferId)?.fail(new DocumentError('DOC_ERR_CANCELLED', `the transfer was cancelled (${e.reason})`, e.reason));
        this.events.documentCancelled(e);
        return;
      }
      case Kind.DOC_RESEND:
        if (env.docResend?.rewind === true) return this.rewind(env.docResend.transferId ?? '', Number(env.docResend.offset ?? 0));
        this.events.documentResendRequested({ transferId: env.docResend?.transferId ?? '', from: env.from });
        return;
    }
  }

  /** The relay refused a frame: if it was one of a share's, that share fails. */
  onError(ref: number, code: string): void {
    const t = this.refOwners.get(ref);
    if (t === undefined) return;
    // A refused offer leaves nothing to cancel at the relay; a refused chunk leaves a transfer to cancel.
    if (!t.accepted) t.endedByRelay = true;
    t.fail(new DocumentError('DOC_ERR_REFUSED', `the relay refused the transfer (${code})`, code));
  }

  /** Cancels a document you share (its share() rejects with DOC_ERR_CANCELLED) or leaves one you receive. */
  cancel(transferId: string): boolean {
    const out = this.outgoing.get(transferId);
    if (out !== undefined) {
      out.fail(new DocumentError('DOC_ERR_CANCELLED', 'the sharer cancelled the transfer', 'sharer_cancelled'));
      return true;
    }
    const inc = this.incoming.get(transferId);
    inc?.cancel();
    return inc !== undefined;
  }

  /** The connection closed: every transfer fails. */
  onClosed(): void {
    const err = new DocumentError('DOC_ERR_CLOSED', 'the connection closed');
    for (const t of this.outgoing.values()) t.fail(err);
    for (const d of [...this.incoming.values()]) d.fail(err);
    for (const l of this.lingering.values()) {
      clearTimeout(l.timer);
      l.t.fail(err);
    }
    this.lingering.clear();
  }

  forgetIncoming(id: string): void {
    this.incoming.delete(id);
  }

  private track(t: Outgoing, ref: number): void {
    t.refs.push(ref);
    this.refOwners.set(ref, t);
  }
}
