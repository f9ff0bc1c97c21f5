/**
 * Parsing of JSON Web Key Sets (RFC 7517) into verification keys. Only ES256 signing keys on P-256 are accepted:
 * the relay pins its algorithm, so any other key in a set is either an error (a file the operator wrote) or
 * ignored (a set fetched from a service that may publish keys for other purposes).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/** A public ES256 key as published in a JWKS. */
export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/** A JSON Web Key Set of ES256 public keys. */
export interface PublicJwks {
  keys: EcPublicJwk[];
}

const B64URL = /^[A-Za-z0-9_-]+$/;
/** P-256 coordinates are 32 bytes: 43 base64url characters without padding. */
const COORD_LENGTH = 43;
const MAX_KID_LENGTH = 256;

/** Why one JWK is unusable, or undefined when it is a valid ES256 public key. */
export function jwkProblem(jwk: unknown): string | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'is not an object';
  const k = jwk as Record<string, unknown>;
  if (typeof k.kid !== 'string' || k.kid.length === 0 || k.kid.length > MAX_KID_LENGTH) return 'has no kid (a non-empty string)';
  if (k.kty !== 'EC') return `kid ${JSON.stringify(k.kid)}: kty must be "EC"`;
  if (k.crv !== 'P-256') return `kid ${JSON.stringify(k.kid)}: crv must be "P-256"`;
  if (k.alg !== undefined && k.alg !== 'ES256') return `kid ${JSON.stringify(k.kid)}: alg must be "ES256"`;
  if (k.use !== undefined && k.use !== 'sig') return `kid ${JSON.stringify(k.kid)}: use must be "sig"`;
  if ('d' in k) return `kid ${JSON.stringify(k.kid)}: holds a private key (d); publish public keys only`;
  for (const c of ['x', 'y'] as const) {
    const v = k[c];
    if (typeof v !== 'string' || v.length !== COORD_LENGTH || !B64URL.test(v)) {
      return `kid ${JSON.stringify(k.kid)}: ${c} must be a 32-byte base64url coordinate`;
    }
  }
  return undefined;
}

/** The usable keys of a JWKS document, by kid. */
export interface ParsedJwks {
  readonly keys: Map<string, KeyObject>;
  /** Problems with individual keys (lenient mode skips those keys). */
  readonly skipped: string[];
}

/**
 * Parses a JWKS JSON text. In strict mode any unusable key, a duplicate kid or an empty set throws an Error whose
 * message names the problem; in lenient mode unusable keys are skipped and listed.
 */
export function parseJwks(text: string, strict: boolean): ParsedJwks {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
    throw new Error('is not a JWKS (an object with a "keys" array)');
  }
  const list = (doc as { keys: unknown[] }).keys;
  const keys = new Map<string, KeyObject>();
  const skipped: string[] = [];
  list.forEach((jwk, i) => {
    let problem = jwkProblem(jwk);
    const kid = (jwk as { kid?: string } | null)?.kid ?? '';
    if (problem === undefined && keys.has(kid)) problem = `kid ${JSON.stringify(kid)} appears twice`;
    if (problem === undefined) {
      try {
        const k = jwk as EcPublicJwk;
        keys.set(kid, createPublicKey({ key: { kty: k.kty, crv: k.crv, x: k.x, y: k.y }, format: 'jwk' }));
        return;
      } catch {
        problem = `kid ${JSON.stringify(kid)}: not a point on P-256`;
      }
    }
    if (strict) throw new Error(`key ${i} ${problem}`);
    skipped.push(`key ${i} ${problem}`);
  });
  if (strict && keys.size === 0) throw new Error('holds no keys');
  return { keys, skipped };
}

/** The public JWK (with kid, alg and use) of an EC P-256 key, private or public. */
export function publicJwkOf(key: KeyObject, kid: string): EcPublicJwk {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new Error('the key is not an EC P-256 key');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' };
}

/** The RFC 7638 thumbprint of an EC public key: a stable kid derived from the key itself. */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
