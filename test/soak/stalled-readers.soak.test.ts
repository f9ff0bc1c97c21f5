/**
 * Soak: stalled readers in waves. 1,000 participants in 10 meetings stall, are cut as slow consumers, rejoin and
 * stall again, 6 times in a row per transport (about 2 minutes each here; EPHEMERA_SOAK_SCALE scales the number of
 * waves), while talkers, fillers and a bystander meeting go on. Relay memory must stay under the same bound as in
 * the bounded test and must not grow from wave to wave (the last wave's peak RSS within 32 MiB of the first's),
 * every wave is cut, nobody else is.
 */
import { describe, expect, it } from 'vitest';
import { describeStalled, runStalledReaders, type StalledOptions } from '../integration/security-stalled-run.js';
import { TRANSPORT_NAMES } from '../integration/security-helpers.js';
import { scaled } from './soak-scale.js';

describe.each(TRANSPORT_NAMES)('stalled readers soak over %s', (transport) => {
  it('cuts wave after wave of 1,000 stalled readers without growing', async () => {
    const o: StalledOptions = {
      transport,
      meetings: 10,
      crowdPerMeeting: 100,
      fillBytesPerSecond: 200 * 1024,
      baselineMs: 3_000,
      stallLimitMs: 40_000,
      maxReliableBacklogBytes: 64 * 1024,
      hardBackpressureBytes: 256 * 1024,
      sample: 5,
      waves: scaled(6) - 1,
      // uWS gives a closing socket up to 16 s to finish its close handshake before it frees its buffers.
      settleMs: 20_000,
    };
    const r = await runStalledReaders(o);
    // eslint-disable-next-line no-console
    console.log(describeStalled(transport, o, r));
    const stalled = o.meetings * o.crowdPerMeeting;
    for (const cut of r.cutPerWave) expect(cut).toBeGreaterThanOrEqual(stalled * 0.99);
    expect(r.othersClosed).toBe(0);
    expect(r.rssPeak).toBeLessThan(r.rssJoined + stalled * 2 * o.hardBackpressureBytes + 100 * 1024 * 1024);
    // No growth from wave to wave (the allocator keeps freed memory, so RSS is compared peak to peak).
    expect(r.rssPeakPerWave.at(-1)!).toBeLessThan(r.rssPeakPerWave[0]! + 32 * 1024 * 1024);
    expect(r.rssEnd).toBeLessThan(r.rssPeak);
    expect(r.stalled.p99).toBeLessThanOrEqual(Math.max(3 * r.baseline.p99, r.baseline.p99 + 150));
    expect(r.sampleCloses.every((c) => c.code === 4003 && c.errors.includes('RELAY_ERR_SLOW_CONSUMER'))).toBe(true);
  });
});
