/**
 * The join-token contract shared by whoever mints tokens (the invite service, `ephemera token`) and whoever
 * verifies them (the relay): claim names and types, roles, capabilities and the defaults. protocol/README.md
 * ("Join token") documents the same claims for client and integration authors.
 */

export const ROLES = ['host', 'presenter', 'attendee'] as const;
export type Role = (typeof ROLES)[number];

/** What a participant may publish. Hosts get every capability regardless of the list. */
export const CAPABILITIES = ['chat', 'poll', 'document', 'audio', 'video', 'screen'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** The issuer the invite service (and `ephemera token`) put in tokens, and the relay expects, by default. */
export const DEFAULT_ISSUER = 'ephemera-invite';
/** The audience of join tokens by default. */
export const DEFAULT_AUDIENCE = 'ephemera-relay';

/** Capabilities a role gets when none are given: hosts and presenters everything, attendees all but screen. */
export const DEFAULT_CAPABILITIES = Object.freeze({
  host: Object.freeze(['chat', 'poll', 'document', 'audio', 'video', 'screen'] as const),
  presenter: Object.freeze(['chat', 'poll', 'document', 'audio', 'video', 'screen'] as const),
  attendee: Object.freeze(['chat', 'poll', 'document', 'audio', 'video'] as const),
});

/** The only signature algorithm of join tokens (JWS `alg`). */
export const TOKEN_ALGORITHM = 'ES256';

/**
 * The claims of a join token as they travel (JWT payload, RFC 7519), header `{ alg: 'ES256', typ: 'JWT', kid }`.
 * The relay refuses a token without one of the required claims or with a claim of the wrong type.
 */
export interface JoinTokenPayload {
  /** Issuer: the relay's `--issuer`. */
  iss: string;
  /** Audience: the relay's `--audience`. */
  aud: string;
  /** Participant id. */
  sub: string;
  /** The meeting this token opens. */
  mid: string;
  role: Role;
  caps: Capability[];
  /** Token id (the replay key of single-use invites). */
  jti: string;
  /** Issued at, Unix seconds. */
  iat: number;
  /** Expiry, Unix seconds. Checked at the join only (protocol/README.md). */
  exp: number;
  /** Not before, Unix seconds. */
  nbf?: number;
  /** Display name. */
  name?: string;
  /** Single-use invite. */
  single?: true;
  /** The meeting policy, see MeetingPolicyClaims. */
  pol?: { dur?: number; max?: number; locked?: boolean; large?: number };
}

/**
 * Claim `pol` = { dur?, max?, locked?, large? }: the policy the invite service gave the meeting at creation. Every token the
 * service issues for a meeting carries the same policy, so the relay can apply it from whichever token arrives first.
 * Tokens without it are valid and get the relay's defaults.
 */
export interface MeetingPolicyClaims {
  /** `dur`: maximum meeting duration in seconds. */
  readonly maxDurationSeconds?: number;
  /** `max`: maximum simultaneous participants. */
  readonly maxParticipants?: number;
  /** `locked`: the meeting starts locked (only hosts may join until a host unlocks it). */
  readonly locked?: boolean;
  /**
   * `large`: present participants above which the meeting is large: attendees then see hosts, presenters and a
   * count instead of every attendee (protocol/README.md, Large meetings). Absent: the relay's largeMeetingThreshold.
   */
  readonly largeMeetingThreshold?: number;
}
