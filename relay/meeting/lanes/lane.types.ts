/**
 * What every lane gets and what every lane is. A lane sees its meeting only through LaneContext (the delivery
 * interface, the roster, counters, the meeting's few controls) and never imports the Meeting or Session classes.
 */
import type { Envelope, Kind } from '../../../protocol/index.js';
import type { LaneName } from '../../../protocol/kind-lanes.js';
import type { ActivityCounts, EndReason, Feature, LaneStats } from '../meeting.types.js';
import type { MeetingDelivery, Member, Roster } from '../delivery.types.js';

/** The few meeting-wide acts that lanes (host controls, LEAVE) may ask for. */
export interface MeetingControl {
  /** Ends the meeting for everyone (CDR written). */
  end(reason: EndReason): void;
  /** Bars a participant id for the rest of the meeting. */
  bar(participantId: string): void;
  setLocked(locked: boolean): void;
  /** Removes a present member: ERROR RELAY_ERR_REMOVED, then the close 4006. */
  remove(member: Member, barred: boolean): void;
  /** The member asked to leave (LEAVE): closed with 1000. */
  leave(member: Member): void;
  /** The member's role or capabilities changed: roster notice, routes, every lane's memberChanged. */
  roleChanged(member: Member): void;
}

/** A lane's view of its meeting. */
export interface LaneContext {
  readonly meetingId: string;
  readonly delivery: MeetingDelivery;
  readonly roster: Roster;
  /** Per-lane counters (deliveries are counted by the delivery; frames in by the lanes). */
  readonly stats: Readonly<Record<LaneName, LaneStats>>;
  readonly activity: ActivityCounts;
  readonly control: MeetingControl;
  readonly ended: boolean;
  /** Receivers whose backlog passed lossyDropBytes at the last periodic check (0: nobody is congested). */
  readonly congestedReceivers: number;
  /** Send backlog past which lossy frames to a receiver are dropped (relay setting lossyDropBytes). */
  readonly lossyDropBytes: number;
  nextSeq(): number;
  markFeature(feature: Feature): void;
}

/** The common shape of a lane: the kinds it takes, and its part in the meeting's lifecycle. */
export interface LaneHandler {
  /** The client frame kinds it handles (the dispatch table is built from these and protocol/kind-lanes.ts). */
  readonly kinds: readonly Kind[];
  /** One client frame, decoded once, from a present member. `size` is the frame's byte length. */
  handle(sender: Member, env: Envelope, size: number): void;
  /** A member left the meeting. */
  participantLeft(member: Member): void;
  /** Resume: a member's connection dropped and its place is held (it is still a member). */
  participantAway?(member: Member): void;
  /** Resume: a held member is back on a new connection (after the frames it missed were sent). */
  participantBack?(member: Member): void;
  /** A member's role or capabilities changed. */
  memberChanged(member: Member): void;
  /** Periodic work (every 250 ms). */
  tick(now: number): void;
  /** The meeting ended: drop every reference, stop every timer. Idempotent. */
  close(): void;
}
