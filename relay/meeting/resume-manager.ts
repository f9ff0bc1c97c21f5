/**
 * Resume on this relay: issues each session's credential at WELCOME, holds a participant's place when its socket
 * drops without a deliberate reason (leave reason `disconnect`), and continues the same Session object when a
 * resume offer arrives within the grace (--resume-grace-ms): the lanes keep every reference they had (poll
 * answers, track subscriptions, host role), the CDR keeps one session with a gap, and the resume window
 * (resume-window.ts) delivers what the participant missed. The switchboard calls in at four places: the upgrade
 * (a `resume.*` offer), the open, the close, and the WELCOME.
 */
import { CloseCode, encodeEnvelope, ErrorCodes, Kind, RosterChange, SUBPROTOCOL, type ErrorCode, type Participant, type ResumeGap } from '../../protocol/index.js';
import type { Connection, UpgradeDecision, UpgradeRequest } from '../transport/transport.types.js';
import type { RelayOptions } from '../config/relay-options.js';
import type { LeaveReason } from './meeting.types.js';
import type { Meeting, DeliveryFactory, DeliveryHost } from './meeting.js';
import type { Session } from './session.js';
import type { MeetingDelivery } from './delivery.types.js';
import { LocalDelivery } from './local-delivery.js';
import { WindowedDelivery } from './resume-window.js';
import { decodeIdentity, encodeIdentity, parseResumeOffer, randomSessionNumber, RESUME_PREFIX, ResumeKey, SessionIds, sharedResumeKey, type ResumeOffer } from './resume-credential.js';
import { Session as SessionClass } from './session.js';
import { capabilityList } from './permissions.js';
import { errorFrame, participantInfo, rosterFrame } from './relay-frames.js';
import { isStaff } from './roster-visibility.js';

const JOIN_PATH = /^\/v1\/meetings\/([A-Za-z0-9_-]{1,128})\/?$/;

/**
 * A session's resume state beyond its id and floor seq (fields of the Session: resumeId, resumeFloorSeq): made
 * when an offer is accepted or the socket drops, not per connected session (a record and two map entries per
 * session were ~270 B of every idle connection), and dropped once the session is connected again.
 */
export interface ResumeHold {
  /** Last seqs of accepted resume upgrades whose sockets have not opened yet. */
  offers: number[] | null;
  /** When the connection dropped (0 while connected). */
  heldSince: number;
  /** Why it dropped: `disconnect`, or `idle_timeout` (a connection that went silent: the relay closed it). */
  heldReason: LeaveReason;
  timer: NodeJS.Timeout | null;
}

function newHold(): ResumeHold {
  return { offers: null, heldSince: 0, heldReason: 'disconnect', timer: null };
}

/** The parts of an accepted resume offer the switchboard passes back to decide(). */
export interface ParsedResume {
  readonly meetingId: string;
  readonly offer: ResumeOffer | null;
  readonly version: boolean;
}

/** Cluster mode: the secret the relays share and this relay's node id. */
export interface ClusterResume {
  readonly secret: Buffer;
  readonly node: string;
}

export class ResumeManager {
  private readonly key: ResumeKey;
  private readonly ids = new SessionIds();
  /** Welcomed sessions (connected or held) by their resume id (Session.resumeId: 0 for one not registered). */
  private readonly byId = new Map<number, Session>();
  /** Sessions decide() handed to a resume upgrade (also after the manager forgot them: their sockets are refused). */
  private readonly handedOut = new WeakSet<Session>();
  /** Cluster mode: sessions seated from another relay's credential, with the last seq they offered. */
  private readonly foreign = new WeakMap<Session, number>();

  constructor(private readonly options: RelayOptions, private readonly cluster: ClusterResume | null = null) {
    this.key = new ResumeKey(cluster !== null ? sharedResumeKey(cluster.secret) : undefined);
  }

  /** Sessions the manager knows (connected or held), for tests and metrics. */
  get size(): number {
    return this.byId.size;
  }

  /** Wraps a meeting's delivery with its resume window. */
  wrap(factory: DeliveryFactory | undefined): DeliveryFactory {
    // Cluster mode too: each relay gives the frames of other relays its own seq as it hands them to its
    // participants (restamp-seq.ts), so one numbering per relay says what a client missed after a same-relay cut.
    const limits = { maxBytes: this.options.resumeWindowBytes, maxAgeMs: this.options.resumeWindowMs };
    return (host: DeliveryHost): MeetingDelivery => {
      const base = factory !== undefined ? factory(host) : new LocalDelivery(host.transport, host.stats);
      return new WindowedDelivery(base, limits);
    };
  }

  /** A resume offer in the upgrade (a `resume.` subprotocol), or null when this is an ordinary join. */
  parse(req: UpgradeRequest): ParsedResume | null {
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    let resume: string | null = null;
    let version = false;
    for (const p of offered) {
      if (p === SUBPROTOCOL) version = true;
      else if (p.startsWith(RESUME_PREFIX)) resume = p;
    }
    if (resume === null) return null;
    const m = JOIN_PATH.exec(req.path);
    return { meetingId: m === null ? '' : m[1]!, offer: parseResumeOffer(resume), version };
  }

  /**
   * Decides a resume upgrade: the credential must verify for a session whose place is still held (or still
   * connected: the resume then takes it over). The join token is not looked at (it may be single-use or expired).
   */
  decide(p: ParsedResume, meetings: ReadonlyMap<string, Meeting>, now: number): ErrorCode | UpgradeDecision<Session> {
    if (p.meetingId === '') return 'RELAY_ERR_NOT_FOUND';
    if (!p.version) return 'RELAY_ERR_UNSUPPORTED_VERSION';
    if (p.offer === null) return 'RELAY_ERR_RESUME_INVALID';
    const s = this.byId.get(this.ids.parse(p.offer.sessionId));
    if (s === undefined) return this.cluster !== null && p.offer.identity !== undefined ? this.decideForeign(p.meetingId, p.offer, meetings, now) : 'RELAY_ERR_RESUME_REFUSED';
    if (s.meetingId !== p.meetingId || !this.key.verify(p.offer, s.meetingId, s.participantId, now)) return 'RELAY_ERR_RESUME_INVALID';
    const meeting = meetings.get(s.meetingId);
    if (!this.placeHeld(meeting, s)) return 'RELAY_ERR_RESUME_REFUSED';
    const hold = (s.resumeHold ??= newHold());
    (hold.offers ??= []).push(p.offer.lastSeq);
    this.handedOut.add(s);
    return { accept: true, protocol: SUBPROTOCOL, context: s };
  }

  /**
   * Cluster mode: a credential another relay issued (its relay died, or the client came here): verified with the
   * shared key, it seats the participant here as a new session of this relay, if the meeting here still lists it
   * as present on the issuing relay (so a participant that left, was removed or was barred cannot come back).
   */
  private decideForeign(meetingId: string, offer: ResumeOffer, meetings: ReadonlyMap<string, Meeting>, now: number): ErrorCode | UpgradeDecision<Session> {
    const id = decodeIdentity(offer.identity!);
    if (id === null || !this.key.verify(offer, meetingId, id.participantId, now)) return 'RELAY_ERR_RESUME_INVALID';
    if (id.node === this.cluster!.node) return 'RELAY_ERR_RESUME_REFUSED';
    const meeting = meetings.get(meetingId);
    if (meeting === undefined || meeting.ended || meeting.barred.has(id.participantId)) return 'RELAY_ERR_RESUME_REFUSED';
    if (meeting.sessions.has(id.participantId)) return 'RELAY_ERR_RESUME_REFUSED';
    const there = meeting.remote.get(id.participantId);
    // Present on the issuing relay, or it left only because that relay died, within the grace.
    const failed = meeting.failedRemote.get(id.participantId);
    const stillThere = there !== undefined && there.node === id.node;
    const diedThere = there === undefined && failed !== undefined && failed.node === id.node && now - failed.at <= this.options.resumeGraceMs;
    if (!stillThere && !diedThere) return 'RELAY_ERR_RESUME_REFUSED';
    const claims = {
      issuer: '', participantId: id.participantId, meetingId, role: id.role, capabilities: id.capabilities,
      expiresAt: Math.floor(offer.expiresAt / 1000), tokenId: '', singleUse: false,
      ...(id.displayName !== undefined ? { displayName: id.displayName } : {}),
    };
    const session = new SessionClass(claims, performance.now());
    this.foreign.set(session, offer.lastSeq);
    return { accept: true, protocol: SUBPROTOCOL, context: session };
  }

  /** Cluster mode: the last seq a session seated from another relay's credential offered (once), else undefined. */
  takeForeign(session: Session): number | undefined {
    const seq = this.foreign.get(session);
    this.foreign.delete(session);
    return seq;
  }

  private placeHeld(meeting: Meeting | undefined, s: Session): meeting is Meeting {
    return meeting !== undefined && !meeting.ended && s.meeting === meeting && meeting.sessions.get(s.participantId) === s && !meeting.barred.has(s.participantId);
  }

  /** Cluster mode: the identity a credential carries, so that any relay can seat its holder; else undefined. */
  private identityOf(session: Session): string | undefined {
    if (this.cluster === null) return undefined;
    return encodeIdentity({
      participantId: session.participantId, role: session.tokenRole, capabilities: capabilityList(session.tokenCapabilities), node: this.cluster.node,
      ...(session.displayName !== undefined ? { displayName: session.displayName } : {}),
    });
  }

  /** The credential of a session just welcomed (registers it). */
  credentialFor(session: Session, meeting: Meeting, welcomeSeq: number): string {
    // Not stored: the same inputs give the same credential again (its string and an offers array were ~120 B of
    // every idle connection's memory), and the id's text is made from its number.
    const expiresAt = meeting.startedAt + meeting.maxDurationMs;
    if (session.resumeId === 0) {
      let n = randomSessionNumber();
      while (this.byId.has(n)) n = randomSessionNumber();
      session.resumeId = n;
      session.resumeFloorSeq = welcomeSeq;
      this.byId.set(n, session);
    }
    return this.key.issue(session.meetingId, session.participantId, this.ids.text(session.resumeId), expiresAt, this.identityOf(session));
  }

  /**
   * True when this opening socket is a resume: its context is a session already welcomed (a join's session is
   * registered only at its own WELCOME, after its socket opened), so only decide() can have handed it out.
   */
  isResume(conn: Connection<Session>): boolean {
    return conn.context.resumeId !== 0 || this.handedOut.has(conn.context);
  }

  /**
   * A resume's socket opened: takes the place over (an old socket still open gets ERROR RELAY_ERR_REPLACED and
   * 4005), sends WELCOME, the gap frame if the window no longer reaches back, the missed frames, then the session
   * is back on the meeting's routes.
   */
  opened(conn: Connection<Session>, meeting: Meeting | undefined, welcome: (m: Meeting, s: Session, gapFollows: boolean) => Uint8Array[]): void {
    const session = conn.context;
    const hold = session.resumeId !== 0 ? session.resumeHold : null;
    // The newest accepted offer is this socket's; older ones whose sockets never opened are dropped, and a
    // second resume racing this one finds none and is refused (the first to open wins).
    const offer = hold?.offers?.pop();
    if (hold !== null) {
      hold.offers = null;
      // Only offers, no held place: nothing left to keep.
      if (hold.heldSince === 0 && hold.timer === null) session.resumeHold = null;
    }
    if (hold === null || offer === undefined || !this.placeHeld(meeting, session)) {
      const spec = ErrorCodes.RELAY_ERR_RESUME_REFUSED;
      conn.send(errorFrame('RELAY_ERR_RESUME_REFUSED'));
      conn.close(CloseCode.MEETING_ENDED, spec.message.slice(0, 120));
      return;
    }
    const lastSeq = Math.max(offer, session.resumeFloorSeq);
    const now = Date.now();
    const old = session.conn;
    let from = hold.heldSince;
    if (old !== null) {
      // The relay had not noticed the old socket died (or someone else holds it): the resume wins.
      old.send(errorFrame('RELAY_ERR_REPLACED'));
      old.close(CloseCode.REPLACED, 'replaced by a resume of this session');
      meeting.delivery.left(session);
      // What was written to it may never have arrived: its transfers go on from what it acknowledged.
      meeting.laneSet.participantAway(session);
      from = now;
    }
    if (hold.timer !== null) clearTimeout(hold.timer);
    // Connected again: the hold goes.
    session.resumeHold = null;
    session.conn = conn;
    session.leaveReason = null;
    session.lastReceivedAt = performance.now();
    session.resetFrameRate(session.lastReceivedAt);
    const view = meeting.participants.get(session.participantId);
    const span = view?.spans[view.spans.length - 1];
    if (span !== undefined) (span.gaps ??= []).push({ from, to: now });
    const delivery = meeting.delivery;
    const plan = delivery instanceof WindowedDelivery ? delivery.window.plan(session, lastSeq) : null;
    // No window (cluster mode): what was missed is not known, only that something may have been.
    const gap = plan !== null ? plan.gap : { afterSeq: lastSeq, throughSeq: meeting.nextSeq(), countsKnown: false, missed: {} };
    for (const frame of welcome(meeting, session, gap !== null)) conn.send(frame);
    if (gap !== null) conn.send(gapFrame(gap));
    if (plan !== null) for (const f of plan.frames) conn.send(f);
    delivery.joined(session);
    // Transfers it shares or receives go on from where the relay and it last agreed (DOC_RESEND rewind).
    meeting.laneSet.participantBack(session);
    // The roster batcher's topic (ROSTER_BATCH) was the old socket's subscription: the new one takes it.
    const batcher = meeting.rosterBatcher;
    conn.subscribe(isStaff(session.role) ? batcher.staffTopic : batcher.audienceTopic);
    this.resubscribe(meeting, session, conn);
    if (view !== undefined) announce(meeting, session, rosterFrame(RosterChange.RESUMED, participantInfo(view, session), '', meeting.nextSeq()));
  }

  /** Its media subscriptions are kept (same session): the new socket joins their routes; video waits for a keyframe. */
  private resubscribe(meeting: Meeting, session: Session, conn: Connection<Session>): void {
    const now = performance.now();
    for (const track of meeting.laneSet.media.allTracks()) {
      if (!track.subscribers.has(session)) continue;
      conn.subscribe(track.route.topic);
      if (!track.needsKeyframes) continue;
      track.waitingForKeyframe.set(session, false);
      if (track.remote) continue;
      track.lastKeyframeRequestAt = now;
      meeting.delivery.toOne(track.publisher, encodeEnvelope({ kind: Kind.KEYFRAME_REQUEST, seq: meeting.nextSeq(), track: track.id, keyframeRequest: { track: track.id } }), null);
    }
  }

  /**
   * A socket closed. True when the manager took care of it: a socket a resume replaced (or refused), or a drop
   * whose place is now held. False: the switchboard releases the session as usual.
   */
  closed(conn: Connection<Session>, reason: LeaveReason): boolean {
    const session = conn.context;
    const registered = session.resumeId !== 0;
    // A socket that is not (or no longer) its session's: replaced by a resume, or a resume refused at its open.
    if (session.conn !== conn && (registered || this.handedOut.has(session))) return true;
    if (!registered) return false;
    const meeting = session.meeting as Meeting | null;
    // A drop nobody chose: the socket died (`disconnect`), or went silent and the relay closed it (`idle_timeout`:
    // what a closed laptop lid looks like from here). Everything else (leave, removed, slow consumer...) is final.
    const holdable = reason === 'disconnect' || reason === 'idle_timeout';
    if (!holdable || (session.leaveReason !== null && session.leaveReason !== 'idle_timeout') || meeting === null || !this.placeHeld(meeting, session)) {
      this.forget(session);
      return false;
    }
    const hold = (session.resumeHold ??= newHold());
    hold.heldSince = Date.now();
    hold.heldReason = reason;
    session.conn = null;
    meeting.delivery.left(session);
    meeting.laneSet.participantAway(session);
    hold.timer = setTimeout(() => this.expire(session), this.options.resumeGraceMs);
    hold.timer.unref();
    const view = meeting.participants.get(session.participantId);
    if (view !== undefined) {
      const info = { ...participantInfo(view, session), reconnecting: true };
      announce(meeting, session, rosterFrame(RosterChange.RECONNECTING, info, reason, meeting.nextSeq()));
    }
    return true;
  }

  /** Flags the held participants of a WELCOME roster as reconnecting. */
  markHeld(meeting: Meeting, roster: Participant[]): void {
    for (const p of roster) {
      const s = meeting.sessions.get(p.id ?? '');
      if (s !== undefined && s.conn === null && this.isHeld(s)) p.reconnecting = true;
    }
  }

  /** True while the session's place is held (its socket dropped, the grace runs). */
  isHeld(session: Session): boolean {
    return session.resumeId !== 0 && (session.resumeHold?.heldSince ?? 0) > 0;
  }

  /** The grace passed: the participant leaves with the drop's reason (`disconnect`, `idle_timeout`), at the drop. */
  private expire(s: Session): void {
    const hold = s.resumeHold;
    if (hold === null) return;
    hold.timer = null;
    this.forget(s);
    const meeting = s.meeting as Meeting | null;
    if (meeting !== null && s.conn === null) meeting.release(s, hold.heldReason, hold.heldSince);
  }

  private forget(s: Session): void {
    const hold = s.resumeHold;
    if (hold !== null && hold.timer !== null) clearTimeout(hold.timer);
    s.resumeHold = null;
    if (this.byId.get(s.resumeId) === s) this.byId.delete(s.resumeId);
    s.resumeId = 0;
  }

  /** Stops every grace timer (relay shutdown; the meetings end anyway). */
  close(): void {
    for (const s of [...this.byId.values()]) this.forget(s);
  }
}

/**
 * A RECONNECTING or RESUMED notice: to everyone, except an attendee's in a large meeting, which goes to the staff
 * only (the other attendees do not list it: roster-visibility.ts). Sent to everyone, 10,000 attendees dropping at
 * once (a network blip, a load generator's teardown) cost 10,000 x 10,000 deliveries.
 */
function announce(meeting: Meeting, session: Session, frame: Uint8Array): void {
  const batcher = meeting.rosterBatcher;
  if (batcher.large && !isStaff(session.role)) {
    // Cluster mode: the other relays too (their staff see it; the transfers they own follow its absence).
    batcher.toStaff(frame);
    meeting.delivery.toRelays(frame, null);
  } else meeting.delivery.toEveryone(frame, null, session);
}

/** The RESUME_GAP frame: what the window no longer held, counts per lane, never content. */
export function gapFrame(gap: { afterSeq: number; throughSeq: number; countsKnown: boolean; missed: Record<string, number> }): Uint8Array {
  const body: ResumeGap = {
    afterSeq: gap.afterSeq,
    throughSeq: gap.throughSeq,
    countsKnown: gap.countsKnown,
    missed: Object.entries(gap.missed).map(([lane, frames]) => ({ lane, frames })),
  };
  return encodeEnvelope({ kind: Kind.RESUME_GAP, resumeGap: body });
}
