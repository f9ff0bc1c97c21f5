/** Public types of meetings: what observers (CDR, journal, metrics) see. No content ever appears here. */
import type { Capability, Role } from '../auth/claims.types.js';

export type { Capability, Role };

import { LANES, type LaneName } from '../../protocol/kind-lanes.js';

/** Lanes (the one list lives in protocol/kind-lanes.ts with the kind-to-lane table). */
export { LANES };
export type Lane = LaneName;

/** Features a CDR reports as used. */
export const FEATURES = ['chat', 'polls', 'documents', 'audio', 'video', 'screen_share', 'host_controls'] as const;
export type Feature = (typeof FEATURES)[number];

export type EndReason = 'host_ended' | 'empty_timeout' | 'max_duration' | 'shutdown' | 'relay_failure';

export type LeaveReason =
  | 'leave'
  | 'disconnect'
  | 'removed'
  | 'replaced'
  | 'slow_consumer'
  | 'rate_limited'
  | 'malformed_frame'
  | 'frame_too_large'
  | 'idle_timeout'
  | 'meeting_ended'
  | 'internal'
  | 'relay_failure'
  | 'cluster_gap';

export interface LaneStats {
  /** Frames received from participants on this lane. */
  framesIn: number;
  bytesIn: number;
  /** Deliveries (one frame to one receiver counts one). */
  framesOut: number;
  bytesOut: number;
  /** Deliveries dropped (lossy lanes under congestion). */
  dropped: number;
}

export interface AttendanceSpan {
  /** Unix milliseconds. */
  readonly joinedAt: number;
  leftAt?: number;
  leaveReason?: LeaveReason;
  /**
   * Resumed gaps of this session: from when its connection dropped (or was taken over) to when it resumed,
   * Unix milliseconds. Absent when the session never resumed.
   */
  gaps?: Array<{ from: number; to: number }>;
}

export interface ParticipantView {
  readonly id: string;
  role: Role;
  readonly displayName?: string;
  readonly remoteAddress?: string;
  /** Every join and leave of this participant id, oldest first. */
  readonly spans: AttendanceSpan[];
}

/** Counters of host actions and lane activities, for the CDR. */
export interface ActivityCounts {
  hostActions: Record<string, number>;
  pollsOpened: number;
  pollAnswers: number;
  documentsOffered: number;
  tracksPublished: number;
  /**
   * Document bytes the sharers sent through the relay (chunk payloads accepted, each counted once however many
   * receivers it went to). Optional so that older views and fixtures stay valid; absent reads as 0.
   */
  documentBytes?: number;
}

/** A read-only view of a meeting's metadata, as observers see it. */
export interface MeetingView {
  readonly meetingId: string;
  /** Stable id of this meeting's call-detail record (the idempotency key). */
  readonly cdrId: string;
  readonly relayNode: string;
  /** Unix milliseconds. */
  readonly startedAt: number;
  readonly participants: ReadonlyMap<string, ParticipantView>;
  /** Participants connected now. */
  readonly present: number;
  readonly peakParticipants: number;
  readonly features: ReadonlySet<Feature>;
  readonly lanes: Readonly<Record<Lane, LaneStats>>;
  readonly activity: Readonly<ActivityCounts>;
}

/** Lifecycle events of meetings. CDR, journal and metrics implement this; the core calls it synchronously. */
export interface MeetingObserver {
  meetingStarted?(meeting: MeetingView): void;
  participantJoined?(meeting: MeetingView, participant: ParticipantView, at: number): void;
  participantLeft?(meeting: MeetingView, participant: ParticipantView, reason: LeaveReason, at: number): void;
  meetingEnded?(meeting: MeetingView, reason: EndReason, endedAt: number): void;
}
