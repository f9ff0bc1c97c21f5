/**
 * Every lane of a meeting from the client SDK, in small pieces you can copy: a poll, a document, media tracks
 * and host controls. Run it against a relay started with `npx ephemera relay` (it mints development tokens from
 * the relay's data folder, as `ephemera demo` does):
 *
 *   node bin/run-ts.js examples/lanes.ts [--url ws://127.0.0.1:8080] [--data-dir .ephemera]
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type EphemeraClient } from '../client/index.js';
import { DEFAULT_AUDIENCE, DEFAULT_CAPABILITIES, DEFAULT_ISSUER, loadOrCreateDevKeys, mintJoinToken, type Role } from '../token/index.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const url = flag('url', 'ws://127.0.0.1:8080');
const keys = loadOrCreateDevKeys(flag('data-dir', '.ephemera'));
const meetingId = 'lanes-' + randomBytes(6).toString('hex');

async function join(participantId: string, role: Role): Promise<EphemeraClient> {
  const token = mintJoinToken(keys.privateKey, keys.kid, {
    issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE, participantId, meetingId, role,
    capabilities: [...DEFAULT_CAPABILITIES[role]], ttlSeconds: 600,
  });
  return connect({ url, meetingId, token });
}

/** Polls: the presenter opens one, attendees answer once, the presenter sees coalesced tallies, closes, shares. */
async function polls(presenter: EphemeraClient, attendee: EphemeraClient): Promise<void> {
  attendee.on('pollOpened', (poll) => {
    console.log(`poll from ${poll.from}: ${poll.questions[0]!.text} ${poll.questions[0]!.options.join(' / ')}`);
    attendee.answerPoll(poll.pollId, [1]); // question 0: option 1 ("no")
  });
  const closed = new Promise<void>((resolve) =>
    presenter.on('pollTally', (t) => {
      console.log(`tally: ${t.answers} answer(s), counts ${JSON.stringify(t.counts)}${t.closed ? ' (final)' : ''}`);
      if (t.answers === 1 && !t.closed) presenter.closePoll(t.pollId);
      if (t.closed) resolve();
    }),
  );
  attendee.on('pollResults', (r) => console.log(`results shared: ${JSON.stringify(r.counts)}`));
  const pollId = presenter.openPoll({ questions: [{ text: 'Ship it?', options: ['yes', 'no'] }], anonymous: true });
  await closed;
  presenter.shareResults(pollId);
}

/** Documents: chunked, flow-controlled, hash-checked; the receiver streams chunks to a sink. */
async function documents(presenter: EphemeraClient, attendee: EphemeraClient): Promise<void> {
  const file = randomBytes(2 * 1024 * 1024);
  const received = new Promise<void>((resolve, reject) =>
    attendee.on('documentOffered', (doc) => {
      console.log(`offered: ${doc.name} (${doc.type}, ${doc.size} bytes) from ${doc.from}`);
      const hash = createHash('sha256');
      // receive() alone would collect the bytes; a sink keeps nothing (a 100 MB file need not be held).
      doc.receive((chunk) => void hash.update(chunk)).then(() => {
        console.log(`received and verified, sha256 ${hash.digest('hex').slice(0, 16)}...`);
        resolve();
      }, reject);
    }),
  );
  const result = await presenter.shareDocument(file, { name: 'slides.pdf', type: 'application/pdf' });
  console.log(`shared ${result.size} bytes; receivers that left: ${JSON.stringify(result.dropped)}`);
  await received;
  // A late joiner can ask the sharer again: the relay keeps no copy.
  presenter.on('documentResendRequested', (r) => void presenter.shareDocument(file, { name: 'slides.pdf', to: r.from }));
}

/** Media: publish a track, subscribe, send frames (keyframes when asked), see active speakers. */
async function media(presenter: EphemeraClient, attendee: EphemeraClient): Promise<void> {
  presenter.on('keyframeRequest', (k) => presenter.sendMedia(k.track, new Uint8Array(100), { keyframe: true }));
  attendee.on('activeSpeakers', (s) => console.log(`active speakers: ${s.participants.join(', ') || '(none)'}`));
  const got = new Promise<void>((resolve) => attendee.on('media', (f) => f.keyframe && resolve()));
  attendee.on('trackPublished', (t) => attendee.subscribe(t.publisher, t.id));
  presenter.publishTrack({ id: 1, source: 'video', codec: 'vp8' });
  presenter.publishTrack({ id: 2, source: 'audio', codec: 'opus' });
  for (let i = 0; i < 10; i++) presenter.sendMedia(2, new Uint8Array(60), { audioLevel: 100, timestamp: i * 960 });
  await got;
  console.log('video keyframe received');
}

/** Host controls: lock, ask to mute, promote/demote, remove (and bar), end. Only hosts may. */
async function hostControls(host: EphemeraClient, attendee: EphemeraClient): Promise<void> {
  attendee.on('hostControl', (c) => console.log(`host control: ${c.action}${c.target ? ' ' + c.target : ''}`));
  attendee.on('error', (e) => console.log(`refused: ${e.code}`));
  attendee.lock(); // refused: RELAY_ERR_NOT_PERMITTED
  host.lock();
  host.askMute(attendee.you.id);
  host.promote(attendee.you.id);
  host.demote(attendee.you.id);
  host.unlock();
  host.endMeeting();
  await attendee.closed;
}

const host = await join('host', 'host');
const presenter = await join('presenter', 'presenter');
const attendee = await join('attendee', 'attendee');
await polls(presenter, attendee);
await documents(presenter, attendee);
await media(presenter, attendee);
await hostControls(host, attendee);
for (const c of [host, presenter, attendee]) c.close();
