import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { addHost, createInviteService, revokeHost, type InviteService } from '../../invite-service/index.js';
import { rotateKeyFolder } from '../../token/index.js';
import { createJwksUrlKeySource, createTokenVerifier } from '../../relay/auth/index.js';

const RELAY = 'ws://relay.example:8080';
const ISS = 'ephemera-invite';
const AUD = 'ephemera-relay';
const ROOT = join(import.meta.dirname, '..', '..');

interface Grant {
  participantId: string;
  role: string;
  capabilities: string[];
  displayName?: string;
  singleUse: boolean;
  token: string;
  joinUrl: string;
  expiresAt: string;
}
interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}
/** Every field a response of this service can have (tests read whichever the status implies). */
interface Body extends ErrorBody {
  meetingId: string;
  host: Grant;
  invites: Grant[];
  policy: Record<string, unknown>;
}
interface Operation {
  security: unknown[];
  parameters: Array<Record<string, unknown>>;
  requestBody: { content: Record<string, { schema: { properties: { invites: { maxItems: number } } } }> };
  responses: Record<string, unknown>;
}

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'eph-invite-'));
  dirs.push(d);
  return d;
}

async function post(url: string, body: unknown, key: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; json: Body; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as Body, headers: res.headers };
}

function expectError(r: { status: number; json: ErrorBody }, status: number, code: string): void {
  expect({ status: r.status, code: r.json.code }).toEqual({ status, code });
  expect(r.json.statusCode).toBe(status);
  expect(typeof r.json.message).toBe('string');
  expect(typeof r.json.error).toBe('string');
}

describe('invite service', () => {
  let dataDir: string;
  let svc: InviteService;
  let alice: string;
  let bob: string;
  let carol: string;
  const logLines: string[] = [];
  const issued: string[] = [];

  beforeAll(async () => {
    dataDir = tmp();
    const hosts = join(dataDir, 'hosts.json');
    alice = addHost(hosts, 'alice').apiKey;
    bob = addHost(hosts, 'bob').apiKey;
    carol = addHost(hosts, 'carol').apiKey;
    revokeHost(hosts, 'carol');
    const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(s) });
    svc = await createInviteService({
      dataDir,
      port: 0,
      relayUrl: RELAY,
      logger,
      reloadCheckIntervalMs: 50,
      bodyLimitBytes: 8192,
      maxInvitesPerRequest: 20,
      authFailuresPerIp: { max: 1000, windowMs: 60_000 },
    });
  });
  afterAll(async () => {
    await svc?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function createMeeting(key: string, body: unknown = {}): Promise<{ meetingId: string; host: Grant; policy: Record<string, unknown> }> {
    const r = await post(`${svc.url}/v1/meetings`, body, key);
    expect(r.status).toBe(201);
    issued.push(r.json.host.token);
    return r.json;
  }
  async function invite(key: string, meetingId: string, invites: unknown[]): Promise<Grant[]> {
    const r = await post(`${svc.url}/v1/meetings/${meetingId}/invites`, { invites }, key);
    expect(r.status).toBe(201);
    for (const g of r.json.invites as Grant[]) issued.push(g.token);
    return r.json.invites;
  }

  it('creates a meeting with an unguessable id, a policy and a host token that jose verifies against the JWKS', async () => {
    const m = await createMeeting(alice, { policy: { maxParticipants: 12, locked: true }, host: { displayName: 'Alice', participantId: 'alice-1' } });
    expect(m.meetingId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(m.meetingId, 'base64url')).toHaveLength(16);
    expect(m.policy).toEqual({ maxDurationSeconds: 14_400, maxParticipants: 12, locked: true, singleUseInvites: false });
    expect(m.host).toMatchObject({ participantId: 'alice-1', role: 'host', displayName: 'Alice', singleUse: false, joinUrl: `${RELAY}/v1/meetings/${m.meetingId}` });
    expect(m.host.joinUrl).not.toContain(m.host.token);
    const jwks = createRemoteJWKSet(new URL(svc.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(m.host.token, jwks, { issuer: ISS, audience: AUD, algorithms: ['ES256'] });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'alice-1', mid: m.meetingId, role: 'host', name: 'Alice', pol: { dur: 14_400, max: 12, locked: true } });
    expect(payload.caps).toEqual(['chat', 'poll', 'document', 'audio', 'video', 'screen']);
    expect(payload.single).toBeUndefined();
    const other = await createMeeting(alice);
    expect(other.meetingId).not.toBe(m.meetingId);
  });

  it('invites many participants; the tokens verify with jose and with the relay verifier over the JWKS URL', async () => {
    const m = await createMeeting(alice, { policy: { singleUseInvites: true } });
    const grants = await invite(alice, m.meetingId, [
      { displayName: 'Bob' },
      { participantId: 'pres-1', role: 'presenter', ttlSeconds: 120 },
      { participantId: 'att-2', capabilities: ['chat'], singleUse: false },
    ]);
    expect(grants).toHaveLength(3);
    expect(grants[0]).toMatchObject({ role: 'attendee', displayName: 'Bob', singleUse: true, capabilities: ['chat', 'poll', 'document', 'audio', 'video'] });
    expect(grants[1]).toMatchObject({ participantId: 'pres-1', role: 'presenter', singleUse: true });
    expect(Date.parse(grants[1]!.expiresAt) - Date.now()).toBeLessThanOrEqual(121_000);
    expect(grants[2]).toMatchObject({ participantId: 'att-2', capabilities: ['chat'], singleUse: false });
    for (const g of grants) expect(g.joinUrl).toBe(`${RELAY}/v1/meetings/${m.meetingId}`);

    const jwks = createRemoteJWKSet(new URL(svc.jwksUrl));
    for (const g of grants) {
      const { payload } = await jwtVerify(g.token, jwks, { issuer: ISS, audience: AUD, algorithms: ['ES256'] });
      expect(payload.sub).toBe(g.participantId);
      expect(payload.mid).toBe(m.meetingId);
    }
    const keys = createJwksUrlKeySource(svc.jwksUrl);
    const verifier = createTokenVerifier({ keys, issuer: ISS, audience: AUD });
    const first = await verifier.verify(grants[0]!.token, m.meetingId);
    expect(first.ok && first.claims).toMatchObject({ participantId: grants[0]!.participantId, role: 'attendee', singleUse: true, displayName: 'Bob' });
    expect(await verifier.verify(grants[0]!.token, m.meetingId)).toEqual({ ok: false, code: 'RELAY_ERR_TOKEN_REPLAYED' });
    expect(await verifier.verify(grants[1]!.token, 'another-meeting')).toEqual({ ok: false, code: 'RELAY_ERR_WRONG_MEETING' });
    const third = await verifier.verify(grants[2]!.token, m.meetingId);
    expect(third.ok && third.claims.capabilities).toEqual(['chat']);
    verifier.close();
    keys.close();
  });

  it("answers 404 for another host's meeting exactly as for a missing one, 400 for a malformed id", async () => {
    const m = await createMeeting(alice);
    const theirs = await post(`${svc.url}/v1/meetings/${m.meetingId}/invites`, { invites: [{}] }, bob);
    const missing = await post(`${svc.url}/v1/meetings/AAAAAAAAAAAAAAAAAAAAAA/invites`, { invites: [{}] }, bob);
    expectError(theirs, 404, 'INVITE_ERR_MEETING_NOT_FOUND');
    expect(missing.json).toEqual(theirs.json);
    expectError(await post(`${svc.url}/v1/meetings/short/invites`, { invites: [{}] }, alice), 400, 'INVITE_ERR_BAD_REQUEST');
  });

  it('refuses API key attacks with their status and JSON error, and stays healthy', async () => {
    const m = await createMeeting(alice);
    const url = `${svc.url}/v1/meetings/${m.meetingId}/invites`;
    const good = { invites: [{}] };
    const [id, secret] = [alice.slice(4, 20), alice.slice(21)];
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');

    const missing = await post(url, good, undefined);
    expectError(missing, 401, 'INVITE_ERR_UNAUTHORIZED');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectError(await post(url, good, `eph_${id}_${flipped}`), 401, 'INVITE_ERR_UNAUTHORIZED'); // wrong secret
    expectError(await post(url, good, `eph_0123456789abcdef_${secret}`), 401, 'INVITE_ERR_UNAUTHORIZED'); // unknown id
    expectError(await post(url, good, 'not-a-key'), 401, 'INVITE_ERR_UNAUTHORIZED'); // malformed
    expectError(await post(url, good, undefined, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), 401, 'INVITE_ERR_UNAUTHORIZED');
    expectError(await post(url, good, carol), 401, 'INVITE_ERR_UNAUTHORIZED'); // revoked
    expectError(await post(`${svc.url}/v1/meetings`, {}, carol), 401, 'INVITE_ERR_UNAUTHORIZED');

    expectError(await post(url, { invites: [{ displayName: 'x'.repeat(9000) }] }, alice), 413, 'INVITE_ERR_BODY_TOO_LARGE');
    expectError(await post(url, '{"invites": [', alice), 400, 'INVITE_ERR_MALFORMED_JSON');
    expectError(await post(url, '{"__proto__": {"x": 1}, "invites": [{}]}', alice), 400, 'INVITE_ERR_MALFORMED_JSON');
    expectError(await post(url, 'invites', alice, { 'content-type': 'text/plain' }), 415, 'INVITE_ERR_UNSUPPORTED_MEDIA_TYPE');
    const bad: unknown[] = [
      {},
      { invites: [] },
      { invites: [{ role: 'king' }] },
      { invites: [{ capabilities: ['teleport'] }] },
      { invites: [{ capabilities: ['chat', 'chat'] }] },
      { invites: [{ ttlSeconds: 86_401 }] },
      { invites: [{ ttlSeconds: '60' }] },
      { invites: [{ participantId: 'has space' }] },
      { invites: [{ displayName: 'bell\u0007' }] },
      { invites: [{ extra: true }] },
      { invites: Array.from({ length: 21 }, () => ({})) },
      [],
    ];
    for (const body of bad) {
      const r = await post(url, body, alice);
      expect({ body, status: r.status, code: r.json.code }).toEqual({ body, status: 400, code: 'INVITE_ERR_BAD_REQUEST' });
    }
    const extra = await post(url, { invites: [{ bogusField: 1 }] }, alice);
    expect(extra.json.message).toContain('bogusField');
    expectError(await post(`${svc.url}/v1/meetings`, { policy: { maxParticipants: 1 } }, alice), 400, 'INVITE_ERR_BAD_REQUEST');
    const notFound = await fetch(`${svc.url}/v1/nothing`);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as ErrorBody).code).toBe('INVITE_ERR_NOT_FOUND');

    const health = await fetch(`${svc.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    expect((await post(url, good, alice)).status).toBe(201);
  });

  it('spends the same scrypt work on an unknown key id as on a wrong secret', async () => {
    const m = await createMeeting(alice);
    const url = `${svc.url}/v1/meetings/${m.meetingId}/invites`;
    const secret = alice.slice(21);
    const wrong = `eph_${alice.slice(4, 20)}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const unknown = `eph_fedcba9876543210_${secret}`;
    const time = async (key: string): Promise<number> => {
      const t0 = performance.now();
      await post(url, { invites: [{}] }, key);
      return performance.now() - t0;
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const tw: number[] = [];
    const tu: number[] = [];
    for (let i = 0; i < 5; i++) {
      tw.push(await time(wrong));
      tu.push(await time(unknown));
    }
    const cached = median(await Promise.all([time(alice), time(alice), time(alice)]));
    // Both pay for scrypt (tens of ms); a valid, cached key does not. Ratios, not absolute times, on a noisy machine.
    expect(median(tu)).toBeGreaterThan(median(tw) * 0.4);
    expect(median(tw)).toBeGreaterThan(median(tu) * 0.4);
    expect(median(tu)).toBeGreaterThan(cached * 2);
  });

  it('applies a revocation made while it runs', async () => {
    const dave = addHost(join(dataDir, 'hosts.json'), 'dave').apiKey;
    await new Promise((r) => setTimeout(r, 150));
    expect((await post(`${svc.url}/v1/meetings`, {}, dave)).status).toBe(201);
    revokeHost(join(dataDir, 'hosts.json'), 'dave');
    await new Promise((r) => setTimeout(r, 150));
    expectError(await post(`${svc.url}/v1/meetings`, {}, dave), 401, 'INVITE_ERR_UNAUTHORIZED');
  });

  it('rotates keys without one failed verification: old tokens keep verifying through the JWKS URL', async () => {
    const m = await createMeeting(alice);
    const keys = createJwksUrlKeySource(svc.jwksUrl, { minRefetchIntervalMs: 50 });
    await keys.ready();
    const verifier = createTokenVerifier({ keys, issuer: ISS, audience: AUD });
    const before = (await invite(alice, m.meetingId, [{ participantId: 'old' }]))[0]!;
    const oldKid = decodeProtectedHeader(before.token).kid;
    const results: string[] = [];
    const kids = new Set<string>();
    for (let i = 0; i < 30; i++) {
      if (i === 10) rotateKeyFolder(svc.keysDir, { retainSeconds: 3600 }); // as `ephemera keys rotate` does
      const g = (await invite(alice, m.meetingId, [{ participantId: `p${i}` }]))[0]!;
      kids.add(decodeProtectedHeader(g.token).kid ?? '');
      const r = await verifier.verify(g.token, m.meetingId);
      results.push(r.ok ? 'OK' : r.code);
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(new Set(results)).toEqual(new Set(['OK']));
    expect(kids.size).toBe(2);
    expect(await verifier.verify(before.token, m.meetingId)).toMatchObject({ ok: true });
    const published = ((await (await fetch(svc.jwksUrl)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    expect(published).toContain(oldKid);
    expect(published).toHaveLength(2);
    verifier.close();
    keys.close();
  });

  it('follows `ephemera keys rotate` run as a separate process', async () => {
    const m = await createMeeting(alice);
    const before = decodeProtectedHeader((await invite(alice, m.meetingId, [{}]))[0]!.token).kid;
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/ephemera.js', 'keys', 'rotate', '--data-dir', dataDir], { cwd: ROOT, timeout: 20_000 });
    const newKid = stdout.trim();
    expect(newKid).not.toBe(before);
    await new Promise((r) => setTimeout(r, 150));
    const after = decodeProtectedHeader((await invite(alice, m.meetingId, [{}]))[0]!.token).kid;
    expect(after).toBe(newKid);
  });

  it('serves an OpenAPI document built from the route schemas', async () => {
    const res = await fetch(`${svc.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, Operation>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(['/.well-known/jwks.json', '/healthz', '/metrics', '/openapi.json', '/v1/meetings', '/v1/meetings/{id}/invites']);
    const inv = doc.paths['/v1/meetings/{id}/invites']?.post as Operation;
    expect(inv.security).toEqual([{ hostApiKey: [] }]);
    expect(inv.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(inv.requestBody.content['application/json']?.schema.properties.invites.maxItems).toBe(20);
    expect(Object.keys(inv.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '404', '413', '429']));
  });

  it('exports metrics: tokens by role, refusals by reason, latency', async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    expect(text).toMatch(/invite_tokens_issued_total\{role="host"\} [1-9]/);
    expect(text).toMatch(/invite_tokens_issued_total\{role="presenter"\} [1-9]/);
    expect(text).toMatch(/invite_refusals_total\{reason="unauthorized"\} [1-9]/);
    expect(text).toMatch(/invite_refusals_total\{reason="malformed_json"\} [1-9]/);
    expect(text).toMatch(/invite_request_duration_seconds_count\{route="\/v1\/meetings\/:id\/invites",method="POST",status="201"\} [1-9]/);
    for (const t of issued) expect(text).not.toContain(t.split('.')[2]);
  });

  it('never logged a token or an API key', () => {
    const all = logLines.join('');
    expect(all).toContain('meeting created');
    expect(all).toContain('host authentication refused');
    expect(issued.length).toBeGreaterThan(20);
    for (const t of issued) {
      expect(all).not.toContain(t.split('.')[1]);
      expect(all).not.toContain(t.split('.')[2]);
    }
    for (const k of [alice, bob, carol]) expect(all).not.toContain(k.slice(21));
  });
});

describe('invite service rate limits', () => {
  let svc: InviteService;
  let key: string;
  beforeAll(async () => {
    const dataDir = tmp();
    key = addHost(join(dataDir, 'hosts.json'), 'host').apiKey;
    svc = await createInviteService({
      dataDir,
      port: 0,
      logLevel: 'silent',
      rateLimitPerApiKey: { max: 3, windowMs: 60_000 },
      rateLimitPerIp: { max: 12, windowMs: 60_000 },
      authFailuresPerIp: { max: 2, windowMs: 60_000 },
    });
  });
  afterAll(async () => {
    await svc?.close();
    await svc?.close();
  });

  it('answers 429 past the per-key limit, the failed-auth limit and the per-address limit', async () => {
    for (let i = 0; i < 3; i++) expect((await post(`${svc.url}/v1/meetings`, {}, key)).status).toBe(201);
    const limited = await post(`${svc.url}/v1/meetings`, {}, key);
    expectError(limited, 429, 'INVITE_ERR_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const bad = `eph_0123456789abcdef_${'A'.repeat(43)}`;
    expectError(await post(`${svc.url}/v1/meetings`, {}, bad), 401, 'INVITE_ERR_UNAUTHORIZED');
    expectError(await post(`${svc.url}/v1/meetings`, {}, bad), 401, 'INVITE_ERR_UNAUTHORIZED');
    expectError(await post(`${svc.url}/v1/meetings`, {}, bad), 429, 'INVITE_ERR_RATE_LIMITED');

    // 7 requests so far from this address; the JWKS counts too, /healthz does not.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(svc.jwksUrl)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });
});
