/**
 * Acceptance (issue 3): media under congestion. One receiver stops reading; the others keep receiving every
 * frame at full rate with no added latency (send timestamps in the payloads); drops are counted on that
 * receiver's lane only (video dropped, audio untouched, the others miss nothing); and after it reads again,
 * the first video frame after its gap is a keyframe (the relay asked the publisher for one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, sleep, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import type { MeetingView } from '../../relay/index.js';
import type { EphemeraClient, MediaEvent } from '../../client/index.js';
import { fullRoster, pauseReading, resumeReading, roundTrip } from './lanes-helpers.js';

const VIDEO = 1;
const AUDIO = 2;
const FRAME_BYTES = 32 * 1024;
const TICK_MS = 5;

interface Received {
  index: number;
  keyframe: boolean;
  latencyMs: number;
  at: number;
}

/** Payload: [index u32][sentAt f64][padding]. */
function payload(index: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, index);
  view.setFloat64(4, performance.now());
  return out;
}

function record(c: EphemeraClient, track: number): Received[] {
  const out: Received[] = [];
  c.on('media', (e: MediaEvent) => {
    if (e.track !== track) return;
    const view = new DataView(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength);
    const now = performance.now();
    out.push({ index: view.getUint32(0), keyframe: e.keyframe, latencyMs: now - view.getFloat64(4), at: now });
  });
  return out;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

describe.each(TRANSPORTS)('media congestion over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000, lossyDropBytes: 128 * 1024 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('one receiver stops reading: only it loses frames (counted on its lane); it resumes at a keyframe', async () => {
    const mid = meetingId();
    const pub = await h.join(mid, 'pub', { role: 'presenter' });
    const fast = [await h.join(mid, 'fast-1'), await h.join(mid, 'fast-2')];
    const slow = await h.join(mid, 'slow');
    await fullRoster([pub, ...fast, slow]);
    pub.publishTrack({ id: VIDEO, source: 'video', codec: 'vp8' });
    pub.publishTrack({ id: AUDIO, source: 'audio', codec: 'opus' });
    await waitFor(() => [...fast, slow].every((c) => c.tracks.size === 2));
    const fastVideo = fast.map((c) => record(c, VIDEO));
    const fastAudio = fast.map((c) => record(c, AUDIO));
    const slowVideo = record(slow, VIDEO);
    for (const c of fast) {
      c.subscribe('pub', VIDEO);
      c.subscribe('pub', AUDIO);
    }
    slow.subscribe('pub', VIDEO);
    await Promise.all([...fast, slow].map(roundTrip));

    // The publisher: a video frame and an audio frame every tick; a keyframe first and whenever the relay asks.
    let keyframeWanted = true;
    let requests = 0;
    pub.on('keyframeRequest', (e) => {
      if (e.track !== VIDEO) return;
      requests++;
      keyframeWanted = true;
    });
    let index = 0;
    const sentAt: number[] = [];
    const timer = setInterval(() => {
      const keyframe = keyframeWanted;
      keyframeWanted = false;
      sentAt.push(performance.now());
      pub.sendMedia(VIDEO, payload(index, FRAME_BYTES), { keyframe, timestamp: index * 3000 });
      pub.sendMedia(AUDIO, payload(index, 160), { timestamp: index * 960, audioLevel: 50 });
      index++;
    }, TICK_MS);
    const meeting = (): MeetingView => [...h.relay.meetings()].find((m) => m.meetingId === mid)!;
    try {
      // Baseline: everyone reads.
      await sleep(1_000);
      const baseFrom = index;
      await sleep(1_000);
      const baseTo = index;
      const baseline = fastVideo[0]!.filter((r) => r.index >= baseFrom && r.index < baseTo).map((r) => r.latencyMs);

      // Congestion: the slow receiver stops reading; wait for the relay to start dropping for it.
      pauseReading(slow);
      await waitFor(() => meeting().lanes.video.dropped > 0, 20_000, 'drops for the slow receiver');
      const windowFrom = index;
      const windowStarted = performance.now();
      await sleep(1_500);
      const windowTo = index;
      const windowMs = performance.now() - windowStarted;
      await sleep(200);
      for (const got of [...fastVideo, ...fastAudio]) {
        const inWindow = got.filter((r) => r.index >= windowFrom && r.index < windowTo);
        // Every frame sent in the window reached every fast receiver, in order.
        expect(inWindow.map((r) => r.index)).toEqual(Array.from({ length: windowTo - windowFrom }, (_, i) => windowFrom + i));
      }
      const congested = fastVideo[0]!.filter((r) => r.index >= windowFrom && r.index < windowTo).map((r) => r.latencyMs);
      const rate = ((windowTo - windowFrom) * 1000) / windowMs;
      const view = meeting();
      const droppedVideo = view.lanes.video.dropped;
      expect(droppedVideo).toBeGreaterThan(0);
      expect(view.lanes.audio.dropped).toBe(0);
      // No added latency for the others (generous bound: this machine is noisy).
      const [b50, b95, c50, c95] = [percentile(baseline, 50), percentile(baseline, 95), percentile(congested, 50), percentile(congested, 95)];
      console.log(
        `[${transport}] ${rate.toFixed(0)} frames/s of ${FRAME_BYTES / 1024} KiB; latency p50/p95 before ${b50.toFixed(2)}/${b95.toFixed(2)} ms, ` +
          `during congestion ${c50.toFixed(2)}/${c95.toFixed(2)} ms; video drops ${droppedVideo}`,
      );
      expect(rate).toBeGreaterThan(100);
      expect(c50).toBeLessThan(Math.max(10, b50 * 3));
      expect(c95).toBeLessThan(Math.max(30, b95 * 3));

      // The slow receiver reads again: after its gap, the first frame it gets is a keyframe.
      const requestsBefore = requests;
      resumeReading(slow);
      await waitFor(() => slowVideo.length > 0 && slowVideo[slowVideo.length - 1]!.index > windowTo, 10_000, 'the slow receiver to catch up');
      expect(requests).toBeGreaterThan(requestsBefore);
      let gaps = 0;
      for (let i = 1; i < slowVideo.length; i++) {
        if (slowVideo[i]!.index !== slowVideo[i - 1]!.index + 1) {
          gaps++;
          expect(slowVideo[i]!.keyframe, `frame ${slowVideo[i]!.index} after a gap`).toBe(true);
        }
      }
      expect(gaps).toBeGreaterThan(0);
      // Nothing the fast receivers got went missing at any time.
      await sleep(100);
      const sent = index;
      for (const got of [...fastVideo, ...fastAudio]) {
        const settled = got.filter((r) => r.index < sent - 50);
        expect(settled.every((r, i) => i === 0 || r.index === settled[i - 1]!.index + 1)).toBe(true);
      }
    } finally {
      clearInterval(timer);
    }
    for (const c of [pub, ...fast, slow]) c.close();
  }, 60_000);
});
