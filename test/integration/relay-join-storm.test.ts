/**
 * A join storm: 100 participants join 10 meetings, 64 at a time. Nobody who was welcomed may be dropped
 * (a uWS.js upgrade finished inside res.cork() once closed freshly joined sockets with 1006).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TRANSPORTS, sleep, type Harness } from '../helpers/relay-harness.js';
import type { EphemeraClient } from '../../client/index.js';

describe.each(TRANSPORTS)('join storm over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(transport, { maxConnectionsPerIp: 10_000, handshakesPerIpPerSecond: 10_000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps every welcomed participant connected', async () => {
    const closes: string[] = [];
    const clients: EphemeraClient[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < 100) {
          const k = next++;
          const c = await h.join(`storm-${Math.floor(k / 10)}`, `p${k}`);
          c.on('close', (e) => closes.push(`p${k}:${e.code}`));
          clients.push(c);
        }
      }),
    );
    await sleep(1_500);
    expect(closes).toEqual([]);
    expect(clients.every((c) => c.roster.size === 10)).toBe(true);
    for (const c of clients) c.close();
  });
});
