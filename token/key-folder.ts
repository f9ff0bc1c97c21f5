/**
 * The signing-key folder shared by the invite service, `ephemera token` and `ephemera keys`:
 *
 *   <dir>/keyring.json   which kid signs now, and the public keys still published (metadata only), mode 0600
 *   <dir>/<kid>.pem      the private key of the active kid (PKCS#8 PEM), mode 0600; retired private keys are deleted
 *   <dir>/jwks.json      the published public keys, for a relay configured with a JWKS file
 *
 * Rotation adds a key that signs from then on; the retired key's public half stays published for `retainSeconds`
 * (the longest a token it signed can stay valid) and its private half is deleted at once. Every file is written to a
 * temporary name and renamed, so a reader never sees half a file.
 */
import { generateKeyPairSync, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwkProblem, jwkThumbprint, publicJwkOf, type EcPublicJwk, type PublicJwks } from './jwks.js';

/** One key in the ring. Times are unix seconds. */
export interface KeyRingEntry {
  readonly kid: string;
  readonly createdAt: number;
  /** When another key took over signing. */
  readonly retiredAt?: number;
  /** The public key is published until then (absent for the active key). */
  readonly publishUntil?: number;
  readonly publicJwk: EcPublicJwk;
}

/** The contents of keyring.json. */
export interface KeyRing {
  readonly version: 1;
  /** The kid that signs. */
  readonly active: string;
  readonly keys: readonly KeyRingEntry[];
}

/** The active signing key and what to publish. */
export interface SigningKeys {
  readonly dir: string;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly ring: KeyRing;
  /** Public keys published now (active first). */
  readonly publicJwks: PublicJwks;
  readonly jwksPath: string;
  readonly keyringPath: string;
}

const RING = 'keyring.json';
const JWKS = 'jwks.json';

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Public keys of `ring` still published at `atSeconds`, the active key first. */
export function publishedJwks(ring: KeyRing, atSeconds: number = nowSeconds()): PublicJwks {
  const live = ring.keys.filter((k) => k.kid === ring.active || (k.publishUntil !== undefined && k.publishUntil > atSeconds));
  live.sort((a, b) => (a.kid === ring.active ? -1 : b.kid === ring.active ? 1 : b.createdAt - a.createdAt));
  return { keys: live.map((k) => ({ ...k.publicJwk })) };
}

/** Writes `data` to `path` atomically with `mode`. */
function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function newKey(): { kid: string; privateKey: KeyObject; pem: string; publicJwk: EcPublicJwk } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const draft = publicJwkOf(privateKey, 'x');
  const kid = jwkThumbprint(draft);
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { kid, privateKey, pem, publicJwk: { ...draft, kid } };
}

function parseRing(path: string): KeyRing {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`key ring ${path}: ${e.code !== undefined ? `cannot be read (${e.code})` : 'is not valid JSON'}`);
  }
  const r = doc as Partial<KeyRing> | null;
  if (typeof r !== 'object' || r === null || r.version !== 1 || typeof r.active !== 'string' || !Array.isArray(r.keys)) {
    throw new Error(`key ring ${path}: is not a version 1 key ring ({version: 1, active, keys})`);
  }
  for (const k of r.keys) {
    const problem = jwkProblem(k?.publicJwk);
    if (problem !== undefined) throw new Error(`key ring ${path}: public key ${problem}`);
    if (k.kid !== k.publicJwk.kid || typeof k.createdAt !== 'number') throw new Error(`key ring ${path}: entry ${JSON.stringify(k.kid)} is inconsistent`);
  }
  if (!r.keys.some((k) => k.kid === r.active)) throw new Error(`key ring ${path}: the active kid is not in the ring`);
  return r as KeyRing;
}

function loadPrivateKey(dir: string, kid: string): KeyObject {
  const path = join(dir, `${kid}.pem`);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new Error(`signing key ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Error(`signing key ${path}: is readable by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
  try {
    const key = createPrivateKey(readFileSync(path, 'utf8'));
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not P-256');
    return key;
  } catch {
    throw new Error(`signing key ${path}: is not a P-256 private key in PEM`);
  }
}

function signingKeys(dir: string, ring: KeyRing, privateKey: KeyObject): SigningKeys {
  return Object.freeze({
    dir,
    kid: ring.active,
    privateKey,
    ring,
    publicJwks: publishedJwks(ring),
    jwksPath: join(dir, JWKS),
    keyringPath: join(dir, RING),
  });
}

/** Reads the key folder. Throws an Error naming the file and the problem when it is missing or bad. */
export function readKeyFolder(dir: string): SigningKeys {
  const ring = parseRing(join(dir, RING));
  return signingKeys(dir, ring, loadPrivateKey(dir, ring.active));
}

/**
 * Opens the key folder at `dir`, creating it with a fresh ES256 key on first use (folder 0700, files 0600).
 * Two processes starting together agree on one key: the key ring is created with an exclusive link.
 */
export function openKeyFolder(dir: string): SigningKeys {
  if (existsSync(join(dir, RING))) return readKeyFolder(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const k = newKey();
  const ring: KeyRing = { version: 1, active: k.kid, keys: [{ kid: k.kid, createdAt: nowSeconds(), publicJwk: k.publicJwk }] };
  writeAtomic(join(dir, `${k.kid}.pem`), k.pem, 0o600);
  const tmp = join(dir, `${RING}.new-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(tmp, JSON.stringify(ring, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, join(dir, RING));
  } catch (err) {
    unlinkSync(tmp);
    unlinkSync(join(dir, `${k.kid}.pem`));
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFolder(dir);
    throw new Error(`key ring ${join(dir, RING)}: cannot be created (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  unlinkSync(tmp);
  writeAtomic(join(dir, JWKS), JSON.stringify(publishedJwks(ring), null, 2) + '\n', 0o644);
  return signingKeys(dir, ring, k.privateKey);
}

export interface RotateOptions {
  /**
   * How long the retired key's public half stays published, in seconds: at least the longest token lifetime the
   * service issues plus the relays' clock tolerance. Required.
   */
  readonly retainSeconds: number;
}

/**
 * Rotates the signing key in `dir` (which must exist): a new key signs from now on, the old public key stays
 * published for `retainSeconds`, the old private key is deleted, keys whose publication ended are dropped.
 */
export function rotateKeyFolder(dir: string, options: RotateOptions): SigningKeys {
  const retain = options.retainSeconds;
  if (!Number.isInteger(retain) || retain < 0) throw new Error(`rotateKeyFolder: retainSeconds must be an integer >= 0, got ${String(retain)}`);
  const old = parseRing(join(dir, RING));
  const now = nowSeconds();
  const k = newKey();
  const kept: KeyRingEntry[] = [{ kid: k.kid, createdAt: now, publicJwk: k.publicJwk }];
  for (const e of old.keys) {
    if (e.kid === old.active) kept.push({ ...e, retiredAt: now, publishUntil: now + retain });
    else if (e.publishUntil !== undefined && e.publishUntil > now) kept.push(e);
  }
  const ring: KeyRing = { version: 1, active: k.kid, keys: kept };
  writeAtomic(join(dir, `${k.kid}.pem`), k.pem, 0o600);
  writeAtomic(join(dir, RING), JSON.stringify(ring, null, 2) + '\n', 0o600);
  writeAtomic(join(dir, JWKS), JSON.stringify(publishedJwks(ring, now), null, 2) + '\n', 0o644);
  for (const e of old.keys) {
    try {
      unlinkSync(join(dir, `${e.kid}.pem`));
    } catch {
      // Already gone.
    }
  }
  return signingKeys(dir, ring, k.privateKey);
}
