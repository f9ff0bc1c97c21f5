/**
 * A 20 MB document from a sharer on relay 0 to everyone in a meeting of 9 over 3 relays: every receiver gets
 * the same bytes (hash checked), under the same credit flow control as on one relay (acks of receivers on other
 * relays travel to the sharer's relay), and one slow receiver on relay 2 that stops reading is dropped from the
 * transfer (too_slow) after the stall timeout while the others finish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import type { EphemeraClient, IncomingDocument } from '../../client/index.js';
import { pauseReading } from '../integration/lanes-helpers.js';

const MiB = 1024 * 1024;

describe.each(TRANSPORTS)('a document across three relays over %s', (transport) => {
  let h: ClusterHarness;
  beforeAll(async () => {
    h = await startCluster(3, transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000, docStallTimeoutMs: 2_000 });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('20 MB to 8 receivers on 3 relays, hashes checked, a slow remote receiver dropped as too_slow', async () => {
    const mid = meetingId();
    const clients: EphemeraClient[] = [];
    for (let i = 0; i < 9; i++) clients.push(await h.join(i % 3, mid, `p${i}`, { role: i === 0 ? 'host' : 'attendee' }));
    await waitFor(() => clients.every((c) => c.roster.size === 9), 10_000, 'everyone sees everyone');
    const doc = randomBytes(20 * MiB);
    const expected = createHash('sha256').update(doc).digest('hex');
    const offers = clients.slice(1).map((c) => new Promise<IncomingDocument>((resolve) => c.once('documentOffered', resolve)));
    const shared = clients[0]!.shareDocument(doc, { name: 'big.bin', transferId: 'big' });
    const incoming = await Promise.all(offers);
    const slowIndex = 5 - 1; // p5, on relay 2
    const done = incoming.map((d, i) => {
      const hash = createHash('sha256');
      let bytes = 0;
      return d
        .receive((chunk) => {
          hash.update(chunk);
          bytes += chunk.length;
          if (i === slowIndex && bytes >= 2 * MiB && bytes - chunk.length < 2 * MiB) pauseReading(clients[5]!);
        })
        .then(() => hash.digest('hex'), (e: { reason?: string }) => `cancelled:${e.reason ?? ''}`);
    });
    const result = await shared;
    expect(result.sha256).toBe(expected);
    expect(result.dropped).toEqual([{ participant: 'p5', reason: 'too_slow' }]);
    const hashes = await Promise.all(done.filter((_, i) => i !== slowIndex));
    expect(hashes).toEqual(Array.from({ length: 7 }, () => expected));
    for (const c of clients) c.close();
  }, 120_000);
});
