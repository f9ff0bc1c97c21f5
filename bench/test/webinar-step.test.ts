/**
 * One small webinar-join step (bench/load/webinar-step.ts) against the real relay and raw uWS: every attendee
 * gets in, join latency is recorded, Ephemera's roster bytes are counted, and the presenters' frames reach the
 * observers (Ephemera, where the media lane exists).
 */
import { describe, expect, it } from 'vitest';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { nowUs } from '../lib/proc-stats.js';
import { runWebinarStep } from '../load/webinar-step.js';
import { useServerFixture } from './server-fixture.js';

const fixture = useServerFixture();

const RUN = {
  attendees: 40,
  ratePerSec: 200,
  observers: 3,
  presenter: { audioBytes: 100, audioPerSec: 50, videoBytes: 1024, videoPerSec: 30 },
  chatPerSec: 2,
  drainMs: 3000,
};

describe.each(['ephemera-uws', 'ephemera-ws', 'uws-raw'] as const)('%s', (name) => {
  it('runs a webinar-join step: every attendee joins, figures recorded', async () => {
    const adapter = await fixture.start(name, true);
    const r = await runWebinarStep(adapter, { ...RUN, meetingId: `wj-test-${name}`, startAtUs: nowUs() + 500_000 }, () => '127.0.0.1');
    expect(r.joined).toBe(RUN.attendees);
    expect(r.firstError).toBeUndefined();
    expect(decodeFromCompressedBase64(r.joinHistogram).totalCount).toBe(RUN.attendees);
    if (name === 'uws-raw') {
      expect(r.rosterBytes).toBe(0);
      expect(r.presenterExpected).toBe(0);
    } else {
      expect(r.rosterBytes).toBeGreaterThan(0);
      expect(r.presenterExpected).toBeGreaterThan(0);
      expect(r.presenterReceived).toBeGreaterThanOrEqual(Math.floor(r.presenterExpected * 0.99));
    }
    adapter.close();
  });
});
