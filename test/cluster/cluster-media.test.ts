/**
 * Media between relays under congestion: the publisher on relay 0, receivers on relays 1 and 2, one of those on
 * relay 1 stops reading. Only it loses frames (dropped by its own relay, counted there on the video lane); the
 * others get every frame; when it reads again its first frame after the gap is a keyframe, which its relay asked
 * the publisher on relay 0 for (KEYFRAME_REQUEST routed across the cluster).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, sleep, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import type { EphemeraClient, MediaEvent } from '../../client/index.js';
import type { MeetingView } from '../../relay/index.js';
import { pauseReading, resumeReading, roundTrip } from '../integration/lanes-helpers.js';

const VIDEO = 1;
const FRAME_BYTES = 32 * 1024;

function record(c: EphemeraClient): Array<{ index: number; keyframe: boolean }> {
  const out: Array<{ index: number; keyframe: boolean }> = [];
  c.on('media', (e: MediaEvent) => {
    out.push({ index: new DataView(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength).getUint32(0), keyframe: e.keyframe });
  });
  return out;
}

describe.each(TRANSPORTS)('media across relays over %s', (transport) => {
  let h: ClusterHarness;
  beforeAll(async () => {
    h = await startCluster(3, transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000, lossyDropBytes: 128 * 1024 });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a slow receiver on another relay loses frames alone and resumes at a keyframe asked of the publisher', async () => {
    const mid = meetingId();
    const pub = await h.join(0, mid, 'pub', { role: 'presenter' });
    const slow = await h.join(1, mid, 'slow');
    const fast1 = await h.join(1, mid, 'fast-1');
    const fast2 = await h.join(2, mid, 'fast-2');
    const all = [pub, slow, fast1, fast2];
    await waitFor(() => all.every((c) => c.roster.size === 4), 10_000, 'full roster');
    pub.publishTrack({ id: VIDEO, source: 'video', codec: 'vp8' });
    await waitFor(() => [slow, fast1, fast2].every((c) => c.tracks.size === 1), 5_000, 'track announced on every relay');
    const got = { slow: record(slow), fast1: record(fast1), fast2: record(fast2) };
    for (const c of [slow, fast1, fast2]) c.subscribe('pub', VIDEO);
    await Promise.all([slow, fast1, fast2].map(roundTrip));
    let keyframeWanted = true;
    let requests = 0;
    pub.on('keyframeRequest', () => {
      requests++;
      keyframeWanted = true;
    });
    let index = 0;
    const timer = setInterval(() => {
      const keyframe = keyframeWanted;
      keyframeWanted = false;
      const p = new Uint8Array(FRAME_BYTES);
      new DataView(p.buffer).setUint32(0, index++);
      pub.sendMedia(VIDEO, p, { keyframe });
    }, 5);
    const meetingAt1 = (): MeetingView => [...h.relays[1]!.meetings()].find((m) => m.meetingId === mid)!;
    try {
      await waitFor(() => got.fast2.length > 50 && got.slow.length > 50, 10_000, 'frames flowing across relays');
      pauseReading(slow);
      await waitFor(() => meetingAt1().lanes.video.dropped > 0, 20_000, 'drops for the slow receiver at its relay');
      await sleep(500);
      const requestsBefore = requests;
      resumeReading(slow);
      const until = index + 50;
      await waitFor(() => got.slow.length > 0 && got.slow[got.slow.length - 1]!.index > until, 10_000, 'the slow receiver catches up');
      expect(requests).toBeGreaterThan(requestsBefore);
      let gaps = 0;
      for (let i = 1; i < got.slow.length; i++) {
        if (got.slow[i]!.index !== got.slow[i - 1]!.index + 1) {
          gaps++;
          expect(got.slow[i]!.keyframe, `frame ${got.slow[i]!.index} after a gap`).toBe(true);
        }
      }
      expect(gaps).toBeGreaterThan(0);
      const sent = index;
      await sleep(200);
      for (const g of [got.fast1, got.fast2]) {
        const settled = g.filter((r) => r.index < sent - 20);
        expect(settled.every((r, i) => i === 0 || r.index === settled[i - 1]!.index + 1)).toBe(true);
      }
      expect([...h.relays[2]!.meetings()].find((m) => m.meetingId === mid)!.lanes.video.dropped).toBe(0);
    } finally {
      clearInterval(timer);
    }
    for (const c of all) c.close();
  }, 60_000);
});
