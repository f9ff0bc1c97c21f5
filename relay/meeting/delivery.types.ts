/**
 * The seam between the lanes and the wire: one delivery interface per meeting, the only way a lane sends.
 * A lane says who a frame is for (everyone, the hosts, one participant, a track's subscribers); the delivery
 * decides how it gets there (native pub/sub on this relay, and, in cluster mode, once across NATS to the other
 * relays that hold receivers) and counts every delivery on the lane it names. Lanes never see a socket.
 */
import type { Role } from '../auth/claims.types.js';
import type { LaneName } from '../../protocol/kind-lanes.js';

/** A participant as lanes see it: identity, role and capabilities. Sessions implement it. */
export interface Member {
  readonly participantId: string;
  /** UTF-8 bytes of participantId, for the hot-path frame encoder. */
  readonly idBytes: Uint8Array;
  role: Role;
  /** Capability bit mask (permissions.ts). */
  capabilities: number;
  /** What the token granted (promote/demote change role/capabilities, never these). */
  readonly tokenRole: Role;
  readonly tokenCapabilities: number;
}

/** A published track's delivery route (a topic on this relay; a subject per track in a cluster). */
export interface TrackRoute {
  readonly topic: string;
  /** Receivers subscribed through this route on this relay. */
  readonly receivers: number;
  /** Other relays that hold subscribers of this track (cluster mode; 0 on a single relay). */
  readonly elsewhere: number;
}

/**
 * How a meeting's frames reach its participants. `lane` names the lane counters a delivery counts on
 * (framesOut/bytesOut per receiver); null sends uncounted (replies, roster notices). Frames are sent as given:
 * the caller encodes once and may zero its buffer when the call returns (every implementation copies).
 */
export interface MeetingDelivery {
  /**
   * The delivery media frames take (toTrack, toTrackElsewhere, backlog, and toOne for per-receiver sends), when a
   * decorator has nothing to do for them: the resume window keeps no media, so it hands lanes its base and a
   * media frame pays no call through the window. Absent: this delivery itself.
   */
  readonly lossy?: MeetingDelivery;
  /** To every participant of the meeting except `except` (normally the sender). Returns the receivers. */
  toEveryone(frame: Uint8Array, lane: LaneName | null, except: Member | null): number;
  /** To every host except `except`. Returns the receivers. */
  toHosts(frame: Uint8Array, lane: LaneName | null, except: Member | null): number;
  /** To each of several participants (one frame, encoded once). Returns how many it was sent to. */
  toMembers(members: readonly Member[], frame: Uint8Array, lane: LaneName | null): number;
  /** To one participant. False when it could not be sent (gone, or the transport's hard cap was hit). */
  toOne(member: Member, frame: Uint8Array, lane: LaneName | null): boolean;
  /**
   * To the subscribers of a track except `except` (the publisher is never subscribed). `keyframe` lets other
   * relays keep their own receivers' keyframe waits. Returns the receivers.
   */
  toTrack(route: TrackRoute, frame: Uint8Array, lane: LaneName, except: Member | null, keyframe?: boolean): number;
  /** The part of toTrack beyond this relay (used when local receivers are served one by one). */
  toTrackElsewhere(route: TrackRoute, frame: Uint8Array, lane: LaneName, keyframe: boolean): void;
  /** Bytes queued for a participant and not yet written (0 when gone). */
  backlog(member: Member): number;
  /** A route for a new track of `publisher`. */
  openTrack(publisher: Member, trackId: number): TrackRoute;
  subscribeTrack(member: Member, route: TrackRoute): void;
  unsubscribeTrack(member: Member, route: TrackRoute): void;
  /** The track is gone: its subscribers leave the route. */
  closeTrack(route: TrackRoute): void;
  /** To the participants on this relay only: notices of events that happened on another relay. */
  toLocal(frame: Uint8Array, lane: LaneName | null): number;
  /**
   * To the other relays of the meeting only (cluster mode; nothing on a single relay): how they learn of this
   * relay's roster changes, which their own roster batchers then tell their participants. Returns the relays.
   */
  toRelays(frame: Uint8Array, lane: LaneName | null): number;
  /**
   * Cluster mode: true when another relay owns the state this client frame acts on (a poll, a transfer) and the
   * frame was forwarded there; the meeting then does nothing more with it. Absent on a single relay.
   */
  claim?(sender: Member, env: import('../../protocol/index.js').Envelope): boolean;
  /**
   * Cluster mode: a local host locked, unlocked or barred: the meeting's owner relay records the decision (it
   * answers admission for relays that hold none of the meeting). Absent on a single relay.
   */
  hostDecision?(decision: { readonly lock?: boolean; readonly bar?: string }): void;
  /** The meeting ended: unsubscribe and forget. Idempotent. */
  close?(): void;
  /**
   * Cluster mode: the resume window (resume-window.ts) asks to be told of the frames from other relays that this
   * delivery hands to the participants of this relay, after they got this relay's seq. Absent on a single relay.
   */
  setInboundRecorder?(recorder: InboundRecorder): void;
  /** A member joined, left, or changed role: the everyone and hosts routes follow. */
  joined(member: Member): void;
  left(member: Member): void;
  roleChanged(member: Member): void;
}

/** Who is present, as lanes see it. */
export interface Roster {
  /** The member present now with this id. */
  get(participantId: string): Member | undefined;
  /** True when the id has been present in this meeting at some time. */
  knows(participantId: string): boolean;
  /** Members present now. */
  members(): IterableIterator<Member>;
  readonly size: number;
}

/**
 * Cluster mode: frames built by another relay that this relay hands to its own participants (with this relay's
 * seq already stamped), told to the resume window so that a same-relay resume replays them like local ones.
 */
export interface InboundRecorder {
  /** To every local participant. */
  everyone(frame: Uint8Array, lane: LaneName | null): void;
  /** To the local hosts. */
  hosts(frame: Uint8Array, lane: LaneName | null): void;
  /** To one local participant. */
  one(member: Member, frame: Uint8Array, lane: LaneName | null): void;
  /** To several local participants (one frame). */
  list(members: readonly Member[], frame: Uint8Array, lane: LaneName | null): void;
}
