/** The load generator end to end against the raw uWS peer: counts add up, latency is recorded, joins are timed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowUs } from '../lib/proc-stats.js';
import { LoadGenerator } from '../load/load-generator.js';
import { startServer, type RunningServer } from '../servers/index.js';

let gen: LoadGenerator;
let server: RunningServer;

beforeAll(async () => {
  const started = await startServer('uws-raw', { core: 0, media: false });
  if (!started.ok) throw new Error(started.skipped);
  server = started.server;
  gen = await LoadGenerator.start({ workers: 2, sourceAddresses: 4 });
  await gen.init(server.endpoint);
});

afterAll(async () => {
  await gen?.close();
  await server?.close();
});

describe('LoadGenerator', () => {
  it('runs a traffic step: every frame sent in the window is owed to and received by the other members', async () => {
    const opened = await gen.open([
      { id: 'a', size: 5, senders: 5, lane: 'audio' },
      { id: 'b', size: 4, senders: 1, lane: 'audio' },
    ]);
    expect(opened).toMatchObject({ opened: 9, failed: 0 });
    const start = nowUs() + 50_000;
    const r = await gen.traffic({ payloadBytes: 100, burst: 2, ratePerSender: 50, startAtUs: start, measureFromUs: start + 200_000, measureToUs: start + 700_000, drainMs: 1000, spread: true });
    // 6 senders x 50/s x 2 frames x 0.5 s = 300 frames, give or take the window edges.
    expect(r.sent).toBeGreaterThan(250);
    expect(r.sent).toBeLessThan(350);
    expect(r.expected).toBeGreaterThan(r.sent * 3);
    expect(r.received).toBe(r.expected);
    expect(r.histogram.totalCount).toBeGreaterThanOrEqual(r.received);
    expect(r.histogram.getValueAtPercentile(50)).toBeGreaterThan(0);
    await gen.closeClients();
  });

  it('runs a join step at a fixed rate', async () => {
    const start = nowUs() + 50_000;
    const r = await gen.joins({ ratePerSec: 200, meetingSize: 10, meetingPrefix: 'j', startAtUs: start, measureFromUs: start + 100_000, measureToUs: start + 600_000, drainMs: 2000 });
    expect(r.attempted).toBeGreaterThan(90);
    expect(r.attempted).toBeLessThan(110);
    expect(r.joined).toBe(r.attempted);
    expect(r.histogram.totalCount).toBe(r.joined);
  });
});
