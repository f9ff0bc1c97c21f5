/**
 * Cluster mode's side of the CDR: one record per meeting, written by the meeting's owner relay (rendezvous hashing
 * over the live relays, relay-presence.ts). As a MeetingObserver it follows this relay's parts of meetings (its own
 * sessions and counters) and reports each, with a version, to the meeting's first two relays in rendezvous order
 * (owner and successor), again on every tick until they acknowledge it; a part that ended is kept, and its journal
 * entry open, until the owner says the meeting's record is written. The owner side is cdr-ledger.ts.
 *
 * Messages are JSON of ids, times and counters (never content) on `<prefix>.ctl.n.<node>` (reports, acks) and
 * `<prefix>.ctl.rec` (a meeting's record was written).
 */
import type { CdrRecord, CdrRecorder } from '../cdr/cdr.types.js';
import type { EndReason, MeetingObserver, MeetingView } from '../meeting/meeting.types.js';
import { LANES } from '../meeting/meeting.types.js';
import type { Logger } from '../log/logger.js';
import { CdrLedger, type PartAck, type PartReport, type RecordedNotice } from './cdr-ledger.js';
import type { RelayPresence } from './relay-presence.js';

/** What the cluster CDR needs of the recorder. */
export type PartRecorder = Pick<CdrRecorder, 'buildPart' | 'partRecorded' | 'appendRecord' | 'recoveredParts' | 'recordIdKnown'>;

export interface ClusterCdrOptions {
  readonly selfId: string;
  readonly relayNode: string;
  readonly prefix: string;
  readonly heartbeatMs: number;
  readonly deadAfterMs: number;
  readonly windowMs: number;
  readonly interimIntervalMs: number;
}

interface OutPart {
  readonly part: string;
  readonly meetingId: string;
  view: MeetingView | null;
  record: CdrRecord | null;
  done: boolean;
  failed: boolean;
  v: number;
  dirty: boolean;
  /** A cheap sum of the lane counters when last reported. */
  counters: number;
  /** When the record was last built (Date.now()). */
  builtAt: number;
  readonly acked: Map<string, number>;
  c: string | undefined;
  /** The start of the part `c` names, as the owner told it. */
  cs: number | undefined;
  /** `c` is fixed (a record was written under it, or it is crash recovery's journaled id). */
  cf: boolean;
  reason: EndReason;
  endedAt: number;
}

/**
 * Counter-only changes (traffic, no join or leave) are reported at most this often: the record of a busy meeting
 * is not rebuilt and resent on every tick. A relay that dies loses at most this much of its counters' last moments
 * (its sessions are exact: joins and leaves go out on the next tick).
 */
const COUNTERS_EVERY_MS = 5_000;
/** Joins and leaves are reported this soon (coalesced), not at the next tick. */
const JOIN_FLUSH_MS = 20;
/**
 * ... but one part is rebuilt and sent at most once per this many ms per participant it lists (at least
 * JOIN_FLUSH_MS, at most MAX_REPORT_GAP_MS apart). A report is a snapshot of every session of the part, built,
 * serialised, sent to two relays and parsed by both: one every 20 ms during a join storm into one large meeting
 * made the reporting cost per join grow with the meeting (webinar-join on two relays, 1,500 participants per relay:
 * about 13 % of each relay's profile in building, serialising and parsing them, before their NATS writes). With the gap growing with the part, reporting costs about the same per second
 * whatever the size; parts of up to 200 participants report as before.
 */
const REPORT_MS_PER_PARTICIPANT = 0.1;
const MAX_REPORT_GAP_MS = 500;

/** The least time between two reports of a part listing `participants`. */
export function reportGapMs(participants: number): number {
  return Math.min(MAX_REPORT_GAP_MS, Math.max(JOIN_FLUSH_MS, participants * REPORT_MS_PER_PARTICIPANT));
}

/** A relay comes (back) up: it is told the meetings recorded in this last stretch (bounded). */
const RECENT_RECORDED_MS = 10 * 60_000;
const RECENT_RECORDED_MAX = 1_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function counterSum(view: MeetingView): number {
  let n = view.participants.size;
  for (const lane of LANES) {
    const s = view.lanes[lane];
    n += s.framesIn + s.framesOut + s.dropped;
  }
  return n;
}

export class ClusterCdr implements MeetingObserver {
  readonly ledger: CdrLedger;
  readonly ownSubject: string;
  readonly recSubject: string;
  private readonly parts = new Map<string, OutPart>();
  private readonly timer: NodeJS.Timeout;
  private presenceChangedAt = Date.now();
  private closed = false;
  /** Reports sent and retried, for metrics. */
  reportsSent = 0;

  constructor(
    private readonly o: ClusterCdrOptions,
    private readonly presence: RelayPresence,
    private readonly cdr: PartRecorder,
    private readonly publish: (subject: string, body: Uint8Array) => void,
    private readonly log: Logger,
    /** Connected to NATS now: a relay that hears nobody writes no record (the others may be writing it). */
    private readonly connected: () => boolean = () => true,
  ) {
    this.ownSubject = `${o.prefix}.ctl.n.${o.selfId}`;
    this.recSubject = `${o.prefix}.ctl.rec`;
    this.ledger = new CdrLedger({
      selfId: o.selfId,
      relayNode: o.relayNode,
      windowMs: o.windowMs,
      interimIntervalMs: o.interimIntervalMs,
      deadAfterMs: o.deadAfterMs,
      owns: (m) => this.owns(m),
      holds: (m) => !presence.settled || presence.orderOf(m).indexOf(o.selfId) < 2,
      isLive: (n) => presence.isLive(n),
      append: (r) => cdr.appendRecord(r),
      tell: (node, a) => {
        if (node === o.selfId) this.ack(a);
        else this.sendTo(node, a);
      },
      recorded: (n) => {
        this.publish(this.recSubject, encoder.encode(JSON.stringify(n)));
        this.recorded(n);
      },
      log: (obj, msg) => log.warn(obj, msg),
    });
    // Crash recovery's parts: handed to the owner once the live set is known.
    for (const { record, recordId } of cdr.recoveredParts) {
      this.parts.set(record.cdrId, {
        part: record.cdrId, meetingId: record.meetingId, view: null, record, done: true, failed: true, v: 1, dirty: false,
        counters: 0, builtAt: 0, acked: new Map(), c: recordId, cs: undefined, cf: recordId !== undefined, reason: 'relay_failure', endedAt: Date.parse(record.endedAt),
      });
    }
    presence.on('up', (node) => {
      this.presenceChangedAt = Date.now();
      // It may know nothing (a restart) or have missed what happened while it was cut off: tell it again.
      for (const p of this.parts.values()) p.acked.delete(node);
      for (const n of this.ledger.recentRecorded(Date.now(), RECENT_RECORDED_MS, RECENT_RECORDED_MAX)) this.sendTo(node, n);
    });
    presence.on('down', (node) => {
      this.presenceChangedAt = Date.now();
      this.ledger.nodeDown(node, Date.now());
    });
    presence.on('stalled', () => {
      // Declared dead meanwhile: what this relay held as owner moved on; the survivors' reports rebuild it.
      this.presenceChangedAt = Date.now();
      this.ledger.clear();
      for (const p of this.parts.values()) p.acked.clear();
    });
    const every = Math.max(20, Math.min(500, o.heartbeatMs));
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  /** This relay owns the meeting's record now, and the live set has been stable for the collection window. */
  private owns(meetingId: string): boolean {
    return this.connected() && this.presence.settled && Date.now() - this.presenceChangedAt >= this.o.windowMs && this.presence.ownerOf(meetingId) === this.o.selfId;
  }

  /** Parts this relay still has to see recorded. */
  get pendingParts(): number {
    return this.parts.size;
  }

  // --- MeetingObserver: this relay's parts ---

  private partOf(view: MeetingView): OutPart {
    const id = String(view.cdrId);
    let p = this.parts.get(id);
    if (p === undefined) {
      p = {
        part: id, meetingId: String(view.meetingId), view, record: null, done: false, failed: false, v: 0, dirty: true,
        counters: -1, builtAt: 0, acked: new Map(), c: undefined, cs: undefined, cf: false, reason: 'relay_failure', endedAt: 0,
      };
      this.parts.set(id, p);
    }
    return p;
  }

  meetingStarted(view: MeetingView): void {
    this.partOf(view);
  }

  participantJoined(view: MeetingView): void {
    this.soon(this.partOf(view));
  }

  participantLeft(view: MeetingView): void {
    this.soon(this.partOf(view));
  }

  private flushTimer: NodeJS.Timeout | null = null;
  /** When the armed flush fires (Date.now() clock). */
  private flushAt = Infinity;

  /**
   * A join or leave goes out within JOIN_FLUSH_MS rather than at the next tick: a relay killed right after a join
   * must have reported it (a join storm still costs one rebuild per part per flush); a large part waits for its
   * report gap (reportGapMs) since its last report.
   */
  private soon(p: OutPart): void {
    p.dirty = true;
    if (this.closed) return;
    this.flushBy(Math.max(Date.now() + JOIN_FLUSH_MS, this.dueAt(p)));
  }

  /** When a dirty part may be rebuilt next. */
  private dueAt(p: OutPart): number {
    return p.builtAt + reportGapMs(p.view === null ? 0 : p.view.participants.size);
  }

  private flushBy(at: number): void {
    if (this.flushTimer !== null) {
      if (this.flushAt <= at) return;
      clearTimeout(this.flushTimer);
    }
    this.flushAt = at;
    this.flushTimer = setTimeout(() => this.flush(), Math.max(0, at - Date.now()));
    this.flushTimer.unref();
  }

  private flush(): void {
    this.flushTimer = null;
    this.flushAt = Infinity;
    if (this.closed || !this.presence.settled) return;
    const now = Date.now();
    let next = Infinity;
    for (const p of this.parts.values()) {
      if (!p.dirty || p.done || p.view === null) continue;
      const due = this.dueAt(p);
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      this.rebuild(p, now);
      this.send(p);
    }
    if (next !== Infinity) this.flushBy(next);
  }

  private rebuild(p: OutPart, now: number): void {
    p.record = this.cdr.buildPart(p.view!, null, now);
    p.counters = counterSum(p.view!);
    p.builtAt = now;
    p.dirty = false;
    p.v++;
  }

  meetingEnded(view: MeetingView, reason: EndReason, endedAt: number): void {
    const p = this.partOf(view);
    if (p.done) return;
    p.record = this.cdr.buildPart(view, reason, endedAt);
    p.view = null;
    p.done = true;
    p.reason = reason;
    p.endedAt = endedAt;
    p.v++;
    if (!this.closed) setImmediate(() => this.send(p));
  }

  // --- reporting ---

  private tick(): void {
    // After a stop, the live set of before it must not decide anything (the stall clears what this relay held).
    this.presence.checkStall();
    if (this.closed || !this.presence.settled) return;
    const now = Date.now();
    for (const p of this.parts.values()) {
      if (!p.done && p.view !== null) {
        const sum = counterSum(p.view);
        if ((p.dirty && now >= this.dueAt(p)) || (sum !== p.counters && now - p.builtAt >= COUNTERS_EVERY_MS)) this.rebuild(p, now);
      }
      this.send(p);
    }
    this.ledger.tick(now);
  }

  /** Sends the part to its meeting's owner and successor unless they acknowledged this version. */
  private send(p: OutPart): void {
    if (p.record === null || !this.presence.settled || this.closed) return;
    const targets = this.presence.orderOf(p.meetingId).slice(0, 2);
    for (const t of targets) {
      if ((p.acked.get(t) ?? 0) >= p.v) continue;
      const r: PartReport = { t: 'r', from: this.o.selfId, part: p.part, v: p.v, done: p.done, failed: p.failed, record: p.record };
      if (p.c !== undefined) r.c = p.c;
      if (p.cs !== undefined) r.cs = p.cs;
      if (p.cf) r.cf = true;
      this.reportsSent++;
      if (t === this.o.selfId) this.ack(this.ledger.report(r, Date.now()));
      else this.sendTo(t, r);
    }
  }

  private sendTo(node: string, msg: PartReport | PartAck | RecordedNotice): void {
    this.publish(`${this.o.prefix}.ctl.n.${node}`, encoder.encode(JSON.stringify(msg)));
  }

  private ack(a: PartAck): void {
    const p = this.parts.get(a.part);
    if (p === undefined) return;
    if ((p.acked.get(a.from) ?? 0) < a.v) p.acked.set(a.from, a.v);
    // The record id is the owner's word (a successor's answer may still carry another part's id).
    // A fixed id is never replaced by one that is not (an owner that has not heard of it yet).
    const cf = a.cf === true;
    if (typeof a.c === 'string' && a.from === this.presence.ownerOf(p.meetingId) && (cf || !p.cf) && (a.c !== p.c || cf !== p.cf)) {
      if (a.c !== p.c) {
        // Journaled: after a crash, recovery hands the part over with the same record id.
        this.cdr.recordIdKnown(p.part, a.c);
      }
      p.c = a.c;
      p.cs = typeof a.cs === 'number' ? a.cs : undefined;
      const fixedNow = cf && !p.cf;
      p.cf = cf;
      // Reported again at once, so that both holders (the successor too) learn the fixed id.
      if (fixedNow && !a.recorded) {
        if (p.done) p.v++;
        else p.dirty = true;
      }
    }
    if (a.recorded && p.done) this.partDone(p);
  }

  private recorded(n: RecordedNotice): void {
    for (const id of n.parts) {
      const p = this.parts.get(id);
      if (p !== undefined && p.done) this.partDone(p);
    }
  }

  private partDone(p: OutPart): void {
    this.parts.delete(p.part);
    this.cdr.partRecorded(p.part, p.reason, p.endedAt);
  }

  /** A message on this relay's control subject or the recorded broadcast. */
  receive(subject: string, data: Uint8Array): void {
    if (this.closed) return;
    let msg: PartReport | PartAck | RecordedNotice;
    try {
      msg = JSON.parse(decoder.decode(data)) as PartReport | PartAck | RecordedNotice;
    } catch {
      return;
    }
    if (msg === null || typeof msg !== 'object' || typeof msg.from !== 'string' || msg.from === this.o.selfId) return;
    if (msg.t === 'r' && subject === this.ownSubject) {
      if (typeof msg.part !== 'string' || typeof msg.v !== 'number' || msg.record === null || typeof msg.record !== 'object') return;
      this.sendTo(msg.from, this.ledger.report(msg, Date.now()));
    } else if (msg.t === 'a') {
      this.ack(msg);
    } else if (msg.t === 'rec' && typeof msg.m === 'string' && Array.isArray(msg.parts)) {
      this.ledger.recordedElsewhere(msg, Date.now());
      this.recorded(msg);
    }
  }

  /** Sends the last versions of the parts not acknowledged yet (a relay that stops), then stops. Idempotent. */
  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    for (const p of this.parts.values()) this.send(p);
    this.closed = true;
  }
}
