/**
 * The invite service and the relay together, over real HTTP and real WebSockets: create a meeting, invite, join
 * with the service's tokens (the relay takes its keys from the service's JWKS URL), rotate keys without a failed
 * join, and the token attacks refused at the relay with their reasons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import { SignJWT, importJWK } from 'jose';
import { addHost, createInviteService, type InviteService } from '../../invite-service/index.js';
import { startRelay, type Relay } from '../../relay/index.js';
import { readKeyFolder } from '../../token/index.js';
import { connect, JoinRefusedError, type EphemeraClient } from '../../client/index.js';

interface Grant {
  participantId: string;
  role: string;
  token: string;
  joinUrl: string;
  singleUse: boolean;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

function b64(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

describe.each(['uws', 'ws'] as const)('invite service + relay (%s)', (transport) => {
  let dir: string;
  let svc: InviteService;
  let relay: Relay;
  let apiKey: string;
  const clients: EphemeraClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eph-invite-relay-'));
    apiKey = addHost(join(dir, 'invite', 'hosts.json'), 'host').apiKey;
    // The relay starts first, pointed at a JWKS URL that is not up yet: its first fetch fails, and the first join's
    // unknown kid triggers the refetch that finds the keys.
    const invitePort = await freePort();
    relay = await startRelay(
      { transport, port: 0, adminPort: 0, dataDir: join(dir, 'relay'), logLevel: 'silent', jwksUrl: `http://127.0.0.1:${invitePort}/.well-known/jwks.json` },
      pino({ level: 'silent' }),
    );
    svc = await createInviteService({ dataDir: join(dir, 'invite'), port: invitePort, relayUrl: relay.url, logLevel: 'silent' });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await relay?.close();
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: { meetingId: string; host: Grant; invites: Grant[] } }> {
    const res = await fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as { meetingId: string; host: Grant; invites: Grant[] } };
  }
  async function meeting(policy: Record<string, unknown> = {}): Promise<{ meetingId: string; host: Grant }> {
    const r = await post('/v1/meetings', { policy });
    expect(r.status).toBe(201);
    return r.json;
  }
  async function invite(meetingId: string, invites: unknown[]): Promise<Grant[]> {
    const r = await post(`/v1/meetings/${meetingId}/invites`, { invites });
    expect(r.status).toBe(201);
    return r.json.invites;
  }
  async function enter(g: { joinUrl: string; token: string }): Promise<EphemeraClient> {
    const c = await connect({ url: g.joinUrl, token: g.token });
    clients.push(c);
    return c;
  }
  async function refusal(url: string, token: string): Promise<string> {
    try {
      const c = await connect({ url, token });
      clients.push(c);
      return 'JOINED';
    } catch (err) {
      if (err instanceof JoinRefusedError) return `${err.status} ${err.code}`;
      throw err;
    }
  }

  it('create -> invite -> join with the join URLs and tokens the service returns', async () => {
    const m = await meeting();
    expect(m.host.joinUrl).toBe(`${relay.url}/v1/meetings/${m.meetingId}`);
    const host = await enter(m.host);
    expect(host.you.role).toBe('host');
    const [a, p] = await invite(m.meetingId, [{ participantId: 'ann', displayName: 'Ann' }, { participantId: 'pat', role: 'presenter' }]);
    const ann = await enter(a!);
    const pat = await enter(p!);
    expect(ann.meetingId).toBe(m.meetingId);
    expect(pat.you.role).toBe('presenter');
    expect([...pat.roster.keys()].sort()).toEqual([m.host.participantId, 'ann', 'pat'].sort());
  });

  it('accepts a single-use invite once, also when two joins race', async () => {
    const m = await meeting({ singleUseInvites: true });
    const [once, raced] = await invite(m.meetingId, [{ participantId: 'once' }, { participantId: 'raced' }]);
    expect(once!.singleUse).toBe(true);
    const c = await enter(once!);
    c.close();
    await c.closed;
    expect(await refusal(once!.joinUrl, once!.token)).toBe('403 RELAY_ERR_TOKEN_REPLAYED');
    const outcomes = await Promise.all([refusal(raced!.joinUrl, raced!.token), refusal(raced!.joinUrl, raced!.token)]);
    expect(outcomes.sort()).toEqual(['403 RELAY_ERR_TOKEN_REPLAYED', 'JOINED']);
  });

  it('rotates the signing key without one failed join; tokens signed before keep working', async () => {
    const m = await meeting();
    await enter(m.host);
    const early = (await invite(m.meetingId, [{ participantId: 'early' }]))[0]!;
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      if (i === 4) svc.rotateSigningKey();
      if (i === 8) svc.rotateSigningKey(); // twice: the relay fetched moments ago, the new kid must still get in
      const g = (await invite(m.meetingId, [{ participantId: `r${i}` }]))[0]!;
      outcomes.push(await refusal(g.joinUrl, g.token));
    }
    expect(outcomes).toEqual(Array(12).fill('JOINED'));
    expect(await refusal(early.joinUrl, early.token)).toBe('JOINED');
  });

  it('refuses a removed and barred participant, and joins to a locked meeting', async () => {
    const m = await meeting();
    const host = await enter(m.host);
    const [b, late] = await invite(m.meetingId, [{ participantId: 'bart' }, { participantId: 'late' }]);
    const bart = await enter(b!);
    host.remove('bart', { bar: true });
    await bart.closed;
    expect(await refusal(b!.joinUrl, b!.token)).toBe('403 RELAY_ERR_BARRED');
    host.lock();
    await new Promise((r) => setTimeout(r, 100));
    expect(await refusal(late!.joinUrl, late!.token)).toBe('403 RELAY_ERR_MEETING_LOCKED');
  });

  it('refuses token attacks at the relay, each with its reason', async () => {
    const m = await meeting();
    const url = m.host.joinUrl;
    const good = (await invite(m.meetingId, [{ participantId: 'victim' }]))[0]!.token;
    const [h, p, s] = good.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const { privateKey } = readKeyFolder(svc.keysDir);
    const publicPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const sign = (payload: Record<string, unknown>, kid = header.kid): string =>
      jwt.sign(payload, privateKey, { algorithm: 'ES256', keyid: kid, noTimestamp: true });

    const attacks: Array<[string, string, string]> = [
      ['missing', '', '401 RELAY_ERR_TOKEN_MISSING'],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT', kid: header.kid })}.${p}.`, '401 RELAY_ERR_TOKEN_ALGORITHM'],
      ['HS256 with the public key', jwt.sign(claims, publicPem, { algorithm: 'HS256', keyid: header.kid, noTimestamp: true }), '401 RELAY_ERR_TOKEN_ALGORITHM'],
      ['unknown kid', sign(claims, 'no-such-kid'), '401 RELAY_ERR_TOKEN_UNKNOWN_KEY'],
      ['expired', sign({ ...claims, iat: now - 7200, exp: now - 3600 }), '401 RELAY_ERR_TOKEN_EXPIRED'],
      ['not yet valid', sign({ ...claims, nbf: now + 3600 }), '401 RELAY_ERR_TOKEN_NOT_YET_VALID'],
      ['wrong aud', sign({ ...claims, aud: 'another-relay' }), '403 RELAY_ERR_TOKEN_AUDIENCE'],
      ['wrong iss', sign({ ...claims, iss: 'someone-else' }), '403 RELAY_ERR_TOKEN_AUDIENCE'],
      ['another meeting', sign({ ...claims, mid: 'AAAAAAAAAAAAAAAAAAAAAA' }), '403 RELAY_ERR_WRONG_MEETING'],
      ['tampered claims', `${h}.${b64({ ...claims, role: 'host' })}.${s}`, '401 RELAY_ERR_TOKEN_INVALID'],
      ['another key', jwt.sign(claims, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { algorithm: 'ES256', keyid: header.kid }), '401 RELAY_ERR_TOKEN_INVALID'],
      ['missing claims', sign({ ...claims, caps: undefined }), '401 RELAY_ERR_TOKEN_CLAIMS'],
    ];
    const got = [];
    for (const [name, token] of attacks) got.push([name, await refusal(url, token)]);
    expect(got).toEqual(attacks.map(([name, , want]) => [name, want]));
  });

  it('accepts a token minted by jose with the same key and claims', async () => {
    const m = await meeting();
    const { privateKey, kid } = readKeyFolder(svc.keysDir);
    const jwk = await importJWK({ ...privateKey.export({ format: 'jwk' }), alg: 'ES256' }, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ mid: m.meetingId, role: 'attendee', caps: ['chat'], name: 'Jo' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer('ephemera-invite')
      .setAudience('ephemera-relay')
      .setSubject('jose-user')
      .setJti('jose-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(jwk);
    const c = await enter({ joinUrl: m.host.joinUrl, token });
    expect(c.you.id).toBe('jose-user');
  });
});
