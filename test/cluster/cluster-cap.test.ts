/**
 * The participant cap across relays (issue 13, single state): a meeting capped at 6 with participants joining
 * through three relays admits exactly 6, whether the joins come one by one or all at once, and the others get
 * 403 RELAY_ERR_MEETING_FULL; a seat freed on one relay is taken through another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import type { EphemeraClient } from '../../client/index.js';

const CAP = 6;

describe.each(TRANSPORTS)('the participant cap across three relays over %s', (transport) => {
  let h: ClusterHarness;
  beforeAll(async () => {
    h = await startCluster(3, transport, { maxParticipants: CAP });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  /** Joins `ids` at once (participant i through relay i % 3): the admitted clients and the refusals. */
  async function joinAll(mid: string, ids: string[], offset = 0): Promise<{ admitted: EphemeraClient[]; refused: unknown[] }> {
    const settled = await Promise.allSettled(ids.map((p, i) => h.join((i + offset) % 3, mid, p)));
    const admitted: EphemeraClient[] = [];
    const refused: unknown[] = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') admitted.push(s.value);
      else refused.push(s.reason);
    }
    return { admitted, refused };
  }

  it('8 joins at once through 3 relays: exactly 6 admitted, 2 refused (5 rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      const mid = meetingId();
      const { admitted, refused } = await joinAll(mid, Array.from({ length: 8 }, (_, i) => `p${i}`), round);
      expect(admitted.length).toBe(CAP);
      expect(refused.length).toBe(2);
      for (const r of refused) expect(r).toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_FULL' });
      await waitFor(() => admitted.every((c) => c.roster.size === CAP), 10_000, 'every admitted participant sees the 6');
      for (const c of admitted) c.close();
    }
  }, 90_000);

  it('joins one by one then at once: 6 admitted; a seat freed on one relay is taken through another', async () => {
    const mid = meetingId();
    const first: EphemeraClient[] = [];
    for (let i = 0; i < 3; i++) first.push(await h.join(i, mid, `a${i}`));
    await waitFor(() => first.every((c) => c.roster.size === 3), 10_000, 'the first 3 see each other');
    const { admitted, refused } = await joinAll(mid, ['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(admitted.length).toBe(3);
    expect(refused.length).toBe(2);
    for (const r of refused) expect(r).toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_FULL' });
    // Full: a join through any relay is refused.
    for (let i = 0; i < 3; i++) await expect(h.join(i, mid, `c${i}`)).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_FULL' });
    // One leaves on relay 0: its seat is taken through relay 2 (once the owner heard of the leave), and only one.
    first[0]!.close();
    await waitFor(() => first[1]!.roster.size === CAP - 1, 10_000, 'the leave is seen');
    let late: EphemeraClient | null = null;
    const until = Date.now() + 10_000;
    while (late === null) {
      try {
        late = await h.join(2, mid, 'late');
      } catch (err) {
        expect(err).toMatchObject({ code: 'RELAY_ERR_MEETING_FULL' });
        if (Date.now() > until) throw new Error('the freed seat was never taken');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(late).not.toBeNull();
    await expect(h.join(1, mid, 'later')).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_FULL' });
    for (const c of [...first, ...admitted]) c.close();
  }, 60_000);
});
