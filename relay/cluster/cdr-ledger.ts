/**
 * The owner side of a meeting's one record: the parts every relay reports of a meeting (its own sessions and
 * counters), kept by the meeting's two first relays in rendezvous order (the owner and the one that takes over).
 * Only the owner writes: the final record once every part ended (or failed with its relay) and nothing changed for
 * the collection window, and interim records meanwhile. Meetings recorded are remembered (bounded) so that a part
 * that arrives again (a retry, crash recovery) is recognised instead of recorded twice. See DESIGN.md.
 */
import type { CdrRecord } from '../cdr/cdr.types.js';
import { completePart, endReasonOf, failPart, failSince, mergeParts, type MeetingPart } from './merge-cdr.js';

/** A part as a relay reports it (JSON on `<prefix>.ctl.n.<node>`). */
export interface PartReport {
  t: 'r';
  /** The reporting relay's node id. */
  from: string;
  /** The part's id: the cdrId of the reporting relay's own meeting object. */
  part: string;
  /** Version: a report replaces an older one of the same part. */
  v: number;
  done: boolean;
  /** The part came from crash recovery (its relay died): its open sessions ended relay_failure. */
  failed: boolean;
  /** The meeting's record id, once an owner told it. */
  c?: string;
  /** The start (ms) of the part named by `c`, as the owner told it (absent in crash recovery's copies). */
  cs?: number;
  /** `c` is fixed: an owner wrote a record under it (or it is crash recovery's journaled id). */
  cf?: boolean;
  record: CdrRecord;
}

/** The owner's answer: the meeting's record id, and whether its final record is written already. */
export interface PartAck {
  t: 'a';
  from: string;
  part: string;
  v: number;
  c: string;
  /** The start (ms) of the part `c` names; absent once recorded. */
  cs?: number;
  /** `c` is fixed: a record was written under it (always once recorded). */
  cf?: boolean;
  recorded: boolean;
}

/** Broadcast on `<prefix>.ctl.rec` once the owner wrote a meeting's final record. */
export interface RecordedNotice {
  t: 'rec';
  from: string;
  m: string;
  c: string;
  parts: string[];
}

interface HeldPart extends MeetingPart {
  v: number;
  node: string;
  /** When its relay was declared dead (the part's open sessions ended then), while it is not back. */
  deadAt?: number;
}

/** Whether a part has a session still open that began after `at` (its relay is running it: not dead). */
function openSince(record: CdrRecord, at: number): boolean {
  for (const p of record.participants) for (const s of p.sessions) if (s.leftAt === null && Date.parse(s.joinedAt) > at) return true;
  return false;
}

/** A candidate for a meeting's record id: a part's id and its start. The earliest by (at, id) is the record id. */
interface Named {
  at: number;
  id: string;
}

function earlier(a: Named, b: Named | null): boolean {
  return b === null || a.at < b.at || (a.at === b.at && a.id < b.id);
}

interface Ledger {
  readonly meetingId: string;
  /**
   * The record id once it is fixed: this relay wrote an interim record under it, or a report carried it as fixed
   * (an owner wrote one; the earliest by (start, id) if two ever did). Fixed, it never changes: not for a part
   * that arrives late with an earlier start (a stopped relay's part nobody heard of), nor for a ledger rebuilt
   * after a stop that holds a part of its own nobody else knows. The part it names may not be held here.
   */
  told: Named | null;
  readonly parts: Map<string, HeldPart>;
  changedAt: number;
  interimSeq: number;
}

export interface LedgerHost {
  readonly selfId: string;
  /** The owner's node name (records' relayNode). */
  readonly relayNode: string;
  readonly windowMs: number;
  readonly interimIntervalMs: number;
  readonly deadAfterMs: number;
  /** Whether this relay owns `meetingId` now, with a live set stable for at least the window. */
  owns(meetingId: string): boolean;
  /** Whether this relay is one of the meeting's first two relays (owner or successor) in the live set it sees now. */
  holds(meetingId: string): boolean;
  isLive(node: string): boolean;
  /** Appends a record with fsync; false when it could not (retried on the next tick). */
  append(record: CdrRecord): boolean;
  recorded(notice: RecordedNotice): void;
  /** Sends an acknowledgement to a reporting relay unasked (the record id became fixed). */
  tell(node: string, ack: PartAck): void;
  log(obj: object, msg: string): void;
}

/** The earliest start among the parts (ms). */
function earliestStart(parts: readonly HeldPart[]): number {
  let at = Infinity;
  for (const p of parts) at = Math.min(at, Date.parse(p.record.startedAt));
  return at;
}

/**
 * The meeting's record id: the fixed one once there is one; before, the id of the earliest part held, by (start,
 * id). That does not depend on which report came first nor on which relay holds the ledger: an owner and its
 * successor, holding the same parts, name the same id, and a successor that takes over writes the id the owner
 * wrote before.
 */
function recordIdOf(l: Ledger): Named {
  if (l.told !== null) return l.told;
  let best: Named | null = null;
  for (const [id, p] of l.parts) {
    const n = { at: Date.parse(p.record.startedAt), id };
    if (earlier(n, best)) best = n;
  }
  return best!;
}

/** Meetings remembered as recorded, for recognising parts that arrive again. */
const MAX_RECORDED = 20_000;
const RECORDED_TTL_MS = 6 * 3_600_000;

export class CdrLedger {
  private readonly ledgers = new Map<string, Ledger>();
  /** meetingId -> the record written and its parts. */
  private readonly recordedMeetings = new Map<string, { c: string; parts: Set<string>; at: number }>();
  /** Parts that arrived after their meeting's record was written (they are not in it). */
  lateParts = 0;
  recordsWritten = 0;

  constructor(private readonly host: LedgerHost) {}

  get size(): number {
    return this.ledgers.size;
  }

  /** A relay's report: kept (newest version wins) and answered. */
  report(r: PartReport, now: number): PartAck {
    const meetingId = r.record.meetingId;
    const done = this.recordedMeetings.get(meetingId);
    if (done !== undefined && (done.parts.has(r.part) || r.done)) {
      if (!done.parts.has(r.part)) {
        this.lateParts++;
        this.host.log({ event: 'cluster_cdr_late_part', meetingId, cdrId: done.c, part: r.part }, 'cluster: a part arrived after its meeting\'s record was written');
        done.parts.add(r.part);
      }
      return { t: 'a', from: this.host.selfId, part: r.part, v: r.v, c: done.c, cf: true, recorded: true };
    }
    let l = this.ledgers.get(meetingId);
    if (l === undefined) {
      if (done !== undefined) this.recordedMeetings.delete(meetingId);
      l = { meetingId, told: null, parts: new Map(), changedAt: now, interimSeq: this.elapsedIntervals(r.record, now) };
      this.ledgers.set(meetingId, l);
    }
    // A fixed id a report carries: an owner wrote a record under it. Without its start (a crash-recovered copy's
    // journaled id), the reporting part's own start bounds it (the part named started no later).
    if (typeof r.c === 'string' && r.cf === true) {
      const named: Named = { at: typeof r.cs === 'number' && Number.isFinite(r.cs) ? r.cs : Date.parse(r.record.startedAt), id: r.c };
      const held = l.parts.get(r.c);
      if (held !== undefined) named.at = Date.parse(held.record.startedAt);
      if (earlier(named, l.told)) l.told = named;
    }
    const held = l.parts.get(r.part);
    // Only a newer version replaces a part (a recovered copy, version 1, never replaces one held). A relay declared
    // dead may still report (it was stopped or cut off, not killed, and does not know yet): its sessions open when it
    // was declared dead end then with relay_failure, whatever it says later; one it opened since shows it is back.
    if (held !== undefined && r.failed && held.failed && r.v <= held.v) {
      // The crash-recovered copy of a part held as failed: it may have sessions the relay had no time to report.
      const record = completePart(held.record, r.record);
      if (record !== held.record) {
        l.parts.set(r.part, { ...held, record });
        l.changedAt = now;
      }
    } else if (held === undefined || r.v > held.v) {
      let deadAt = held?.deadAt;
      if (deadAt === undefined && !r.done && !r.failed && !this.host.isLive(r.from)) deadAt = now;
      let record = r.record;
      let done = r.done || r.failed;
      let failed = r.failed;
      if (deadAt !== undefined) {
        if (!r.done && openSince(r.record, deadAt)) deadAt = undefined;
        else {
          record = r.done ? failSince(r.record, deadAt) : failPart(r.record, deadAt);
          done = true;
          failed = true;
        }
      }
      const part: HeldPart = { record, done, failed, v: r.v, node: r.from };
      if (deadAt !== undefined) part.deadAt = deadAt;
      l.parts.set(r.part, part);
      l.changedAt = now;
    }
    const id = recordIdOf(l);
    return { t: 'a', from: this.host.selfId, part: r.part, v: r.v, c: id.id, cs: id.at, cf: l.told !== null, recorded: false };
  }

  /** Participants with a session open in the meeting's parts held here (the owner's seat count; cluster-seats.ts). */
  openParticipants(meetingId: string): Set<string> {
    const out = new Set<string>();
    const l = this.ledgers.get(meetingId);
    if (l === undefined) return out;
    for (const p of l.parts.values()) {
      if (p.done) continue;
      for (const q of p.record.participants) if (q.sessions.some((s) => s.leftAt === null)) out.add(q.id);
    }
    return out;
  }

  /** A relay died: its open parts end relay_failure, as of when it was last heard from. */
  nodeDown(node: string, now: number): void {
    const at = Date.now() - this.host.deadAfterMs;
    for (const l of this.ledgers.values()) {
      for (const [id, p] of l.parts) {
        if (p.node !== node || p.done) continue;
        const deadAt = Math.max(at, Date.parse(p.record.endedAt));
        l.parts.set(id, { ...p, record: failPart(p.record, deadAt), done: true, failed: true, deadAt });
        l.changedAt = now;
      }
    }
  }

  /** Another relay wrote a meeting's record: forget the copy held here. */
  recordedElsewhere(n: RecordedNotice, now: number): void {
    this.ledgers.delete(n.m);
    this.remember(n.m, n.c, n.parts, now);
  }

  /** Recorded meetings of the last `sinceMs`, for a relay that comes (back) up. */
  recentRecorded(now: number, sinceMs: number, max: number): RecordedNotice[] {
    const out: RecordedNotice[] = [];
    for (const [m, r] of this.recordedMeetings) {
      if (now - r.at > sinceMs) continue;
      out.push({ t: 'rec', from: this.host.selfId, m, c: r.c, parts: [...r.parts] });
      if (out.length >= max) break;
    }
    return out;
  }

  /** Drops every copy held (this relay was declared dead: the survivors' reports rebuild what it owns). */
  clear(): void {
    this.ledgers.clear();
  }

  private remember(m: string, c: string, parts: Iterable<string>, now: number): void {
    const known = this.recordedMeetings.get(m);
    if (known !== undefined && known.c === c) {
      for (const p of parts) known.parts.add(p);
      return;
    }
    this.recordedMeetings.delete(m);
    this.recordedMeetings.set(m, { c, parts: new Set(parts), at: now });
    for (const [k, v] of this.recordedMeetings) {
      if (this.recordedMeetings.size <= MAX_RECORDED && now - v.at < RECORDED_TTL_MS) break;
      this.recordedMeetings.delete(k);
    }
  }

  private elapsedIntervals(from: CdrRecord | number, now: number): number {
    const every = this.host.interimIntervalMs;
    const start = typeof from === 'number' ? from : Date.parse(from.startedAt);
    return every > 0 ? Math.max(0, Math.floor((now - start) / every)) : 0;
  }

  /** Periodic: writes due final and interim records of the meetings this relay owns. */
  tick(now: number): void {
    for (const l of [...this.ledgers.values()]) {
      // No longer owner nor successor (a relay came up before it in the order): the reporters send that relay
      // everything, so this copy goes (it must never be written later from stale parts).
      if (!this.host.holds(l.meetingId) && now - l.changedAt >= this.host.windowMs) {
        this.ledgers.delete(l.meetingId);
        continue;
      }
      if (!this.host.owns(l.meetingId)) continue;
      const parts = [...l.parts.values()];
      const open = parts.some((p) => !p.done);
      if (!open) {
        if (now - l.changedAt >= this.host.windowMs) this.finish(l, parts, now);
        continue;
      }
      const id = recordIdOf(l);
      // Numbered from the meeting's first start: a new owner continues the numbering from the elapsed time.
      const seq = this.elapsedIntervals(Math.min(id.at, earliestStart(parts)), now);
      if (this.host.interimIntervalMs > 0 && seq > l.interimSeq) {
        const record = mergeParts(parts, { cdrId: id.id, relayNode: this.host.relayNode, final: false, at: Date.now(), sequence: seq, endReason: null });
        if (this.host.append(record)) {
          l.interimSeq = seq;
          if (l.told === null) this.fix(l, id);
        }
      }
    }
  }

  /**
   * The id is now fixed (a record was written under it): every reporting relay is told at once, not at its next
   * report, so that it reports it as fixed to the successor (which then writes it if it takes over) and to an
   * owner that rebuilds its ledger after a stop.
   */
  private fix(l: Ledger, id: Named): void {
    l.told = id;
    for (const [part, p] of l.parts) this.host.tell(p.node, { t: 'a', from: this.host.selfId, part, v: p.v, c: id.id, cs: id.at, cf: true, recorded: false });
  }

  private finish(l: Ledger, parts: HeldPart[], now: number): void {
    let endedAt = 0;
    for (const p of parts) endedAt = Math.max(endedAt, Date.parse(p.record.endedAt));
    const id = recordIdOf(l);
    const cdrId = id.id;
    const record = mergeParts(parts, {
      cdrId, relayNode: this.host.relayNode, final: true, at: endedAt, sequence: Math.max(l.interimSeq, this.elapsedIntervals(Math.min(id.at, earliestStart(parts)), endedAt)) + 1,
      endReason: endReasonOf(parts),
    });
    if (!this.host.append(record)) return;
    this.recordsWritten++;
    this.ledgers.delete(l.meetingId);
    const ids = [...l.parts.keys()];
    this.remember(l.meetingId, cdrId, ids, now);
    this.host.recorded({ t: 'rec', from: this.host.selfId, m: l.meetingId, c: cdrId, parts: ids });
  }
}
