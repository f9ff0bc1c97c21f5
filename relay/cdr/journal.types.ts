/**
 * The journal's line format (internal; metadata only, never content or tokens). One JSON object per line:
 *
 *   start   {"t":"start","c":cdrId,"m":meetingId,"node":relayNode,"startedAt":ms,"at":ms}
 *   join    {"t":"join","c":cdrId,"p":participantId,"role":role,"at":ms,"name"?:..,"ip"?:..}
 *   leave   {"t":"leave","c":cdrId,"p":participantId,"reason":leaveReason,"at":ms}
 *   interim {"t":"interim","c":cdrId,"seq":n,"at":ms}
 *   hb      {"t":"hb","at":ms,"m":{cdrId:{peak,features,lanes,activity,roles?}}}   (only meetings that changed)
 *   end     {"t":"end","c":cdrId,"reason":endReason,"at":ms}
 *   rid     {"t":"rid","c":cdrId,"r":recordId,"at":ms}   (cluster mode: the id of the meeting's record, from its owner)
 *   snap    {"t":"snap","at":ms,"c":..,"m":..,"node":..,"startedAt":..,"seq":n,"peak":..,"features":[..],
 *            "lanes":{..},"activity":{..},"r"?:recordId,"participants":[{"p":..,"role":..,"name"?,"ip"?,"spans":[[joinedAt,leftAt|null,reason|null]]}]}
 *
 * `name` and `ip` appear only when the operator turned includeDisplayNames / includeIpAddresses on.
 */
import type { Feature, Lane, LeaveReason, Role } from '../meeting/meeting.types.js';
import type { CdrActivity, CdrLaneCounts } from './cdr.types.js';

export interface JournalCounters {
  peak: number;
  features: Feature[];
  lanes: Record<Lane, CdrLaneCounts>;
  activity: CdrActivity;
  /** Participants whose role changed since the last journaled value. */
  roles?: Record<string, Role>;
}

export type JournalSpan = [joinedAt: number, leftAt: number | null, reason: LeaveReason | null];

export interface JournalSnapParticipant {
  p: string;
  role: Role;
  name?: string;
  ip?: string;
  spans: JournalSpan[];
}

export type JournalLine =
  | { t: 'start'; c: string; m: string; node: string; startedAt: number; at: number }
  | { t: 'join'; c: string; p: string; role: Role; at: number; name?: string; ip?: string }
  | { t: 'leave'; c: string; p: string; reason: LeaveReason; at: number }
  | { t: 'interim'; c: string; seq: number; at: number }
  | { t: 'hb'; at: number; m: Record<string, JournalCounters> }
  | { t: 'end'; c: string; reason: string; at: number }
  | { t: 'rid'; c: string; r: string; at: number }
  | ({ t: 'snap'; at: number; c: string; m: string; node: string; startedAt: number; seq: number; r?: string; participants: JournalSnapParticipant[] } & Omit<JournalCounters, 'roles'>);
