/** Joining: valid tokens are welcomed; every bad token is refused at the upgrade with its status and code. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { connect, JoinRefusedError } from '../../client/index.js';
import { devKey } from '../helpers/dev-key.js';
import { meetingId, startHarness, TRANSPORTS, type Harness } from '../helpers/relay-harness.js';

async function refusal(h: Harness, mid: string, token: string): Promise<JoinRefusedError> {
  try {
    const c = await connect({ url: h.relay.url, meetingId: mid, token });
    c.close();
  } catch (err) {
    if (err instanceof JoinRefusedError) return err;
    throw err;
  }
  throw new Error('join was accepted');
}

function b64(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

async function scrape(h: Harness, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${h.relay.adminPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

describe.each(TRANSPORTS)('joining over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(transport);
  });
  afterAll(async () => {
    await h.close();
  });

  it('welcomes a valid token with the meeting, the participant and the roster', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'alice', { role: 'host', displayName: 'Alice' });
    expect(a.meetingId).toBe(mid);
    expect(a.you.id).toBe('alice');
    expect(a.you.role).toBe('host');
    expect(a.welcome.protocolVersion).toBe(1);
    const b = await h.join(mid, 'bob');
    expect([...b.roster.keys()].sort()).toEqual(['alice', 'bob']);
    a.close();
    b.close();
  });

  it('refuses a missing token with 401 RELAY_ERR_TOKEN_MISSING', async () => {
    const err = await refusal(h, meetingId(), '');
    expect(err.status).toBe(401);
    expect(err.code).toBe('RELAY_ERR_TOKEN_MISSING');
  });

  it('refuses an expired token with 401', async () => {
    const mid = meetingId();
    const good = jwt.decode(h.token(mid, 'x'), { complete: true })!;
    const { privateKey } = devKey(h.dataDir);
    const payload = { ...(good.payload as Record<string, unknown>), exp: Math.floor(Date.now() / 1000) - 120 };
    const err = await refusal(h, mid, jwt.sign(payload, privateKey, { algorithm: 'ES256', keyid: good.header.kid! }));
    expect(err.status).toBe(401);
    expect(err.code).toBe('RELAY_ERR_TOKEN_EXPIRED');
  });

  it('refuses a token signed by another key with 401', async () => {
    const mid = meetingId();
    const good = jwt.decode(h.token(mid, 'x'), { complete: true })!;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = jwt.sign(good.payload as object, privateKey, { algorithm: 'ES256', keyid: good.header.kid! });
    const err = await refusal(h, mid, forged);
    expect(err.status).toBe(401);
    expect(err.code).toBe('RELAY_ERR_TOKEN_INVALID');
  });

  it('refuses a wrong-audience token with 403', async () => {
    const mid = meetingId();
    const good = jwt.decode(h.token(mid, 'x'), { complete: true })!;
    const { privateKey } = devKey(h.dataDir);
    const payload = { ...(good.payload as Record<string, unknown>), aud: 'someone-else' };
    const token = jwt.sign(payload, privateKey, { algorithm: 'ES256', keyid: good.header.kid! });
    const err = await refusal(h, mid, token);
    expect(err.status).toBe(403);
    expect(err.code).toBe('RELAY_ERR_TOKEN_AUDIENCE');
  });

  it('refuses a token for another meeting with 403', async () => {
    const err = await refusal(h, meetingId(), h.token(meetingId(), 'x'));
    expect(err.status).toBe(403);
    expect(err.code).toBe('RELAY_ERR_WRONG_MEETING');
  });

  it('refuses alg:none and HS256 tokens with 401', async () => {
    const mid = meetingId();
    const good = jwt.decode(h.token(mid, 'x'), { complete: true })!;
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: good.header.kid })}.${b64(good.payload)}.`;
    const e1 = await refusal(h, mid, none);
    expect(e1.status).toBe(401);
    expect(e1.code).toBe('RELAY_ERR_TOKEN_ALGORITHM');
    const head = b64({ alg: 'HS256', typ: 'JWT', kid: good.header.kid });
    const body = b64(good.payload);
    const sig = createHmac('sha256', 'secret').update(`${head}.${body}`).digest('base64url');
    const e2 = await refusal(h, mid, `${head}.${body}.${sig}`);
    expect(e2.status).toBe(401);
    expect(e2.code).toBe('RELAY_ERR_TOKEN_ALGORITHM');
  });

  it('refuses a client that does not speak ephemera.v1 with 426', async () => {
    const { default: WebSocket } = await import('ws');
    const mid = meetingId();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${h.relay.url}/v1/meetings/${mid}`, ['ephemera.v0', 'bearer.' + h.token(mid, 'x')]);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(status).toBe(426);
  });

  it('allocates no socket for refused joins', async () => {
    const before = await scrape(h, 'ephemera_connections');
    for (let i = 0; i < 5; i++) await refusal(h, meetingId(), 'garbage.token.here');
    expect(await scrape(h, 'ephemera_connections')).toBe(before);
  });
});
