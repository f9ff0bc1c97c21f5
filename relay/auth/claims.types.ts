/** The join token's claims, as the relay reads them after verification. */

// The token contract (claim names, roles, capabilities) lives in token/, shared with the invite service.
import type { Capability, MeetingPolicyClaims, Role } from '../../token/claims.js';
export { CAPABILITIES, ROLES, type Capability, type MeetingPolicyClaims, type Role } from '../../token/claims.js';

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
  | 'RELAY_ERR_CLUSTER_STORE_UNAVAILABLE'
  | 'RELAY_ERR_WRONG_MEETING';

export type VerifyResult = { ok: true; claims: JoinClaims } | { ok: false; code: TokenFailure };

/** Verifies join tokens for one relay. */
export interface TokenVerifier {
  /** Verifies `token` for joining `meetingId`. Never throws; never logs or echoes the token. */
  verify(token: string, meetingId: string): VerifyResult | Promise<VerifyResult>;
  /**
   * The same verification as `verify`, except that a single-use token is only looked up in the replay store,
   * never claimed: RELAY_ERR_TOKEN_REPLAYED once it was used, ok before. For the admission pre-check.
   */
  check(token: string, meetingId: string): VerifyResult | Promise<VerifyResult>;
  close(): void;
}
