/**
 * One webinar-join step inside a load worker: the staff (a video presenter, an audio presenter, a chatting host)
 * and the observers join first; the presenters publish and the observers subscribe; then the presenters and the
 * host send on schedule while `attendees` more join open-loop at `ratePerSec`. Join latency runs from each join's
 * scheduled start (the upgrade request) to its WELCOME; the presenters' frame latency is read at the observers.
 * Storm attendees do not subscribe to media: 10,000 receivers of 80 frames/s would saturate the load core, not
 * the server. Every client of the step is closed before it returns.
 */
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { nowUs } from '../lib/proc-stats.js';
import type { Adapter, BenchClient, ClientHandlers, ClientSpec, Lane, OutFrame } from './adapters/index.js';
import type { WebinarResult, WebinarRun } from './load.types.js';

function histogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Sender {
  client: BenchClient;
  frame: OutFrame;
  intervalUs: number;
  next: number;
}

export async function runWebinarStep(a: Adapter, run: WebinarRun, address: (n: number) => string): Promise<WebinarResult> {
  const all: BenchClient[] = [];
  let rosterBytes = 0;
  let counting = false;
  const onRosterBytes = (n: number): void => {
    if (counting) rosterBytes += n;
  };
  const presenterHist = histogram();
  let presenterReceived = 0;
  // Frames sent from the storm's start count (the senders stop at its end; a frame due just before the end may
  // leave just after it, so there is no upper bound on the send time).
  let stormFrom = Infinity;
  const observerHandlers: ClientHandlers = {
    onPayload(data, offset) {
      const sentAt = data.readDoubleLE(offset);
      if (sentAt < stormFrom) return;
      presenterReceived++;
      const latency = nowUs() - sentAt;
      presenterHist.recordValue(latency < 1 ? 1 : latency);
    },
    onClose: () => {},
    onRosterBytes,
  };
  const quiet: ClientHandlers = { onPayload: () => {}, onClose: () => {}, onRosterBytes };
  let n = 0;
  const spec = (role: ClientSpec['role'], lane: Lane, sender: boolean): ClientSpec => ({
    meetingId: run.meetingId,
    participantId: `${run.meetingId}-${role}-${n}`,
    localAddress: address(n++),
    sender,
    lane,
    role,
  });
  try {
    const video = await a.open(spec('presenter', 'video', true), quiet);
    const audio = await a.open(spec('presenter', 'audio', true), quiet);
    const hostSpec = spec('host', 'reliable', true);
    const host = await a.open(hostSpec, quiet);
    all.push(video, audio, host);
    await video.startPublishing?.();
    await audio.startPublishing?.();
    const publisherIds = [`${run.meetingId}-presenter-0`, `${run.meetingId}-presenter-1`];
    const observers: BenchClient[] = [];
    for (let i = 0; i < run.observers; i++) {
      const o = await a.open(spec('attendee', 'video', false), observerHandlers);
      all.push(o);
      observers.push(o);
      await o.subscribeTo?.(publisherIds);
    }
    const media = video.startPublishing !== undefined;
    // Storm specs and their credentials before the clock starts.
    const specs = Array.from({ length: run.attendees }, () => spec('attendee', 'reliable', false));
    if (a.prepare) for (const s of specs) await a.prepare(s);

    const senders: Sender[] = [];
    if (media) {
      senders.push({ client: video, frame: video.makeFrame(run.presenter.videoBytes, 0), intervalUs: 1e6 / run.presenter.videoPerSec, next: 0 });
      senders.push({ client: audio, frame: audio.makeFrame(run.presenter.audioBytes, 1), intervalUs: 1e6 / run.presenter.audioPerSec, next: 0 });
    }
    if (run.chatPerSec > 0) senders.push({ client: host, frame: host.makeFrame(200, 2), intervalUs: 1e6 / run.chatPerSec, next: 0 });
    const presenterFrames = { expected: 0 };
    // Prime the observers' subscriptions: a new video subscriber waits for a keyframe, which the relay asks the
    // publisher for after the first frame. These frames precede the storm and are not counted.
    for (let round = 0; round < 2 && media; round++) {
      for (const s of senders) {
        s.frame.bytes.writeDoubleLE(nowUs(), s.frame.payloadOffset);
        s.client.send(s.frame);
      }
      await sleep(150);
    }

    const joinHist = histogram();
    const spacing = 1e6 / run.ratePerSec;
    let joined = 0;
    let pending = 0;
    let finished = false;
    let firstError: string | undefined;
    let maxLag = 0;
    let e = 0;
    const wait = (run.startAtUs - nowUs()) / 1000;
    if (wait > 0) await sleep(wait);
    stormFrom = run.startAtUs;
    counting = true;
    for (const s of senders) s.next = run.startAtUs;
    const stormEnds = run.startAtUs + run.attendees * spacing;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = nowUs();
        for (const s of senders) {
          while (s.next <= now && s.next < stormEnds) {
            s.frame.bytes.writeDoubleLE(nowUs(), s.frame.payloadOffset);
            s.client.send(s.frame);
            if (s.client !== host) presenterFrames.expected += observers.length;
            s.next += s.intervalUs;
          }
        }
        let due = Math.floor((now - run.startAtUs) / spacing) + 1;
        if (due > run.attendees) due = run.attendees;
        if (e < due && now - (run.startAtUs + e * spacing) > maxLag) maxLag = now - (run.startAtUs + e * spacing);
        while (e < due) {
          const scheduled = run.startAtUs + e * spacing;
          pending++;
          a.open(specs[e]!, quiet).then(
            (client) => {
              pending--;
              if (finished) return client.close();
              all.push(client);
              joined++;
              joinHist.recordValue(Math.max(1, nowUs() - scheduled));
            },
            (err: Error) => {
              pending--;
              if (!finished) firstError ??= err.message;
            },
          );
          e++;
        }
        if (e >= run.attendees && now >= stormEnds) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    const drainUntil = Date.now() + run.drainMs;
    while (pending > 0 && Date.now() < drainUntil) await sleep(5);
    const endUs = nowUs();
    // The presenters' last frames still in flight.
    const mediaDrain = Date.now() + 500;
    while (presenterReceived < presenterFrames.expected && Date.now() < mediaDrain) await sleep(5);
    counting = false;
    finished = true;
    return {
      attempted: run.attendees,
      joined,
      ...(firstError === undefined ? {} : { firstError }),
      joinHistogram: encodeIntoCompressedBase64(joinHist),
      presenterHistogram: encodeIntoCompressedBase64(presenterHist),
      presenterExpected: presenterFrames.expected,
      presenterReceived,
      rosterBytes,
      endUs,
      maxSendLagMs: maxLag / 1000,
    };
  } finally {
    for (const c of all) c.close();
  }
}
