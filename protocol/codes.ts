/**
 * The error registry of the wire protocol: every error a client can cause has a string code, a sentence,
 * and a WebSocket close code when it ends the connection (0 when the connection stays open).
 * HTTP statuses are for refusals at the upgrade, before a WebSocket exists.
 */

/** WebSocket close codes the relay uses. 4000-4999 are application codes (RFC 6455 section 7.4.2). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  MALFORMED_FRAME: 4000,
  FRAME_TOO_LARGE: 4001,
  RATE_LIMITED: 4002,
  SLOW_CONSUMER: 4003,
  IDLE_TIMEOUT: 4004,
  REPLACED: 4005,
  REMOVED: 4006,
  MEETING_ENDED: 4007,
  // 4008 is unused: tokens are checked at the join only (protocol/README.md, "Join token"); it was the close code
  // of a token expiring mid-meeting, which the relay does not do. Not to be reused for something else.
  INTERNAL: 4009,
  /** Sent by the transports themselves (a frame above twice `--max-frame-bytes`), not by the meeting core. */
  MESSAGE_TOO_BIG: 1009,
  CLUSTER_GAP: 4013,
  CLUSTER_CUT_OFF: 4014,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export interface CloseCodeSpec {
  /** Short name, lower case, as in RFC 6455 for the 1000 range. */
  readonly name: string;
  /** When the relay closes with it. */
  readonly when: string;
  /**
   * What a client does about it: `resume` (the connection died: resume with the credential), `recover` (a relay of
   * a cluster let the session go: resume through another relay, else join anew with the token), `close` (final).
   * The SDK follows it (client/reconnect.ts decideClose; a unit test keeps them in step).
   */
  readonly client: 'resume' | 'recover' | 'close';
  /** The same, in words, for the README's table. */
  readonly clientDoes: string;
}

/** What each close code means, in the order protocol/README.md lists them (a unit test keeps the README identical). */
export const CloseCodeSpecs: Readonly<Record<CloseCode, CloseCodeSpec>> = Object.freeze({
  [CloseCode.NORMAL]: { name: 'normal', when: 'the participant left (`LEAVE`)', client: 'close', clientDoes: 'nothing: it left' },
  [CloseCode.GOING_AWAY]: { name: 'going away', when: 'the relay is shutting down (drain); the meeting ended with reason `shutdown`', client: 'recover', clientDoes: 'on one relay the meeting ended (`ended`, then close). In a cluster the meeting goes on at the other relays: a client that knows other relays (SDK: `reconnect.urls` / `urlFor`) resumes or rejoins through one of them; otherwise as on one relay' },
  [CloseCode.MESSAGE_TOO_BIG]: { name: 'message too big', when: 'not sent on the wire: a frame above twice `--max-frame-bytes` (the transports\' hard limit) is not read and the connection is dropped without a close frame, so the client sees 1006 on both transports; the relay records it as 1009 (leave reason `frame_too_large`)', client: 'close', clientDoes: 'not seen (1006: see 1006 below the table)' },
  [CloseCode.MALFORMED_FRAME]: { name: 'malformed frame', when: 'not a binary protobuf `Envelope`, or an unknown kind', client: 'close', clientDoes: 'do not reconnect: fix the client' },
  [CloseCode.FRAME_TOO_LARGE]: { name: 'frame too large', when: 'a frame above `--max-frame-bytes`', client: 'close', clientDoes: 'do not reconnect: send smaller frames' },
  [CloseCode.RATE_LIMITED]: { name: 'rate limited', when: 'frames faster than `--max-frames-per-second` (token bucket of `--frame-burst`)', client: 'close', clientDoes: 'may rejoin with its token after backing off (the SDK does not by itself)' },
  [CloseCode.SLOW_CONSUMER]: { name: 'slow consumer', when: 'the participant\'s send backlog passed `--max-reliable-backlog-bytes` (or the transport\'s hard cap)', client: 'close', clientDoes: 'may rejoin with its token (the SDK does not by itself)' },
  [CloseCode.IDLE_TIMEOUT]: { name: 'idle timeout', when: 'nothing received within `--idle-timeout-ms` (clients send `PING`)', client: 'resume', clientDoes: 'resume with its credential (the relay holds the place as for a drop)' },
  [CloseCode.REPLACED]: { name: 'replaced', when: 'a newer session with the same participant id joined, or a resume with this session\'s credential took it over', client: 'close', clientDoes: 'do not reconnect: another connection has the session' },
  [CloseCode.REMOVED]: { name: 'removed', when: 'a host removed the participant', client: 'close', clientDoes: 'do not reconnect' },
  [CloseCode.MEETING_ENDED]: { name: 'meeting ended', when: 'the meeting ended (host, empty timeout, maximum duration)', client: 'close', clientDoes: 'do not reconnect: the meeting is over' },
  [CloseCode.INTERNAL]: { name: 'internal', when: 'a relay bug; the meeting goes on for the others', client: 'close', clientDoes: 'may rejoin with its token' },
  [CloseCode.CLUSTER_GAP]: { name: 'cluster gap', when: 'cluster mode: reliable frames from another relay were lost and not recovered in time (see "In a cluster")', client: 'recover', clientDoes: 'resume with its credential through another relay, else (refused) rejoin with its join token if still valid and not single-use; the SDK does it by itself (`reconnecting`, then `resumed` or `rejoined`, or `failed`)' },
  [CloseCode.CLUSTER_CUT_OFF]: { name: 'cluster cut off', when: 'cluster mode: this relay did not run or could not reach NATS for longer than `--cluster-dead-after-ms`, so the other relays declared it dead (its sessions are `relay_failure` in the meeting\'s record)', client: 'recover', clientDoes: 'as for 4013: resume through another relay (accepted within the resume grace after the declaration), else rejoin with the token; the SDK does it by itself' },
});

export interface ErrorSpec {
  /** WebSocket close code when this error ends the connection, 0 when it does not. */
  readonly close: number;
  /** HTTP status when this error refuses an upgrade or an HTTP request, 0 when it cannot happen there. */
  readonly http: number;
  /** One sentence for humans. Never carries content or tokens. */
  readonly message: string;
}

/** Every error code, its close code, its HTTP status and its sentence. */
export const ErrorCodes = {
  // Refusals at the upgrade (no WebSocket is created).
  RELAY_ERR_TOKEN_MISSING: { close: 0, http: 401, message: 'No bearer token was offered in Sec-WebSocket-Protocol.' },
  RELAY_ERR_TOKEN_INVALID: { close: 0, http: 401, message: 'The token is malformed or its signature does not verify.' },
  RELAY_ERR_TOKEN_EXPIRED: { close: 0, http: 401, message: 'The token has expired.' },
  RELAY_ERR_TOKEN_NOT_YET_VALID: { close: 0, http: 401, message: 'The token is not valid yet (nbf).' },
  RELAY_ERR_TOKEN_ALGORITHM: { close: 0, http: 401, message: 'The token is signed with an algorithm the relay does not accept.' },
  RELAY_ERR_TOKEN_UNKNOWN_KEY: { close: 0, http: 401, message: 'The token names a signing key (kid) the relay does not know.' },
  RELAY_ERR_TOKEN_CLAIMS: { close: 0, http: 401, message: 'The token lacks a required claim or a claim has the wrong type.' },
  RELAY_ERR_TOKEN_AUDIENCE: { close: 0, http: 403, message: 'The token was issued for another audience or by another issuer.' },
  RELAY_ERR_TOKEN_REPLAYED: { close: 0, http: 403, message: 'This single-use token has already been used.' },
  RELAY_ERR_WRONG_MEETING: { close: 0, http: 403, message: 'The token was issued for another meeting.' },
  RELAY_ERR_MEETING_LOCKED: { close: 0, http: 403, message: 'The meeting is locked: no new participants may join.' },
  RELAY_ERR_MEETING_ENDED: { close: 4007, http: 403, message: 'The meeting has ended.' },
  RELAY_ERR_BARRED: { close: 0, http: 403, message: 'This participant was removed and barred from the meeting.' },
  RELAY_ERR_MEETING_FULL: { close: 0, http: 403, message: 'The meeting has reached its maximum number of participants.' },
  RELAY_ERR_DUPLICATE_IDENTITY: { close: 0, http: 409, message: 'This participant is already connected and the relay refuses a second session.' },
  RELAY_ERR_UNSUPPORTED_VERSION: { close: 0, http: 426, message: 'The client does not offer a protocol version this relay speaks (ephemera.v1).' },
  RELAY_ERR_UPGRADE_REQUIRED: { close: 0, http: 426, message: 'This port serves WebSocket upgrades only: join at /v1/meetings/<meeting id>.' },
  RELAY_ERR_NOT_FOUND: { close: 0, http: 404, message: 'No such endpoint: join at /v1/meetings/<meeting id>.' },
  RELAY_ERR_METHOD_NOT_ALLOWED: { close: 0, http: 405, message: 'The admission check answers GET (and its CORS preflight, OPTIONS) only.' },
  RELAY_ERR_ORIGIN: { close: 0, http: 403, message: 'The request Origin is not on the relay allowlist.' },
  RELAY_ERR_TOO_MANY_CONNECTIONS: { close: 0, http: 429, message: 'Too many connections or handshakes from this address.' },
  RELAY_ERR_RESUME_INVALID: { close: 0, http: 401, message: 'The resume credential is malformed, forged, expired or for another meeting.' },
  RELAY_ERR_RESUME_REFUSED: { close: 0, http: 403, message: 'There is no place to resume: the session left, was removed or barred, or its resume grace passed.' },
  RELAY_ERR_NOT_READY: { close: 0, http: 503, message: 'The relay is not admitting new meetings (draining or its CDR store is failing).' },
  RELAY_ERR_CLUSTER_STORE_UNAVAILABLE: { close: 0, http: 503, message: 'The cluster cannot record the use of this single-use token now (its store is unreachable); try again shortly.' },

  // Fatal errors on an open connection (an ERROR frame, then a close).
  RELAY_ERR_MALFORMED_FRAME: { close: 4000, http: 0, message: 'The frame is not a valid binary protobuf Envelope.' },
  RELAY_ERR_FRAME_TOO_LARGE: { close: 4001, http: 0, message: 'The frame exceeds the maximum frame size.' },
  RELAY_ERR_RATE_LIMITED: { close: 4002, http: 0, message: 'The participant sent frames faster than the rate limit allows.' },
  RELAY_ERR_SLOW_CONSUMER: { close: 4003, http: 0, message: 'The participant did not read fast enough and its reliable backlog passed the bound.' },
  RELAY_ERR_IDLE_TIMEOUT: { close: 4004, http: 0, message: 'Nothing was received within the idle timeout.' },
  RELAY_ERR_REPLACED: { close: 4005, http: 0, message: 'A newer session with the same participant id replaced this one.' },
  RELAY_ERR_REMOVED: { close: 4006, http: 0, message: 'A host removed this participant from the meeting.' },
  RELAY_ERR_INTERNAL: { close: 4009, http: 500, message: 'The relay hit an internal error; the meeting goes on for others.' },
  RELAY_ERR_CLUSTER_GAP: { close: 4013, http: 0, message: 'Frames between relays were lost and could not be recovered; rejoin to continue.' },
  RELAY_ERR_CLUSTER_CUT_OFF: { close: 4014, http: 0, message: 'This relay was cut off from the other relays long enough to be declared dead; rejoin to continue.' },

  // Refusals that leave the connection open (an ERROR frame with the offending ref).
  RELAY_ERR_NOT_PERMITTED: { close: 0, http: 0, message: 'The token does not allow this participant to do that.' },
  RELAY_ERR_UNKNOWN_KIND: { close: 0, http: 0, message: 'The frame kind is unknown or may not be sent by a client.' },
  RELAY_ERR_UNKNOWN_TARGET: { close: 0, http: 0, message: 'The target participant is not in the meeting.' },
  RELAY_ERR_BAD_REQUEST: { close: 0, http: 0, message: 'The frame is missing a field its kind requires.' },
  RELAY_ERR_UNKNOWN_POLL: { close: 0, http: 0, message: 'No open poll has that id.' },
  RELAY_ERR_ALREADY_ANSWERED: { close: 0, http: 0, message: 'This participant has already answered the poll; a second answer is refused.' },
  RELAY_ERR_UNKNOWN_TRANSFER: { close: 0, http: 0, message: 'No document transfer has that id.' },
  RELAY_ERR_WINDOW_EXCEEDED: { close: 0, http: 0, message: 'The sharer sent past the credit the relay granted.' },
  RELAY_ERR_UNKNOWN_TRACK: { close: 0, http: 0, message: 'No published track has that id.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCodes;

/** The spec of an error code. */
export function errorSpec(code: ErrorCode): ErrorSpec {
  return ErrorCodes[code];
}

/** The error code that a close code stands for, if any (first match). */
export function errorCodeForClose(close: number): ErrorCode | undefined {
  for (const [code, spec] of Object.entries(ErrorCodes)) if (spec.close === close) return code as ErrorCode;
  return undefined;
}
