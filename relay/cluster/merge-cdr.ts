/**
 * Merges the parts of a meeting (one per relay that held members of it: that relay's record of its own sessions)
 * into the meeting's one record: every session, each with the relay it was on, lane counters and activity summed,
 * features united, the peak counted over the merged sessions. Pure: the owner relay's ledger calls it.
 */
import { CDR_SCHEMA, type CdrActivity, type CdrLaneCounts, type CdrParticipant, type CdrRecord, type CdrSession } from '../cdr/cdr.types.js';
import { LANES, type EndReason, type Feature, type Lane, type LeaveReason } from '../meeting/meeting.types.js';

/** One relay's part of a meeting, as the owner holds it. */
export interface MeetingPart {
  /** That relay's record of its own sessions (interim while the part is open, final once it ended). */
  readonly record: CdrRecord;
  /** The part ended on its relay (the record is final). */
  readonly done: boolean;
  /** Its relay died (declared dead, or the part came from crash recovery): open sessions ended relay_failure. */
  readonly failed: boolean;
}

export interface MergeOptions {
  readonly cdrId: string;
  /** The owner relay's node name (the record's relayNode). */
  readonly relayNode: string;
  /** Final (true) or interim. */
  readonly final: boolean;
  /** End of the meeting (final) or the moment of the interim record. */
  readonly at: number;
  readonly sequence: number;
  readonly endReason: EndReason | null;
}

/** The end reason of a meeting from its parts: a host's end or the maximum duration win; else the last part's. */
export function endReasonOf(parts: readonly MeetingPart[]): EndReason {
  const reasons = parts.map((p) => (p.failed ? 'relay_failure' : (p.record.endReason ?? 'relay_failure')));
  if (reasons.includes('host_ended')) return 'host_ended';
  if (reasons.includes('max_duration')) return 'max_duration';
  let last: MeetingPart | null = null;
  for (const p of parts) {
    if (p.failed || p.record.endReason === null) continue;
    if (last === null || Date.parse(p.record.endedAt) > Date.parse(last.record.endedAt)) last = p;
  }
  return last?.record.endReason ?? 'relay_failure';
}

/** Closes the open sessions of a part whose relay died, at `at`, with relay_failure (a new record; pure). */
export function failPart(record: CdrRecord, at: number): CdrRecord {
  const end = Math.max(at, Date.parse(record.startedAt));
  const iso = new Date(end).toISOString();
  const participants = record.participants.map((p) => ({
    ...p,
    sessions: p.sessions.map((s) =>
      s.leftAt === null ? { ...s, leftAt: new Date(Math.max(end, Date.parse(s.joinedAt))).toISOString(), leaveReason: 'relay_failure' as LeaveReason } : s,
    ),
  }));
  return { ...record, participants, partial: false, endedAt: iso, endReason: 'relay_failure', recovered: true };
}

/**
 * A part its relay reported after it was declared dead at `at`: the sessions it had open then ended then with
 * relay_failure, whatever the relay says of them later; sessions it began since stay as reported (pure).
 */
export function failSince(record: CdrRecord, at: number): CdrRecord {
  const iso = new Date(at).toISOString();
  const participants = record.participants.map((p) => ({
    ...p,
    sessions: p.sessions.map((s) =>
      Date.parse(s.joinedAt) <= at && (s.leftAt === null || Date.parse(s.leftAt) > at) ? { ...s, leftAt: iso, leaveReason: 'relay_failure' as LeaveReason } : s,
    ),
  }));
  return { ...record, participants };
}

/**
 * A part as held, completed from its crash-recovered copy: sessions the recovered copy has and the held one lacks
 * (they began too shortly before the relay died to be reported) are added, as recovery closed them (pure).
 */
export function completePart(held: CdrRecord, recovered: CdrRecord): CdrRecord {
  const byId = new Map(held.participants.map((p) => [p.id, p]));
  let added = false;
  const participants = held.participants.map((p) => ({ ...p, sessions: [...p.sessions] }));
  const out = new Map(participants.map((p) => [p.id, p]));
  for (const rp of recovered.participants) {
    const hp = byId.get(rp.id);
    const target = out.get(rp.id);
    for (const s of rp.sessions) {
      if (hp !== undefined && hp.sessions.some((h) => h.joinedAt === s.joinedAt)) continue;
      added = true;
      if (target !== undefined) target.sessions.push(s);
      else {
        const np = { ...rp, sessions: [s] };
        participants.push(np);
        out.set(rp.id, np);
      }
    }
  }
  return added ? { ...held, participants } : held;
}

function addLanes(into: Record<Lane, CdrLaneCounts>, from: Record<Lane, CdrLaneCounts> | undefined): void {
  for (const lane of LANES) {
    const a = into[lane];
    const b = from?.[lane];
    if (b === undefined) continue;
    a.framesIn += b.framesIn;
    a.bytesIn += b.bytesIn;
    a.framesOut += b.framesOut;
    a.bytesOut += b.bytesOut;
    a.dropped += b.dropped;
  }
}

function addActivity(into: CdrActivity, from: CdrActivity | undefined): void {
  if (from === undefined) return;
  for (const [k, v] of Object.entries(from.hostActions ?? {})) into.hostActions[k] = (into.hostActions[k] ?? 0) + v;
  into.pollsOpened += from.pollsOpened;
  into.pollAnswers += from.pollAnswers;
  into.documentsOffered += from.documentsOffered;
  into.documentBytes += from.documentBytes;
  into.tracksPublished += from.tracksPublished;
}

/** The meeting's record from its parts (see the module comment). */
export function mergeParts(parts: readonly MeetingPart[], o: MergeOptions): CdrRecord {
  const lanes = {} as Record<Lane, CdrLaneCounts>;
  for (const lane of LANES) lanes[lane] = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 };
  const activity: CdrActivity = { hostActions: {}, pollsOpened: 0, pollAnswers: 0, documentsOffered: 0, documentBytes: 0, tracksPublished: 0 };
  const features = new Set<Feature>();
  const byId = new Map<string, { p: CdrParticipant; latest: number }>();
  const atIso = new Date(o.at).toISOString();
  let startedAt = Infinity;
  for (const part of parts) {
    const r = part.record;
    startedAt = Math.min(startedAt, Date.parse(r.startedAt));
    addLanes(lanes, r.lanes);
    addActivity(activity, r.activity);
    for (const f of r.features) features.add(f);
    for (const p of r.participants) {
      let entry = byId.get(p.id);
      if (entry === undefined) {
        entry = { p: { id: p.id, role: p.role, sessions: [] }, latest: -Infinity };
        byId.set(p.id, entry);
      }
      for (const s of p.sessions) {
        const session: CdrSession = { ...s, relay: r.relayNode };
        if (o.final && session.leftAt === null) {
          session.leftAt = atIso;
          session.leaveReason = 'meeting_ended';
        }
        entry.p.sessions.push(session);
        const joined = Date.parse(s.joinedAt);
        if (joined >= entry.latest) {
          entry.latest = joined;
          entry.p.role = p.role;
          if (p.displayName !== undefined) entry.p.displayName = p.displayName;
          if (p.ip !== undefined) entry.p.ip = p.ip;
        }
      }
    }
  }
  if (!Number.isFinite(startedAt)) startedAt = o.at;
  // Peak and participant-minutes over the merged sessions (one relay's peak says nothing of the others').
  const edges: Array<[number, number]> = [];
  let ms = 0;
  const participants: CdrParticipant[] = [];
  for (const { p } of byId.values()) {
    p.sessions.sort((a, b) => Date.parse(a.joinedAt) - Date.parse(b.joinedAt));
    for (const s of p.sessions) {
      const from = Date.parse(s.joinedAt);
      const to = s.leftAt === null ? o.at : Date.parse(s.leftAt);
      ms += Math.max(0, to - from);
      edges.push([from, 1], [to, -1]);
    }
    participants.push(p);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let present = 0;
  let peak = 0;
  for (const [, d] of edges) {
    present += d;
    if (present > peak) peak = present;
  }
  const hostActions: Record<string, number> = {};
  for (const k of Object.keys(activity.hostActions).sort()) hostActions[k] = activity.hostActions[k]!;
  return {
    schema: CDR_SCHEMA,
    id: o.final ? o.cdrId : `${o.cdrId}:${o.sequence}`,
    cdrId: o.cdrId,
    sequence: o.sequence,
    partial: !o.final,
    meetingId: parts[0]?.record.meetingId ?? '',
    relayNode: o.relayNode,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: atIso,
    durationMs: Math.max(0, Math.round(o.at - startedAt)),
    endReason: o.final ? o.endReason : null,
    participants,
    peakParticipants: peak,
    participantMinutes: Math.round(ms / 600) / 100,
    features: [...features].sort(),
    lanes,
    activity: { ...activity, hostActions },
    recovered: o.final && parts.length > 0 && parts.every((p) => p.failed),
  };
}
