/**
 * One meeting: who is present, its sequence counter, its statistics and its end. It holds no content: frames
 * pass through the lane handlers straight to the transport.
 */
import { randomUUID } from 'node:crypto';
import { CloseCode } from '../../protocol/index.js';
import type { Transport } from '../transport/transport.types.js';
import type { RelayOptions } from '../config/relay-options.js';
import type { MeetingPolicyClaims } from '../auth/claims.types.js';
import {
  LANES,
  type ActivityCounts,
  type EndReason,
  type Feature,
  type Lane,
  type LaneStats,
  type LeaveReason,
  type MeetingObserver,
  type MeetingView,
  type ParticipantView,
} from './meeting.types.js';
import type { Session } from './session.js';
import { meetingEndedFrame } from './relay-frames.js';
import { RosterBatcher } from './roster-batcher.js';
import { largeMeetingThreshold } from './roster-visibility.js';
import { MeetingLaneState } from './lanes/lane-state.js';
import type { LaneOptions } from './lanes/lane-options.js';

/** What every meeting shares with the relay. */
export interface MeetingContext {
  readonly options: RelayOptions;
  readonly transport: Transport;
  readonly observer: MeetingObserver;
  /** Called once when a meeting has ended and must be forgotten. */
  readonly forget: (meeting: Meeting) => void;
  /** Poll and document lane limits (lanes/lane-options.ts); absent: the documented defaults. */
  readonly lanes?: Partial<LaneOptions>;
}

function emptyLanes(): Record<Lane, LaneStats> {
  const out = {} as Record<Lane, LaneStats>;
  for (const lane of LANES) out[lane] = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 };
  return out;
}

/** Numbers meeting topics (unique in the process). */
let topicCounter = 0;

export class Meeting implements MeetingView {
  readonly cdrId = randomUUID();
  readonly relayNode: string;
  readonly startedAt = Date.now();
  readonly participants = new Map<string, ParticipantView>();
  /** Sessions present now, by participant id. */
  readonly sessions = new Map<string, Session>();
  readonly features = new Set<Feature>();
  readonly lanes = emptyLanes();
  readonly activity: ActivityCounts = { hostActions: {}, pollsOpened: 0, pollAnswers: 0, documentsOffered: 0, tracksPublished: 0, documentBytes: 0 };
  /** Send backlogs past lossyDropBytes found by the last periodic check (the switchboard's sweep). */
  congestedReceivers = 0;
  /** Topic every present participant is subscribed to; hosts also to hostsTopic. */
  readonly topic: string;
  readonly hostsTopic: string;
  readonly barred = new Set<string>();
  /** Per-lane state (polls, document transfers, media tracks), dropped with the meeting. */
  readonly laneState: MeetingLaneState;
  /** Roster changes, coalesced per batch window and filtered by who may see them (roster-batcher.ts). */
  readonly roster: RosterBatcher;
  peakParticipants = 0;
  locked = false;
  ended = false;
  private seqCounter = 0;
  private emptyTimer: NodeJS.Timeout | null = null;
  private readonly maxDurationTimer: NodeJS.Timeout;

  /** This meeting's limits: the relay's, tightened by the policy in the invite (token claim `pol`). */
  readonly maxParticipants: number;
  readonly maxDurationMs: number;

  constructor(readonly meetingId: string, readonly ctx: MeetingContext, policy: MeetingPolicyClaims = {}) {
    this.relayNode = ctx.options.node;
    this.maxParticipants = Math.min(ctx.options.maxParticipants, policy.maxParticipants ?? Infinity);
    this.maxDurationMs = Math.min(ctx.options.maxDurationMs, (policy.maxDurationSeconds ?? Infinity) * 1000);
    this.locked = policy.locked ?? false;
    // Short process-unique topics: uWS hashes and copies the topic name on every publish.
    this.topic = `m${(++topicCounter).toString(36)}`;
    this.hostsTopic = `${this.topic}h`;
    this.laneState = new MeetingLaneState(this);
    this.roster = new RosterBatcher(this, {
      largeThreshold: largeMeetingThreshold(ctx.options.largeMeetingThreshold, policy.largeMeetingThreshold),
      batchMs: ctx.options.rosterBatchMs,
      pageSize: ctx.options.rosterPageSize,
    });
    this.maxDurationTimer = setTimeout(() => this.end('max_duration'), this.maxDurationMs);
    this.maxDurationTimer.unref();
  }

  get present(): number {
    return this.sessions.size;
  }

  get transport(): Transport {
    return this.ctx.transport;
  }

  /** The next meeting sequence number for a delivery. */
  nextSeq(): number {
    return ++this.seqCounter;
  }

  markFeature(feature: Feature): void {
    this.features.add(feature);
  }

  /** Adds a session whose socket just opened: roster, topics, welcome is sent by the caller. */
  admit(session: Session, now: number): void {
    if (this.emptyTimer !== null) {
      clearTimeout(this.emptyTimer);
      this.emptyTimer = null;
    }
    session.meeting = this;
    session.joinedAt = now;
    let view = this.participants.get(session.participantId);
    if (view === undefined) {
      view = {
        id: session.participantId,
        role: session.role,
        // A literal, not [] then push: V8 grows an empty array to 17 slots on its first push (~130 B per
        // participant that never rejoins).
        spans: [{ joinedAt: now }],
        ...(session.displayName !== undefined ? { displayName: session.displayName } : {}),
        remoteAddress: session.remoteAddress,
      };
      this.participants.set(session.participantId, view);
    } else {
      view.role = session.role;
      view.spans.push({ joinedAt: now });
    }
    this.sessions.set(session.participantId, session);
    if (this.sessions.size > this.peakParticipants) this.peakParticipants = this.sessions.size;
    const conn = session.conn!;
    conn.subscribe(this.topic);
    if (session.role === 'host') conn.subscribe(this.hostsTopic);
    this.ctx.observer.participantJoined?.(this, view, now);
    this.roster.joined(session, view);
  }

  /** Removes a session whose socket closed (or is being replaced). Safe to call twice. */
  release(session: Session, reason: LeaveReason, now: number): void {
    if (session.meeting !== this) return;
    session.meeting = null;
    if (this.sessions.get(session.participantId) !== session) return;
    this.sessions.delete(session.participantId);
    this.laneState.participantLeft(session);
    const view = this.participants.get(session.participantId);
    if (view === undefined) return;
    const span = view.spans[view.spans.length - 1];
    if (span !== undefined && span.leftAt === undefined) {
      span.leftAt = now;
      span.leaveReason = reason;
    }
    if (this.ended) return;
    this.ctx.observer.participantLeft?.(this, view, reason, now);
    this.roster.left(session, view, reason);
    if (this.sessions.size === 0) {
      this.emptyTimer = setTimeout(() => this.end('empty_timeout'), this.ctx.options.emptyTimeoutMs);
      this.emptyTimer.unref();
    }
  }

  /** Announces a role change to everyone (promote/demote). */
  roleChanged(session: Session): void {
    const view = this.participants.get(session.participantId);
    if (view === undefined) return;
    const previous = view.role;
    view.role = session.role;
    if (session.role === 'host') session.conn?.subscribe(this.hostsTopic);
    else session.conn?.unsubscribe(this.hostsTopic);
    this.roster.roleChanged(session, view, previous);
  }

  /**
   * Ends the meeting: every participant is told and closed, observers write the CDR, the relay forgets it.
   * Idempotent.
   */
  end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    const endedAt = Date.now();
    clearTimeout(this.maxDurationTimer);
    if (this.emptyTimer !== null) clearTimeout(this.emptyTimer);
    const frame = meetingEndedFrame(reason, this.nextSeq());
    const closeCode = reason === 'shutdown' ? CloseCode.GOING_AWAY : CloseCode.MEETING_ENDED;
    for (const session of this.sessions.values()) {
      session.send(frame);
      session.end('meeting_ended', closeCode, `meeting ended: ${reason}`);
    }
    for (const session of [...this.sessions.values()]) this.release(session, 'meeting_ended', endedAt);
    this.laneState.close();
    this.roster.close();
    try {
      this.ctx.observer.meetingEnded?.(this, reason, endedAt);
    } finally {
      this.ctx.forget(this);
    }
  }
}
