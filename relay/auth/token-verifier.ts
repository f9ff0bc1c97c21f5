/**
 * Verifies join tokens: JWTs signed ES256 by the invite service (or the development key), key chosen by `kid`.
 * Cheap structural checks run before any signature work, so garbage costs almost nothing; the algorithm is pinned
 * twice (our own header check, then jsonwebtoken's `algorithms`), and only KeyObjects reach jsonwebtoken, which
 * rules out HS256-with-the-public-key confusion. The token itself never appears in a result, error or log.
 */
import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  CAPABILITIES,
  ROLES,
  type Capability,
  type JoinClaims,
  type MeetingPolicyClaims,
  type Role,
  type TokenFailure,
  type TokenVerifier,
  type VerifyResult,
} from './claims.types.js';
import type { KeySource } from './key-source.types.js';
import { createMemoryReplayStore, type ClaimOutcome, type ReplayStore } from './replay-store.js';

export interface TokenVerifierOptions {
  /** Where public keys come from (a JWKS file or URL source). The verifier does not close it. */
  readonly keys: KeySource;
  /** Required `iss`. The relay's default is `ephemera-invite`. */
  readonly issuer: string;
  /** Required `aud`. The relay's default is `ephemera-relay`. */
  readonly audience: string;
  /** Allowed clock skew for exp and nbf, in seconds. Default 30. */
  readonly clockToleranceSeconds?: number;
  /** Tokens longer than this are refused before parsing. Default 4096. */
  readonly maxTokenBytes?: number;
  /** Remembers used single-use jtis. Default: a private in-memory store, closed with the verifier. */
  readonly replayStore?: ReplayStore;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_ID_LENGTH = 256;
const ROLE_SET: ReadonlySet<string> = new Set(ROLES);
const CAP_SET: ReadonlySet<string> = new Set(CAPABILITIES);

const FAIL: { readonly [K in TokenFailure]: VerifyResult } = Object.freeze({
  RELAY_ERR_TOKEN_MISSING: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_MISSING' }),
  RELAY_ERR_TOKEN_INVALID: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_INVALID' }),
  RELAY_ERR_TOKEN_EXPIRED: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_EXPIRED' }),
  RELAY_ERR_TOKEN_NOT_YET_VALID: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_NOT_YET_VALID' }),
  RELAY_ERR_TOKEN_ALGORITHM: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_ALGORITHM' }),
  RELAY_ERR_TOKEN_UNKNOWN_KEY: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_UNKNOWN_KEY' }),
  RELAY_ERR_TOKEN_CLAIMS: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_CLAIMS' }),
  RELAY_ERR_TOKEN_AUDIENCE: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_AUDIENCE' }),
  RELAY_ERR_TOKEN_REPLAYED: Object.freeze({ ok: false, code: 'RELAY_ERR_TOKEN_REPLAYED' }),
  RELAY_ERR_CLUSTER_STORE_UNAVAILABLE: Object.freeze({ ok: false, code: 'RELAY_ERR_CLUSTER_STORE_UNAVAILABLE' }),
  RELAY_ERR_WRONG_MEETING: Object.freeze({ ok: false, code: 'RELAY_ERR_WRONG_MEETING' }),
});

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;
}

/** Maps a jsonwebtoken error to a refusal code. */
function failureOf(err: unknown): TokenFailure {
  if (err instanceof jwt.TokenExpiredError) return 'RELAY_ERR_TOKEN_EXPIRED';
  if (err instanceof jwt.NotBeforeError) return 'RELAY_ERR_TOKEN_NOT_YET_VALID';
  const message = err instanceof Error ? err.message : '';
  if (message.startsWith('jwt audience invalid') || message.startsWith('jwt issuer invalid')) return 'RELAY_ERR_TOKEN_AUDIENCE';
  if (message === 'invalid nbf value' || message === 'invalid exp value') return 'RELAY_ERR_TOKEN_CLAIMS';
  if (message === 'invalid algorithm') return 'RELAY_ERR_TOKEN_ALGORITHM';
  return 'RELAY_ERR_TOKEN_INVALID';
}

/** Builds typed claims from a verified payload, or undefined when a required claim is missing or mistyped. */
function claimsOf(payload: unknown): JoinClaims | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const { iss, sub, mid, role, caps, exp, jti, name, single, pol } = p;
  if (!nonEmptyString(iss) || !nonEmptyString(sub) || !nonEmptyString(mid) || !nonEmptyString(jti)) return undefined;
  if (typeof role !== 'string' || !ROLE_SET.has(role)) return undefined;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  if (!Array.isArray(caps) || caps.length > CAPABILITIES.length * 2) return undefined;
  for (const c of caps) if (typeof c !== 'string' || !CAP_SET.has(c)) return undefined;
  if (name !== undefined && (typeof name !== 'string' || name.length > MAX_ID_LENGTH)) return undefined;
  if (single !== undefined && typeof single !== 'boolean') return undefined;
  const policy = pol === undefined ? undefined : policyOf(pol);
  if (policy === null) return undefined;
  const claims: JoinClaims = {
    issuer: iss,
    participantId: sub,
    meetingId: mid,
    role: role as Role,
    capabilities: Object.freeze([...new Set(caps as Capability[])]),
    expiresAt: exp,
    tokenId: jti,
    singleUse: single === true,
    ...(name !== undefined ? { displayName: name } : {}),
    ...(policy !== undefined ? { policy } : {}),
  };
  return Object.freeze(claims);
}

function positiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/** The `pol` claim, or null when it is malformed. */
function policyOf(pol: unknown): MeetingPolicyClaims | null {
  if (typeof pol !== 'object' || pol === null || Array.isArray(pol)) return null;
  const { dur, max, locked, large } = pol as Record<string, unknown>;
  if (dur !== undefined && !positiveInt(dur)) return null;
  if (large !== undefined && !positiveInt(large)) return null;
  if (max !== undefined && !positiveInt(max)) return null;
  if (locked !== undefined && typeof locked !== 'boolean') return null;
  return Object.freeze({
    ...(dur !== undefined ? { maxDurationSeconds: dur } : {}),
    ...(max !== undefined ? { maxParticipants: max } : {}),
    ...(locked !== undefined ? { locked } : {}),
    ...(large !== undefined ? { largeMeetingThreshold: large } : {}),
  });
}

function decodeHeader(part: string): Record<string, unknown> | undefined {
  try {
    const h: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof h === 'object' && h !== null && !Array.isArray(h) ? (h as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Creates a verifier. Throws at construction for bad options, naming the setting. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { keys, issuer, audience } = options;
  if (keys === undefined || typeof keys.key !== 'function') throw new Error('createTokenVerifier: keys must be a KeySource');
  if (!nonEmptyString(issuer)) throw new Error('createTokenVerifier: issuer must be a non-empty string');
  if (!nonEmptyString(audience)) throw new Error('createTokenVerifier: audience must be a non-empty string');
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  if (!Number.isInteger(clockTolerance) || clockTolerance < 0) {
    throw new Error(`createTokenVerifier: clockToleranceSeconds must be an integer >= 0, got ${String(clockTolerance)}`);
  }
  const maxTokenBytes = options.maxTokenBytes ?? 4096;
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 64) {
    throw new Error(`createTokenVerifier: maxTokenBytes must be an integer >= 64, got ${String(maxTokenBytes)}`);
  }
  const ownStore = options.replayStore === undefined;
  const replay = options.replayStore ?? createMemoryReplayStore();
  const verifyOptions: jwt.VerifyOptions & { complete?: false } = Object.freeze({
    algorithms: ['ES256'] as jwt.Algorithm[],
    issuer,
    audience,
    clockTolerance,
  });

  function finish(token: string, key: KeyObject | undefined, meetingId: string, claim: boolean): VerifyResult | Promise<VerifyResult> {
    if (key === undefined) return FAIL.RELAY_ERR_TOKEN_UNKNOWN_KEY;
    let payload: unknown;
    try {
      payload = jwt.verify(token, key, verifyOptions);
    } catch (err) {
      return FAIL[failureOf(err)];
    }
    const claims = claimsOf(payload);
    if (claims === undefined) return FAIL.RELAY_ERR_TOKEN_CLAIMS;
    if (claims.meetingId !== meetingId) return FAIL.RELAY_ERR_WRONG_MEETING;
    // Claimed last, so a token refused for any other reason is not burnt.
    if (claims.singleUse) {
      const outcome = claim ? replay.claim(claims.tokenId, claims.expiresAt + clockTolerance) : replay.used(claims.tokenId);
      if (typeof outcome === 'object') return outcome.then((o) => singleUseResult(o, claim, claims), () => FAIL.RELAY_ERR_CLUSTER_STORE_UNAVAILABLE);
      return singleUseResult(outcome, claim, claims);
    }
    return { ok: true, claims };
  }

  /** A claim's outcome (true: this join won) or a lookup's (true: already used) as the verification's result. */
  function singleUseResult(outcome: ClaimOutcome, claim: boolean, claims: JoinClaims): VerifyResult {
    if (outcome === 'unavailable') return FAIL.RELAY_ERR_CLUSTER_STORE_UNAVAILABLE;
    if (outcome === claim) return { ok: true, claims };
    return FAIL.RELAY_ERR_TOKEN_REPLAYED;
  }

  function run(token: string, meetingId: string, claim: boolean): VerifyResult | Promise<VerifyResult> {
    if (typeof token !== 'string' || token.length === 0) return FAIL.RELAY_ERR_TOKEN_MISSING;
    if (token.length > maxTokenBytes || !TOKEN_SHAPE.test(token)) return FAIL.RELAY_ERR_TOKEN_INVALID;
    const header = decodeHeader(token.slice(0, token.indexOf('.')));
    if (header === undefined) return FAIL.RELAY_ERR_TOKEN_INVALID;
    if (header.alg !== 'ES256') return FAIL.RELAY_ERR_TOKEN_ALGORITHM;
    // RFC 7515 4.1.11: extensions we do not understand must not be ignored.
    if (header.crit !== undefined) return FAIL.RELAY_ERR_TOKEN_INVALID;
    const kid = header.kid;
    if (!nonEmptyString(kid)) return FAIL.RELAY_ERR_TOKEN_UNKNOWN_KEY;
    let key: KeyObject | undefined | Promise<KeyObject | undefined>;
    try {
      key = keys.key(kid);
    } catch {
      return FAIL.RELAY_ERR_TOKEN_UNKNOWN_KEY;
    }
    if (key instanceof Promise) {
      return key.then(
        (k) => finish(token, k, meetingId, claim),
        () => FAIL.RELAY_ERR_TOKEN_UNKNOWN_KEY,
      );
    }
    return finish(token, key, meetingId, claim);
  }

  return {
    verify(token: string, meetingId: string): VerifyResult | Promise<VerifyResult> {
      return run(token, meetingId, true);
    },
    check(token: string, meetingId: string): VerifyResult | Promise<VerifyResult> {
      return run(token, meetingId, false);
    },
    close(): void {
      if (ownStore) replay.close();
    },
  };
}
