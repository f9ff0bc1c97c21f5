/**
 * One meeting: who is present, its sequence counter, its statistics and its end. It holds no content: frames
 * pass through the lane handlers to the meeting's delivery (delivery.types.ts), the only way anything is sent.
 */
import { randomUUID } from 'node:crypto';
import { CloseCode, peekKind, Kind, decodeEnvelope } from '../../protocol/index.js';
import { releaseMediaEnvelope, scanMediaEnvelope } from '../../protocol/media-scan.js';
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
import type { Session, SessionMeeting } from './session.js';
import { RosterBatcher } from './roster-batcher.js';
import { isStaff, largeMeetingThreshold } from './roster-visibility.js';
import type { MeetingDelivery, Member, Roster } from './delivery.types.js';
import { errorFrame, meetingEndedFrame, participantInfo, rosterFrame, RosterChange } from './relay-frames.js';
import { LaneSet } from './lanes/lane-set.js';
import { resolveLaneOptions, type LaneOptions, type ResolvedLaneOptions } from './lanes/lane-options.js';
import type { LaneContext, MeetingControl } from './lanes/lane.types.js';
import { refuse } from './lanes/refuse.js';
import { LocalDelivery } from './local-delivery.js';
import { RemoteMember, type MeetingPort } from './cluster-port.js';
import type { TrackInfo, MediaTrack } from './lanes/media.js';
import { HostAction, type Envelope, type ErrorCode, ErrorCodes, type Participant } from '../../protocol/index.js';
import { capabilityList, demotedCapabilities, promotedCapabilities } from './permissions.js';

/** What a delivery factory gets to build a meeting's delivery: the transport and the meeting's cluster port. */
export interface DeliveryHost {
  readonly meetingId: string;
  readonly transport: Transport;
  readonly stats: Record<Lane, LaneStats>;
  /** How a cluster delivery drives the meeting when frames and state arrive from other relays. */
  readonly port: MeetingPort;
}

/** Builds the delivery of a new meeting (default: LocalDelivery; cluster mode wraps it). */
export type DeliveryFactory = (host: DeliveryHost) => MeetingDelivery;

/** What every meeting shares with the relay. */
export interface MeetingContext {
  readonly options: RelayOptions;
  readonly transport: Transport;
  readonly observer: MeetingObserver;
  /** Called once when a meeting has ended and must be forgotten. */
  readonly forget: (meeting: Meeting) => void;
  /** Poll and document lane limits (lanes/lane-options.ts); absent: the documented defaults. */
  readonly lanes?: Partial<LaneOptions>;
  /** Absent: delivery on this relay only. */
  readonly createDelivery?: DeliveryFactory;
  /** True when deliveries may cross to other relays (cluster mode): only then are roster frames built for them. */
  readonly clustered?: boolean;
}

/** Lane limits resolved once per context the meetings share (an object and its own shape per meeting before). */
const laneOptionsOf = new WeakMap<MeetingContext, ResolvedLaneOptions>();

function laneOptions(ctx: MeetingContext): ResolvedLaneOptions {
  let o = laneOptionsOf.get(ctx);
  if (o === undefined) {
    o = resolveLaneOptions(ctx.options, ctx.lanes);
    laneOptionsOf.set(ctx, o);
  }
  return o;
}

function emptyLanes(): Record<Lane, LaneStats> {
  const out = {} as Record<Lane, LaneStats>;
  for (const lane of LANES) out[lane] = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 };
  return out;
}

export class Meeting implements MeetingView, LaneContext, MeetingControl, Roster, SessionMeeting, MeetingPort {
  readonly cdrId = randomUUID();
  readonly relayNode: string;
  readonly startedAt = Date.now();
  readonly participants = new Map<string, ParticipantView>();
  /** Sessions present now, by participant id. */
  readonly sessions = new Map<string, Session>();
  readonly features = new Set<Feature>();
  readonly lanes = emptyLanes();
  /** The same counters, as lanes name them (LaneContext). */
  readonly stats = this.lanes;
  readonly activity: ActivityCounts = { hostActions: {}, pollsOpened: 0, pollAnswers: 0, documentsOffered: 0, tracksPublished: 0, documentBytes: 0 };
  /** Send backlogs past lossyDropBytes found by the last periodic check (the switchboard's sweep). */
  congestedReceivers = 0;
  readonly barred = new Set<string>();
  /** Cluster mode: members present on other relays, and every id seen on them. */
  readonly remote = new Map<string, RemoteMember>();
  private readonly remoteSeen = new Set<string>();
  /** Members that left because their relay died (relay_failure): id -> that relay and when (ids only, no content). */
  readonly failedRemote = new Map<string, { readonly node: string; readonly at: number }>();
  readonly delivery: MeetingDelivery;
  /** The lane handlers and the kind dispatch table, dropped with the meeting. */
  readonly laneSet: LaneSet;
  readonly lossyDropBytes: number;
  /** Roster changes to this relay's participants, coalesced per batch window and filtered by who may see them. */
  readonly rosterBatcher: RosterBatcher;
  peakParticipants = 0;
  locked = false;
  ended = false;
  /** Why it ended (null while it runs). */
  endReason: EndReason | null = null;
  /** Cluster: other relays still held members when it ended here (an empty timeout then ends this relay's part only). */
  endedWithRemote = false;
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
    this.lossyDropBytes = ctx.options.lossyDropBytes;
    const host: DeliveryHost = { meetingId, transport: ctx.transport, stats: this.lanes, port: this };
    this.delivery = ctx.createDelivery !== undefined ? ctx.createDelivery(host) : new LocalDelivery(ctx.transport, this.lanes);
    this.laneSet = new LaneSet(this, laneOptions(ctx));
    this.rosterBatcher = new RosterBatcher(this, {
      largeThreshold: largeMeetingThreshold(ctx.options.largeMeetingThreshold, policy.largeMeetingThreshold),
      batchMs: ctx.options.rosterBatchMs,
      pageSize: ctx.options.rosterPageSize,
    });
    this.maxDurationTimer = setTimeout(() => this.end('max_duration'), this.maxDurationMs);
    this.maxDurationTimer.unref();
  }

  // --- LaneContext / Roster: what lanes see ---

  get roster(): Roster {
    return this;
  }

  get control(): MeetingControl {
    return this;
  }

  get(participantId: string): Member | undefined {
    // A remote entry is the newer one while a replaced local session is still closing.
    return (this.remote.size > 0 ? this.remote.get(participantId) : undefined) ?? this.sessions.get(participantId);
  }

  knows(participantId: string): boolean {
    return this.participants.has(participantId) || this.remoteSeen.has(participantId);
  }

  *members(): IterableIterator<Member> {
    yield* this.sessions.values();
    yield* this.remote.values();
  }

  get size(): number {
    return this.sessions.size + this.remote.size;
  }

  get present(): number {
    return this.sessions.size;
  }

  /** Participants present on every relay of the meeting (this one's and, in a cluster, the others'). */
  get rosterCount(): number {
    return this.sessions.size + this.remote.size;
  }

  get transport(): Transport {
    return this.ctx.transport;
  }

  /** Roster entries of the members present on other relays (cluster mode; none on a single relay). */
  remoteInfos(): Participant[] {
    const out: Participant[] = [];
    for (const m of this.remote.values()) if (!this.sessions.has(m.participantId)) out.push(this.remoteInfo(m));
    return out;
  }

  /** The next meeting sequence number for a delivery. */
  nextSeq(): number {
    return ++this.seqCounter;
  }

  markFeature(feature: Feature): void {
    this.features.add(feature);
  }

  // --- frames ---

  /**
   * Routes one client frame as received: the kind is read once, MEDIA frames (the most frequent) take the
   * allocation-free reader, every other frame is decoded once by protobufjs, and the kind's lane takes it.
   * Returns false when the bytes are not a valid envelope.
   */
  route(session: Session, data: Uint8Array): boolean {
    // A participant's JOINED reaches the others before anything it sends: its first frame flushes the roster batch.
    if (session.rosterPending) this.rosterBatcher.flush();
    const kind = peekKind(data);
    if (kind === Kind.MEDIA || kind === -1) {
      const media = scanMediaEnvelope(data);
      if (media !== null) {
        try {
          this.laneSet.media.handleMedia(session, media, data.byteLength);
        } finally {
          releaseMediaEnvelope();
        }
        return true;
      }
    }
    const decoded = decodeEnvelope(data);
    if (!decoded.ok) return false;
    const env = decoded.value;
    if (this.delivery.claim !== undefined && this.delivery.claim(session, env)) return true;
    const lanes = this.laneSet;
    const lane = lanes.byKind(env.kind);
    // Chat, the most frequent decoded kind, gets a call site of its own (monomorphic); the others share one.
    if (lane === lanes.chat) lanes.chat.handle(session, env, data.byteLength);
    else if (lane === undefined) refuse(this.delivery, session, 'RELAY_ERR_UNKNOWN_KIND', env.ref);
    else lane.handle(session, env, data.byteLength);
    return true;
  }

  // --- MeetingPort: what a cluster delivery may do (cluster-port.ts) ---

  localMember(participantId: string): Member | undefined {
    return this.sessions.get(participantId);
  }

  localMembers(): IterableIterator<Member> {
    return this.sessions.values();
  }

  remoteMember(participantId: string): RemoteMember | undefined {
    return this.remote.get(participantId);
  }

  get remoteCount(): number {
    return this.remote.size;
  }

  remoteIdsOn(node: string): string[] {
    const ids: string[] = [];
    for (const m of this.remote.values()) if (m.node === node) ids.push(m.participantId);
    return ids;
  }

  remoteJoined(member: RemoteMember, announce: boolean): void {
    if (this.ended) return;
    const known = this.remote.get(member.participantId);
    if (known !== undefined && known.node === member.node) {
      // Listed already (a STATE after its JOINED): no notice; the batcher's map of remote staff follows the role.
      const previous = known.role;
      known.role = member.role;
      known.capabilities = member.capabilities;
      if (previous !== known.role) this.rosterBatcher.remoteRoleChanged(known, this.remoteInfo(known), previous, false);
      return;
    }
    if (known !== undefined) this.laneSet.participantLeft(known);
    // The same participant joined through another relay (a reconnect): the newer session wins, as on one relay.
    this.sessions.get(member.participantId)?.end('replaced', CloseCode.REPLACED, 'replaced by a newer session');
    this.remote.set(member.participantId, member);
    this.remoteSeen.add(member.participantId);
    // This relay's participants hear it as they hear a local join: batched, and filtered in a large meeting.
    this.rosterBatcher.remoteJoined(member, this.remoteInfo(member), announce);
  }

  remoteLeft(participantId: string, reason: string, announce: boolean): void {
    const member = this.remote.get(participantId);
    if (member === undefined) return;
    this.remote.delete(participantId);
    // Resume in a cluster: a member of a relay that died may resume here within the grace (resume-manager.ts).
    if (reason === 'relay_failure') this.failedRemote.set(participantId, { node: member.node, at: Date.now() });
    this.laneSet.participantLeft(member);
    this.rosterBatcher.remoteLeft(member, this.remoteInfo(member), reason, announce && !this.ended);
  }

  remoteAway(participantId: string, away: boolean): void {
    const member = this.remote.get(participantId);
    if (member === undefined || this.ended) return;
    if (away) this.laneSet.participantAway(member);
    else this.laneSet.participantBack(member);
  }

  remoteRoleChanged(participantId: string, role: 'host' | 'presenter' | 'attendee', capabilities: number, announce = false): void {
    const member = this.remote.get(participantId);
    if (member === undefined) return;
    const previous = member.role;
    member.role = role;
    member.capabilities = capabilities;
    this.rosterBatcher.remoteRoleChanged(member, this.remoteInfo(member), previous, announce && !this.ended);
    this.laneSet.memberChanged(member);
  }

  beforeRemoteFrame(): void {
    if (this.rosterBatcher.remoteJoinPending) this.rosterBatcher.flush();
  }

  noticeToStaffOnly(participantId: string): boolean {
    const member = this.remote.get(participantId);
    return this.rosterBatcher.large && member !== undefined && !isStaff(member.role);
  }

  toLocalStaff(frame: Uint8Array): void {
    this.rosterBatcher.toStaff(frame);
  }

  /** Roster entries of the staff present on other relays (an attendee's WELCOME in a large meeting). */
  remoteStaffInfos(): Participant[] {
    const out: Participant[] = [];
    for (const m of this.rosterBatcher.remoteStaff.values()) if (!this.sessions.has(m.participantId)) out.push(this.remoteInfo(m));
    return out;
  }

  private remoteInfo(member: RemoteMember): Participant {
    return { id: member.participantId, role: member.role, capabilities: capabilityList(member.capabilities), displayName: member.displayName, joinedAt: member.joinedAt };
  }

  /** The effect of another relay's host action here (its notice frame was delivered by the cluster already). */
  remoteHostControl(env: Envelope): void {
    const c = env.hostControl;
    if (c == null || this.ended) return;
    const target = c.target ? this.sessions.get(c.target) : undefined;
    switch (c.action) {
      case HostAction.END_MEETING:
        return this.end('host_ended');
      case HostAction.REMOVE:
        if (c.bar && c.target) this.barred.add(c.target);
        if (target !== undefined) this.remove(target, c.bar === true);
        return;
      case HostAction.LOCK:
      case HostAction.UNLOCK:
        this.locked = c.action === HostAction.LOCK;
        return;
      case HostAction.PROMOTE:
      case HostAction.DEMOTE:
        if (target === undefined || target.role === 'host') return;
        if (c.action === HostAction.PROMOTE) {
          target.role = 'presenter';
          target.capabilities = promotedCapabilities();
        } else {
          target.role = 'attendee';
          target.capabilities = demotedCapabilities(target.tokenRole, target.tokenCapabilities);
        }
        this.roleChanged(target);
        return;
    }
  }

  remoteTrackPublished(publisher: RemoteMember, info: TrackInfo, announce: boolean): MediaTrack | undefined {
    if (this.ended) return undefined;
    return this.laneSet.media.addRemoteTrack(publisher, info, announce);
  }

  remoteTrackUnpublished(publisherId: string, trackId: number): void {
    const publisher = this.remote.get(publisherId);
    if (publisher !== undefined) this.laneSet.media.removeRemoteTrack(publisher, trackId);
  }

  remoteMedia(track: MediaTrack, frame: Uint8Array, keyframe: boolean): void {
    this.laneSet.media.remoteFrame(track, frame, keyframe);
  }

  forwarded(sender: RemoteMember, frame: Uint8Array): void {
    if (this.ended) return;
    const decoded = decodeEnvelope(frame);
    if (!decoded.ok) return;
    const lane = this.laneSet.byKind(decoded.value.kind);
    if (lane !== undefined) lane.handle(sender, decoded.value, frame.byteLength);
  }

  localTracks(): TrackInfo[] {
    const out: TrackInfo[] = [];
    for (const t of this.laneSet.media.allTracks()) if (!t.remote) out.push(t.info());
    return out;
  }

  closeLocal(code: ErrorCode, reason: LeaveReason = 'cluster_gap'): void {
    const spec = ErrorCodes[code];
    const frame = errorFrame(code);
    for (const session of [...this.sessions.values()]) {
      this.delivery.toOne(session, frame, null);
      session.end(reason, spec.close, code);
    }
  }

  applyState(locked: boolean, barred: readonly string[]): void {
    if (locked) this.locked = true;
    for (const id of barred) this.barred.add(id);
  }

  ownerDecision(locked: boolean | undefined, barred: string | undefined): void {
    if (this.ended) return;
    if (locked !== undefined) this.locked = locked;
    if (barred === undefined) return;
    this.barred.add(barred);
    const session = this.sessions.get(barred);
    if (session !== undefined) this.remove(session, true);
  }

  // --- MeetingControl: what host controls and LEAVE may ask for ---

  bar(participantId: string): void {
    this.barred.add(participantId);
    this.delivery.hostDecision?.({ bar: participantId });
  }

  setLocked(locked: boolean): void {
    this.locked = locked;
    this.delivery.hostDecision?.({ lock: locked });
  }

  remove(member: Member, barred: boolean): void {
    const session = this.sessions.get(member.participantId);
    if (session === undefined) return;
    this.delivery.toOne(session, errorFrame('RELAY_ERR_REMOVED'), null);
    session.end('removed', CloseCode.REMOVED, barred ? 'removed and barred by a host' : 'removed by a host');
  }

  leave(member: Member): void {
    this.sessions.get(member.participantId)?.end('leave', CloseCode.NORMAL, 'left');
  }

  /** Announces a role change to everyone (promote/demote); the lanes adapt (tracks it may no longer publish). */
  roleChanged(member: Member): void {
    const view = this.participants.get(member.participantId);
    if (view === undefined) return;
    const previous = view.role;
    view.role = member.role;
    this.delivery.roleChanged(member);
    if (this.ctx.clustered === true) this.delivery.toRelays(rosterFrame(RosterChange.UPDATED, participantInfo(view, member), '', this.nextSeq()), null);
    this.rosterBatcher.roleChanged(member, view, previous);
    this.laneSet.memberChanged(member);
  }

  // --- lifecycle ---

  /** Adds a session whose socket just opened: roster, routes; the welcome is sent by the caller. */
  admit(session: Session, now: number): void {
    if (this.emptyTimer !== null) {
      clearTimeout(this.emptyTimer);
      this.emptyTimer = null;
    }
    session.meeting = this;
    // One meeting id string per meeting, not one per session; the token's policy was applied (or not) by now.
    session.meetingId = this.meetingId;
    session.policy = undefined;
    let view = this.participants.get(session.participantId);
    if (view === undefined) {
      view = {
        id: session.participantId,
        role: session.role,
        // A literal, not [] then push: V8 grows an empty array to 17 slots on its first push (~130 B per
        // participant that never rejoins).
        spans: [{ joinedAt: now }],
        ...(session.displayName !== undefined ? { displayName: session.displayName } : {}),
        // Only the CDR reads it, and only when the operator turned addresses on.
        ...(this.ctx.options.cdrIncludeIpAddresses ? { remoteAddress: session.remoteAddress } : {}),
      };
      this.participants.set(session.participantId, view);
    } else {
      view.role = session.role;
      view.spans.push({ joinedAt: now });
    }
    session.view = view;
    // Cluster: it was on another relay until now (a reconnect here): this session replaces that entry.
    this.failedRemote.delete(session.participantId);
    const elsewhere = this.remote.get(session.participantId);
    if (elsewhere !== undefined) {
      this.remote.delete(session.participantId);
      this.rosterBatcher.remoteGone(elsewhere);
      this.laneSet.participantLeft(elsewhere);
    }
    this.sessions.set(session.participantId, session);
    if (this.sessions.size > this.peakParticipants) this.peakParticipants = this.sessions.size;
    this.delivery.joined(session);
    this.ctx.observer.participantJoined?.(this, view, now);
    // The other relays' copy of the JOINED (this relay's own participants hear it through the roster batcher).
    if (this.ctx.clustered === true) this.delivery.toRelays(rosterFrame(RosterChange.JOINED, participantInfo(view, session), '', this.nextSeq()), null);
    this.rosterBatcher.joined(session, view);
  }

  /** Removes a session whose socket closed (or is being replaced). Safe to call twice. */
  release(session: Session, reason: LeaveReason, now: number): void {
    if (session.meeting !== this) return;
    session.meeting = null;
    if (this.sessions.get(session.participantId) !== session) return;
    this.sessions.delete(session.participantId);
    this.delivery.left(session);
    this.laneSet.participantLeft(session);
    const view = this.participants.get(session.participantId);
    if (view === undefined) return;
    const span = view.spans[view.spans.length - 1];
    if (span !== undefined && span.leftAt === undefined) {
      span.leftAt = now;
      span.leaveReason = reason;
    }
    if (this.ended) return;
    this.ctx.observer.participantLeft?.(this, view, reason, now);
    // Cluster: the participant is back through another relay (it replaced this session): it has not left.
    if (!this.remote.has(session.participantId)) {
      if (this.ctx.clustered === true) this.delivery.toRelays(rosterFrame(RosterChange.LEFT, participantInfo(view, undefined), reason, this.nextSeq()), null);
      this.rosterBatcher.left(session, view, reason);
    } else {
      this.rosterBatcher.forget(session);
    }
    if (this.sessions.size === 0) {
      this.emptyTimer = setTimeout(() => this.end('empty_timeout'), this.ctx.options.emptyTimeoutMs);
      this.emptyTimer.unref();
    }
  }

  /**
   * Ends the meeting: every participant is told and closed, observers write the CDR, the relay forgets it.
   * Idempotent.
   */
  end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    this.endedWithRemote = this.remote.size > 0;
    const endedAt = Date.now();
    clearTimeout(this.maxDurationTimer);
    if (this.emptyTimer !== null) clearTimeout(this.emptyTimer);
    const frame = meetingEndedFrame(reason, this.nextSeq());
    const closeCode = reason === 'shutdown' ? CloseCode.GOING_AWAY : CloseCode.MEETING_ENDED;
    for (const session of this.sessions.values()) {
      this.delivery.toOne(session, frame, null);
      session.end('meeting_ended', closeCode, `meeting ended: ${reason}`);
    }
    for (const session of [...this.sessions.values()]) this.release(session, 'meeting_ended', endedAt);
    this.laneSet.close();
    this.delivery.close?.();
    this.remote.clear();
    this.rosterBatcher.close();
    try {
      this.ctx.observer.meetingEnded?.(this, reason, endedAt);
    } finally {
      this.ctx.forget(this);
    }
  }
}
