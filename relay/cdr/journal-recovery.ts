/**
 * Crash recovery: replays the journal left by a process that did not close it (kill -9, power loss), and for
 * every meeting still open emits its final record (endReason 'relay_failure', endedAt = the meeting's last
 * heartbeat or event, open sessions closed then with 'relay_failure', recovered: true) into the outbox, then
 * clears the journal. A meeting whose final record is already in the outbox gets none: the recorder writes the
 * final record before journaling the end, so "open in the journal" and "final in the outbox" overlap exactly
 * when the process died between the two.
 */
import { readFileSync } from 'node:fs';
import type { AttendanceSpan, Feature, MeetingView, ParticipantView, Role } from '../meeting/meeting.types.js';
import { buildCdr } from './build-cdr.js';
import type { CdrActivity, CdrLaneCounts, CdrLogger, CdrRecord } from './cdr.types.js';
import { writeFileAtomic } from './durable-file.js';
import type { JournalCounters, JournalLine } from './journal.types.js';
import type { Outbox } from './outbox.js';
import { copyActivity, copyFeatures, copyLanes, count } from './view-copy.js';
import type { Lane } from '../meeting/meeting.types.js';

interface MutableParticipant {
  id: string;
  role: Role;
  displayName?: string;
  remoteAddress?: string;
  spans: AttendanceSpan[];
}

/** A meeting reconstructed from the journal. */
export interface ReplayedMeeting {
  cdrId: string;
  meetingId: string;
  relayNode: string;
  startedAt: number;
  /** Interim records already written. */
  interimSeq: number;
  /** Last moment the meeting was known alive: its last event or the last heartbeat after it started. */
  lastAt: number;
  peak: number;
  features: Feature[];
  lanes: Record<Lane, CdrLaneCounts>;
  activity: CdrActivity;
  participants: Map<string, MutableParticipant>;
  /** Cluster mode: the meeting's record id, as its owner relay named it. */
  recordId?: string;
}

export interface ReplayResult {
  /** Meetings open at the end of the journal, in start order. */
  readonly open: Map<string, ReplayedMeeting>;
  /** Lines that could not be read (a torn last line after a crash counts here). */
  readonly unreadable: number;
}

function presentOf(m: ReplayedMeeting): number {
  let n = 0;
  for (const p of m.participants.values()) if (p.spans.some((s) => s.leftAt === undefined)) n++;
  return n;
}

function applyCounters(m: ReplayedMeeting, c: Partial<JournalCounters>): void {
  m.peak = Math.max(m.peak, count(c.peak));
  if (Array.isArray(c.features)) m.features = copyFeatures([...m.features, ...c.features]);
  if (c.lanes) m.lanes = copyLanes(c.lanes);
  if (c.activity) m.activity = copyActivity(c.activity);
  if (c.roles) {
    for (const [id, role] of Object.entries(c.roles)) {
      const p = m.participants.get(id);
      if (p) p.role = role;
    }
  }
}

/** Replays journal text into the set of meetings still open at its end. Pure: touches no file. */
export function replayJournal(text: string): ReplayResult {
  const open = new Map<string, ReplayedMeeting>();
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    let line: JournalLine;
    try {
      line = JSON.parse(raw) as JournalLine;
    } catch {
      unreadable++;
      continue;
    }
    if (line === null || typeof line !== 'object' || typeof line.at !== 'number') {
      unreadable++;
      continue;
    }
    switch (line.t) {
      case 'start': {
        if (!open.has(line.c)) {
          open.set(line.c, {
            cdrId: line.c, meetingId: line.m, relayNode: line.node, startedAt: line.startedAt, interimSeq: 0,
            lastAt: Math.max(line.at, line.startedAt), peak: 0, features: [], lanes: copyLanes(undefined),
            activity: copyActivity(undefined), participants: new Map(),
          });
        }
        break;
      }
      case 'snap': {
        const m: ReplayedMeeting = {
          cdrId: line.c, meetingId: line.m, relayNode: line.node, startedAt: line.startedAt, interimSeq: count(line.seq),
          lastAt: Math.max(line.at, line.startedAt), peak: 0, features: [], lanes: copyLanes(undefined),
          activity: copyActivity(undefined), participants: new Map(),
        };
        for (const sp of line.participants ?? []) {
          const p: MutableParticipant = {
            id: sp.p,
            role: sp.role,
            spans: (sp.spans ?? []).map(([joinedAt, leftAt, reason]) =>
              leftAt === null ? { joinedAt } : { joinedAt, leftAt, leaveReason: reason ?? 'disconnect' },
            ),
          };
          if (sp.name !== undefined) p.displayName = sp.name;
          if (sp.ip !== undefined) p.remoteAddress = sp.ip;
          m.participants.set(sp.p, p);
        }
        applyCounters(m, line);
        if (typeof line.r === 'string') m.recordId = line.r;
        open.set(line.c, m);
        break;
      }
      case 'join': {
        const m = open.get(line.c);
        if (!m) break;
        let p = m.participants.get(line.p);
        if (!p) {
          p = { id: line.p, role: line.role, spans: [] };
          m.participants.set(line.p, p);
        }
        p.role = line.role;
        if (line.name !== undefined) p.displayName = line.name;
        if (line.ip !== undefined) p.remoteAddress = line.ip;
        const last = p.spans[p.spans.length - 1];
        if (last && last.leftAt === undefined) {
          last.leftAt = line.at;
          last.leaveReason = 'replaced';
        }
        p.spans.push({ joinedAt: line.at });
        m.lastAt = Math.max(m.lastAt, line.at);
        m.peak = Math.max(m.peak, presentOf(m));
        break;
      }
      case 'leave': {
        const m = open.get(line.c);
        const p = m?.participants.get(line.p);
        if (!m || !p) break;
        const last = p.spans[p.spans.length - 1];
        if (last && last.leftAt === undefined) {
          last.leftAt = line.at;
          last.leaveReason = line.reason;
        }
        m.lastAt = Math.max(m.lastAt, line.at);
        break;
      }
      case 'interim': {
        const m = open.get(line.c);
        if (!m) break;
        m.interimSeq = Math.max(m.interimSeq, count(line.seq));
        m.lastAt = Math.max(m.lastAt, line.at);
        break;
      }
      case 'hb': {
        for (const m of open.values()) m.lastAt = Math.max(m.lastAt, line.at);
        for (const [cdrId, c] of Object.entries(line.m ?? {})) {
          const m = open.get(cdrId);
          if (m) applyCounters(m, c);
        }
        break;
      }
      case 'end':
        open.delete(line.c);
        break;
      case 'rid': {
        const m = open.get(line.c);
        if (m && typeof line.r === 'string') m.recordId = line.r;
        break;
      }
      default:
        unreadable++;
    }
  }
  return { open, unreadable };
}

/** A MeetingView over a replayed meeting, for buildCdr. */
export function replayedView(m: ReplayedMeeting): MeetingView {
  return {
    meetingId: m.meetingId,
    cdrId: m.cdrId,
    relayNode: m.relayNode,
    startedAt: m.startedAt,
    participants: m.participants as ReadonlyMap<string, ParticipantView>,
    present: presentOf(m),
    peakParticipants: m.peak,
    features: new Set(m.features),
    lanes: m.lanes,
    activity: m.activity,
  };
}

export interface RecoverJournalOptions {
  readonly journalPath: string;
  readonly outbox: Outbox;
  readonly includeDisplayNames?: boolean;
  readonly includeIpAddresses?: boolean;
  readonly logger?: CdrLogger;
  /**
   * Cluster mode: the recovered records are not appended but returned in `handedOff` (with the meeting, its open
   * sessions closed relay_failure, for the recorder to journal again until the meeting's owner relay recorded it).
   */
  readonly handOff?: boolean;
}

export interface RecoveryResult {
  /** Final records emitted (already durable in the outbox). */
  readonly recovered: readonly CdrRecord[];
  /** cdrIds open in the journal whose final record was already in the outbox. */
  readonly alreadyFinal: readonly string[];
  readonly unreadableLines: number;
  /** handOff only: the records of this relay's parts of meetings, for the owner relay, and the parts' views. */
  readonly handedOff: ReadonlyArray<{ readonly record: CdrRecord; readonly view: MeetingView; readonly recordId?: string }>;
}

/**
 * Recovers the journal at `journalPath` into `outbox` and clears the journal. Throws the fs error when a
 * record cannot be appended or the journal cannot be cleared; the journal is then left as it was (records
 * already appended are recognised by the exactly-once check next time).
 */
export function recoverJournal(options: RecoverJournalOptions): RecoveryResult {
  let text: string;
  try {
    text = readFileSync(options.journalPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { recovered: [], alreadyFinal: [], unreadableLines: 0, handedOff: [] };
    throw err;
  }
  const { open, unreadable } = replayJournal(text);
  const recovered: CdrRecord[] = [];
  const alreadyFinal: string[] = [];
  const handedOff: Array<{ record: CdrRecord; view: MeetingView; recordId?: string }> = [];
  for (const m of open.values()) {
    if (options.outbox.hasFinal(m.cdrId)) {
      alreadyFinal.push(m.cdrId);
      continue;
    }
    const endedAt = Math.max(m.lastAt, m.startedAt);
    const record = buildCdr(replayedView(m), 'relay_failure', endedAt, {
      sequence: m.interimSeq + 1,
      recovered: true,
      openSessionReason: 'relay_failure',
      includeDisplayNames: options.includeDisplayNames === true,
      includeIpAddresses: options.includeIpAddresses === true,
    });
    if (options.handOff === true) {
      for (const p of m.participants.values()) {
        for (const span of p.spans) {
          if (span.leftAt !== undefined) continue;
          span.leftAt = endedAt;
          span.leaveReason = 'relay_failure';
        }
      }
      handedOff.push({ record, view: replayedView(m), ...(m.recordId !== undefined ? { recordId: m.recordId } : {}) });
      continue;
    }
    options.outbox.append(record);
    recovered.push(record);
  }
  if (text !== '') writeFileAtomic(options.journalPath, '');
  if (recovered.length > 0 || alreadyFinal.length > 0 || unreadable > 0 || handedOff.length > 0) {
    options.logger?.warn(
      { recovered: recovered.map((r) => r.cdrId), handedOff: handedOff.map((h) => h.record.cdrId), alreadyFinal, unreadableLines: unreadable },
      'cdr journal recovery: closed meetings left open by an unclean stop',
    );
  }
  return { recovered, alreadyFinal, unreadableLines: unreadable, handedOff };
}
