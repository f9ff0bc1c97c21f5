/**
 * Coalesces a meeting's roster changes: instead of one ROSTER frame per join to everyone, the changes of a batch
 * window go out as one ROSTER_BATCH to the staff (hosts and presenters: every change) and one to the attendees
 * (every change while the meeting is small; in a large meeting only staff changes and a count that moves in 10 % steps). Each batch
 * frame is encoded once and published to a topic, so a batch costs one encode per audience whatever its size.
 * In cluster mode the changes of members on other relays (mirrored from their ROSTER frames, relay/cluster) are
 * queued here too, so this relay's participants get them batched and filtered exactly like local ones, with the
 * cluster-wide count.
 */
import { RosterChange, type Participant, type RosterUpdate } from '../../protocol/index.js';
import type { Role } from '../auth/claims.types.js';
import type { Transport } from '../transport/transport.types.js';
import type { ParticipantView } from './meeting.types.js';
import type { Session } from './session.js';
import type { MeetingDelivery, Member } from './delivery.types.js';
import type { RemoteMember } from './cluster-port.js';
import { WindowedDelivery } from './resume-window.js';
import type { Connection } from '../transport/transport.types.js';
import { participantInfo, rosterBatchFrame } from './relay-frames.js';
import { countDueInMs, countUpdateDue, isStaff } from './roster-visibility.js';

/** What the batcher needs of its meeting. */
export interface RosterMeeting {
  readonly transport: Transport;
  /** The meeting's delivery: with resume on, its window keeps the batches too (WindowedDelivery). */
  readonly delivery?: MeetingDelivery;
  /** Participants present on every relay of the meeting. */
  readonly rosterCount: number;
  /** Roster entries of the members on other relays (cluster mode). */
  remoteInfos(): Participant[];
  readonly ended: boolean;
  readonly sessions: ReadonlyMap<string, Session>;
  readonly participants: ReadonlyMap<string, ParticipantView>;
  nextSeq(): number;
}

export interface RosterBatcherOptions {
  /** Present participants above which the meeting is large. */
  readonly largeThreshold: number;
  /** Batch window in ms (0: the next event-loop turn). */
  readonly batchMs: number;
  /** Most updates in one frame. */
  readonly pageSize: number;
}

interface PendingChange {
  readonly update: RosterUpdate;
  /** Whether attendees of a large meeting see this change (it concerns someone who is or was staff). */
  readonly staff: boolean;
}

/** Numbers roster topics (unique in the process). */
let topicCounter = 0;

/** The socket of a local member; remote members (cluster mode) have none. */
function connOf(member: Member): Connection<Session> | null {
  return (member as Partial<Session>).conn ?? null;
}

export class RosterBatcher {
  /** Topic of the hosts and presenters: every roster change. */
  readonly staffTopic: string;
  /** Topic of the attendees: what the visibility policy lets them see. */
  readonly audienceTopic: string;
  /** Staff present now, by participant id (attendees' WELCOME lists these without walking the audience). */
  readonly staff = new Map<string, Session>();
  /** Staff present on other relays (cluster mode), by participant id: listed in attendees' WELCOME. */
  readonly remoteStaff = new Map<string, RemoteMember>();
  /** True once the meeting has been large; it stays large. */
  large = false;
  private pending: PendingChange[] = [];
  /** Sessions whose JOINED is in `pending`: their flag is cleared when it goes out. */
  private pendingJoiners: Session[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (Date.now() clock). */
  private timerAt = 0;
  /** The count attendees heard last, and when. */
  private announced = 0;
  private announcedAt = 0;
  /** When the last roster change was queued. */
  private changedAt = 0;
  /** A remote member's JOINED is queued: a frame from another relay flushes first (its sender may be that member). */
  remoteJoinPending = false;
  /** Attendees have not yet been told the meeting is large. */
  private largeUntold = false;
  private closed = false;

  constructor(private readonly meeting: RosterMeeting, private readonly options: RosterBatcherOptions) {
    // Short process-unique topics of this relay's own participants (uWS hashes the name on every publish).
    const prefix = `r${(++topicCounter).toString(36)}`;
    this.staffTopic = `${prefix}s`;
    this.audienceTopic = `${prefix}a`;
  }

  /** A session was admitted: subscribe it to its roster topic and queue its JOINED. */
  joined(session: Session, view: ParticipantView): void {
    session.rosterPending = true;
    this.pendingJoiners.push(session);
    const staff = isStaff(session.role);
    session.conn?.subscribe(staff ? this.staffTopic : this.audienceTopic);
    if (staff) this.staff.set(session.participantId, session);
    this.checkLarge();
    this.queue(RosterChange.JOINED, participantInfo(view, session), '', staff);
  }

  /** A session went without leaving the meeting (cluster mode: it is back through another relay): no notice. */
  forget(session: Session): void {
    if (this.staff.get(session.participantId) === session) this.staff.delete(session.participantId);
  }

  /**
   * A member of another relay joined (`info`: its roster entry): queued like a local JOINED (with `announce` false,
   * only the map of remote staff follows).
   */
  remoteJoined(member: RemoteMember, info: Participant, announce: boolean): void {
    const staff = isStaff(member.role);
    if (staff) this.remoteStaff.set(member.participantId, member);
    else this.remoteStaff.delete(member.participantId);
    if (!announce) return;
    this.remoteJoinPending = true;
    this.checkLarge();
    this.queue(RosterChange.JOINED, info, '', staff);
  }

  /** A member of another relay left (or its relay went away): queued like a local LEFT. */
  remoteLeft(member: RemoteMember, info: Participant, reason: string, announce: boolean): void {
    const staff = this.remoteStaff.delete(member.participantId) || isStaff(member.role);
    if (announce) this.queue(RosterChange.LEFT, info, reason, staff);
  }

  /** A member of another relay changed role (its new entry in `info`): queued like a local UPDATED. */
  remoteRoleChanged(member: RemoteMember, info: Participant, previous: Role, announce: boolean): void {
    // Staff before as this relay listed it (a host here may have set the role already: host-controls.ts).
    const was = this.remoteStaff.has(member.participantId) || isStaff(previous);
    const now = isStaff(member.role);
    if (now) this.remoteStaff.set(member.participantId, member);
    else this.remoteStaff.delete(member.participantId);
    if (announce) this.queue(RosterChange.UPDATED, info, '', now || was);
  }

  /** A member of another relay is now a session of this relay (it reconnected here): no notice, its JOINED follows. */
  remoteGone(member: RemoteMember): void {
    if (this.remoteStaff.get(member.participantId) === member) this.remoteStaff.delete(member.participantId);
  }

  /**
   * A roster notice that is not batched (RECONNECTING, RESUMED of an attendee of a large meeting) to this relay's
   * staff only; the resume window keeps it for them.
   */
  toStaff(frame: Uint8Array): void {
    this.publish(this.staffTopic, frame);
  }

  private checkLarge(): void {
    if (!this.large && this.meeting.rosterCount > this.options.largeThreshold) {
      this.large = true;
      this.largeUntold = true;
    }
  }

  /** A session left: queue its LEFT. */
  left(session: Session, view: ParticipantView, reason: string): void {
    const staff = this.staff.get(session.participantId) === session;
    if (staff) this.staff.delete(session.participantId);
    this.queue(RosterChange.LEFT, participantInfo(view, undefined), reason, staff || isStaff(view.role));
  }

  /** A session's role changed (promote/demote): move it between the topics and queue its UPDATED. */
  roleChanged(session: Member, view: ParticipantView, previous: Role): void {
    const was = isStaff(previous);
    const now = isStaff(session.role);
    const conn = connOf(session);
    if (was !== now && conn !== null) {
      conn.unsubscribe(was ? this.staffTopic : this.audienceTopic);
      conn.subscribe(now ? this.staffTopic : this.audienceTopic);
    }
    const local = conn === null ? null : (session as Session);
    if (now && local !== null) this.staff.set(session.participantId, local);
    else this.staff.delete(session.participantId);
    // An attendee of a large meeting made staff knows only the staff: send it everyone, as pages.
    if (!was && now && this.large && local !== null) this.sendEveryone(local);
    this.queue(RosterChange.UPDATED, participantInfo(view, session), '', was || now);
  }

  /** Pages of the whole roster to one session (page = true: upserts, not changes). */
  private sendEveryone(to: Session): void {
    const all: RosterUpdate[] = [];
    for (const s of this.meeting.sessions.values()) {
      const view = this.meeting.participants.get(s.participantId);
      if (view !== undefined) all.push({ change: RosterChange.JOINED, participant: participantInfo(view, s), reason: '' });
    }
    for (const participant of this.meeting.remoteInfos()) all.push({ change: RosterChange.JOINED, participant, reason: '' });
    const size = this.options.pageSize;
    for (let i = 0; i < all.length; i += size) {
      to.send(rosterBatchFrame(all.slice(i, i + size), this.meeting.rosterCount, false, true, this.meeting.nextSeq()));
    }
  }

  /** Stops the timer and forgets what was queued. Idempotent. */
  close(): void {
    this.closed = true;
    this.pending = [];
    this.remoteJoinPending = false;
    this.remoteStaff.clear();
    for (const s of this.pendingJoiners) s.rosterPending = false;
    this.pendingJoiners = [];
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private queue(change: RosterChange, participant: Participant, reason: string, staff: boolean): void {
    if (this.closed) return;
    this.pending.push({ update: { change, participant, reason }, staff });
    this.changedAt = Date.now();
    this.schedule(this.options.batchMs);
  }

  /** Arms the flush `delayMs` from now, unless it is armed to fire sooner already. */
  private schedule(delayMs: number): void {
    if (this.closed) return;
    const at = Date.now() + delayMs;
    if (this.timer !== null) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = setTimeout(() => this.flush(), delayMs);
    this.timer.unref();
  }

  /** Sends what the window collected: all of it to the staff, the visible part (or a count) to the attendees. */
  flush(): void {
    // Also called early (a pending joiner's first frame): the armed timer then has nothing left to do.
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed || this.meeting.ended) return;
    const changes = this.pending;
    this.pending = [];
    this.remoteJoinPending = false;
    if (this.pendingJoiners.length > 0) {
      for (const s of this.pendingJoiners) s.rosterPending = false;
      this.pendingJoiners = [];
    }
    const count = this.meeting.rosterCount;
    if (changes.length > 0) this.publishPages(this.staffTopic, changes, false, count);
    const large = this.large;
    const visible = large ? changes.filter((c) => c.staff) : changes;
    const now = Date.now();
    const due =
      visible.length > 0 || this.largeUntold || (large ? countUpdateDue(count, this.announced, now - this.announcedAt, now - this.changedAt) : count !== this.announced);
    if (due) {
      if (visible.length === 0) this.publish(this.audienceTopic, rosterBatchFrame([], count, large, false, this.meeting.nextSeq()));
      else this.publishPages(this.audienceTopic, visible, large, count);
      this.announced = count;
      this.announcedAt = now;
      this.largeUntold = false;
    } else if (count !== this.announced) {
      // Not due yet: come back so the exact count reaches the attendees once joins pause (a change re-arms sooner).
      this.schedule(Math.max(this.options.batchMs, countDueInMs(count, this.announced, now - this.announcedAt, now - this.changedAt)));
    }
  }

  private publishPages(topic: string, changes: readonly PendingChange[], staffOnly: boolean, count: number): void {
    const size = this.options.pageSize;
    for (let i = 0; i < changes.length; i += size) {
      const updates: RosterUpdate[] = [];
      for (let j = i; j < Math.min(changes.length, i + size); j++) updates.push(changes[j]!.update);
      this.publish(topic, rosterBatchFrame(updates, count, staffOnly, false, this.meeting.nextSeq()));
    }
  }

  /** Publishes a frame to one of the two topics; the resume window keeps it for a participant that is away. */
  private publish(topic: string, frame: Uint8Array): void {
    this.meeting.transport.publish(topic, frame);
    const d = this.meeting.delivery;
    if (d instanceof WindowedDelivery) d.recordRosterBatch(frame, topic === this.staffTopic);
  }
}
