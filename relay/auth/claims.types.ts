/** The join token's claims, as the relay reads them after verification. */

export const ROLES = ['host', 'presenter', 'attendee'] as const;
export type Role = (typeof ROLES)[number];

/** What a participant may publish. Hosts get every capability regardless of the list. */
export const CAPABILITIES = ['chat', 'poll', 'document', 'audio', 'video', 'screen'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * A verified join token. JWT (RFC 7519), header `alg: ES256` and `kid`; claims:
 * iss, aud, sub (participant id), mid (meeting id), role, caps (capabilities), exp, jti, optional nbf, iat,
 * name (display name), single (true for a single-use invite), pol (the meeting's policy, see MeetingPolicyClaims).
 */
export interface JoinClaims {
  readonly issuer: string;
  readonly participantId: string;
  readonly meetingId: string;
  readonly role: Role;
  readonly capabilities: readonly Capability[];
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly tokenId: string;
  readonly displayName?: string;
  /** True when the invite may be used for one join only. */
  readonly singleUse: boolean;
  /** The meeting policy the invite service fixed when the meeting was created (claim `pol`), if the token has one. */
  readonly policy?: MeetingPolicyClaims;
}

/**
 * Claim `pol` = { dur?, max?, locked?, large? }: the policy the invite service gave the meeting at creation. Every token the
 * service issues for a meeting carries the same policy, so the relay can apply it from whichever token arrives first.
 * Added by the invite-service work (issue 4); tokens without it are valid and get the relay's defaults.
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

/** Why a token was refused; each maps to a RELAY_ERR_* code in protocol/codes.ts. */
export type TokenFailure =
  | 'RELAY_ERR_TOKEN_MISSING'
  | 'RELAY_ERR_TOKEN_INVALID'
  | 'RELAY_ERR_TOKEN_EXPIRED'
  | 'RELAY_ERR_TOKEN_NOT_YET_VALID'
  | 'RELAY_ERR_TOKEN_ALGORITHM'
  | 'RELAY_ERR_TOKEN_UNKNOWN_KEY'
  | 'RELAY_ERR_TOKEN_CLAIMS'
  | 'RELAY_ERR_TOKEN_AUDIENCE'
  | 'RELAY_ERR_TOKEN_REPLAYED'
  | 'RELAY_ERR_WRONG_MEETING';

export type VerifyResult = { ok: true; claims: JoinClaims } | { ok: false; code: TokenFailure };

/** Verifies join tokens for one relay. */
export interface TokenVerifier {
  /** Verifies `token` for joining `meetingId`. Never throws; never logs or echoes the token. */
  verify(token: string, meetingId: string): VerifyResult | Promise<VerifyResult>;
  close(): void;
}
