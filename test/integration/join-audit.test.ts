/**
 * The audit line of a refused join, read from the relay's own log (pino, captured in memory): level info, the
 * reason code, the meeting id, the kid the token names and the remote address, or its keyed hash when
 * --log-ip-addresses is off; never the token. A storm of refusals from one address is rate-limited, and what was
 * held back is summed up in one line.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { BEARER_PREFIX, SUBPROTOCOL } from '../../protocol/index.js';
import { loadOrCreateDevKeys } from '../../relay/auth/index.js';
import { meetingId, startHarness, TRANSPORTS, type Harness } from '../helpers/relay-harness.js';
import { rawHttp, upgradeRequest } from './security-helpers.js';

interface Line {
  level: number;
  msg: string;
  event?: string;
  code?: string;
  meetingId?: string | null;
  kid?: string | null;
  remoteAddress?: string;
  remoteAddressHash?: string;
  count?: number;
}

function capture(): { logger: pino.Logger; lines: Line[]; raw: string[] } {
  const lines: Line[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.length === 0) continue;
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      }
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines, raw };
}

async function attempt(h: Harness, path: string, token: string | null): Promise<number> {
  const protocols = token === null ? [SUBPROTOCOL] : [SUBPROTOCOL, BEARER_PREFIX + token];
  const a = await rawHttp(h.relay.port, upgradeRequest(path, protocols));
  a.socket.destroy();
  return a.status;
}

describe.each(TRANSPORTS)('refused-join audit over %s', (transport) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('logs code, meeting id, kid and an address hash at info, never the token', async () => {
    const log = capture();
    h = await startHarness(transport, { logLevel: 'info' }, {}, log.logger);
    const kid = loadOrCreateDevKeys(h.dataDir).kid;
    const mid = meetingId();
    const good = h.token(mid, 'p');
    const forged = good.slice(0, -6) + 'AAAAAA';
    expect(await attempt(h, `/v1/meetings/${mid}`, forged)).toBe(401);
    expect(await attempt(h, '/v1/meetings/other-meeting', good)).toBe(403);
    expect(await attempt(h, `/v1/meetings/${mid}`, null)).toBe(401);
    const refused = log.lines.filter((l) => l.event === 'join_refused');
    expect(refused.map((l) => [l.level, l.code, l.meetingId, l.kid])).toEqual([
      [30, 'RELAY_ERR_TOKEN_INVALID', mid, kid],
      [30, 'RELAY_ERR_WRONG_MEETING', 'other-meeting', kid],
      [30, 'RELAY_ERR_TOKEN_MISSING', mid, null],
    ]);
    for (const l of refused) {
      expect(l.remoteAddress).toBeUndefined();
      expect(l.remoteAddressHash).toMatch(/^[0-9a-f]{16}$/);
    }
    // One address, one hash (it correlates the lines of this run).
    expect(new Set(refused.map((l) => l.remoteAddressHash)).size).toBe(1);
    const all = log.raw.join('\n');
    for (const secret of [good, forged, good.split('.')[1]!, good.split('.')[2]!, '127.0.0.1']) expect(all.includes(secret)).toBe(false);
  });

  it('writes the address itself with --log-ip-addresses', async () => {
    const log = capture();
    h = await startHarness(transport, { logLevel: 'info', logIpAddresses: true }, {}, log.logger);
    expect(await attempt(h, '/v1/meetings/m', null)).toBe(401);
    const l = log.lines.find((x) => x.event === 'join_refused')!;
    expect(l.remoteAddress).toBe('127.0.0.1');
    expect(l.remoteAddressHash).toBeUndefined();
  });

  it('rate-limits a storm from one address and sums up what it held back', async () => {
    const log = capture();
    h = await startHarness(transport, { logLevel: 'info', handshakesPerIpPerSecond: 10_000 }, {}, log.logger);
    const storm = 300;
    const statuses = await Promise.all(Array.from({ length: storm }, () => attempt(h!, '/v1/meetings/m', null)));
    expect(statuses.every((s) => s === 401)).toBe(true);
    const refused = log.lines.filter((l) => l.event === 'join_refused').length;
    // Burst of 5 per address, then 1 per second.
    expect(refused).toBeGreaterThanOrEqual(5);
    expect(refused).toBeLessThan(20);
    await h.close();
    h = undefined;
    const summary = log.lines.filter((l) => l.event === 'join_refused_suppressed');
    expect(summary.reduce((n, l) => n + (l.count ?? 0), 0)).toBe(storm - refused);
  });
});
