/**
 * Media lanes over real sockets: publish per capability, subscribe and unsubscribe per track, receive only what
 * is subscribed, keyframe requests for new video subscribers, active speakers from audio levels, tracks that go
 * with their publisher, and every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kind, TrackSource } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { waitForCdr } from '../helpers/cdr-file.js';
import type { EphemeraClient, MediaEvent, TrackEvent } from '../../client/index.js';
import { fullRoster, refusal, roundTrip } from './lanes-helpers.js';

function collect(c: EphemeraClient): MediaEvent[] {
  const out: MediaEvent[] = [];
  c.on('media', (e) => out.push({ ...e, payload: new Uint8Array(e.payload) }));
  return out;
}

describe.each(TRANSPORTS)('media over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('delivers each track only to its subscribers, per track, until they unsubscribe', async () => {
    const mid = meetingId();
    const pub = await h.join(mid, 'pub', { role: 'presenter' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await fullRoster([pub, a, b]);
    const announced: TrackEvent[] = [];
    a.on('trackPublished', (t) => announced.push(t));
    pub.publishTrack({ id: 1, source: 'audio', codec: 'opus' });
    pub.publishTrack({ id: 2, source: 'video', codec: 'vp8' });
    pub.publishTrack({ id: 3, source: 'screen', codec: 'vp9' });
    await waitFor(() => announced.length === 3 && b.tracks.size === 3);
    expect(announced).toEqual([
      { publisher: 'pub', id: 1, source: 'audio', codec: 'opus' },
      { publisher: 'pub', id: 2, source: 'video', codec: 'vp8' },
      { publisher: 'pub', id: 3, source: 'screen', codec: 'vp9' },
    ]);
    // A late joiner learns the tracks from its WELCOME.
    const late = await h.join(mid, 'late');
    expect([...late.tracks.keys()].sort()).toEqual(['pub/1', 'pub/2', 'pub/3']);

    const gotA = collect(a);
    const gotB = collect(b);
    const gotLate = collect(late);
    a.subscribe('pub', 1);
    a.subscribe('pub', 2);
    b.subscribe('pub', 3);
    await Promise.all([roundTrip(a), roundTrip(b)]);
    for (let i = 0; i < 5; i++) {
      pub.sendMedia(1, new Uint8Array([1, i]), { timestamp: i, audioLevel: 0 });
      pub.sendMedia(2, new Uint8Array([2, i]), { keyframe: i === 0, timestamp: i * 3000 });
      pub.sendMedia(3, new Uint8Array([3, i]), { keyframe: i === 0, timestamp: i * 3000 });
    }
    await waitFor(() => gotA.length === 10 && gotB.length === 5);
    expect(gotA.filter((e) => e.track === 1).map((e) => [...e.payload])).toEqual([0, 1, 2, 3, 4].map((i) => [1, i]));
    expect(gotA.filter((e) => e.track === 2).map((e) => e.timestamp)).toEqual([0, 3000, 6000, 9000, 12000]);
    expect(gotA.find((e) => e.track === 2)).toMatchObject({ from: 'pub', keyframe: true });
    expect(gotB.map((e) => e.track)).toEqual([3, 3, 3, 3, 3]);
    await roundTrip(late);
    expect(gotLate).toEqual([]);

    a.unsubscribe('pub', 2);
    await roundTrip(a);
    pub.sendMedia(1, new Uint8Array([1, 9]));
    pub.sendMedia(2, new Uint8Array([2, 9]), { keyframe: true });
    await waitFor(() => gotA.length === 11);
    await roundTrip(pub);
    await roundTrip(a);
    expect(gotA.length).toBe(11);
    expect(gotA[10]!.track).toBe(1);

    // The publisher unpublishes a track: subscribers are told and get nothing more from it.
    const gone: TrackEvent[] = [];
    b.on('trackUnpublished', (t) => gone.push(t));
    pub.unpublishTrack(3);
    await waitFor(() => gone.length === 1);
    expect(gone[0]).toMatchObject({ publisher: 'pub', id: 3, source: 'screen' });
    expect(b.tracks.has('pub/3')).toBe(false);
    expect(await refusal(pub, () => pub.send({ kind: Kind.MEDIA, track: 3, payload: new Uint8Array(1) }))).toBe('RELAY_ERR_UNKNOWN_TRACK');

    // Leaving takes the publisher's tracks with it.
    await pub.leave();
    await waitFor(() => a.tracks.size === 0 && late.tracks.size === 0);
    for (const c of [a, b, late]) c.close();
  });

  it('a track everyone subscribes to reaches exactly its subscribers as people join and unsubscribe', async () => {
    const mid = meetingId();
    const pub = await h.join(mid, 'pub', { role: 'presenter' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await fullRoster([pub, a, b]);
    pub.publishTrack({ id: 1, source: 'audio', codec: 'opus' });
    await waitFor(() => a.tracks.size === 1 && b.tracks.size === 1);
    const gotA = collect(a);
    const gotB = collect(b);
    a.subscribe('pub', 1);
    b.subscribe('pub', 1);
    await Promise.all([roundTrip(a), roundTrip(b)]);
    // Everyone but the publisher subscribes (the relay may take the meeting topic for it).
    for (let i = 0; i < 3; i++) pub.sendMedia(1, new Uint8Array([1, i]));
    await waitFor(() => gotA.length === 3 && gotB.length === 3);
    // Someone joins without subscribing: it gets none of the track's frames.
    const c = await h.join(mid, 'c');
    const gotC = collect(c);
    await roundTrip(pub);
    for (let i = 3; i < 6; i++) pub.sendMedia(1, new Uint8Array([1, i]));
    await waitFor(() => gotA.length === 6 && gotB.length === 6);
    await roundTrip(c);
    expect(gotC).toEqual([]);
    // c subscribes: everyone is subscribed again; then a unsubscribes and gets nothing more.
    c.subscribe('pub', 1);
    await roundTrip(c);
    pub.sendMedia(1, new Uint8Array([1, 6]));
    await waitFor(() => gotA.length === 7 && gotB.length === 7 && gotC.length === 1);
    a.unsubscribe('pub', 1);
    await roundTrip(a);
    pub.sendMedia(1, new Uint8Array([1, 7]));
    await waitFor(() => gotB.length === 8 && gotC.length === 2);
    await roundTrip(a);
    expect(gotA.length).toBe(7);
    expect(gotB.map((e) => e.payload[1])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const x of [pub, a, b, c]) x.close();
  });

  it('asks the publisher for a keyframe when a video subscriber arrives, and starts it at a keyframe', async () => {
    const mid = meetingId();
    const pub = await h.join(mid, 'pub', { role: 'presenter' });
    const a = await h.join(mid, 'a');
    await fullRoster([pub, a]);
    const requests: number[] = [];
    pub.on('keyframeRequest', (e) => requests.push(e.track));
    pub.publishTrack({ id: 7, source: 'video' });
    pub.publishTrack({ id: 8, source: 'audio' });
    await waitFor(() => a.tracks.size === 2);
    const got = collect(a);
    a.subscribe('pub', 7);
    a.subscribe('pub', 8);
    await waitFor(() => requests.length === 1);
    expect(requests).toEqual([7]);
    pub.sendMedia(7, new Uint8Array([0]), { keyframe: false });
    pub.sendMedia(7, new Uint8Array([1]), { keyframe: false });
    pub.sendMedia(7, new Uint8Array([2]), { keyframe: true });
    pub.sendMedia(7, new Uint8Array([3]), { keyframe: false });
    pub.sendMedia(8, new Uint8Array([9]));
    await waitFor(() => got.length === 3);
    expect(got.map((e) => [e.track, e.payload[0]])).toEqual([[7, 2], [7, 3], [8, 9]]);
    for (const c of [pub, a]) c.close();
  });

  it('announces active speakers from audio levels, loudest first', async () => {
    const mid = meetingId();
    const loud = await h.join(mid, 'loud');
    const soft = await h.join(mid, 'soft');
    const listener = await h.join(mid, 'listener');
    await fullRoster([loud, soft, listener]);
    loud.publishTrack({ id: 1, source: 'audio' });
    soft.publishTrack({ id: 1, source: 'audio' });
    await waitFor(() => listener.tracks.size === 2);
    const speakers: string[][] = [];
    listener.on('activeSpeakers', (e) => speakers.push(e.participants));
    // Nobody subscribes: levels still count.
    const timer = setInterval(() => {
      loud.sendMedia(1, new Uint8Array(10), { audioLevel: 120 });
      soft.sendMedia(1, new Uint8Array(10), { audioLevel: 30 });
    }, 20);
    try {
      await waitFor(() => speakers.some((s) => s.length === 2), 5_000, 'two active speakers');
    } finally {
      clearInterval(timer);
    }
    expect(speakers.find((s) => s.length === 2)).toEqual(['loud', 'soft']);
    // Silence: the list empties.
    await waitFor(() => speakers[speakers.length - 1]!.length === 0, 5_000, 'silence');
    for (const c of [loud, soft, listener]) c.close();
  });

  it('refuses tracks the token does not allow and tracks that do not exist', async () => {
    const mid = meetingId();
    const attendee = await h.join(mid, 'att');
    const voiceOnly = await h.join(mid, 'voice', { capabilities: ['audio'] });
    const pub = await h.join(mid, 'pub', { role: 'presenter' });
    await fullRoster([attendee, voiceOnly, pub]);
    // Attendees may not share a screen by default; capabilities decide the rest.
    expect(await refusal(attendee, () => attendee.publishTrack({ id: 1, source: 'screen' }))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(voiceOnly, () => voiceOnly.publishTrack({ id: 1, source: 'video' }))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(pub, () => pub.send({ kind: Kind.TRACK_PUBLISH, trackInfo: { id: 0, source: TrackSource.AUDIO } }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(pub, () => pub.send({ kind: Kind.TRACK_PUBLISH, trackInfo: { id: 1 } }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(pub, () => pub.send({ kind: Kind.MEDIA, track: 5, payload: new Uint8Array(1) }))).toBe('RELAY_ERR_UNKNOWN_TRACK');
    expect(await refusal(attendee, () => attendee.subscribe('pub', 5))).toBe('RELAY_ERR_UNKNOWN_TRACK');
    expect(await refusal(attendee, () => attendee.subscribe('ghost', 1))).toBe('RELAY_ERR_UNKNOWN_TRACK');
    expect(await refusal(pub, () => pub.unpublishTrack(9))).toBe('RELAY_ERR_UNKNOWN_TRACK');
    pub.publishTrack({ id: 5, source: 'video' });
    await waitFor(() => attendee.tracks.has('pub/5'));
    expect(await refusal(pub, () => pub.subscribe('pub', 5))).toBe('RELAY_ERR_UNKNOWN_TRACK');
    expect(await refusal(attendee, () => attendee.send({ kind: Kind.KEYFRAME_REQUEST, track: 5 }))).toBe('RELAY_ERR_UNKNOWN_KIND');
    // Publishing an id again replaces the track: subscribers see it go and come back, and must subscribe anew.
    const got = collect(attendee);
    attendee.subscribe('pub', 5);
    await roundTrip(attendee);
    const events: string[] = [];
    attendee.on('trackUnpublished', (t) => events.push(`-${t.id}:${t.source}`));
    attendee.on('trackPublished', (t) => events.push(`+${t.id}:${t.source}`));
    pub.publishTrack({ id: 5, source: 'screen' });
    await waitFor(() => events.length === 2);
    expect(events).toEqual(['-5:video', '+5:screen']);
    pub.sendMedia(5, new Uint8Array([1]), { keyframe: true });
    await roundTrip(pub);
    await roundTrip(attendee);
    expect(got).toEqual([]);
    for (const c of [attendee, voiceOnly, pub]) c.close();
  });

  it('marks audio, video and screen share in the CDR with per-lane counts', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    await fullRoster([host, a]);
    host.publishTrack({ id: 1, source: 'audio' });
    host.publishTrack({ id: 2, source: 'video' });
    host.publishTrack({ id: 3, source: 'screen' });
    await waitFor(() => a.tracks.size === 3);
    const got = collect(a);
    for (const t of [1, 2, 3]) a.subscribe('host', t);
    await roundTrip(a);
    for (const t of [1, 2, 3]) host.sendMedia(t, new Uint8Array(100), { keyframe: true });
    await waitFor(() => got.length === 3);
    host.endMeeting();
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.features).toEqual(expect.arrayContaining(['audio', 'video', 'screen_share']));
    for (const lane of ['audio', 'video', 'screen']) {
      expect(cdr.lanes[lane]).toMatchObject({ framesIn: 1, framesOut: 1, dropped: 0 });
    }
    expect(cdr.activity).toMatchObject({ tracksPublished: 3 });
  });
});
