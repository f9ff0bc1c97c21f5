/**
 * Signs join tokens (the invite service and `ephemera token` use this; the relay never does).
 *
 * The JWS compact serialization (RFC 7515) is built here and signed with one call to node:crypto `sign` with
 * `dsaEncoding: 'ieee-p1363'` (the raw r||s form JWS requires for ES256). jsonwebtoken's `sign` produces the same
 * bytes but costs about 130 us per token here against 50 us, which alone would cap the invite service below its
 * 5,000 tokens/s target; the unit tests check that jsonwebtoken and jose both verify what this mints.
 */
import { sign, type KeyObject } from 'node:crypto';
import { randomId } from './random-id.js';
import { CAPABILITIES, ROLES, type Capability, type JoinTokenPayload, type MeetingPolicyClaims, type Role } from './claims.js';

export interface JoinTokenClaims {
  readonly issuer: string;
  readonly audience: string;
  /** `sub`. */
  readonly participantId: string;
  /** `mid`. */
  readonly meetingId: string;
  readonly role: Role;
  /** `caps`. */
  readonly capabilities: readonly Capability[];
  /** exp = iat + ttlSeconds. */
  readonly ttlSeconds: number;
  /** `name`. */
  readonly displayName?: string;
  /** `single: true`: the relay accepts the token for one join only. */
  readonly singleUse?: boolean;
  /** `nbf`, unix seconds. */
  readonly notBefore?: number;
  /** `iat`, unix seconds. Default now (tests set it to mint tokens in the past). */
  readonly issuedAt?: number;
  /** `jti`. Default 128 random bits, base64url. */
  readonly tokenId?: string;
  /** `pol`: the meeting policy. */
  readonly policy?: MeetingPolicyClaims;
}

const ROLE_SET: ReadonlySet<string> = new Set(ROLES);
const CAP_SET: ReadonlySet<string> = new Set(CAPABILITIES);

/**
 * Mints a join token: a JWT signed ES256 with `privateKey`, header `kid`. Throws for claims the relay would refuse
 * (unknown role or capability, empty ids, non-positive lifetime), never echoing a token.
 */
export function mintJoinToken(privateKey: KeyObject, kid: string, claims: JoinTokenClaims): string {
  if (typeof kid !== 'string' || kid.length === 0) throw new Error('mintJoinToken: kid must be a non-empty string');
  for (const f of ['issuer', 'audience', 'participantId', 'meetingId'] as const) {
    const v = claims[f];
    if (typeof v !== 'string' || v.length === 0 || v.length > 256) throw new Error(`mintJoinToken: ${f} must be a string of 1 to 256 characters`);
  }
  if (!ROLE_SET.has(claims.role)) throw new Error(`mintJoinToken: role must be one of ${ROLES.join(', ')}`);
  for (const c of claims.capabilities) if (!CAP_SET.has(c)) throw new Error(`mintJoinToken: unknown capability ${JSON.stringify(c)}`);
  if (!Number.isInteger(claims.ttlSeconds) || claims.ttlSeconds <= 0) throw new Error('mintJoinToken: ttlSeconds must be a positive integer');
  const iat = claims.issuedAt ?? Math.floor(Date.now() / 1000);
  const payload: JoinTokenPayload = {
    iss: claims.issuer,
    aud: claims.audience,
    sub: claims.participantId,
    mid: claims.meetingId,
    role: claims.role,
    caps: [...claims.capabilities],
    jti: claims.tokenId ?? randomId(),
    iat,
    exp: iat + claims.ttlSeconds,
  };
  if (claims.displayName !== undefined) payload.name = claims.displayName;
  if (claims.singleUse === true) payload.single = true;
  if (claims.notBefore !== undefined) payload.nbf = claims.notBefore;
  if (claims.policy !== undefined) {
    const { maxDurationSeconds, maxParticipants, locked, largeMeetingThreshold } = claims.policy;
    const pol: NonNullable<JoinTokenPayload['pol']> = {};
    if (maxDurationSeconds !== undefined) pol.dur = maxDurationSeconds;
    if (maxParticipants !== undefined) pol.max = maxParticipants;
    if (locked !== undefined) pol.locked = locked;
    if (largeMeetingThreshold !== undefined) pol.large = largeMeetingThreshold;
    payload.pol = pol;
  }
  checkSigningKey(privateKey);
  const input = `${headerFor(kid)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

const checkedKeys = new WeakSet<KeyObject>();
function checkSigningKey(key: KeyObject): void {
  if (checkedKeys.has(key)) return;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('mintJoinToken: privateKey must be an EC P-256 private KeyObject');
  }
  checkedKeys.add(key);
}

let lastKid = '';
let lastHeader = '';
/** The encoded header; the service signs with one kid at a time, so one cached entry is enough. */
function headerFor(kid: string): string {
  if (kid !== lastKid) {
    lastHeader = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid })).toString('base64url');
    lastKid = kid;
  }
  return lastHeader;
}
