/**
 * The small interfaces between the meeting core and cluster mode (relay/cluster/). The core never imports the
 * cluster nor the NATS library: a cluster delivery (delivery.types.ts MeetingDelivery) is handed to the meeting
 * at creation, and it drives the meeting back only through MeetingPort below.
 */
import type { Envelope } from '../../protocol/index.js';
import type { Member } from './delivery.types.js';
import type { MediaTrack, TrackInfo } from './lanes/media.js';
import type { LaneStats, Lane } from './meeting.types.js';

/** A participant present on another relay, as this relay's roster holds it. */
export class RemoteMember implements Member {
  readonly idBytes: Uint8Array;
  constructor(
    readonly participantId: string,
    /** The cluster node id of the relay it is connected to. */
    readonly node: string,
    public role: 'host' | 'presenter' | 'attendee',
    public capabilities: number,
    readonly displayName: string,
    readonly joinedAt: number,
  ) {
    this.idBytes = new TextEncoder().encode(participantId);
  }
  get tokenRole(): 'host' | 'presenter' | 'attendee' {
    return this.role;
  }
  get tokenCapabilities(): number {
    return this.capabilities;
  }
}

/** What the meeting lets its cluster delivery do, when frames and state arrive from other relays. */
export interface MeetingPort {
  readonly meetingId: string;
  readonly stats: Readonly<Record<Lane, LaneStats>>;
  readonly ended: boolean;
  readonly locked: boolean;
  readonly barred: ReadonlySet<string>;
  /** The meeting's next seq: a frame from another relay gets this relay's numbering before local delivery. */
  nextSeq(): number;
  /** A local member by id (undefined: absent or remote). */
  localMember(participantId: string): Member | undefined;
  localMembers(): IterableIterator<Member>;
  remoteMember(participantId: string): RemoteMember | undefined;
  /** Remote members present now. */
  readonly remoteCount: number;
  /** Ids of the remote members connected to one relay. */
  remoteIdsOn(node: string): string[];
  /**
   * Adds or updates a remote member; `announce`: tell the local participants, through this relay's roster batcher
   * (batched, and in a large meeting only to the staff unless it is staff), as a local join.
   */
  remoteJoined(member: RemoteMember, announce: boolean): void;
  /** A remote member left (or its relay went away); `announce` as above. */
  remoteLeft(participantId: string, reason: string, announce: boolean): void;
  /**
   * A remote member's place is held on its relay (its socket dropped: `away`) or it resumed there: the transfers
   * this relay owns treat it as on one relay (nothing forwarded while away; a rewind to its last ack when back).
   */
  remoteAway(participantId: string, away: boolean): void;
  /** A remote member's role changed; `announce` as above (an UPDATED). */
  remoteRoleChanged(participantId: string, role: 'host' | 'presenter' | 'attendee', capabilities: number, announce?: boolean): void;
  /**
   * A frame from another relay is about to reach this relay's participants: a remote JOINED still in the roster
   * batch goes out first (its sender may be that member: a participant's JOINED comes before what it sends).
   */
  beforeRemoteFrame(): void;
  /** Whether a remote member's RECONNECTING/RESUMED reaches only this relay's staff (an attendee, large meeting). */
  noticeToStaffOnly(participantId: string): boolean;
  /** A roster notice from another relay (this relay's seq stamped) to this relay's staff only. */
  toLocalStaff(frame: Uint8Array): void;
  /** A host on another relay acted: apply its effect here (lock, bar, remove a local member, promote, end). */
  remoteHostControl(env: Envelope): void;
  /** A remote member published a track (route: how its frames arrive here); `announce` as above. */
  remoteTrackPublished(publisher: RemoteMember, info: TrackInfo, announce: boolean): MediaTrack | undefined;
  remoteTrackUnpublished(publisherId: string, trackId: number): void;
  /** A media frame of a remote track: fanned out to local subscribers, with per-receiver drops. */
  remoteMedia(track: MediaTrack, frame: Uint8Array, keyframe: boolean): void;
  /** A client frame another relay forwarded because this relay owns the state it acts on. */
  forwarded(sender: RemoteMember, frame: Uint8Array): void;
  /** The tracks local members publish (for a relay that joins the meeting late). */
  localTracks(): TrackInfo[];
  /** Closes every local session of the meeting with a code (cluster gap, cut off); the meeting goes on elsewhere. */
  closeLocal(code: import('../../protocol/index.js').ErrorCode, reason?: import('./meeting.types.js').LeaveReason): void;
  /** The meeting's lock and bars, as another relay reports them. */
  applyState(locked: boolean, barred: readonly string[]): void;
  /**
   * The owner relay's decision (cluster-seats.ts): the lock as the owner ordered the hosts' actions, and an id
   * barred (its session here, if any, is removed: it may have rejoined here before the host's notice arrived).
   */
  ownerDecision(locked: boolean | undefined, barred: string | undefined): void;
}
