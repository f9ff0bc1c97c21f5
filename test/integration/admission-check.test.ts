/**
 * The relay's admission pre-check, `GET /v1/meetings/<id>/admission` with `Authorization: Bearer <token>`, over
 * real sockets on both transports: 200 `{"ok":true}` when a join would be admitted now, otherwise exactly the
 * status and body the upgrade gives (each refusal is checked against a real upgrade right after); it never
 * opens a session nor burns a single-use token; CORS preflight and origin rules; refusals audited, the token
 * never in the relay's log.
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../token/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import type { RelayOptions } from '../../relay/index.js';
import { metricValue, rawJoin, refusedJoin } from './security-helpers.js';
import { roundTrip } from './lanes-helpers.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown> | null;
}

/** One plain HTTP request to the relay's WebSocket port (node:http, so that Origin can be set freely). */
function http(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: Record<string, unknown> | null = null;
        if (text.length > 0) body = JSON.parse(text) as Record<string, unknown>;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.end();
  });
}

function check(h: Harness, mid: string, token: string | null, headers: Record<string, string> = {}): Promise<Answer> {
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  return http(h.relay.port, 'GET', `/v1/meetings/${mid}/admission`, { ...auth, ...headers });
}

/** The check's answer and the upgrade's refusal for the same token, right after each other. */
async function bothRefuse(h: Harness, mid: string, token: string): Promise<{ check: Answer; upgrade: { status: number; body: unknown } }> {
  const c = await check(h, mid, token);
  const u = await refusedJoin(h.relay.url, mid, token);
  return { check: c, upgrade: { status: u.status, body: u.body } };
}

function capture(): { logger: pino.Logger; raw: string[] } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.length > 0) raw.push(text);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), raw };
}

/** True while the relay holds meeting `mid` in progress. */
function live(h: Harness, mid: string): boolean {
  for (const m of h.relay.meetings()) if (m.meetingId === mid) return true;
  return false;
}

const FAST: Partial<RelayOptions> = { handshakesPerIpPerSecond: 1000 };

describe.each(TRANSPORTS)('admission pre-check over %s', (transport) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers 200 {"ok":true} for a good token, with no-store, Vary: Origin, and opens no session', async () => {
    h = await startHarness(transport, FAST);
    const mid = meetingId();
    const a = await check(h, mid, h.token(mid, 'p'));
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ ok: true });
    expect(a.headers['cache-control']).toBe('no-store');
    expect(a.headers.vary).toBe('Origin');
    expect(a.headers['content-type']).toBe('application/json');
    // Nothing was opened: the meeting does not exist on the relay.
    expect(live(h, mid)).toBe(false);
    const c = await h.join(mid, 'p');
    const b = await check(h, mid, h.token(mid, 'q'));
    expect(b).toMatchObject({ status: 200, body: { ok: true } });
    expect(c.roster.size).toBe(1);
    await roundTrip(c);
    expect(c.roster.size).toBe(1);
    // Counted as checks, not as joins.
    expect(await check(h, mid, 'not-a-token')).toMatchObject({ status: 401 });
    const port = h.relay.adminPort;
    expect(await metricValue(port, 'ephemera_admission_checks_total', { outcome: 'ok' })).toBe(2);
    expect(await metricValue(port, 'ephemera_admission_checks_total', { outcome: 'RELAY_ERR_TOKEN_INVALID' })).toBe(1);
    expect(await metricValue(port, 'ephemera_joins_total', { outcome: 'accepted' })).toBe(1);
    expect(await metricValue(port, 'ephemera_joins_total', { outcome: 'RELAY_ERR_TOKEN_INVALID' })).toBe(0);
  });

  it('gives each refusal exactly as the upgrade does: bad, expired, wrong meeting, missing token', async () => {
    h = await startHarness(transport, FAST);
    const mid = meetingId();
    const keys = loadOrCreateDevKeys(h.dataDir);
    const now = Math.floor(Date.now() / 1000);
    const expired = mintJoinToken(keys.privateKey, keys.kid, {
      issuer: h.relay.options.issuer, audience: h.relay.options.audience, participantId: 'p', meetingId: mid, role: 'attendee',
      capabilities: [...DEFAULT_CAPABILITIES.attendee], ttlSeconds: 3600, issuedAt: now - 7200,
    });
    const cases: Array<[string, string, string, number]> = [
      ['bad', 'not-a-token', 'RELAY_ERR_TOKEN_INVALID', 401],
      ['bad signature', h.token(mid, 'p').slice(0, -4) + 'AAAA', 'RELAY_ERR_TOKEN_INVALID', 401],
      ['expired', expired, 'RELAY_ERR_TOKEN_EXPIRED', 401],
      ['wrong meeting', h.token(meetingId(), 'p'), 'RELAY_ERR_WRONG_MEETING', 403],
    ];
    for (const [what, token, code, status] of cases) {
      const { check: c, upgrade: u } = await bothRefuse(h, mid, token);
      expect(c.status, what).toBe(status);
      expect(c.body, what).toMatchObject({ error: code });
      expect({ status: c.status, body: c.body }, what).toEqual(u);
    }
    const missing = await check(h, mid, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual((await refusedJoin(h.relay.url, mid, '')).body);
    expect(missing.body).toMatchObject({ error: 'RELAY_ERR_TOKEN_MISSING' });
    expect(live(h, mid)).toBe(false);
  });

  it("gives the meeting's refusals exactly as the upgrade does: locked, barred, full, ended", async () => {
    h = await startHarness(transport, FAST);
    // Locked.
    const locked = meetingId();
    const host = await h.join(locked, 'host', { role: 'host' });
    host.lock();
    await roundTrip(host);
    let r = await bothRefuse(h, locked, h.token(locked, 'newcomer'));
    expect(r.check).toMatchObject({ status: 403, body: { error: 'RELAY_ERR_MEETING_LOCKED' } });
    expect({ status: r.check.status, body: r.check.body }).toEqual(r.upgrade);
    // A host still gets in a locked meeting: the check says so too.
    expect(await check(h, locked, h.token(locked, 'host2', { role: 'host' }))).toMatchObject({ status: 200 });
    // Barred.
    host.unlock();
    const a = await h.join(locked, 'a');
    host.remove('a', { bar: true });
    await a.closed;
    await roundTrip(host);
    r = await bothRefuse(h, locked, h.token(locked, 'a'));
    expect(r.check).toMatchObject({ status: 403, body: { error: 'RELAY_ERR_BARRED' } });
    expect({ status: r.check.status, body: r.check.body }).toEqual(r.upgrade);
    // Full (the token's policy: at most 1 participant).
    const full = meetingId();
    await h.join(full, 'first', { policy: { maxParticipants: 1 } });
    r = await bothRefuse(h, full, h.token(full, 'second', { policy: { maxParticipants: 1 } }));
    expect(r.check).toMatchObject({ status: 403, body: { error: 'RELAY_ERR_MEETING_FULL' } });
    expect({ status: r.check.status, body: r.check.body }).toEqual(r.upgrade);
    // Ended.
    host.endMeeting();
    await host.closed;
    await waitFor(() => !live(h!, locked));
    r = await bothRefuse(h, locked, h.token(locked, 'late'));
    expect(r.check).toMatchObject({ status: 403, body: { error: 'RELAY_ERR_MEETING_ENDED' } });
    expect({ status: r.check.status, body: r.check.body }).toEqual(r.upgrade);
  });

  it('costs one handshake of the per-IP rate, like a join: past it 429 RELAY_ERR_TOO_MANY_CONNECTIONS, as the upgrade says', async () => {
    h = await startHarness(transport, { handshakesPerIpPerSecond: 1 });
    const mid = meetingId();
    const token = h.token(mid, 'p');
    const answers = await Promise.all(Array.from({ length: 4 }, () => check(h!, mid, token)));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    const upgrade = await refusedJoin(h.relay.url, mid, token);
    for (const a of limited) expect({ status: a.status, body: a.body }).toEqual({ status: upgrade.status, body: upgrade.body });
    expect(limited[0]!.body).toMatchObject({ error: 'RELAY_ERR_TOO_MANY_CONNECTIONS' });
  });

  it('never burns a single-use token: checked then used joins once; checked after use says RELAY_ERR_TOKEN_REPLAYED', async () => {
    h = await startHarness(transport, FAST);
    const mid = meetingId();
    const once = h.token(mid, 'p', { singleUse: true });
    expect(await check(h, mid, once)).toMatchObject({ status: 200, body: { ok: true } });
    expect(await check(h, mid, once)).toMatchObject({ status: 200, body: { ok: true } });
    const peer = await rawJoin(h.relay.url, mid, once);
    const after = await bothRefuse(h, mid, once);
    expect(after.check).toMatchObject({ status: 403, body: { error: 'RELAY_ERR_TOKEN_REPLAYED' } });
    expect({ status: after.check.status, body: after.check.body }).toEqual(after.upgrade);
    peer.ws.terminate();
  });

  it('CORS: preflight allows GET and Authorization; an empty allowlist reflects the Origin', async () => {
    h = await startHarness(transport, FAST);
    const mid = meetingId();
    const origin = 'http://page.example:8080';
    const pre = await http(h.relay.port, 'OPTIONS', `/v1/meetings/${mid}/admission`, {
      origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization',
    });
    expect(pre.status).toBe(204);
    expect(pre.body).toBeNull();
    expect(pre.headers['access-control-allow-origin']).toBe(origin);
    expect(pre.headers['access-control-allow-methods']).toBe('GET');
    expect(pre.headers['access-control-allow-headers']).toBe('Authorization');
    expect(pre.headers.vary).toBe('Origin');
    expect(pre.headers['cache-control']).toBe('no-store');
    const ok = await check(h, mid, h.token(mid, 'p'), { origin });
    expect(ok).toMatchObject({ status: 200, body: { ok: true } });
    expect(ok.headers['access-control-allow-origin']).toBe(origin);
    // Refusals carry the header too, so that the page can read them.
    const refused = await check(h, mid, 'not-a-token', { origin });
    expect(refused).toMatchObject({ status: 401, body: { error: 'RELAY_ERR_TOKEN_INVALID' } });
    expect(refused.headers['access-control-allow-origin']).toBe(origin);
    // Other methods, and other paths (unchanged: 426).
    const post = await http(h.relay.port, 'POST', `/v1/meetings/${mid}/admission`, { origin });
    expect(post).toMatchObject({ status: 405, body: { error: 'RELAY_ERR_METHOD_NOT_ALLOWED' } });
    expect(post.headers.allow).toBe('GET, OPTIONS');
    expect(await http(h.relay.port, 'GET', `/v1/meetings/${mid}`)).toMatchObject({ status: 426, body: { error: 'RELAY_ERR_UPGRADE_REQUIRED' } });
  });

  it('CORS with an allowlist: a listed origin only; another gets 403 RELAY_ERR_ORIGIN as the upgrade does', async () => {
    const allowed = 'https://meet.example';
    h = await startHarness(transport, { ...FAST, allowedOrigins: [allowed] });
    const mid = meetingId();
    const pre = await http(h.relay.port, 'OPTIONS', `/v1/meetings/${mid}/admission`, { origin: allowed, 'access-control-request-method': 'GET' });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(allowed);
    const ok = await check(h, mid, h.token(mid, 'p'), { origin: allowed });
    expect(ok).toMatchObject({ status: 200, body: { ok: true } });
    expect(ok.headers['access-control-allow-origin']).toBe(allowed);
    const evil = 'https://evil.example';
    const badPre = await http(h.relay.port, 'OPTIONS', `/v1/meetings/${mid}/admission`, { origin: evil, 'access-control-request-method': 'GET' });
    expect(badPre).toMatchObject({ status: 403, body: { error: 'RELAY_ERR_ORIGIN' } });
    expect(badPre.headers['access-control-allow-origin']).toBeUndefined();
    const bad = await check(h, mid, h.token(mid, 'p'), { origin: evil });
    expect(bad).toMatchObject({ status: 403, body: { error: 'RELAY_ERR_ORIGIN' } });
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    const upgrade = await refusedJoin(h.relay.url, mid, h.token(mid, 'p'), { origin: evil });
    expect({ status: bad.status, body: bad.body }).toEqual({ status: upgrade.status, body: upgrade.body });
    // No Origin (not a browser): answered, without CORS headers.
    const plain = await check(h, mid, h.token(mid, 'p'));
    expect(plain).toMatchObject({ status: 200 });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('audits refused checks like refused joins, and never logs the token', async () => {
    const log = capture();
    h = await startHarness(transport, { ...FAST, logLevel: 'info' }, {}, log.logger);
    const mid = meetingId();
    const kid = loadOrCreateDevKeys(h.dataDir).kid;
    const good = h.token(mid, 'p');
    const wrong = h.token(meetingId(), 'p');
    const forged = good.slice(0, -4) + 'AAAA';
    expect(await check(h, mid, good)).toMatchObject({ status: 200 });
    expect(await check(h, mid, wrong)).toMatchObject({ status: 403 });
    expect(await check(h, mid, forged)).toMatchObject({ status: 401 });
    await waitFor(() => log.raw.filter((l) => l.includes('"via":"admission_check"')).length === 2);
    const lines = log.raw.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.via === 'admission_check');
    expect(lines.map((l) => l.code)).toEqual(['RELAY_ERR_WRONG_MEETING', 'RELAY_ERR_TOKEN_INVALID']);
    for (const l of lines) expect(l).toMatchObject({ event: 'join_refused', meetingId: mid, kid });
    const all = log.raw.join('\n');
    for (const t of [good, wrong, forged]) {
      expect(all).not.toContain(t);
      expect(all).not.toContain(t.split('.')[2]!);
    }
  });
});
