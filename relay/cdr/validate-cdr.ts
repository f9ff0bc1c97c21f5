/**
 * Checks a parsed value against the ephemera.cdr/1 schema: every field present with its type, no field outside
 * the schema, ids consistent with cdrId and sequence. Used by `ephemera cdr verify` and by tests.
 */
import { FEATURES, LANES } from '../meeting/meeting.types.js';
import { CDR_SCHEMA } from './cdr.types.js';

const ROLES = new Set(['host', 'presenter', 'attendee']);
const END_REASONS = new Set(['host_ended', 'empty_timeout', 'max_duration', 'shutdown', 'relay_failure']);
/** Every leave reason a record may carry (relay/cdr/README.md lists the same; a unit test keeps them equal). */
export const LEAVE_REASONS: ReadonlySet<string> = new Set([
  'leave', 'disconnect', 'removed', 'replaced', 'slow_consumer', 'rate_limited', 'malformed_frame',
  'frame_too_large', 'idle_timeout', 'meeting_ended', 'internal', 'relay_failure', 'cluster_gap',
]);
const FEATURE_SET = new Set<string>(FEATURES);
const RECORD_KEYS = [
  'schema', 'id', 'cdrId', 'sequence', 'partial', 'meetingId', 'relayNode', 'startedAt', 'endedAt', 'durationMs',
  'endReason', 'participants', 'peakParticipants', 'participantMinutes', 'features', 'lanes', 'activity', 'recovered',
];
const PARTICIPANT_KEYS = ['id', 'role', 'sessions'];
const PARTICIPANT_OPTIONAL = ['displayName', 'ip'];
const SESSION_KEYS = ['joinedAt', 'leftAt', 'leaveReason'];
const LANE_KEYS = ['framesIn', 'bytesIn', 'framesOut', 'bytesOut', 'dropped'];
const ACTIVITY_KEYS = ['hostActions', 'pollsOpened', 'pollAnswers', 'documentsOffered', 'documentBytes', 'tracksPublished'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isIso(v: unknown): v is string {
  return typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v));
}

function keys(where: string, o: Obj, required: readonly string[], optional: readonly string[], out: string[]): void {
  for (const k of required) if (!(k in o)) out.push(`${where}: missing field '${k}'`);
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) out.push(`${where}: field '${k}' is not in the schema`);
  }
}

/** Problems found in one record (empty when it is valid). Messages name fields, never echo values. */
export function validateCdrRecord(value: unknown): string[] {
  const out: string[] = [];
  if (!isObj(value)) return ['the record is not a JSON object'];
  const r = value;
  keys('record', r, RECORD_KEYS, [], out);
  if (r.schema !== CDR_SCHEMA) out.push(`schema: expected '${CDR_SCHEMA}'`);
  for (const k of ['id', 'cdrId', 'meetingId', 'relayNode'] as const) {
    if (typeof r[k] !== 'string' || r[k] === '') out.push(`${k}: must be a non-empty string`);
  }
  if (!isCount(r.sequence) || (r.sequence as number) < 1) out.push('sequence: must be an integer >= 1');
  if (typeof r.partial !== 'boolean') out.push('partial: must be a boolean');
  if (typeof r.recovered !== 'boolean') out.push('recovered: must be a boolean');
  if (typeof r.id === 'string' && typeof r.cdrId === 'string') {
    const expected = r.partial === true ? `${r.cdrId}:${String(r.sequence)}` : r.cdrId;
    if (r.id !== expected) out.push(r.partial === true ? 'id: an interim record\'s id must be cdrId:sequence' : 'id: a final record\'s id must equal cdrId');
  }
  if (!isIso(r.startedAt)) out.push('startedAt: must be an ISO 8601 UTC time');
  if (!isIso(r.endedAt)) out.push('endedAt: must be an ISO 8601 UTC time');
  if (!isCount(r.durationMs)) out.push('durationMs: must be a non-negative integer');
  if (isIso(r.startedAt) && isIso(r.endedAt) && Date.parse(r.endedAt) < Date.parse(r.startedAt)) out.push('endedAt: is before startedAt');
  if (r.partial === true) {
    if (r.endReason !== null) out.push('endReason: must be null in an interim record');
  } else if (typeof r.endReason !== 'string' || !END_REASONS.has(r.endReason)) {
    out.push('endReason: must be one of ' + [...END_REASONS].join(', '));
  }
  if (!isCount(r.peakParticipants)) out.push('peakParticipants: must be a non-negative integer');
  const pm = r.participantMinutes;
  if (typeof pm !== 'number' || !Number.isFinite(pm) || pm < 0 || Math.abs(pm * 100 - Math.round(pm * 100)) > 1e-6) {
    out.push('participantMinutes: must be a non-negative number with at most 2 decimals');
  }
  const features = r.features;
  if (!Array.isArray(features)) out.push('features: must be an array');
  else {
    features.forEach((f: unknown, i) => {
      if (typeof f !== 'string' || !FEATURE_SET.has(f)) out.push(`features[${i}]: unknown feature`);
    });
    const sorted = features.map(String).sort();
    if (sorted.some((f, i) => f !== features[i])) out.push('features: must be sorted');
    if (new Set(features).size !== features.length) out.push('features: must not repeat a feature');
  }
  if (!isObj(r.lanes)) out.push('lanes: must be an object');
  else {
    keys('lanes', r.lanes, LANES, [], out);
    for (const lane of LANES) {
      const l = r.lanes[lane];
      if (l === undefined) continue;
      if (!isObj(l)) {
        out.push(`lanes.${lane}: must be an object`);
        continue;
      }
      keys(`lanes.${lane}`, l, LANE_KEYS, [], out);
      for (const k of LANE_KEYS) if (k in l && !isCount(l[k])) out.push(`lanes.${lane}.${k}: must be a non-negative integer`);
    }
  }
  if (!isObj(r.activity)) out.push('activity: must be an object');
  else {
    keys('activity', r.activity, ACTIVITY_KEYS, [], out);
    for (const k of ACTIVITY_KEYS.slice(1)) if (k in r.activity && !isCount(r.activity[k])) out.push(`activity.${k}: must be a non-negative integer`);
    const ha = r.activity.hostActions;
    if (!isObj(ha)) out.push('activity.hostActions: must be an object');
    else for (const [k, v] of Object.entries(ha)) {
      if (!/^[a-z][a-z0-9_]{0,31}$/.test(k)) out.push('activity.hostActions: a key is not an action identifier');
      if (!isCount(v)) out.push('activity.hostActions: counts must be non-negative integers');
    }
  }
  if (!Array.isArray(r.participants)) out.push('participants: must be an array');
  else {
    r.participants.forEach((p, i) => {
      const at = `participants[${i}]`;
      if (!isObj(p)) {
        out.push(`${at}: must be an object`);
        return;
      }
      keys(at, p, PARTICIPANT_KEYS, PARTICIPANT_OPTIONAL, out);
      if (typeof p.id !== 'string' || p.id === '') out.push(`${at}.id: must be a non-empty string`);
      if (typeof p.role !== 'string' || !ROLES.has(p.role)) out.push(`${at}.role: must be host, presenter or attendee`);
      for (const k of PARTICIPANT_OPTIONAL) if (k in p && typeof p[k] !== 'string') out.push(`${at}.${k}: must be a string`);
      if (!Array.isArray(p.sessions)) {
        out.push(`${at}.sessions: must be an array`);
        return;
      }
      p.sessions.forEach((s, j) => {
        const sat = `${at}.sessions[${j}]`;
        if (!isObj(s)) {
          out.push(`${sat}: must be an object`);
          return;
        }
        keys(sat, s, SESSION_KEYS, ['gaps', 'relay'], out);
        if ('relay' in s && (typeof s.relay !== 'string' || s.relay === '')) out.push(`${sat}.relay: must be a non-empty string when present`);
        if ('gaps' in s) {
          if (!Array.isArray(s.gaps) || s.gaps.length === 0) out.push(`${sat}.gaps: must be a non-empty array when present`);
          else
            s.gaps.forEach((g: unknown, k: number) => {
              const gat = `${sat}.gaps[${k}]`;
              if (!isObj(g)) return void out.push(`${gat}: must be an object`);
              keys(gat, g, ['from', 'to'], [], out);
              if (!isIso(g.from) || !isIso(g.to)) out.push(`${gat}: from and to must be ISO 8601 UTC times`);
              else if (Date.parse(g.to as string) < Date.parse(g.from as string)) out.push(`${gat}: to must not be before from`);
            });
        }
        if (!isIso(s.joinedAt)) out.push(`${sat}.joinedAt: must be an ISO 8601 UTC time`);
        const open = s.leftAt === null;
        if (open) {
          if (r.partial !== true) out.push(`${sat}.leftAt: only interim records may have open sessions`);
          if (s.leaveReason !== null) out.push(`${sat}.leaveReason: must be null while the session is open`);
        } else {
          if (!isIso(s.leftAt)) out.push(`${sat}.leftAt: must be an ISO 8601 UTC time or null`);
          if (typeof s.leaveReason !== 'string' || !LEAVE_REASONS.has(s.leaveReason)) out.push(`${sat}.leaveReason: unknown leave reason`);
        }
      });
    });
  }
  return out;
}
