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
  record: CdrRecord;
}

/** The owner's answer: the meeting's record id, and whether its final record is written already. */
export interface PartAck {
  t: 'a';
  from: string;
  part: string;
  v: number;
  c: string;
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

interface Ledger {
  readonly meetingId: string;
  /** The record's id: the first part's, or the one an owner already named (reports carry it). */
  cdrId: string;
  /** The id came from a report (an owner named it before): from then on it is fixed. */
  told: boolean;
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
  log(obj: object, msg: string): void;
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
      return { t: 'a', from: this.host.selfId, part: r.part, v: r.v, c: done.c, recorded: true };
    }
    let l = this.ledgers.get(meetingId);
    if (l === undefined) {
      if (done !== undefined) this.recordedMeetings.delete(meetingId);
      l = { meetingId, cdrId: r.c ?? r.part, told: r.c !== undefined, parts: new Map(), changedAt: now, interimSeq: this.elapsedIntervals(r.record, now) };
      this.ledgers.set(meetingId, l);
    }
    // An id a report carries was named by an owner before: it replaces one taken from a part id (a successor's
    // first guess, or an owner that lost its ledger when it was cut off).
    if (typeof r.c === 'string' && !l.told) {
      l.cdrId = r.c;
      l.told = true;
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
    return { t: 'a', from: this.host.selfId, part: r.part, v: r.v, c: l.cdrId, recorded: false };
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

  private elapsedIntervals(record: CdrRecord, now: number): number {
    const every = this.host.interimIntervalMs;
    return every > 0 ? Math.max(0, Math.floor((now - Date.parse(record.startedAt)) / every)) : 0;
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
      const seq = this.elapsedIntervals(parts[0]!.record, now);
      if (this.host.interimIntervalMs > 0 && seq > l.interimSeq) {
        const record = mergeParts(parts, { cdrId: l.cdrId, relayNode: this.host.relayNode, final: false, at: Date.now(), sequence: seq, endReason: null });
        if (this.host.append(record)) l.interimSeq = seq;
      }
    }
  }

  private finish(l: Ledger, parts: HeldPart[], now: number): void {
    let endedAt = 0;
    for (const p of parts) endedAt = Math.max(endedAt, Date.parse(p.record.endedAt));
    const record = mergeParts(parts, {
      cdrId: l.cdrId, relayNode: this.host.relayNode, final: true, at: endedAt, sequence: Math.max(l.interimSeq, this.elapsedIntervals(parts[0]!.record, endedAt)) + 1,
      endReason: endReasonOf(parts),
    });
    if (!this.host.append(record)) return;
    this.recordsWritten++;
    this.ledgers.delete(l.meetingId);
    const ids = [...l.parts.keys()];
    this.remember(l.meetingId, l.cdrId, ids, now);
    this.host.recorded({ t: 'rec', from: this.host.selfId, m: l.meetingId, c: l.cdrId, parts: ids });
  }
}
