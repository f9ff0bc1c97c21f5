/**
 * Media frames of one meeting that a relay's participants send in the same event-loop turn cross NATS as one
 * MEDIA_BATCH per interested relay (cluster-meeting.ts, flushMedia), and per-track interest still holds: three
 * publishers on relay 0 send in the same tick; relay 1 subscribes to two of their tracks, relay 2 to the third.
 * Every receiver gets every frame of the tracks it subscribed to, in order and once; relay 2 receives no frame of
 * the tracks it did not ask for (its audio frames in from the cluster are exactly what its subscriber got); and
 * relay 0 sent batches (without coalescing its media_batches counter stays 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { metricValue, startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import type { EphemeraClient, MediaEvent } from '../../client/index.js';

const AUDIO = 1;
const ROUNDS = 200;

/** Frame indices a client got, by publisher. */
function record(c: EphemeraClient): Map<string, number[]> {
  const got = new Map<string, number[]>();
  c.on('media', (e: MediaEvent) => {
    const index = new DataView(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength).getUint32(0);
    const list = got.get(e.from);
    if (list === undefined) got.set(e.from, [index]);
    else list.push(index);
  });
  return got;
}

function frame(index: number): Uint8Array {
  const p = new Uint8Array(100);
  new DataView(p.buffer).setUint32(0, index);
  return p;
}

describe.each(TRANSPORTS)('media batches across relays over %s', (transport) => {
  let h: ClusterHarness;
  beforeAll(async () => {
    h = await startCluster(3, transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000 });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a turn\'s frames of one meeting cross as one message per interested relay, each relay getting only its tracks', async () => {
    const mid = meetingId();
    const pubs = [await h.join(0, mid, 'pa', { role: 'presenter' }), await h.join(0, mid, 'pb', { role: 'presenter' }), await h.join(0, mid, 'pc', { role: 'presenter' })];
    const r1 = await h.join(1, mid, 'r1');
    const r2 = await h.join(2, mid, 'r2');
    const all = [...pubs, r1, r2];
    await waitFor(() => all.every((c) => c.roster.size === 5), 10_000, 'full roster');
    for (const p of pubs) p.publishTrack({ id: AUDIO, source: 'audio', codec: 'opus' });
    await waitFor(() => [r1, r2].every((c) => c.tracks.size === 3), 5_000, 'tracks announced on every relay');
    const got1 = record(r1);
    const got2 = record(r2);
    r1.subscribe('pa', AUDIO);
    r1.subscribe('pb', AUDIO);
    r2.subscribe('pc', AUDIO);
    let index = 0;
    const round = (): void => {
      // The three publishers in the same tick: relay 0 reads their frames in one turn.
      for (const p of pubs) p.sendMedia(AUDIO, frame(index));
      index++;
    };
    // Until every relay's interest reached relay 0 (frames before that are not sent to it).
    await waitFor(() => {
      round();
      return (got1.get('pa')?.length ?? 0) > 0 && (got1.get('pb')?.length ?? 0) > 0 && (got2.get('pc')?.length ?? 0) > 0;
    }, 10_000, 'frames of every subscribed track across relays');
    const from = index;
    const batchesBefore = metricValue(await h.metrics(0), 'ephemera_cluster_media_batches_total');
    for (let i = 0; i < ROUNDS; i++) {
      round();
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    const last = index - 1;
    const settled = (l: number[] | undefined): boolean => l !== undefined && l[l.length - 1] === last;
    await waitFor(() => settled(got1.get('pa')) && settled(got1.get('pb')) && settled(got2.get('pc')), 10_000, 'every frame at its receivers');
    // In order, once each, none missing (loopback, nobody congested: no drops).
    const expected = Array.from({ length: ROUNDS }, (_, i) => from + i);
    for (const list of [got1.get('pa')!, got1.get('pb')!, got2.get('pc')!]) expect(list.filter((n) => n >= from)).toEqual(expected);
    expect(got1.has('pc')).toBe(false);
    expect(got2.has('pa') || got2.has('pb')).toBe(false);
    // Relay 2 received nothing but its subscriber's track: per-track interest holds inside batches.
    const m2 = await h.metrics(2);
    expect(metricValue(m2, 'ephemera_cluster_frames_total', '{lane="audio",direction="in"}')).toBe(got2.get('pc')!.length);
    const m1 = await h.metrics(1);
    expect(metricValue(m1, 'ephemera_cluster_frames_total', '{lane="audio",direction="in"}')).toBe(got1.get('pa')!.length + got1.get('pb')!.length);
    // Coalesced: fewer NATS messages than frames.
    expect(metricValue(await h.metrics(0), 'ephemera_cluster_media_batches_total')).toBeGreaterThan(batchesBefore);
    for (const c of all) c.close();
  }, 60_000);
});
