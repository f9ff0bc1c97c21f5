/**
 * Copies of a live MeetingView's counters into plain values, shared by records and the journal. Anything that
 * does not look like metadata (an unknown feature, an action key that is not an identifier) is left out.
 */
import { FEATURES, LANES, type Feature, type Lane, type MeetingView } from '../meeting/meeting.types.js';
import type { CdrActivity, CdrLaneCounts } from './cdr.types.js';

/** Host action kinds are core-defined identifiers. */
export const ACTION_KEY = /^[a-z][a-z0-9_]{0,31}$/;
const FEATURE_SET: ReadonlySet<string> = new Set(FEATURES);

/** A finite non-negative integer, else 0. */
export function count(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

export function copyLanes(lanes: Partial<Record<Lane, Partial<CdrLaneCounts>>> | undefined): Record<Lane, CdrLaneCounts> {
  const out = {} as Record<Lane, CdrLaneCounts>;
  for (const lane of LANES) {
    const s = lanes?.[lane];
    out[lane] = {
      framesIn: count(s?.framesIn),
      bytesIn: count(s?.bytesIn),
      framesOut: count(s?.framesOut),
      bytesOut: count(s?.bytesOut),
      dropped: count(s?.dropped),
    };
  }
  return out;
}

export function copyActivity(a: Partial<CdrActivity> | undefined): CdrActivity {
  const hostActions: Record<string, number> = {};
  const ha = a?.hostActions ?? {};
  for (const key of Object.keys(ha).sort()) {
    if (ACTION_KEY.test(key)) hostActions[key] = count(ha[key]);
  }
  return {
    hostActions,
    pollsOpened: count(a?.pollsOpened),
    pollAnswers: count(a?.pollAnswers),
    documentsOffered: count(a?.documentsOffered),
    documentBytes: count(a?.documentBytes),
    tracksPublished: count(a?.tracksPublished),
  };
}

export function copyFeatures(features: Iterable<unknown>): Feature[] {
  return [...new Set([...features].filter((f): f is Feature => typeof f === 'string' && FEATURE_SET.has(f)))].sort();
}

/** The counters the journal's heartbeat records for a meeting. */
export interface MeetingCounters {
  peak: number;
  features: Feature[];
  lanes: Record<Lane, CdrLaneCounts>;
  activity: CdrActivity;
}

export function countersOf(view: MeetingView): MeetingCounters {
  return {
    peak: count(view.peakParticipants),
    features: copyFeatures(view.features),
    lanes: copyLanes(view.lanes),
    activity: copyActivity(view.activity),
  };
}
