/**
 * The demo's tour of the non-chat lanes: a poll, documents, media tracks and host controls. Every step waits for
 * its deliveries, so the CDR the demo prints marks polls, documents, audio, video and screen share as used.
 */
import { randomBytes } from 'node:crypto';
import type { EphemeraClient, PollTallyEvent } from '../../client/index.js';

export type WaitFor = (cond: () => boolean, what: string) => Promise<void>;

/** Resolves once the relay has handled everything `c` sent before (a PING/PONG round trip on the same socket). */
function roundTrip(c: EphemeraClient): Promise<void> {
  return new Promise<void>((resolve) => {
    const ref = c.ping();
    const onPong = (e: { ref: number }): void => {
      if (e.ref !== ref) return;
      c.off('pong', onPong);
      resolve();
    };
    c.on('pong', onPong);
  });
}

/** The presenter opens a poll, everyone else answers, the presenter closes it and shares the results. */
async function pollTour(presenter: EphemeraClient, others: EphemeraClient[], waitFor: WaitFor): Promise<void> {
  let opened = 0;
  let results = 0;
  let tally: PollTallyEvent | null = null;
  const onOpened = (): void => void opened++;
  const onResults = (): void => void results++;
  for (const c of others) {
    c.on('pollOpened', onOpened);
    c.on('pollResults', onResults);
  }
  presenter.on('pollTally', (e) => (tally = e));
  const pollId = presenter.openPoll({
    questions: [
      { text: 'Is this demo working?', options: ['yes', 'no'] },
      { text: 'Which lane next?', options: ['documents', 'media', 'both'] },
    ],
    anonymous: true,
  });
  await waitFor(() => opened === others.length, 'the poll to reach everyone');
  others.forEach((c, i) => c.answerPoll(pollId, [0, i % 3]));
  await waitFor(() => tally !== null && tally.answers === others.length, 'the poll tally');
  presenter.closePoll(pollId);
  await waitFor(() => tally !== null && tally.closed, 'the final poll tally');
  presenter.shareResults(pollId);
  await waitFor(() => results === others.length, 'the poll results');
  for (const c of others) {
    c.off('pollOpened', onOpened);
    c.off('pollResults', onResults);
  }
}

/** The host shares a document with everyone (each receiver checks its SHA-256), then one with the presenter only. */
async function documentTour(host: EphemeraClient, presenter: EphemeraClient, others: EphemeraClient[]): Promise<void> {
  const doc = randomBytes(512 * 1024);
  const received = others.map((c) => new Promise<Uint8Array>((resolve, reject) => c.once('documentOffered', (d) => d.receive().then(resolve, reject))));
  await host.shareDocument(doc, { name: 'agenda.bin', type: 'application/octet-stream' });
  for (const bytes of await Promise.all(received)) {
    if (!Buffer.from(bytes).equals(doc)) throw new Error('a receiver got a different document');
  }
  const direct = randomBytes(64 * 1024);
  const got = new Promise<Uint8Array>((resolve, reject) => presenter.once('documentOffered', (d) => d.receive().then(resolve, reject)));
  await host.shareDocument(direct, { name: 'notes.txt', type: 'text/plain', to: presenter.you.id });
  if (!Buffer.from(await got).equals(direct)) throw new Error('the presenter got a different document');
}

/** The presenter publishes audio, video and screen; everyone else subscribes and receives a frame of each. */
async function mediaTour(presenter: EphemeraClient, others: EphemeraClient[], waitFor: WaitFor): Promise<void> {
  const tracks = [
    { id: 1, source: 'audio' as const, codec: 'opus' },
    { id: 2, source: 'video' as const, codec: 'vp8' },
    { id: 3, source: 'screen' as const, codec: 'vp8' },
  ];
  for (const t of tracks) presenter.publishTrack(t);
  await waitFor(() => others.every((c) => tracks.every((t) => c.tracks.has(`${presenter.you.id}/${t.id}`))), 'tracks to be announced');
  // Who got a frame of which track. Media is lossy: across relays the first frames can precede the receiving
  // relay's interest reaching the publisher's, so the presenter sends again until every receiver has one of each.
  const got = new Set<string>();
  const handlers = others.map((c, i) => (e: { track: number }): void => void got.add(`${i}/${e.track}`));
  others.forEach((c, i) => {
    c.on('media', handlers[i]!);
    for (const t of tracks) c.subscribe(presenter.you.id, t.id);
  });
  await Promise.all(others.map(roundTrip));
  let timestamp = 0;
  const sendAll = (): void => {
    timestamp++;
    for (const t of tracks) presenter.sendMedia(t.id, new Uint8Array(64).fill(t.id), { keyframe: true, timestamp, audioLevel: t.source === 'audio' ? 90 : 0 });
  };
  sendAll();
  const resend = setInterval(sendAll, 100);
  try {
    await waitFor(() => got.size >= others.length * tracks.length, 'media frames');
  } finally {
    clearInterval(resend);
  }
  others.forEach((c, i) => c.off('media', handlers[i]!));
}

/** clients[0] is the host, clients[1] a presenter, the rest attendees. */
export async function runDemoLanes(clients: EphemeraClient[], waitFor: WaitFor): Promise<void> {
  const host = clients[0]!;
  const presenter = clients[1]!;
  const notPresenter = clients.filter((c) => c !== presenter);
  await pollTour(presenter, notPresenter, waitFor);
  await documentTour(host, presenter, clients.filter((c) => c !== host));
  await mediaTour(presenter, notPresenter, waitFor);
  // Host controls: lock and unlock (counted in the CDR).
  host.lock();
  host.unlock();
  await roundTrip(host);
}
