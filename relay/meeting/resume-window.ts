/**
 * The resume window: a bounded, in-memory record of a meeting's recent reliable frames with their audience, so
 * that a participant whose connection dropped gets what it missed, exactly once and in order, when it resumes.
 * It is a decorator of the meeting's delivery (the lanes do not change): every frame a lane sends to everyone,
 * the hosts, one participant or a list of them is passed on untouched and, when it carries a meeting seq and is
 * not media, a document chunk or credit, or a keyframe request, copied here. Bounded by bytes and age
 * (--resume-window-bytes, --resume-window-ms); a frame that slides out is zeroed at once, and everything is
 * zeroed when the meeting ends. Never on disk. What slid out leaves a tombstone (seq, lane, audience: metadata,
 * never content; at most MAX_TOMBSTONES) so that the gap frame can say how many frames per lane were missed.
 * In cluster mode the cluster delivery also tells it (InboundRecorder) of the frames from other relays it hands to
 * this relay's participants, already carrying this relay's seq (relay/cluster/restamp-seq.ts): one numbering, in
 * local delivery order, so the client's last seq finds the resume point as on one relay.
 */
import { Kind } from '../../protocol/index.js';
import { laneOfKind, type LaneName } from '../../protocol/kind-lanes.js';
import type { Envelope } from '../../protocol/index.js';
import type { InboundRecorder, MeetingDelivery, Member, TrackRoute } from './delivery.types.js';
import { isStaff } from './roster-visibility.js';

/** Tombstones kept after frames slid out (about 64 bytes each). */
export const MAX_TOMBSTONES = 65_536;

const AUD_EVERYONE = 0;
const AUD_HOSTS = 1;
const AUD_ONE = 2;
const AUD_LIST = 3;
/** A roster batch to the staff topic (hosts and presenters) or to the attendees' topic (roster-batcher.ts). */
const AUD_STAFF = 4;
const AUD_ATTENDEES = 5;

/**
 * Frames are copied into chunks (no allocation per frame): 1 KiB first, doubling up to 64 KiB, so that a small
 * meeting holds one small chunk and a busy one a few large ones (a 4 KiB first chunk was ~400 B of every idle
 * participant's memory in 10-person meetings). Frames leave in the order they came, so a chunk whose frames all
 * left is dropped (its bytes were zeroed frame by frame) or, if it is the one being written, rewound; the timer
 * lets go of that one too once the window is empty (a quiet meeting holds no chunk). A frame above a quarter of
 * the largest chunk gets a chunk of its own.
 */
const FIRST_CHUNK = 1024;
const MAX_CHUNK = 64 * 1024;

class Chunk {
  readonly bytes: Uint8Array;
  used = 0;
  live = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
}

interface Entry {
  readonly seq: number;
  /** Where its copy lies (null once it slid out: a tombstone). */
  chunk: Chunk | null;
  readonly off: number;
  readonly len: number;
  readonly at: number;
  readonly lane: LaneName;
  readonly aud: number;
  /** EVERYONE/HOSTS: the excluded sender (or null); ONE: the target. */
  readonly id: string | null;
  readonly ids: readonly string[] | null;
}

/** A FIFO with a moving head (no O(n) shift per frame). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const v = this.items[this.head];
    if (v === undefined) return undefined;
    this.items[this.head++] = undefined as unknown as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  *values(): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** Kinds never kept: media and per-connection flow control. */
function keepable(kind: number): boolean {
  return kind !== Kind.MEDIA && kind !== Kind.DOC_CHUNK && kind !== Kind.DOC_CREDIT && kind !== Kind.KEYFRAME_REQUEST && kind !== Kind.ACTIVE_SPEAKERS && kind !== Kind.WELCOME;
}

/** Read position of readVarint (module state: no closure per frame). */
let pos = 0;

function readVarint(b: Uint8Array): number {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 8 && pos < b.length; k++) {
    const c = b[pos++]!;
    v += (c & 0x7f) * mul;
    if (c < 0x80) return v;
    mul *= 128;
  }
  return -1;
}

/** Reads kind (field 1) and seq (field 3) of an encoded Envelope without decoding it; false when unreadable. */
export function peekKindAndSeq(b: Uint8Array, out: { kind: number; seq: number }): boolean {
  pos = 0;
  out.kind = 0;
  out.seq = 0;
  while (pos < b.length) {
    const tag = readVarint(b);
    if (tag < 0) return false;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = readVarint(b);
      if (v < 0) return false;
      if (field === 1) out.kind = v;
      else if (field === 3) out.seq = v;
    } else if (wire === 2) {
      const len = readVarint(b);
      if (len < 0) return false;
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else return false;
  }
  return true;
}

/**
 * One timer per period for all the windows that slide at that period (one Timeout and a closure per meeting
 * before); a window joins at its start and leaves when it closes, and the timer stops with the last one.
 */
const tickers = new Map<number, { readonly timer: NodeJS.Timeout; readonly windows: Set<ResumeWindow> }>();

function startTicking(window: ResumeWindow, period: number): void {
  let t = tickers.get(period);
  if (t === undefined) {
    const windows = new Set<ResumeWindow>();
    const timer = setInterval(() => {
      const now = performance.now();
      for (const w of windows) w.tick(now);
    }, period);
    timer.unref();
    t = { timer, windows };
    tickers.set(period, t);
  }
  t.windows.add(window);
}

function stopTicking(window: ResumeWindow, period: number): void {
  const t = tickers.get(period);
  if (t === undefined || !t.windows.delete(window) || t.windows.size > 0) return;
  clearInterval(t.timer);
  tickers.delete(period);
}

/** What a resuming participant is owed: the gap (if the window no longer reaches back) and the frames. */
export interface ResumePlan {
  /** Frames to send now, in seq order. */
  readonly frames: Uint8Array[];
  /** null when the window covers everything after lastSeq. */
  readonly gap: { afterSeq: number; throughSeq: number; countsKnown: boolean; missed: Record<string, number> } | null;
}

export interface WindowLimits {
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

export class ResumeWindow {
  private readonly entries = new Fifo<Entry>();
  private readonly tombstones = new Fifo<Entry>();
  private bytes = 0;
  /** Highest seq that slid out of the window (its content is gone). */
  private evictedThrough = 0;
  /** Highest seq whose tombstone was dropped too (counts unknown at or below it). */
  private forgottenThrough = 0;
  /** How often the shared timer slides this window (ms). */
  private readonly period: number;
  private closed = false;
  private readonly peek = { kind: 0, seq: 0 };
  private current: Chunk | null = null;
  private nextChunkSize = FIRST_CHUNK;

  constructor(private readonly limits: WindowLimits) {
    this.period = Math.max(250, Math.min(5_000, limits.maxAgeMs / 4));
    startTicking(this, this.period);
  }

  /** Bytes of frame content held now (the bound is limits.maxBytes). */
  get heldBytes(): number {
    return this.bytes;
  }

  get heldFrames(): number {
    return this.entries.length;
  }

  /** Copies one frame in (the caller may zero its buffer afterwards). */
  record(frame: Uint8Array, lane: LaneName | null, aud: number, id: string | null, ids: readonly string[] | null): void {
    if (this.closed) return;
    const p = this.peek;
    if (!peekKindAndSeq(frame, p) || p.seq === 0 || !keepable(p.kind)) return;
    try {
      this.store(frame, p.kind, p.seq, lane, aud, id, ids);
    } catch {
      // The window must never stop a delivery. What it failed to keep is a gap, and not silent: a resume across
      // this seq gets RESUME_GAP without counts.
      if (p.seq > this.evictedThrough) this.evictedThrough = p.seq;
      if (p.seq > this.forgottenThrough) this.forgottenThrough = p.seq;
    }
  }

  private store(frame: Uint8Array, kind: number, seq: number, lane: LaneName | null, aud: number, id: string | null, ids: readonly string[] | null): void {
    const now = performance.now();
    const n = frame.length;
    if (n > this.limits.maxBytes || this.limits.maxAgeMs === 0) {
      this.bury({ seq: seq, chunk: null, off: 0, len: n, at: now, lane: lane ?? laneOfKind(kind), aud, id, ids });
      return;
    }
    let chunk: Chunk;
    if (n > MAX_CHUNK / 4) chunk = new Chunk(n);
    else {
      let c = this.current;
      if (c === null || c.used + n > c.bytes.length) {
        while (this.nextChunkSize < MAX_CHUNK && this.nextChunkSize < n) this.nextChunkSize *= 2;
        c = this.current = new Chunk(this.nextChunkSize);
        if (this.nextChunkSize < MAX_CHUNK) this.nextChunkSize *= 2;
      }
      chunk = c;
    }
    const off = chunk.used;
    chunk.bytes.set(frame, off);
    chunk.used += n;
    chunk.live++;
    this.bytes += n;
    this.entries.push({ seq: seq, chunk, off, len: n, at: now, lane: lane ?? laneOfKind(kind), aud, id, ids });
    this.slide(now);
  }

  /** Zeroes an entry's copy and lets go of it. */
  private wipe(e: Entry): void {
    const c = e.chunk!;
    c.bytes.fill(0, e.off, e.off + e.len);
    e.chunk = null;
    this.bytes -= e.len;
    if (--c.live === 0 && c === this.current) c.used = 0;
  }

  /** The timer: slides, and lets go of the chunk being written once nothing is left in the window. */
  tick(now: number): void {
    this.slide(now);
    if (this.entries.length === 0 && this.current !== null) {
      this.current = null;
      this.nextChunkSize = FIRST_CHUNK;
    }
  }

  /** Moves frames past the byte or age bound out of the window, zeroing them. */
  slide(now: number): void {
    const oldest = now - this.limits.maxAgeMs;
    for (let e = this.entries.peek(); e !== undefined && (this.bytes > this.limits.maxBytes || e.at < oldest); e = this.entries.peek()) {
      this.entries.shift();
      this.wipe(e);
      this.bury(e);
    }
  }

  private bury(e: Entry): void {
    if (e.seq > this.evictedThrough) this.evictedThrough = e.seq;
    this.tombstones.push(e);
    while (this.tombstones.length > MAX_TOMBSTONES) {
      const t = this.tombstones.shift()!;
      if (t.seq > this.forgottenThrough) this.forgottenThrough = t.seq;
    }
  }

  /** What `member` is owed after `lastSeq`: frames it was an audience of, oldest first, and the gap if any. */
  plan(member: Member, lastSeq: number): ResumePlan {
    this.slide(performance.now());
    const frames: Uint8Array[] = [];
    for (const e of this.entries.values()) if (e.seq > lastSeq && audienceOf(e, member)) frames.push(e.chunk!.bytes.subarray(e.off, e.off + e.len));
    if (this.evictedThrough <= lastSeq) return { frames, gap: null };
    const countsKnown = this.forgottenThrough <= lastSeq;
    const missed: Record<string, number> = {};
    if (countsKnown) for (const t of this.tombstones.values()) if (t.seq > lastSeq && audienceOf(t, member)) missed[t.lane] = (missed[t.lane] ?? 0) + 1;
    return { frames, gap: { afterSeq: lastSeq, throughSeq: this.evictedThrough, countsKnown, missed } };
  }

  /** The meeting ended: zero and forget everything. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    stopTicking(this, this.period);
    for (const e of this.entries.values()) this.wipe(e);
    this.entries.clear();
    this.current = null;
    this.tombstones.clear();
    this.bytes = 0;
  }
}

/** What the cluster delivery tells the window of frames from other relays (their senders are never local). */
class WindowRecorder implements InboundRecorder {
  constructor(private readonly window: ResumeWindow) {}
  everyone(frame: Uint8Array, lane: LaneName | null): void {
    this.window.record(frame, lane, AUD_EVERYONE, null, null);
  }
  hosts(frame: Uint8Array, lane: LaneName | null): void {
    this.window.record(frame, lane, AUD_HOSTS, null, null);
  }
  one(member: Member, frame: Uint8Array, lane: LaneName | null): void {
    this.window.record(frame, lane, AUD_ONE, member.participantId, null);
  }
  list(members: readonly Member[], frame: Uint8Array, lane: LaneName | null): void {
    this.window.record(frame, lane, AUD_LIST, null, members.map((m) => m.participantId));
  }
}

function audienceOf(e: Entry, m: Member): boolean {
  switch (e.aud) {
    case AUD_EVERYONE:
      return e.id !== m.participantId;
    case AUD_HOSTS:
      return m.role === 'host' && e.id !== m.participantId;
    case AUD_ONE:
      return e.id === m.participantId;
    case AUD_STAFF:
      return isStaff(m.role);
    case AUD_ATTENDEES:
      return !isStaff(m.role);
    default:
      return e.ids!.includes(m.participantId);
  }
}

/** The meeting delivery with a resume window: passes every call on and records reliable frames. */
export class WindowedDelivery implements MeetingDelivery {
  readonly window: ResumeWindow;
  /** Cluster mode: passed on (another relay may own the poll or transfer a client frame acts on). */
  readonly claim?: (sender: Member, env: Envelope) => boolean;
  /** Media frames go straight to the base delivery: the window never keeps them (keepable()). */
  readonly lossy: MeetingDelivery;

  constructor(readonly base: MeetingDelivery, limits: WindowLimits) {
    const window = (this.window = new ResumeWindow(limits));
    this.lossy = base.lossy ?? base;
    if (base.claim !== undefined) this.claim = base.claim.bind(base);
    // Cluster mode: frames from other relays reach this relay's participants inside the cluster delivery, with
    // this relay's seq stamped; the window keeps them in the same order and numbering as the local ones.
    base.setInboundRecorder?.(new WindowRecorder(window));
  }

  toEveryone(frame: Uint8Array, lane: LaneName | null, except: Member | null): number {
    this.window.record(frame, lane, AUD_EVERYONE, except === null ? null : except.participantId, null);
    return this.base.toEveryone(frame, lane, except);
  }
  toHosts(frame: Uint8Array, lane: LaneName | null, except: Member | null): number {
    this.window.record(frame, lane, AUD_HOSTS, except === null ? null : except.participantId, null);
    return this.base.toHosts(frame, lane, except);
  }
  toMembers(members: readonly Member[], frame: Uint8Array, lane: LaneName | null): number {
    this.window.record(frame, lane, AUD_LIST, null, members.map((m) => m.participantId));
    return this.base.toMembers(members, frame, lane);
  }
  toOne(member: Member, frame: Uint8Array, lane: LaneName | null): boolean {
    this.window.record(frame, lane, AUD_ONE, member.participantId, null);
    return this.base.toOne(member, frame, lane);
  }
  toTrack(route: TrackRoute, frame: Uint8Array, lane: LaneName, except: Member | null, keyframe?: boolean): number {
    return this.base.toTrack(route, frame, lane, except, keyframe);
  }
  toTrackElsewhere(route: TrackRoute, frame: Uint8Array, lane: LaneName, keyframe: boolean): void {
    this.base.toTrackElsewhere(route, frame, lane, keyframe);
  }
  backlog(member: Member): number {
    return this.base.backlog(member);
  }
  openTrack(publisher: Member, trackId: number): TrackRoute {
    return this.base.openTrack(publisher, trackId);
  }
  subscribeTrack(member: Member, route: TrackRoute): void {
    this.base.subscribeTrack(member, route);
  }
  unsubscribeTrack(member: Member, route: TrackRoute): void {
    this.base.unsubscribeTrack(member, route);
  }
  closeTrack(route: TrackRoute): void {
    this.base.closeTrack(route);
  }
  /** To the other relays only: passed on, not recorded (those frames are not for this relay's participants). */
  /**
   * A ROSTER_BATCH the roster batcher published to its staff or attendees topic (it publishes to the transport
   * itself, not through a lane): kept like a ROSTER frame, so that a resumed participant's roster is right.
   */
  recordRosterBatch(frame: Uint8Array, staff: boolean): void {
    this.window.record(frame, 'control', staff ? AUD_STAFF : AUD_ATTENDEES, null, null);
  }
  toRelays(frame: Uint8Array, lane: LaneName | null): number {
    return this.base.toRelays(frame, lane);
  }
  toLocal(frame: Uint8Array, lane: LaneName | null): number {
    this.window.record(frame, lane, AUD_EVERYONE, null, null);
    return this.base.toLocal(frame, lane);
  }
  close(): void {
    this.window.close();
    this.base.close?.();
  }
  joined(member: Member): void {
    this.base.joined(member);
  }
  left(member: Member): void {
    this.base.left(member);
  }
  roleChanged(member: Member): void {
    this.base.roleChanged(member);
  }
}
