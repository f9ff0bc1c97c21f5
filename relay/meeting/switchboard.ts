/**
 * The switchboard: the transport's handlers. It admits participants at the upgrade, opens meetings at their
 * first join, hands every frame to its meeting's router, and watches for slow, idle and flooding participants.
 */
import { CloseCode, decodeEnvelope, ErrorCodes, type ErrorCode } from '../../protocol/index.js';
import type { Connection, HttpAnswer, HttpRequest, Transport, TransportHandlers, UpgradeDecision, UpgradeRequest } from '../transport/transport.types.js';
import type { JoinClaims, TokenVerifier, VerifyResult } from '../auth/claims.types.js';
import type { RelayOptions } from '../config/relay-options.js';
import type { LeaveReason, MeetingObserver } from './meeting.types.js';
import { Meeting, type DeliveryFactory, type MeetingContext } from './meeting.js';
import { Session, type SessionMeeting } from './session.js';
import { cheapTokenCheck, ENDED_MEETING_TTL_MS, IpLimiter, MemoryEndedMeetings, parseJoin, refusal, VerificationGate, type EndedMeetings, type ParsedJoin } from './admission.js';
import { answerAdmissionCheck, type AdmissionCheckDeps } from './admission-check.js';
import { errorFrame, participantInfo, welcomeFrame } from './relay-frames.js';
import { buildWelcomeRoster } from './roster-welcome.js';
import { routeFrameBytes } from './frame-router.js';
import { bump, type RelayStats } from './relay-stats.js';
import type { Logger } from '../log/logger.js';
import type { LaneOptions } from './lanes/lane-options.js';
import type { JoinAudit } from './join-audit.js';
import { describeError } from '../log/describe-error.js';
import { ResumeManager, gapFrame, type ClusterResume, type ParsedResume } from './resume-manager.js';

export interface SwitchboardDeps {
  readonly options: RelayOptions;
  readonly verifier: TokenVerifier;
  readonly observer: MeetingObserver;
  readonly stats: RelayStats;
  readonly log: Logger;
  /** Cluster mode: how meetings deliver beyond this relay (absent: this relay only). */
  readonly createDelivery?: DeliveryFactory;
  /** Cluster mode with --resume-secret-file: the shared secret and this relay's node id (resume across relays). */
  readonly clusterResume?: ClusterResume;
  /** False while the relay must not admit participants (draining, CDR store failing). */
  readonly isReady: () => boolean;
  /** Ended meeting ids (the relay passes a durable store). Default: in memory, 24 h, 100 000 ids. */
  readonly endedMeetings?: EndedMeetings;
  /**
   * Cluster mode: the participant cap across relays (relay/cluster/cluster-seats.ts). `known`: the meeting's roster
   * on this relay (local and remote members), undefined when this relay holds none of it. Absent: one relay's count.
   */
  readonly seats?: {
    claim(meetingId: string, participantId: string, cap: number, known: number | undefined, host: boolean): SeatVerdict | Promise<SeatVerdict>;
  };
  /** Audit lines for refused joins. Default: none. */
  readonly audit?: JoinAudit;
  /** Counts an exception caught by the error boundary (`where`: upgrade, open, message, close). */
  readonly onInternalError?: (where: InternalErrorSite) => void;
  /**
   * Test-only fault injection: called with every frame right before it is routed (it may throw, to prove the
   * error boundary). Only code that calls startRelay in-process can pass it; no setting, flag or variable can.
   */
  readonly frameFaultHook?: (data: Uint8Array) => void;
}

/** Where the error boundary caught an exception. */
export type InternalErrorSite = 'upgrade' | 'open' | 'message' | 'close';

/** The cluster's answer to a seat request (relay/cluster/cluster-seats.ts). */
type SeatVerdict = 'ok' | 'full' | 'barred' | 'locked';

const SEAT_REFUSALS: Record<Exclude<SeatVerdict, 'ok'>, ErrorCode> = {
  full: 'RELAY_ERR_MEETING_FULL',
  barred: 'RELAY_ERR_BARRED',
  locked: 'RELAY_ERR_MEETING_LOCKED',
};

/** What admission concludes: the verified claims of a join admitted now, or the refusal code. */
type Admission = JoinClaims | ErrorCode;

/** How often the meeting-wide periodic work (active speakers) runs. */
const LANE_TICK_MS = 250;
/** Sample one frame in this many for the handling-time histogram. */
const SAMPLE_EVERY = 64;

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** Why a session ended when the relay did not decide it: from the close code the transport reports. */
function leaveReasonOfClose(code: number): LeaveReason {
  if (code === CloseCode.NORMAL) return 'leave';
  if (code === CloseCode.SLOW_CONSUMER) return 'slow_consumer';
  if (code === CloseCode.MESSAGE_TOO_BIG) return 'frame_too_large';
  return 'disconnect';
}

export class Switchboard implements TransportHandlers<Session> {
  readonly meetings = new Map<string, Meeting>();
  private transport: Transport | null = null;
  private meetingCtx: MeetingContext | null = null;
  private readonly ipLimiter: IpLimiter;
  private readonly verifyGate: VerificationGate;
  private readonly ended: EndedMeetings;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly laneTimer: NodeJS.Timeout;
  private frameCounter = 0;
  private readonly laneOptions: Partial<LaneOptions>;
  private closed = false;
  /** Resume (resume-manager.ts); null when --resume-grace-ms is 0, or in cluster mode without a shared secret. */
  readonly resume: ResumeManager | null;

  constructor(private readonly deps: SwitchboardDeps) {
    const o = deps.options;
    const clustered = deps.createDelivery !== undefined;
    this.resume = o.resumeGraceMs > 0 && (!clustered || deps.clusterResume !== undefined) ? new ResumeManager(o, clustered ? deps.clusterResume! : null) : null;
    this.laneOptions = {
      pollTallyIntervalMs: o.pollTallyIntervalMs,
      maxPollsPerMeeting: o.maxPollsPerMeeting,
      docWindowBytes: o.docWindowBytes,
      docStallTimeoutMs: o.docStallTimeoutMs,
      maxTransfersPerMeeting: o.maxTransfersPerMeeting,
    };
    this.ipLimiter = new IpLimiter(o.maxConnectionsPerIp, o.handshakesPerIpPerSecond);
    this.verifyGate = new VerificationGate({
      maxPendingPerIp: o.maxPendingVerificationsPerIp,
      maxQueued: o.maxQueuedVerifications,
      perTurn: o.verificationsPerTurn,
      maxWaitMs: o.verificationMaxWaitMs,
    });
    this.ended = deps.endedMeetings ?? new MemoryEndedMeetings(ENDED_MEETING_TTL_MS, 100_000);
    this.sweepTimer = setInterval(() => this.sweep(), o.slowConsumerCheckMs);
    this.sweepTimer.unref();
    this.laneTimer = setInterval(() => this.tickLanes(), LANE_TICK_MS);
    this.laneTimer.unref();
  }

  attach(transport: Transport): void {
    this.transport = transport;
    this.meetingCtx = null;
  }

  get participantCount(): number {
    let n = 0;
    for (const m of this.meetings.values()) n += m.present;
    return n;
  }

  private refuse<C = Session>(code: ErrorCode): UpgradeDecision<C> {
    bump(this.deps.stats.joins, code);
    return refusal(code);
  }

  /**
   * Decides an upgrade. Synchronous whenever nothing has to wait (the common case: the signing key is cached and
   * the verification gate has room), because uWS.js mishandles res.upgrade() made later from JavaScript while it
   * is parsing another request: the new socket is closed right after its WELCOME (1006; found by join storms in
   * the bench). Only a queued verification or a key fetch makes the decision asynchronous.
   */
  upgrade(req: UpgradeRequest): UpgradeDecision<Session> | Promise<UpgradeDecision<Session>> {
    let decision: UpgradeDecision<Session> | Promise<UpgradeDecision<Session>>;
    try {
      decision = this.admit(req);
    } catch (err) {
      decision = this.upgradeFailed(err);
    }
    if (!isPromise(decision)) return this.audited(req, decision);
    return decision.then((d) => this.audited(req, d), (err: unknown) => this.audited(req, this.upgradeFailed(err)));
  }

  /**
   * The admission pre-check, `GET /v1/meetings/<id>/admission` (admission-check.ts): the upgrade's own admission,
   * without a session and without claiming a single-use token. Other plain requests are not ours (null: 426).
   */
  request(req: HttpRequest): HttpAnswer | null | Promise<HttpAnswer | null> {
    return answerAdmissionCheck(req, this.deps.options.allowedOrigins, this.checkDeps);
  }

  private readonly checkDeps: AdmissionCheckDeps = {
    admit: (parsed, req) => {
      let verdict: Admission | Promise<Admission>;
      try {
        verdict = this.admission(parsed, req.headers.origin, req.remoteAddress, false);
      } catch (err) {
        verdict = this.admissionFailed(err);
      }
      if (!isPromise(verdict)) return this.checked(verdict);
      return verdict.then((v) => this.checked(v), (err: unknown) => this.checked(this.admissionFailed(err)));
    },
    refused: (req, code) => this.deps.audit?.refusedCheck(req, code),
  };

  /** A pre-check's outcome, counted apart from joins (a check is not a join attempt). */
  private checked(a: Admission): ErrorCode | null {
    const code = typeof a === 'string' ? a : null;
    bump(this.deps.stats.admissionChecks, code ?? 'ok');
    return code;
  }

  private admissionFailed(err: unknown): ErrorCode {
    this.deps.onInternalError?.('upgrade');
    this.deps.log.error({ where: 'upgrade', err: describeError(err) }, 'internal error while admitting a join');
    return 'RELAY_ERR_INTERNAL';
  }

  private upgradeFailed(err: unknown): UpgradeDecision<Session> {
    return this.refuse(this.admissionFailed(err));
  }

  private audited(req: UpgradeRequest, d: UpgradeDecision<Session>): UpgradeDecision<Session> {
    if (!d.accept) this.deps.audit?.refusedUpgrade(req, String(d.body.error));
    return d;
  }

  private admit(req: UpgradeRequest): UpgradeDecision<Session> | Promise<UpgradeDecision<Session>> {
    const resume = this.resume?.parse(req) ?? null;
    if (resume !== null) return this.admitResume(req, resume);
    const ip = req.remoteAddress;
    const admitted = this.admission(parseJoin(req), req.headers.origin, ip, true);
    if (!isPromise(admitted)) return this.joinDecision(admitted);
    return admitted.then((a) => this.joinDecision(a));
  }

  /** The upgrade's answer to an admission: the refusal (counted), or the session the join opens. */
  private joinDecision(a: Admission): UpgradeDecision<Session> {
    if (typeof a === 'string') return this.refuse(a);
    bump(this.deps.stats.joins, 'accepted');
    return { accept: true, protocol: 'ephemera.v1', context: new Session(a, performance.now()) };
  }

  /**
   * Admission, shared by the upgrade and the pre-check, cheapest refusals first (admission.ts): path, version and
   * token presence (parsed by the caller), origin, the per-IP rate and connection cap, readiness, ended meetings,
   * the token's shape; only then the signature check, rationed by the verification gate; then the meeting's rules.
   * `claim`: the upgrade claims a single-use token; the pre-check only looks it up. Synchronous whenever nothing
   * has to wait (see upgrade()).
   */
  private admission(parsed: ParsedJoin | ErrorCode, origin: string | undefined, ip: string, claim: boolean): Admission | Promise<Admission> {
    if (typeof parsed === 'string') return parsed;
    const o = this.deps.options;
    if (origin !== undefined && o.allowedOrigins.length > 0 && !o.allowedOrigins.includes(origin)) return 'RELAY_ERR_ORIGIN';
    const now = Date.now();
    if (!this.ipLimiter.admitHandshake(ip, now)) return 'RELAY_ERR_TOO_MANY_CONNECTIONS';
    let settled = true;
    try {
      if (this.closed || !this.deps.isReady()) return 'RELAY_ERR_NOT_READY';
      if (this.ended.has(parsed.meetingId, now)) return 'RELAY_ERR_MEETING_ENDED';
      const malformed = cheapTokenCheck(parsed.token);
      if (malformed !== null) return malformed;
      // Cluster: a meeting this relay does not hold may have ended on another relay (asked before the token is
      // verified, so that a single-use token is not burnt on an ended meeting).
      const lookup = this.meetings.has(parsed.meetingId) ? undefined : this.ended.lookup?.(parsed.meetingId);
      const verdict = lookup === undefined
        ? this.gated(parsed, ip, claim, now)
        : lookup.then((ended) => (ended ? 'RELAY_ERR_MEETING_ENDED' : this.gated(parsed, ip, claim, Date.now())));
      if (!isPromise(verdict)) return verdict;
      settled = false;
      return verdict.finally(() => this.ipLimiter.handshakeDone(ip));
    } finally {
      if (settled) this.ipLimiter.handshakeDone(ip);
    }
  }

  /** The signature check, rationed by the verification gate. */
  private gated(parsed: ParsedJoin, ip: string, claim: boolean, now: number): Admission | Promise<Admission> {
    const ticket = this.verifyGate.acquire(ip, now);
    if (ticket === false) return 'RELAY_ERR_TOO_MANY_CONNECTIONS';
    if (ticket === true) return this.verifyGranted(parsed, ip, claim);
    return ticket.then((granted): Admission | Promise<Admission> => (granted ? this.verifyGranted(parsed, ip, claim) : 'RELAY_ERR_TOO_MANY_CONNECTIONS'));
  }

  /** A resume offer: the cheap checks of a join, then the credential (an HMAC: no verification queue). */
  private admitResume(req: UpgradeRequest, resume: ParsedResume): UpgradeDecision<Session> {
    const origin = req.headers.origin;
    const o = this.deps.options;
    if (origin !== undefined && o.allowedOrigins.length > 0 && !o.allowedOrigins.includes(origin)) return this.refuse('RELAY_ERR_ORIGIN');
    const ip = req.remoteAddress;
    const now = Date.now();
    if (!this.ipLimiter.admitHandshake(ip, now)) return this.refuse('RELAY_ERR_TOO_MANY_CONNECTIONS');
    try {
      if (this.closed || !this.deps.isReady()) return this.refuse('RELAY_ERR_NOT_READY');
      if (this.ended.has(resume.meetingId, now)) return this.refuse('RELAY_ERR_MEETING_ENDED');
      const d = this.resume!.decide(resume, this.meetings, now);
      if (typeof d === 'string') return this.refuse(d);
      bump(this.deps.stats.joins, 'resumed');
      return d;
    } finally {
      this.ipLimiter.handshakeDone(ip);
    }
  }

  /** Verifies a token once the gate granted the work; releases the gate when the verification is done. */
  private verifyGranted(parsed: ParsedJoin, ip: string, claim: boolean): Admission | Promise<Admission> {
    if (this.closed) {
      this.verifyGate.release(ip);
      return 'RELAY_ERR_NOT_READY';
    }
    let result: VerifyResult | Promise<VerifyResult>;
    try {
      const v = this.deps.verifier;
      result = claim ? v.verify(parsed.token, parsed.meetingId) : v.check(parsed.token, parsed.meetingId);
    } catch {
      this.verifyGate.release(ip);
      return 'RELAY_ERR_TOKEN_INVALID';
    }
    if (!isPromise(result)) {
      this.verifyGate.release(ip);
      return this.judge(result, claim);
    }
    return result.then(
      (r) => this.judge(r, claim),
      (): Admission => 'RELAY_ERR_TOKEN_INVALID',
    ).finally(() => this.verifyGate.release(ip));
  }

  /** The meeting's rules for a verified token: its claims when a join is admitted now, else the refusal. */
  private judge(result: VerifyResult, claim: boolean): Admission | Promise<Admission> {
    if (!result.ok) return result.code;
    const claims = result.claims;
    const refused = this.checkMeetingRules(claims);
    if (refused !== null || !claim || this.deps.seats === undefined) return refused ?? claims;
    // Cluster mode: the cap counts every relay's participants; near it, the meeting's owner relay decides.
    const meeting = this.meetings.get(claims.meetingId);
    if (meeting?.sessions.has(claims.participantId) === true) return claims;
    const cap = meeting?.maxParticipants ?? Math.min(this.deps.options.maxParticipants, claims.policy?.maxParticipants ?? Infinity);
    const seat = this.deps.seats.claim(claims.meetingId, claims.participantId, cap, meeting?.rosterCount, claims.role === 'host');
    if (!isPromise(seat)) return seat === 'ok' ? claims : SEAT_REFUSALS[seat];
    return seat.then((v) => (v === 'ok' ? this.checkMeetingRules(claims) ?? claims : SEAT_REFUSALS[v]));
  }

  /** The meeting's own rules for a join; checked at the upgrade and again when the socket opens. */
  private checkMeetingRules(claims: Pick<JoinClaims, 'meetingId' | 'participantId' | 'role' | 'policy'>): ErrorCode | null {
    if (this.ended.has(claims.meetingId, Date.now())) return 'RELAY_ERR_MEETING_ENDED';
    const meeting = this.meetings.get(claims.meetingId);
    // A locked meeting admits hosts (they hold the lock) and participants reconnecting; nobody else.
    if (meeting === undefined) return claims.policy?.locked && claims.role !== 'host' ? 'RELAY_ERR_MEETING_LOCKED' : null;
    if (meeting.barred.has(claims.participantId)) return 'RELAY_ERR_BARRED';
    const present = meeting.sessions.has(claims.participantId);
    if (meeting.locked && !present && claims.role !== 'host') return 'RELAY_ERR_MEETING_LOCKED';
    if (present) {
      if (this.deps.options.duplicateIdentity === 'refuse') return 'RELAY_ERR_DUPLICATE_IDENTITY';
    } else if ((this.deps.seats !== undefined ? meeting.rosterCount : meeting.present) >= meeting.maxParticipants) return 'RELAY_ERR_MEETING_FULL';
    return null;
  }

  open(conn: Connection<Session>): void {
    try {
      this.opened(conn);
    } catch (err) {
      this.internalError(conn.context, 'open', err);
    }
  }

  private opened(conn: Connection<Session>): void {
    const session = conn.context;
    if (this.resume !== null && this.resume.isResume(conn)) {
      this.deps.stats.connectionsOpen++;
      this.ipLimiter.opened(conn.remoteAddress);
      return this.resume.opened(conn, this.meetings.get(session.meetingId), (m, s, gap) => this.welcome(m, s, true, gap));
    }
    session.conn = conn;
    this.deps.stats.connectionsOpen++;
    this.ipLimiter.opened(conn.remoteAddress);
    // Cluster mode: a resume with another relay's credential is seated here as a join of this relay.
    const foreignSeq = this.resume?.takeForeign(session);
    // Things may have changed while the token was being verified.
    const late = this.closed ? 'RELAY_ERR_NOT_READY' : foreignSeq !== undefined ? this.checkForeignResume(session) : this.checkMeetingRules(session);
    if (late !== null) {
      this.deps.audit?.refusedAtOpen(late, session.meetingId, conn.remoteAddress);
      const spec = ErrorCodes[late];
      conn.send(errorFrame(late));
      session.leaveReason = 'meeting_ended';
      conn.close(spec.close || CloseCode.MEETING_ENDED, spec.message.slice(0, 120));
      return;
    }
    let meeting = this.meetings.get(session.meetingId);
    if (meeting === undefined) {
      meeting = new Meeting(session.meetingId, this.meetingContext(), session.policy);
      this.meetings.set(meeting.meetingId, meeting);
      this.deps.observer.meetingStarted?.(meeting);
    }
    const previous = meeting.sessions.get(session.participantId);
    const now = Date.now();
    if (previous !== undefined) {
      // The documented contract: an ERROR with the code before its close (protocol/README.md, close codes).
      previous.send(errorFrame('RELAY_ERR_REPLACED'));
      previous.end('replaced', CloseCode.REPLACED, 'replaced by a newer session');
      meeting.release(previous, 'replaced', now);
    }
    meeting.admit(session, now);
    if (foreignSeq === undefined) {
      for (const frame of this.welcome(meeting, session, false)) conn.send(frame);
      return;
    }
    // Resumed here: the WELCOME says so and restarts the client's seq (this relay's numbering); what the relay that
    // held the session had for it is gone with that relay: RESUME_GAP, counts unknown.
    const frames = this.welcome(meeting, session, true, true, true);
    const seq = decodeWelcomeSeq(frames[0]!);
    conn.send(frames[0]!);
    conn.send(gapFrame({ afterSeq: foreignSeq, throughSeq: seq, countsKnown: false, missed: {} }));
    for (let i = 1; i < frames.length; i++) conn.send(frames[i]!);
  }

  /** What every meeting shares with the relay: made once (an object and two closures per meeting before). */
  private meetingContext(): MeetingContext {
    return (this.meetingCtx ??= {
      options: this.deps.options,
      transport: this.transport!,
      observer: this.deps.observer,
      forget: (m) => this.forget(m),
      lanes: this.laneOptions,
      clustered: this.deps.createDelivery !== undefined,
      ...(this.resume !== null ? { createDelivery: this.resume.wrap(this.deps.createDelivery) } : this.deps.createDelivery !== undefined ? { createDelivery: this.deps.createDelivery } : {}),
    });
  }

  /** A resume seated from another relay's credential: still in the meeting here, not barred, not ended. */
  private checkForeignResume(session: Session): ErrorCode | null {
    if (this.ended.has(session.meetingId, Date.now())) return 'RELAY_ERR_MEETING_ENDED';
    const meeting = this.meetings.get(session.meetingId);
    if (meeting === undefined || meeting.ended || meeting.barred.has(session.participantId)) return 'RELAY_ERR_RESUME_REFUSED';
    return null;
  }

  /** The WELCOME of a session (a join, or a resume of it) and the roster pages that follow it. */
  private welcome(meeting: Meeting, session: Session, resumed: boolean, resumeGap = false, freshSeq = false): Uint8Array[] {
    const o = this.deps.options;
    const roster = buildWelcomeRoster(meeting, session, o.rosterPageSize);
    this.resume?.markHeld(meeting, roster.roster);
    // With resume on, a join's WELCOME carries a meeting seq: where the client's "last seq received" starts (also
    // a resume another relay's credential seated here: `freshSeq`).
    const seq = this.resume !== null && (!resumed || freshSeq) ? meeting.nextSeq() : 0;
    const welcome = welcomeFrame({
      meetingId: meeting.meetingId,
      you: participantInfo(meeting.participants.get(session.participantId)!, session),
      roster: roster.roster,
      participantCount: meeting.rosterCount,
      staffOnly: roster.staffOnly,
      rosterFollows: roster.follows,
      relayNode: o.node,
      startedAt: meeting.startedAt,
      tracks: meeting.laneSet.media.allTracks().map((t) => t.info()),
      locked: meeting.locked,
      limits: {
        maxFrameBytes: o.maxFrameBytes,
        maxFramesPerSecond: o.maxFramesPerSecond,
        idleTimeoutMs: o.idleTimeoutMs,
        maxReliableBacklogBytes: o.maxReliableBacklogBytes,
      },
      seq,
      resumed,
      resumeCredential: this.resume !== null ? this.resume.credentialFor(session, meeting, seq) : '',
      resumeGraceMs: this.resume !== null ? o.resumeGraceMs : 0,
      resumeGap,
    });
    return [welcome, ...roster.pages];
  }

  /** The error boundary of a frame: an exception closes this one session (ERROR RELAY_ERR_INTERNAL, 4009). */
  message(conn: Connection<Session>, data: Uint8Array, isBinary: boolean): void {
    try {
      this.received(conn, data, isBinary);
    } catch (err) {
      this.internalError(conn.context, 'message', err);
    }
  }

  private received(conn: Connection<Session>, data: Uint8Array, isBinary: boolean): void {
    const session = conn.context;
    const meeting = session.meeting;
    // A socket a resume took over (its session now reads from the new one) is not heard any more.
    if (meeting === null || session.conn !== conn) return;
    const now = performance.now();
    session.lastReceivedAt = now;
    if (!isBinary) return this.fatal(session, 'RELAY_ERR_MALFORMED_FRAME', 'malformed_frame');
    const o = this.deps.options;
    if (data.byteLength > o.maxFrameBytes) return this.fatal(session, 'RELAY_ERR_FRAME_TOO_LARGE', 'frame_too_large');
    if (!session.takeFrameToken(now, o.maxFramesPerSecond, o.frameBurst)) return this.fatal(session, 'RELAY_ERR_RATE_LIMITED', 'rate_limited');
    if ((++this.frameCounter & (SAMPLE_EVERY - 1)) === 0) {
      this.route(meeting, session, data);
      this.deps.stats.fanoutSamplesUs.push((performance.now() - now) * 1000);
      if (this.deps.stats.fanoutSamplesUs.length > 4096) this.deps.stats.fanoutSamplesUs.length = 0;
      return;
    }
    this.route(meeting, session, data);
  }

  private route(meeting: SessionMeeting, session: Session, data: Uint8Array): void {
    if (this.deps.frameFaultHook !== undefined) this.deps.frameFaultHook(data);
    if (routeFrameBytes(meeting, session, data)) return;
    this.deps.stats.malformedFrames++;
    this.fatal(session, 'RELAY_ERR_MALFORMED_FRAME', 'malformed_frame');
  }

  /** An error that ends the connection: an ERROR frame with the code, then the close. */
  private fatal(session: Session, code: ErrorCode, reason: LeaveReason): void {
    const spec = ErrorCodes[code];
    bump(this.deps.stats.framesRejected, code);
    session.send(errorFrame(code));
    session.end(reason, spec.close, code);
  }

  /**
   * An exception escaped a handler: logged once with ids and stack (never bytes or the message), counted, and
   * this session alone is closed with ERROR RELAY_ERR_INTERNAL and 4009; its meeting goes on.
   */
  private internalError(session: Session, where: InternalErrorSite, err: unknown): void {
    this.deps.onInternalError?.(where);
    this.deps.log.error(
      { where, meetingId: session.meetingId, participantId: session.participantId, err: describeError(err) },
      where === 'close' ? 'internal error while releasing a session' : 'internal error: session closed (4009), the meeting goes on',
    );
    if (where === 'close') return;
    try {
      this.fatal(session, 'RELAY_ERR_INTERNAL', 'internal');
    } catch {
      session.conn?.close(CloseCode.INTERNAL, 'RELAY_ERR_INTERNAL');
    }
  }

  drain(_conn: Connection<Session>): void {
    // Reliable lanes rely on the periodic backlog check; document flow control reacts to acks, not drains.
  }

  close(conn: Connection<Session>, code: number): void {
    try {
      this.released(conn, code);
    } catch (err) {
      this.internalError(conn.context, 'close', err);
    }
  }

  private released(conn: Connection<Session>, code: number): void {
    const session = conn.context;
    this.deps.stats.connectionsOpen--;
    this.ipLimiter.closed(conn.remoteAddress);
    const reason: LeaveReason = session.leaveReason ?? leaveReasonOfClose(code);
    bump(this.deps.stats.closes, reason);
    if (this.resume !== null && this.resume.closed(conn, reason)) return;
    session.meeting?.release(session, reason, Date.now());
    session.conn = null;
  }

  private forget(meeting: Meeting): void {
    this.meetings.delete(meeting.meetingId);
    // Ended by this relay's shutdown (drain) is not ended for its participants: they may rejoin after a restart.
    if (this.closed) return;
    // Cluster: an empty timeout while other relays hold members ends this relay's part only; they may come back.
    if (meeting.endReason === 'empty_timeout' && meeting.endedWithRemote) return;
    this.ended.add(meeting.meetingId, Date.now());
  }

  /** Closes slow consumers and idle participants. */
  private sweep(): void {
    const o = this.deps.options;
    const now = performance.now();
    for (const meeting of this.meetings.values()) {
      let congested = 0;
      for (const session of meeting.sessions.values()) {
        const conn = session.conn;
        if (conn === null || conn.closed) continue;
        const backlog = conn.bufferedAmount();
        if (backlog > o.maxReliableBacklogBytes) this.fatal(session, 'RELAY_ERR_SLOW_CONSUMER', 'slow_consumer');
        else if (now - session.lastReceivedAt > o.idleTimeoutMs) this.fatal(session, 'RELAY_ERR_IDLE_TIMEOUT', 'idle_timeout');
        else if (backlog > o.lossyDropBytes) congested++;
      }
      meeting.congestedReceivers = congested;
    }
    this.ipLimiter.sweep(Date.now());
  }

  private tickLanes(): void {
    const now = performance.now();
    for (const meeting of this.meetings.values()) meeting.laneSet.tick(now);
  }

  /** Ends every meeting with reason `shutdown` (CDRs written) and stops the timers. Idempotent. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.laneTimer);
    this.resume?.close();
    for (const meeting of [...this.meetings.values()]) meeting.end('shutdown');
  }
}

/** The envelope seq of an encoded WELCOME (field 3). */
function decodeWelcomeSeq(frame: Uint8Array): number {
  const d = decodeEnvelope(frame);
  return d.ok ? Number(d.value.seq) : 0;
}
