import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import {
  loadOrCreateDevKeys,
  mintJoinToken,
  openKeyFolder,
  publicJwkOf,
  rotateKeyFolder,
  type DevKeys,
  type JoinTokenClaims,
  type PublicJwks,
} from '../../token/index.js';
import {
  createJwksFileKeySource,
  createJwksUrlKeySource,
  createMemoryReplayStore,
  createTokenVerifier,
  type KeySource,
  type TokenVerifier,
  type VerifyResult,
} from '../../relay/auth/index.js';

const ISS = 'ephemera-invite';
const AUD = 'ephemera-relay';
const MEETING = 'm-123';
const now = (): number => Math.floor(Date.now() / 1000);

const tmpDirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'eph-auth-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

const base: JoinTokenClaims = {
  issuer: ISS,
  audience: AUD,
  participantId: 'alice',
  meetingId: MEETING,
  role: 'attendee',
  capabilities: ['chat', 'poll'],
  ttlSeconds: 600,
};

function b64(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

async function code(r: VerifyResult | Promise<VerifyResult>): Promise<string> {
  const v = await r;
  return v.ok ? 'OK' : v.code;
}

describe('token verifier', () => {
  let keys: DevKeys;
  let source: KeySource;
  let verifier: TokenVerifier;
  const mint = (over: Partial<JoinTokenClaims> = {}): string => mintJoinToken(keys.privateKey, keys.kid, { ...base, ...over });
  /** A jose-signed token with arbitrary claims, same key and kid. */
  const joseToken = (payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: keys.kid, ...header }).sign(keys.privateKey);
  const fullPayload = (): Record<string, unknown> => ({
    iss: ISS,
    aud: AUD,
    sub: 'bob',
    mid: MEETING,
    role: 'presenter',
    caps: ['chat', 'screen'],
    jti: 'j-' + Math.random(),
    iat: now(),
    exp: now() + 600,
  });

  beforeAll(() => {
    keys = loadOrCreateDevKeys(tmp());
    source = createJwksFileKeySource(keys.jwksPath);
    verifier = createTokenVerifier({ keys: source, issuer: ISS, audience: AUD, clockToleranceSeconds: 0 });
  });
  afterAll(() => {
    verifier.close();
    source.close();
  });

  it('accepts a valid token and returns typed claims, synchronously for a cached key', () => {
    const r = verifier.verify(mint({ displayName: 'Alice' }), MEETING);
    expect(r).not.toBeInstanceOf(Promise);
    const v = r as VerifyResult;
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.claims).toMatchObject({
      issuer: ISS,
      participantId: 'alice',
      meetingId: MEETING,
      role: 'attendee',
      capabilities: ['chat', 'poll'],
      displayName: 'Alice',
      singleUse: false,
    });
    expect(v.claims.expiresAt).toBeGreaterThan(now());
    expect(v.claims.tokenId.length).toBeGreaterThan(10);
  });

  it('refuses a missing, garbage or oversized token', async () => {
    expect(await code(verifier.verify('', MEETING))).toBe('RELAY_ERR_TOKEN_MISSING');
    expect(await code(verifier.verify(undefined as unknown as string, MEETING))).toBe('RELAY_ERR_TOKEN_MISSING');
    expect(await code(verifier.verify('garbage', MEETING))).toBe('RELAY_ERR_TOKEN_INVALID');
    expect(await code(verifier.verify('a.b.c', MEETING))).toBe('RELAY_ERR_TOKEN_INVALID');
    expect(await code(verifier.verify('a b.c.d', MEETING))).toBe('RELAY_ERR_TOKEN_INVALID');
    expect(await code(verifier.verify(`${b64([1])}.${b64({})}.sig`, MEETING))).toBe('RELAY_ERR_TOKEN_INVALID');
    const huge = mint({ displayName: 'x'.repeat(200) }) + 'A'.repeat(4096);
    expect(await code(verifier.verify(huge, MEETING))).toBe('RELAY_ERR_TOKEN_INVALID');
  });

  it('refuses alg none, with or without a signature', async () => {
    const payload = fullPayload();
    const unsigned = `${b64({ alg: 'none', typ: 'JWT', kid: keys.kid })}.${b64(payload)}.`;
    expect(await code(verifier.verify(unsigned, MEETING))).toBe('RELAY_ERR_TOKEN_ALGORITHM');
    const real = mint().split('.');
    const noneWithSig = `${b64({ alg: 'none', kid: keys.kid })}.${real[1]}.${real[2]}`;
    expect(await code(verifier.verify(noneWithSig, MEETING))).toBe('RELAY_ERR_TOKEN_ALGORITHM');
    const lib = jwt.sign(payload, '', { algorithm: 'none', keyid: keys.kid, noTimestamp: true });
    expect(await code(verifier.verify(lib, MEETING))).toBe('RELAY_ERR_TOKEN_ALGORITHM');
  });

  it('refuses HS256 signed with the public key PEM (algorithm confusion)', async () => {
    const pem = createPublicKey(keys.privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const forged = jwt.sign(fullPayload(), pem, { algorithm: 'HS256', keyid: keys.kid, noTimestamp: true });
    expect(await code(verifier.verify(forged, MEETING))).toBe('RELAY_ERR_TOKEN_ALGORITHM');
    // Also other algorithms the relay does not pin.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const rs = jwt.sign(fullPayload(), rsa, { algorithm: 'RS256', keyid: keys.kid, noTimestamp: true });
    expect(await code(verifier.verify(rs, MEETING))).toBe('RELAY_ERR_TOKEN_ALGORITHM');
  });

  it('refuses an unknown or missing kid', async () => {
    expect(await code(verifier.verify(mintJoinToken(keys.privateKey, 'no-such-kid', base), MEETING))).toBe('RELAY_ERR_TOKEN_UNKNOWN_KEY');
    const noKid = jwt.sign(fullPayload(), keys.privateKey, { algorithm: 'ES256', noTimestamp: true });
    expect(await code(verifier.verify(noKid, MEETING))).toBe('RELAY_ERR_TOKEN_UNKNOWN_KEY');
  });

  it('refuses an expired token and one not yet valid', async () => {
    expect(await code(verifier.verify(mint({ issuedAt: now() - 7200, ttlSeconds: 3600 }), MEETING))).toBe('RELAY_ERR_TOKEN_EXPIRED');
    expect(await code(verifier.verify(mint({ notBefore: now() + 600 }), MEETING))).toBe('RELAY_ERR_TOKEN_NOT_YET_VALID');
  });

  it('honours the clock tolerance', async () => {
    const lenient = createTokenVerifier({ keys: source, issuer: ISS, audience: AUD, clockToleranceSeconds: 120 });
    expect(await code(lenient.verify(mint({ issuedAt: now() - 660 }), MEETING))).toBe('OK'); // expired 60 s ago
    expect(await code(lenient.verify(mint({ notBefore: now() + 60 }), MEETING))).toBe('OK');
    expect(await code(lenient.verify(mint({ issuedAt: now() - 900 }), MEETING))).toBe('RELAY_ERR_TOKEN_EXPIRED');
    lenient.close();
  });

  it('refuses a wrong audience or issuer', async () => {
    expect(await code(verifier.verify(mint({ audience: 'someone-else' }), MEETING))).toBe('RELAY_ERR_TOKEN_AUDIENCE');
    expect(await code(verifier.verify(mint({ issuer: 'evil-issuer' }), MEETING))).toBe('RELAY_ERR_TOKEN_AUDIENCE');
  });

  it('refuses a token for another meeting', async () => {
    expect(await code(verifier.verify(mint({ meetingId: 'other' }), MEETING))).toBe('RELAY_ERR_WRONG_MEETING');
  });

  it('refuses tampered claims and a signature by another key', async () => {
    const [h, p, s] = mint().split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims.role = 'host';
    expect(await code(verifier.verify(`${h}.${b64(claims)}.${s}`, MEETING))).toBe('RELAY_ERR_TOKEN_INVALID');
    const sigBytes = Buffer.from(s, 'base64url');
    sigBytes[5] = (sigBytes[5] ?? 0) ^ 1;
    expect(await code(verifier.verify(`${h}.${p}.${sigBytes.toString('base64url')}`, MEETING))).toBe('RELAY_ERR_TOKEN_INVALID');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(await code(verifier.verify(mintJoinToken(other, keys.kid, base), MEETING))).toBe('RELAY_ERR_TOKEN_INVALID');
  });

  it('refuses missing or mistyped required claims', async () => {
    for (const drop of ['sub', 'mid', 'role', 'caps', 'exp', 'jti']) {
      const p = fullPayload();
      delete p[drop];
      expect({ drop, code: await code(verifier.verify(await joseToken(p), MEETING)) }).toEqual({ drop, code: 'RELAY_ERR_TOKEN_CLAIMS' });
    }
    const bad: Array<[string, unknown]> = [
      ['role', 'admin'],
      ['role', 7],
      ['caps', 'chat'],
      ['caps', ['chat', 'teleport']],
      ['sub', ''],
      ['sub', 42],
      ['jti', ['x']],
      ['name', { first: 'x' }],
      ['single', 'yes'],
      ['exp', 'tomorrow'],
      ['nbf', 'now'],
      ['pol', 'strict'],
      ['pol', { dur: -5 }],
      ['pol', { max: 1.5 }],
      ['pol', { locked: 'no' }],
    ];
    for (const [k, v] of bad) {
      const p = { ...fullPayload(), [k]: v };
      expect({ k, code: await code(verifier.verify(await joseToken(p), MEETING)) }).toEqual({ k, code: 'RELAY_ERR_TOKEN_CLAIMS' });
    }
  });

  it('accepts a single-use token once, and only one of two racing joins', async () => {
    const single = mint({ singleUse: true });
    expect(await code(verifier.verify(single, MEETING))).toBe('OK');
    expect(await code(verifier.verify(single, MEETING))).toBe('RELAY_ERR_TOKEN_REPLAYED');
    // A multi-use token may join again.
    const multi = mint();
    expect(await code(verifier.verify(multi, MEETING))).toBe('OK');
    expect(await code(verifier.verify(multi, MEETING))).toBe('OK');
    // A refused attempt (wrong meeting) does not burn the jti.
    const s2 = mint({ singleUse: true });
    expect(await code(verifier.verify(s2, 'other'))).toBe('RELAY_ERR_WRONG_MEETING');
    // check() verifies like verify() but never claims the jti (the admission pre-check).
    expect(await code(verifier.check(s2, MEETING))).toBe('OK');
    expect(await code(verifier.check(s2, MEETING))).toBe('OK');
    expect(await code(verifier.check(s2, 'other'))).toBe('RELAY_ERR_WRONG_MEETING');
    expect(await code(verifier.verify(s2, MEETING))).toBe('OK');
    expect(await code(verifier.check(s2, MEETING))).toBe('RELAY_ERR_TOKEN_REPLAYED');

    // Racing: a key source that answers asynchronously, so both verifies are in flight at once.
    const slow: KeySource = {
      key: (kid) => new Promise<KeyObject | undefined>((res) => setTimeout(() => res(source.key(kid) as KeyObject | undefined), 5)),
      close: () => {},
    };
    const store = createMemoryReplayStore();
    const v2 = createTokenVerifier({ keys: slow, issuer: ISS, audience: AUD, replayStore: store });
    const race = mint({ singleUse: true });
    const results = await Promise.all(Array.from({ length: 8 }, () => v2.verify(race, MEETING)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === 'RELAY_ERR_TOKEN_REPLAYED')).toHaveLength(7);
    expect(store.size).toBe(1);
    v2.close();
    store.close();
  });

  it('carries the meeting policy claim', async () => {
    const r = await verifier.verify(mint({ policy: { maxDurationSeconds: 600, maxParticipants: 5, locked: true } }), MEETING);
    expect(r.ok && r.claims.policy).toEqual({ maxDurationSeconds: 600, maxParticipants: 5, locked: true });
    const none = await verifier.verify(mint(), MEETING);
    expect(none.ok && none.claims.policy).toBeUndefined();
  });

  it('accepts tokens minted by jose with the same key and claims', async () => {
    const t = await joseToken({ ...fullPayload(), name: 'Bob', single: true });
    const r = await verifier.verify(t, MEETING);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.claims).toMatchObject({ participantId: 'bob', role: 'presenter', capabilities: ['chat', 'screen'], singleUse: true, displayName: 'Bob' });
  });

  it('mints tokens that jose verifies against the published JWKS', async () => {
    const jwks = createLocalJWKSet(keys.publicJwks as unknown as Parameters<typeof createLocalJWKSet>[0]);
    const { payload, protectedHeader } = await jwtVerify(mint({ singleUse: true, displayName: 'A' }), jwks, {
      issuer: ISS,
      audience: AUD,
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: keys.kid });
    expect(payload).toMatchObject({ sub: 'alice', mid: MEETING, role: 'attendee', caps: ['chat', 'poll'], single: true, name: 'A' });
  });

  it('never puts the token in a result', async () => {
    const t = mint({ meetingId: 'other' });
    const r = await verifier.verify(t, MEETING);
    expect(JSON.stringify(r)).not.toContain(t.split('.')[2]);
  });

  it('validates options at construction', () => {
    expect(() => createTokenVerifier({ keys: source, issuer: '', audience: AUD })).toThrow(/issuer/);
    expect(() => createTokenVerifier({ keys: source, issuer: ISS, audience: AUD, clockToleranceSeconds: -1 })).toThrow(/clockToleranceSeconds/);
    expect(() => createTokenVerifier({ keys: source, issuer: ISS, audience: AUD, maxTokenBytes: 1.5 })).toThrow(/maxTokenBytes/);
  });
});

describe('replay store', () => {
  it('forgets a jti after it expires and sweeps', () => {
    let t = 1_000_000_000;
    const store = createMemoryReplayStore({ now: () => t, sweepIntervalMs: 10, maxEntries: 2 });
    expect(store.claim('a', 1_000_000 + 10)).toBe(true);
    expect(store.claim('a', 1_000_000 + 10)).toBe(false);
    expect(store.claim('b', 1_000_000 + 20)).toBe(true);
    expect(store.claim('c', 1_000_000 + 20)).toBe(false); // full of live entries: refuse
    t += 15_000; // 'a' expired
    expect(store.claim('c', 1_000_000 + 30)).toBe(true);
    expect(store.size).toBe(2);
    store.close();
    store.close();
    expect(store.claim('d', 2_000_000)).toBe(false);
  });
});

describe('key folder and dev keys', () => {
  it('creates keys once with mode 0600 and reuses them', () => {
    const dir = tmp();
    const a = loadOrCreateDevKeys(dir);
    const b = loadOrCreateDevKeys(dir);
    expect(b.kid).toBe(a.kid);
    expect(a.jwksPath).toBe(join(dir, 'keys', 'jwks.json'));
    const pem = join(dir, 'keys', `${a.kid}.pem`);
    expect(statSync(pem).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    const jwks = JSON.parse(readFileSync(a.jwksPath, 'utf8')) as PublicJwks;
    expect(jwks.keys).toEqual([publicJwkOf(a.privateKey, a.kid)]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    chmodSync(pem, 0o644);
    expect(() => loadOrCreateDevKeys(dir)).toThrow(/readable by other users/);
  });

  it('rotates: the new key signs, the old public key stays published, its private key is gone', () => {
    const dir = join(tmp(), 'keys');
    const first = openKeyFolder(dir);
    const second = rotateKeyFolder(dir, { retainSeconds: 3600 });
    expect(second.kid).not.toBe(first.kid);
    expect(second.publicJwks.keys.map((k) => k.kid)).toEqual([second.kid, first.kid]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.pem'))).toEqual([`${second.kid}.pem`]);
    const file = createJwksFileKeySource(second.jwksPath);
    expect(file.key(first.kid)).toBeDefined();
    expect(file.key(second.kid)).toBeDefined();
    file.close();
    // With retainSeconds 0 a retired key is unpublished at once and dropped at the next rotation; the first key's
    // publication (3600 s) goes on.
    const third = rotateKeyFolder(dir, { retainSeconds: 0 });
    const fourth = rotateKeyFolder(dir, { retainSeconds: 0 });
    expect(fourth.ring.keys.map((k) => k.kid)).toEqual([fourth.kid, third.kid, first.kid]);
    expect(fourth.publicJwks.keys.map((k) => k.kid)).toEqual([fourth.kid, first.kid]);
  });
});

describe('JWKS file key source', () => {
  it('throws naming the path and the problem', () => {
    const dir = tmp();
    const p = join(dir, 'jwks.json');
    expect(() => createJwksFileKeySource(p)).toThrow(new RegExp(`${p}.*cannot be read \\(ENOENT\\)`));
    writeFileSync(p, '{not json');
    expect(() => createJwksFileKeySource(p)).toThrow(/jwks\.json: is not valid JSON/);
    writeFileSync(p, '{"keys": 3}');
    expect(() => createJwksFileKeySource(p)).toThrow(/is not a JWKS/);
    writeFileSync(p, '{"keys": []}');
    expect(() => createJwksFileKeySource(p)).toThrow(/holds no keys/);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const priv = { ...privateKey.export({ format: 'jwk' }), kid: 'k1' };
    writeFileSync(p, JSON.stringify({ keys: [priv] }));
    expect(() => createJwksFileKeySource(p)).toThrow(/private key/);
    const pub = publicJwkOf(privateKey, 'k1');
    writeFileSync(p, JSON.stringify({ keys: [{ ...pub, crv: 'P-384' }] }));
    expect(() => createJwksFileKeySource(p)).toThrow(/crv must be "P-256"/);
    writeFileSync(p, JSON.stringify({ keys: [{ ...pub, alg: 'HS256' }] }));
    expect(() => createJwksFileKeySource(p)).toThrow(/alg must be "ES256"/);
    writeFileSync(p, JSON.stringify({ keys: [pub, pub] }));
    expect(() => createJwksFileKeySource(p)).toThrow(/appears twice/);
    writeFileSync(p, JSON.stringify({ keys: [{ ...pub, kid: undefined }] }));
    expect(() => createJwksFileKeySource(p)).toThrow(/has no kid/);
    writeFileSync(p, JSON.stringify({ keys: [pub] }));
    expect(createJwksFileKeySource(p).key('k1')?.asymmetricKeyType).toBe('ec');
  });

  it('picks up a rotated file on an unknown kid, and keeps its keys when the file turns bad', async () => {
    const dir = join(tmp(), 'keys');
    const first = openKeyFolder(dir);
    const src = createJwksFileKeySource(first.jwksPath, { reloadCheckIntervalMs: 20 });
    const second = rotateKeyFolder(dir, { retainSeconds: 60 });
    await new Promise((r) => setTimeout(r, 30));
    expect(src.key(second.kid)).toBeDefined();
    writeFileSync(first.jwksPath, 'broken');
    await new Promise((r) => setTimeout(r, 30));
    expect(src.key('unknown')).toBeUndefined();
    expect(src.key(first.kid)).toBeDefined();
    src.close();
    expect(src.key(first.kid)).toBeUndefined();
  });
});

describe('JWKS URL key source', () => {
  let server: Server;
  let url: string;
  let body = '{"keys":[]}';
  let status = 200;
  let requests = 0;
  let delayMs = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      }, delayMs);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  afterEach(() => {
    status = 200;
    delayMs = 0;
  });

  it('verifies through the URL, learns a rotated key with one refetch, and rate-limits unknown kids', async () => {
    const dir = join(tmp(), 'keys');
    const k1 = openKeyFolder(dir);
    body = JSON.stringify(k1.publicJwks);
    requests = 0;
    const src = createJwksUrlKeySource(url, { minRefetchIntervalMs: 300, refreshMs: 60_000 });
    expect(await src.ready()).toBe(true);
    const v = createTokenVerifier({ keys: src, issuer: ISS, audience: AUD });
    expect(await code(v.verify(mintJoinToken(k1.privateKey, k1.kid, base), MEETING))).toBe('OK');
    expect(requests).toBe(1);

    await new Promise((r) => setTimeout(r, 320));
    const k2 = rotateKeyFolder(dir, { retainSeconds: 600 });
    body = JSON.stringify(k2.publicJwks);
    const fresh = v.verify(mintJoinToken(k2.privateKey, k2.kid, base), MEETING);
    expect(fresh).toBeInstanceOf(Promise); // had to fetch
    expect(await code(fresh)).toBe('OK');
    expect(requests).toBe(2);
    // The retired key still verifies (its public key stays published), without another fetch.
    expect(await code(v.verify(mintJoinToken(k1.privateKey, k1.kid, base), MEETING))).toBe('OK');
    expect(requests).toBe(2);

    // Within the interval, unknown kids do not fetch at once: they all wait for one trailing fetch at its end.
    const bogus = Array.from({ length: 20 }, (_, i) => mintJoinToken(k2.privateKey, `bogus-${i}`, base));
    const t0 = Date.now();
    const pending = Promise.all(bogus.map((t) => code(v.verify(t, MEETING))));
    await new Promise((r) => setTimeout(r, 50));
    expect(requests).toBe(2);
    const codes = await pending;
    expect(new Set(codes)).toEqual(new Set(['RELAY_ERR_TOKEN_UNKNOWN_KEY']));
    expect(requests).toBe(3); // the trailing fetch, once
    expect(Date.now() - t0).toBeLessThan(1000);

    // A rotation right after a fetch: the new kid waits for the trailing fetch and then verifies (no failed join).
    const k3 = rotateKeyFolder(dir, { retainSeconds: 600 });
    body = JSON.stringify(k3.publicJwks);
    expect(await code(v.verify(mintJoinToken(k3.privateKey, k3.kid, base), MEETING))).toBe('OK');
    expect(requests).toBe(4);

    // After the interval, concurrent misses share one fetch.
    delayMs = 50;
    await new Promise((r) => setTimeout(r, 320));
    const shared = await Promise.all(bogus.map((t) => code(v.verify(t, MEETING))));
    expect(new Set(shared)).toEqual(new Set(['RELAY_ERR_TOKEN_UNKNOWN_KEY']));
    expect(requests).toBe(5);
    v.close();
    src.close();
    src.close();
  });

  it('never throws into verify when the key server fails, and keeps the keys it had', async () => {
    const dir = join(tmp(), 'keys');
    const k1 = openKeyFolder(dir);
    body = JSON.stringify(k1.publicJwks);
    const problems: string[] = [];
    const src = createJwksUrlKeySource(url, { minRefetchIntervalMs: 50, onProblem: (m) => problems.push(m) });
    await src.ready();
    const v = createTokenVerifier({ keys: src, issuer: ISS, audience: AUD });
    status = 500;
    await new Promise((r) => setTimeout(r, 60));
    expect(await code(v.verify(mintJoinToken(k1.privateKey, 'rotated?', base), MEETING))).toBe('RELAY_ERR_TOKEN_UNKNOWN_KEY');
    expect(problems.some((p) => p.includes('HTTP 500'))).toBe(true);
    expect(await code(v.verify(mintJoinToken(k1.privateKey, k1.kid, base), MEETING))).toBe('OK');
    status = 200;
    body = 'not json';
    expect(await src.refresh()).toBe(false);
    expect(await code(v.verify(mintJoinToken(k1.privateKey, k1.kid, base), MEETING))).toBe('OK');
    src.close();
    v.close();

    // An unreachable server: the first fetch fails, verify answers unknown key.
    const dead = createJwksUrlKeySource('http://127.0.0.1:1/jwks.json', { fetchTimeoutMs: 1000, minRefetchIntervalMs: 100 });
    expect(await dead.ready()).toBe(false);
    const v2 = createTokenVerifier({ keys: dead, issuer: ISS, audience: AUD });
    expect(await code(v2.verify(mintJoinToken(k1.privateKey, k1.kid, base), MEETING))).toBe('RELAY_ERR_TOKEN_UNKNOWN_KEY');
    dead.close();
    v2.close();
  });

  it('validates its options', () => {
    expect(() => createJwksUrlKeySource('ftp://x/jwks.json')).toThrow(/http or https/);
    expect(() => createJwksUrlKeySource('not a url')).toThrow(/url/);
    expect(() => createJwksUrlKeySource(url, { minRefetchIntervalMs: 0 })).toThrow(/minRefetchIntervalMs/);
  });
});

describe('ephemera token', () => {
  it('prints one token that verifies against the data folder JWKS', async () => {
    const dir = tmp();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/ephemera.js', 'token', '--meeting', MEETING, '--participant', 'carol', '--role', 'host', '--name', 'Carol', '--data-dir', dir],
      { cwd: join(import.meta.dirname, '..', '..'), timeout: 20_000 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const src = createJwksFileKeySource(join(dir, 'keys', 'jwks.json'));
    const v = createTokenVerifier({ keys: src, issuer: ISS, audience: AUD });
    const r = await v.verify(lines[0] ?? '', MEETING);
    expect(r.ok && r.claims).toMatchObject({ participantId: 'carol', role: 'host', displayName: 'Carol', capabilities: ['chat', 'poll', 'document', 'audio', 'video', 'screen'] });
    v.close();
    src.close();
  });
});
