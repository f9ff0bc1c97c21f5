/**
 * The client's document lane. Sharing: offer (size, SHA-256, chunk size; name and type opaque in the payload),
 * then chunks, never past the credit the relay grants (DOC_CREDIT) and paced below the relay's frame-rate limit,
 * so that a document of any size streams through a bounded window. Receiving: chunks are checked for order,
 * hashed as they come, handed to a sink or collected, acknowledged (DOC_ACK, coalesced) and the hash verified at
 * the end. Nothing here holds more than the window unless the application asks for the whole document.
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
    if (allowed > this.credit) this.credit = allowed;
    const w = this.waiter;
    if (w !== null && this.credit >= this.needed) {
      this.waiter = null;
      w.resolve();
    }
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
        const c = this.queue.shift()!;
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

  private finish(): void {
    const parts = this.parts;
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
    try {
      this.track(t, this.host.send({
        kind: Kind.DOC_OFFER,
        ...routing,
        docOffer: { transferId: id, size, sha256, chunkSize },
        payload: encodeDocumentInfo({ name: opts.name, mediaType: opts.type ?? 'application/octet-stream' }),
      }));
      const verify = source instanceof Uint8Array ? null : createSha256();
      let offset = 0;
      pieces = rechunk(stream, chunkSize);
      for (;;) {
        // A source may block (a slow disk, a network stream): a failed transfer must not wait for it.
        const next = await Promise.race([pieces.next(), t.failed]);
        if (next.done === true) break;
        const piece = next.value;
        const end = offset + piece.length;
        if (end > size) throw new DocumentError('DOC_ERR_SOURCE', 'the source is longer than the size given');
        verify?.update(piece);
        if (end === size && verify !== null && !sameDigest(verify.digest(), sha256)) throw new DocumentError('DOC_ERR_SOURCE', 'the source does not match the SHA-256 given');
        await t.waitCredit(end);
        await this.pacer.take();
        if (t.error !== null) throw t.error;
        this.track(t, this.host.send({ kind: Kind.DOC_CHUNK, ...routing, docChunk: { transferId: id, offset, last: end === size }, payload: piece }));
        offset = end;
        opts.onProgress?.(offset, size);
      }
      if (offset !== size) throw new DocumentError('DOC_ERR_SOURCE', 'the source is shorter than the size given');
      if (size === 0) {
        await t.waitCredit(0);
        this.track(t, this.host.send({ kind: Kind.DOC_CHUNK, ...routing, docChunk: { transferId: id, offset: 0, last: true }, payload: new Uint8Array(0) }));
      }
      if (t.error !== null) throw t.error;
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
      case Kind.DOC_CREDIT:
        this.outgoing.get(env.docCredit?.transferId ?? '')?.onCredit(env.docCredit?.allowed ?? 0);
        return;
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
  }

  forgetIncoming(id: string): void {
    this.incoming.delete(id);
  }

  private track(t: Outgoing, ref: number): void {
    t.refs.push(ref);
    this.refOwners.set(ref, t);
  }
}
