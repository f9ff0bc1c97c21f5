/**
 * One participant's connection: identity from the token, limits, and the leave reason once it goes. It is kept per
 * participant for as long as the meeting holds it, so it is lean: small integers and shared strings where it can
 * (a boxed double or a string of its own is 16 to 40 bytes of every idle connection).
 */
import type { Connection } from '../transport/transport.types.js';
import { ROLES, type JoinClaims, type MeetingPolicyClaims, type Role } from '../auth/claims.types.js';
import type { LeaveReason, ParticipantView } from './meeting.types.js';
import { capabilityMask } from './permissions.js';
import { utf8Bytes } from '../../protocol/forward-frame.js';
import type { Member } from './delivery.types.js';
import type { ResumeHold } from './resume-manager.js';

/** The meeting a session is in, as the switchboard drives it (meeting.ts implements it). */
export interface SessionMeeting {
  /** Routes one client frame; false when the bytes are not a valid envelope. */
  route(session: Session, data: Uint8Array): boolean;
  /** The session's socket closed (or it is being replaced). Safe to call twice. */
  release(session: Session, reason: LeaveReason, now: number): void;
}

export class Session implements Member {
  readonly participantId: string;
  /** participantId's UTF-8 bytes once a frame needed them (idBytes): most of a webinar's audience never sends. */
  private idUtf8: Uint8Array | null = null;
  /** The token's meeting id; once admitted, the meeting's own string (one per meeting, not one per session). */
  meetingId: string;
  readonly displayName: string | undefined;
  /** True while this session's JOINED waits in the roster batch (roster-batcher.ts): its first frame flushes it. */
  rosterPending = false;
  /** The token's `exp` in seconds: a small integer, where milliseconds would be a boxed number per session. */
  private readonly tokenExp: number;
  /**
   * The meeting policy from the token, applied when this join creates the meeting (checked again at the open);
   * let go of once the session is admitted (meeting.ts).
   */
  policy: MeetingPolicyClaims | undefined;
  role: Role;
  capabilities: number;
  /** What the token granted: its capability mask, and its role's index in ROLES above bit 8 (tokenRole). */
  private readonly granted: number;
  conn: Connection<Session> | null = null;
  meeting: SessionMeeting | null = null;
  /**
   * The meeting delivery (LocalDelivery) whose topics this session is subscribed to, or null: a field on the
   * session so that the per-frame "is the sender a present member" test is one load, not a set lookup.
   */
  deliveryMark: object | null = null;
  /** Set when the relay decides why this session ends, before it closes the socket. */
  leaveReason: LeaveReason | null = null;
  /**
   * The frame-rate limit, as the time (performance.now() ms) at which its token bucket would be full again: a
   * bucket of `burst` frames refilled at `perSecond` holds burst - (rateFullAt - now) / (1000 / perSecond) tokens
   * (the generic cell rate algorithm; one number where the token count and the refill time were two).
   */
  rateFullAt: number;
  lastReceivedAt: number;
  /** The participant's record in its meeting (set at admission): its last span began with this session. */
  view: ParticipantView | null = null;
  /**
   * Resume (resume-manager.ts): the number of this session's resume id once its WELCOME registered it (0 before
   * and after), the seq of that WELCOME (a resume never gets frames from before it), and the hold (pending offers,
   * the dropped socket's grace), made only when needed: fields here, not a record and two map entries per session.
   */
  resumeId = 0;
  resumeFloorSeq = 0;
  resumeHold: ResumeHold | null = null;

  constructor(claims: JoinClaims, now: number) {
    this.participantId = claims.participantId;
    this.meetingId = claims.meetingId;
    this.displayName = claims.displayName;
    this.tokenExp = claims.expiresAt;
    this.policy = claims.policy;
    this.role = claims.role;
    this.capabilities = capabilityMask(claims.role, claims.capabilities);
    this.granted = this.capabilities | (ROLES.indexOf(claims.role) << 8);
    this.rateFullAt = now;
    this.lastReceivedAt = now;
  }

  /** The role and capability mask the token granted (promote/demote change `role`/`capabilities`, not these). */
  get tokenRole(): Role {
    return ROLES[this.granted >> 8]!;
  }

  get tokenCapabilities(): number {
    return this.granted & 0xff;
  }

  /** When this session joined its meeting, unix ms (0 before): read from its span, not a boxed number of its own. */
  get joinedAt(): number {
    const spans = this.view?.spans;
    return spans === undefined || spans.length === 0 ? 0 : spans[spans.length - 1]!.joinedAt;
  }

  /** The socket's remote address ('' once it is gone). */
  get remoteAddress(): string {
    return this.conn?.remoteAddress ?? '';
  }

  /** When the token expires, unix ms. */
  get tokenExpiresAt(): number {
    return this.tokenExp * 1000;
  }

  /**
   * UTF-8 bytes of participantId, for the hot-path frame encoder (protocol/forward-frame.ts), made at the first
   * frame that names this participant: a Uint8Array and its buffer are ~180 B per idle connection.
   */
  get idBytes(): Uint8Array {
    return (this.idUtf8 ??= utf8Bytes(this.participantId));
  }

  /** Takes one frame from the token bucket; false when the participant exceeds its rate. */
  takeFrameToken(now: number, perSecond: number, burst: number): boolean {
    const interval = 1000 / perSecond;
    const fullAt = this.rateFullAt > now ? this.rateFullAt : now;
    // At least one token left: burst - (fullAt - now) / interval >= 1.
    if (fullAt - now > (burst - 1) * interval) return false;
    this.rateFullAt = fullAt + interval;
    return true;
  }

  /** A full bucket again (a resumed session starts afresh). */
  resetFrameRate(now: number): void {
    this.rateFullAt = now;
  }

  /** Sends one frame unless the socket is gone. */
  send(bytes: Uint8Array): boolean {
    return this.conn !== null && this.conn.send(bytes);
  }

  /** Ends this session with a reason and a close code. Idempotent: the first reason wins. */
  end(reason: LeaveReason, closeCode: number, closeReason: string): void {
    if (this.leaveReason === null) this.leaveReason = reason;
    this.conn?.close(closeCode, closeReason);
  }
}
