/**
 * Builds CDR records from a MeetingView. The view is live and mutable: everything is copied into fresh plain
 * values here, so a record never changes after it is built and never holds a reference into the core.
 */
import type { EndReason, LeaveReason, MeetingView, ParticipantView } from '../meeting/meeting.types.js';
import { CDR_SCHEMA, type CdrParticipant, type CdrRecord, type CdrSession } from './cdr.types.js';
import { copyActivity, copyFeatures, copyLanes, count } from './view-copy.js';

export interface BuildCdrOptions {
  /** Copy display names into the record. Default false. */
  includeDisplayNames?: boolean;
  /** Copy participants' remote addresses into the record (`ip`). Default false. */
  includeIpAddresses?: boolean;
  /** Sequence number of the final record: the number of interim records before it + 1. Default 1. */
  sequence?: number;
  /** Set by crash recovery. Default false. */
  recovered?: boolean;
  /** Leave reason for sessions still open when the meeting ends. Default 'meeting_ended'. */
  openSessionReason?: LeaveReason;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

interface Totals {
  ms: number;
}

function copyParticipant(
  p: ParticipantView,
  at: number,
  final: boolean,
  openReason: LeaveReason,
  options: BuildCdrOptions,
  totals: Totals,
): CdrParticipant {
  const sessions: CdrSession[] = [];
  for (const span of p.spans) {
    const open = span.leftAt === undefined;
    const end = open ? at : (span.leftAt as number);
    totals.ms += Math.max(0, end - span.joinedAt);
    const session: CdrSession = {
      joinedAt: iso(span.joinedAt),
      leftAt: open ? (final ? iso(at) : null) : iso(end),
      leaveReason: open ? (final ? openReason : null) : (span.leaveReason ?? 'disconnect'),
    };
    if (span.gaps !== undefined && span.gaps.length > 0) session.gaps = span.gaps.map((g) => ({ from: iso(g.from), to: iso(g.to) }));
    sessions.push(session);
  }
  const out: CdrParticipant = { id: String(p.id), role: p.role, sessions };
  if (options.includeDisplayNames === true && typeof p.displayName === 'string' && p.displayName !== '') {
    out.displayName = p.displayName;
  }
  if (options.includeIpAddresses === true && typeof p.remoteAddress === 'string' && p.remoteAddress !== '') {
    out.ip = p.remoteAddress;
  }
  return out;
}

function build(
  view: MeetingView,
  at: number,
  final: boolean,
  sequence: number,
  endReason: EndReason | null,
  options: BuildCdrOptions,
): CdrRecord {
  const totals: Totals = { ms: 0 };
  const openReason = options.openSessionReason ?? 'meeting_ended';
  const participants: CdrParticipant[] = [];
  for (const p of view.participants.values()) participants.push(copyParticipant(p, at, final, openReason, options, totals));
  const cdrId = String(view.cdrId);
  return {
    schema: CDR_SCHEMA,
    id: final ? cdrId : `${cdrId}:${sequence}`,
    cdrId,
    sequence,
    partial: !final,
    meetingId: String(view.meetingId),
    relayNode: String(view.relayNode),
    startedAt: iso(view.startedAt),
    endedAt: iso(at),
    durationMs: Math.max(0, Math.round(at - view.startedAt)),
    endReason,
    participants,
    peakParticipants: count(view.peakParticipants),
    participantMinutes: Math.round(totals.ms / 600) / 100,
    features: copyFeatures(view.features),
    lanes: copyLanes(view.lanes),
    activity: copyActivity(view.activity),
    recovered: options.recovered === true,
  };
}

/**
 * The final record of a meeting. Sessions still open are closed at `endedAt` with
 * `options.openSessionReason` (default 'meeting_ended'). id = view.cdrId.
 */
export function buildCdr(view: MeetingView, endReason: EndReason, endedAt: number, options: BuildCdrOptions = {}): CdrRecord {
  const sequence = options.sequence ?? 1;
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError('sequence must be a positive integer');
  return build(view, endedAt, true, sequence, endReason, options);
}

/**
 * An interim (partial) record of a meeting still running, as of `at`. Open sessions have leftAt and
 * leaveReason null; endReason is null. id = `${view.cdrId}:${sequence}`.
 */
export function buildInterimCdr(view: MeetingView, sequence: number, at: number, options: BuildCdrOptions = {}): CdrRecord {
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError('sequence must be a positive integer');
  return build(view, at, false, sequence, null, options);
}
