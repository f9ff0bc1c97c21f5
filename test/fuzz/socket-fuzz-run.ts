/**
 * The socket fuzzer, shared by test/fuzz/socket-fuzz.test.ts (bounded) and test/soak/socket-fuzz.soak.test.ts
 * (many more frames): mutated, random and hostile frames over real sockets against a real relay.
 *
 * Four workers send frames one at a time, each followed by a PING probe, and check the outcome against an oracle:
 * - a text frame or bytes that are not an Envelope of a known kind: ERROR RELAY_ERR_MALFORMED_FRAME, close 4000;
 * - a frame above --max-frame-bytes: ERROR RELAY_ERR_FRAME_TOO_LARGE, close 4001;
 * - a frame above the transport's hard limit (twice that): a dropped connection (1006) on both transports;
 * - a burst past the frame-rate bucket: ERROR RELAY_ERR_RATE_LIMITED, close 4002;
 * - LEAVE: close 1000; END_MEETING from a host: close 4007;
 * - anything else: the connection stays (the probe's PONG comes back) and every ERROR it caused is non-fatal;
 *   the relay's own kinds sent by a client get ERROR RELAY_ERR_UNKNOWN_KIND echoing the frame's ref.
 * No frame may go unanswered (a hang fails the test), and the relay must not crash (it runs in this process: an
 * exception fails the run). Meanwhile a second meeting exchanges timestamped chat every 25 ms; every message must
 * arrive, in order, with a bounded delay (measured and printed).
 *
 * Seeded: the seed is printed with the report, and replays the run.
 */
import { expect } from 'vitest';
import type { WebSocket } from 'ws';
import {
  Audience,
  CloseCode,
  encodeChatMessage,
  encodeDocumentInfo,
  encodeEnvelope,
  encodePollText,
  decodeEnvelope,
  HostAction,
  Kind,
  type EnvelopeInit,
} from '../../protocol/index.js';
import { connect, type EphemeraClient } from '../../client/index.js';
import { meetingId, startHarness } from '../helpers/relay-harness.js';
import { percentile, prng, rawJoin, sleep, type RawPeer, type TransportName } from '../integration/security-helpers.js';

/** The fuzzed relay's --max-frame-bytes. */
export const MAX_FRAME = 2_048;
const RATE = 5_000;
const BURST = 10_000;
/** PONG frames in one rate burst: well past BURST plus what refills while the relay works through them. */
export const RATE_BURST_FRAMES = 20_000;
const RATE_EVENTS = 3;
/** A frame that gets no answer within this long is a hang. */
const HANG_MS = 10_000;
const PROBE_BASE = 0x7ff00000;
const RELAY_ONLY_KINDS = [Kind.WELCOME, Kind.ROSTER, Kind.ERROR, Kind.MEETING_ENDED, Kind.POLL_TALLY, Kind.DOC_CREDIT, Kind.KEYFRAME_REQUEST, Kind.ACTIVE_SPEAKERS];

type Rng = ReturnType<typeof prng>;

/** What the oracle expects of one frame. */
type Expectation =
  | { readonly end: false; readonly unknownKindRef?: number }
  | { readonly end: true; readonly codes: readonly number[]; readonly error?: string };

interface Frame {
  readonly data: Buffer | string;
  readonly label: string;
}

/** Valid frames of every kind a client may send, and some it may not, with random fields. */
function validFrame(r: Rng, self: string): EnvelopeInit {
  const ref = 1 + r.int(1_000_000);
  const id = (): string => r.pick(['p1', 'p2', 't1', 't2', self, 'observer', 'nobody', '']);
  switch (r.int(16)) {
    case 0:
      return { kind: Kind.CHAT, ref, payload: encodeChatMessage({ text: `fuzz ${r.int(1e9)}`, sentAt: Date.now() }) };
    case 1:
      return { kind: Kind.CHAT, ref, audience: r.pick([Audience.ONE, Audience.HOSTS]), to: id(), payload: r.bytes(r.int(200)) };
    case 2:
      return { kind: Kind.MEDIA, ref, track: r.int(4), keyframe: r.int(2) === 1, timestamp: r.int(1e6), audioLevel: r.int(128), payload: r.bytes(r.int(1500)) };
    case 3:
      return { kind: Kind.TRACK_PUBLISH, ref, trackInfo: { id: r.int(4), source: r.int(4), codec: 'vp8' } };
    case 4:
      return { kind: r.pick([Kind.TRACK_SUBSCRIBE, Kind.TRACK_UNSUBSCRIBE]), ref, subscription: { publisher: r.pick(['w0', 'w1', 'w2', self, 'observer']), track: r.int(4) } };
    case 5:
      return { kind: Kind.TRACK_UNPUBLISH, ref, track: r.int(4), trackInfo: { id: r.int(4) } };
    case 6:
      return { kind: Kind.POLL_OPEN, ref, pollOpen: { pollId: id(), optionCounts: [1 + r.int(4), r.int(3)], anonymous: r.int(2) === 1 }, payload: encodePollText({ questions: [{ text: 'q', options: ['a', 'b'] }] }) };
    case 7:
      return { kind: Kind.POLL_ANSWER, ref, pollAnswer: { pollId: id(), choices: [{ question: r.int(3), options: [r.int(5)] }] } };
    case 8:
      return { kind: r.pick([Kind.POLL_CLOSE, Kind.POLL_RESULTS]), ref, pollClose: { pollId: id() } };
    case 9:
      return { kind: Kind.DOC_OFFER, ref, docOffer: { transferId: id(), size: r.int(200_000), sha256: r.bytes(32), chunkSize: 1 + r.int(4096) }, payload: encodeDocumentInfo({ name: 'f', mediaType: 'x/y' }) };
    case 10:
      return { kind: Kind.DOC_CHUNK, ref, docChunk: { transferId: id(), offset: r.int(100_000), last: r.int(2) === 1 }, payload: r.bytes(r.int(1500)) };
    case 11:
      return { kind: r.pick([Kind.DOC_ACK, Kind.DOC_CANCEL, Kind.DOC_RESEND]), ref, docAck: { transferId: id(), received: r.int(200_000) } };
    case 12:
      return { kind: Kind.HOST_CONTROL, ref, hostControl: { action: r.int(8), target: id(), bar: r.int(2) === 1, track: r.int(3) } };
    case 13:
      return { kind: r.pick(RELAY_ONLY_KINDS), ref, payload: r.bytes(r.int(40)) };
    case 14:
      return { kind: r.pick([Kind.PING, Kind.PONG]), ref };
    default:
      return r.int(10) === 0 ? { kind: Kind.LEAVE, ref, leave: { reason: 'fuzz' } } : { kind: Kind.PING, ref };
  }
}

/** Mutations of a valid frame: bit flips, truncation, extension, splice, overwrite, varint bombs. */
function mutate(r: Rng, a: Buffer, b: Buffer): Buffer {
  const out = Buffer.from(a);
  switch (r.int(6)) {
    case 0:
      for (let i = 1 + r.int(8); i > 0 && out.length > 0; i--) out[r.int(out.length)]! ^= 1 << r.int(8);
      return out;
    case 1:
      return out.subarray(0, r.int(out.length + 1));
    case 2:
      return Buffer.concat([out, r.bytes(1 + r.int(32))]);
    case 3:
      return Buffer.concat([out.subarray(0, r.int(out.length + 1)), b.subarray(r.int(b.length + 1))]);
    case 4:
      for (let i = 1 + r.int(4); i > 0 && out.length > 0; i--) out[r.int(out.length)] = r.int(256);
      return out;
    default:
      // A length or varint claiming far more than there is, at a random place.
      return Buffer.concat([out.subarray(0, r.int(out.length + 1)), Buffer.from([r.pick([0x7a, 0xa2, 0xc2, 0x2a, 0x12]), 0xff, 0xff, 0xff, 0xff, 0x0f]), r.bytes(r.int(8))]);
  }
}

function makeFrame(r: Rng, self: string): Frame {
  const roll = r.int(100);
  if (roll < 30) return { data: Buffer.from(encodeEnvelope(validFrame(r, self))), label: 'valid' };
  if (roll < 70) {
    const a = Buffer.from(encodeEnvelope(validFrame(r, self)));
    const b = Buffer.from(encodeEnvelope(validFrame(r, self)));
    return { data: mutate(r, a, b), label: 'mutated' };
  }
  if (roll < 86) return { data: r.bytes(r.int(300)), label: 'random' };
  if (roll < 92) return { data: r.bytes(MAX_FRAME + 1 + r.int(MAX_FRAME)), label: 'oversize' };
  if (roll < 96) return { data: r.bytes(2 * MAX_FRAME + 1 + r.int(MAX_FRAME)), label: 'over-transport-limit' };
  if (roll < 98) return { data: `text frame ${r.int(1000)}`, label: 'text' };
  return { data: Buffer.alloc(0), label: 'empty' };
}

/** The oracle: what the relay must do with this frame (see the file comment). */
function expectationOf(frame: Frame, transport: TransportName, host: boolean): Expectation {
  if (typeof frame.data === 'string') return { end: true, codes: [CloseCode.MALFORMED_FRAME], error: 'RELAY_ERR_MALFORMED_FRAME' };
  const size = frame.data.length;
  if (size > 2 * MAX_FRAME) return { end: true, codes: [1006] };
  if (size > MAX_FRAME) return { end: true, codes: [CloseCode.FRAME_TOO_LARGE], error: 'RELAY_ERR_FRAME_TOO_LARGE' };
  const decoded = decodeEnvelope(frame.data);
  if (!decoded.ok) return { end: true, codes: [CloseCode.MALFORMED_FRAME], error: 'RELAY_ERR_MALFORMED_FRAME' };
  const env = decoded.value;
  if (env.kind === Kind.LEAVE) return { end: true, codes: [CloseCode.NORMAL] };
  if (host && env.kind === Kind.HOST_CONTROL && env.hostControl?.action === HostAction.END_MEETING) return { end: true, codes: [CloseCode.MEETING_ENDED] };
  if (RELAY_ONLY_KINDS.includes(env.kind)) return { end: false, unknownKindRef: env.ref };
  return { end: false };
}

export interface Stats {
  frames: number;
  byLabel: Record<string, number>;
  outcomes: Record<string, number>;
  reconnects: number;
  rateEvents: number;
  refusals: Record<string, number>;
  /** Total time from sending a frame to its outcome, by outcome. */
  answerMs: Record<string, number>;
  joinMs: number;
}

/** Waits for the probe's PONG or the close, whichever comes first. */
function outcome(peer: RawPeer, probeRef: number): Promise<{ closed: boolean; code: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hang: no answer within ${HANG_MS} ms`)), HANG_MS);
    const done = (v: { closed: boolean; code: number }): void => {
      clearTimeout(timer);
      peer.onFrame = null;
      resolve(v);
    };
    peer.onFrame = (env) => {
      if (env.kind === Kind.PONG && env.ref === probeRef) done({ closed: false, code: 0 });
    };
    void peer.closed.then((c) => done({ closed: true, code: c.code }));
  });
}

export interface FuzzReport {
  readonly transport: TransportName;
  readonly seed: number;
  readonly stats: Stats;
  /** Oracle violations (empty when the relay behaved). */
  readonly failures: string[];
  readonly rateEvents: number;
  readonly elapsedMs: number;
  readonly cpuMs: number;
  /** The bystander meeting: messages sent each way, what each side received (message numbers), latencies. */
  readonly bystander: { sent: number; receivedA: number[]; receivedB: number[]; p50: number; p99: number; max: number; closed: boolean };
  /** The fuzz meeting's observer was never disconnected. */
  readonly observerStayed: boolean;
  /** A join after the run was welcomed. */
  readonly lateJoinOk: boolean;
  readonly summary: string;
}

/** Runs `frames` fuzz frames (plus RATE_EVENTS rate bursts) against an in-process relay on `transport`. */
export async function runSocketFuzz(transport: TransportName, frames: number, seed: number): Promise<FuzzReport> {
  const h = await startHarness(transport, {
    maxFrameBytes: MAX_FRAME,
    maxFramesPerSecond: RATE,
    frameBurst: BURST,
    emptyTimeoutMs: 200,
    handshakesPerIpPerSecond: 100_000,
    maxConnectionsPerIp: 10_000,
    maxPendingVerificationsPerIp: 1_000,
  });
  try {
    const stats: Stats = { frames: 0, byLabel: {}, outcomes: {}, reconnects: 0, rateEvents: 0, refusals: {}, answerMs: {}, joinMs: 0 };
    const failures: string[] = [];
    const fuzzMeeting = meetingId();
    const observer = await rawJoin(h.relay.url, fuzzMeeting, h.token(fuzzMeeting, 'observer'), {}, false);

    // The bystander meeting: two participants exchange timestamped chat every 25 ms throughout.
    const quiet = meetingId();
    const a: EphemeraClient = await connect({ url: h.relay.url, meetingId: quiet, token: h.token(quiet, 'a') });
    const b: EphemeraClient = await connect({ url: h.relay.url, meetingId: quiet, token: h.token(quiet, 'b') });
    const latencies: number[] = [];
    const received = { a: [] as number[], b: [] as number[] };
    const listen = (c: EphemeraClient, into: number[]): void => {
      c.on('chat', (e) => {
        const [n, at] = e.text.split(':');
        into.push(Number(n));
        latencies.push(performance.now() - Number(at));
      });
    };
    listen(a, received.a);
    listen(b, received.b);
    let sent = 0;
    const chatter = setInterval(() => {
      sent++;
      a.sendChat(`${sent}:${performance.now()}`);
      b.sendChat(`${sent}:${performance.now()}`);
      // The observer pings now and then, as clients do, so that long runs do not end it at the idle timeout.
      if (sent % 200 === 0) observer.ws.send(encodeEnvelope({ kind: Kind.PING }));
    }, 25);

    let remaining = frames;
    let probes = 0;
    const rateAt = new Set(Array.from({ length: RATE_EVENTS }, (_, i) => Math.floor(((i + 1) * frames) / (RATE_EVENTS + 1))));
    async function worker(index: number): Promise<void> {
      const host = index === 3;
      const r = prng(seed * 31 + index);
      let peer: RawPeer | null = null;
      let self = '';
      let generation = 0;
      while (remaining > 0) {
        // Claim the step before any await, so that the workers together send exactly FRAMES frames.
        const step = frames - remaining;
        remaining--;
        if (peer === null || peer.closeCode !== null) {
          generation++;
          self = `w${index}-${generation}`;
          // The host works alone in a meeting of its own (it may end it); the others share the fuzz meeting.
          const mid = host ? meetingId() : fuzzMeeting;
          const joinStart = performance.now();
          peer = await rawJoin(h.relay.url, mid, h.token(mid, self, { role: host ? 'host' : 'attendee', capabilities: ['chat', 'poll', 'document', 'audio', 'video', 'screen'] }));
          stats.reconnects++;
          stats.joinMs += performance.now() - joinStart;
        }
        const ws: WebSocket = peer.ws;
        const before = peer.frames.length;
        let frame: Frame;
        let expected: Expectation;
        if (rateAt.has(step)) {
          rateAt.delete(step);
          stats.rateEvents++;
          frame = { data: 'rate burst', label: 'rate-burst' };
          expected = { end: true, codes: [CloseCode.RATE_LIMITED], error: 'RELAY_ERR_RATE_LIMITED' };
          const pong = Buffer.from(encodeEnvelope({ kind: Kind.PONG }));
          for (let i = 0; i < RATE_BURST_FRAMES && ws.readyState === ws.OPEN; i++) ws.send(pong);
        } else {
          frame = makeFrame(r, self);
          expected = expectationOf(frame, transport, host);
          ws.send(frame.data, { binary: typeof frame.data !== 'string' });
        }
        stats.byLabel[frame.label] = (stats.byLabel[frame.label] ?? 0) + 1;
        const probeRef = PROBE_BASE + ++probes;
        if (ws.readyState === ws.OPEN) ws.send(encodeEnvelope({ kind: Kind.PING, ref: probeRef }));
        const sentAt = performance.now();
        const got = await outcome(peer, probeRef);
        stats.frames++;
        const key = got.closed ? `close ${got.code}` : 'stays';
        stats.outcomes[key] = (stats.outcomes[key] ?? 0) + 1;
        stats.answerMs[key] = (stats.answerMs[key] ?? 0) + (performance.now() - sentAt);
        const errors = peer.frames.slice(before).filter((f) => f !== null && f.kind === Kind.ERROR).map((f) => f!.error!);
        for (const e of errors) stats.refusals[e.code ?? '?'] = (stats.refusals[e.code ?? '?'] ?? 0) + 1;
        const what = `${transport} step ${step} (${frame.label}, ${typeof frame.data === 'string' ? 'text' : Buffer.from(frame.data).subarray(0, 48).toString('hex')})`;
        if (expected.end) {
          if (!got.closed) failures.push(`${what}: expected close ${expected.codes.join('/')}, the connection stayed`);
          else if (!expected.codes.includes(got.code)) failures.push(`${what}: expected close ${expected.codes.join('/')}, got ${got.code}`);
          else if (expected.error !== undefined && !errors.some((e) => e.code === expected.error && e.closeCode === got.code)) {
            failures.push(`${what}: closed ${got.code} without an ERROR ${expected.error} first (got ${errors.map((e) => e.code).join(',') || 'none'})`);
          }
        } else {
          if (got.closed) failures.push(`${what}: expected the connection to stay, it closed with ${got.code}`);
          for (const e of errors) if (e.closeCode !== 0) failures.push(`${what}: a non-fatal frame got a fatal ERROR ${e.code}`);
          if (expected.unknownKindRef !== undefined && !errors.some((e) => e.code === 'RELAY_ERR_UNKNOWN_KIND' && e.ref === expected.unknownKindRef)) {
            failures.push(`${what}: a relay-only kind got no ERROR RELAY_ERR_UNKNOWN_KIND with its ref`);
          }
        }
        if (failures.length > 20) throw new Error(`seed ${seed}:\n${failures.join('\n')}`);
      }
      peer?.ws.terminate();
    }

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      await Promise.all([0, 1, 2, 3].map(worker));
    } finally {
      clearInterval(chatter);
    }
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await sleep(300);

    const p99 = percentile(latencies, 0.99);
    const max = percentile(latencies, 1);
    const lateMeeting = meetingId();
    const late = await connect({ url: h.relay.url, meetingId: lateMeeting, token: h.token(lateMeeting, 'late') });
    const lateJoinOk = late.you.id === 'late';
    late.close();
    const bystander = { sent, receivedA: received.a, receivedB: received.b, p50: percentile(latencies, 0.5), p99, max, closed: a.isClosed || b.isClosed };
    const observerStayed = observer.closeCode === null;
    observer.ws.terminate();
    a.close();
    b.close();
    const summary =
      `socket fuzz over ${transport}: seed ${seed}, ${stats.frames} frames in ${(elapsed / 1000).toFixed(1)} s ` +
      `(CPU of relay and clients ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s), ${stats.reconnects} connections, ` +
      `${stats.rateEvents} rate bursts of ${RATE_BURST_FRAMES} frames; by kind ${JSON.stringify(stats.byLabel)}; outcomes ${JSON.stringify(stats.outcomes)}; ` +
      `refusals ${JSON.stringify(stats.refusals)}; mean answer ms ${JSON.stringify(Object.fromEntries(Object.entries(stats.answerMs).map(([k, v]) => [k, Number((v / stats.outcomes[k]!).toFixed(2))])))}, ` +
      `mean join ${(stats.joinMs / stats.reconnects).toFixed(2)} ms; bystander chat: ${sent} x2 sent, ${received.a.length + received.b.length} received, ` +
      `latency p50 ${bystander.p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`;
    return { transport, seed, stats, failures, rateEvents: stats.rateEvents, elapsedMs: elapsed, cpuMs: (cpu.user + cpu.system) / 1000, bystander, observerStayed, lateJoinOk, summary };
  } finally {
    await h.close();
  }
}

/** The checks every fuzz run must pass (also used by the soak). */
export function expectFuzzPassed(r: FuzzReport, frames: number): void {
  expect(r.failures, `seed ${r.seed}`).toEqual([]);
  expect(r.stats.frames).toBe(frames);
  expect(r.rateEvents).toBe(3);
  // Every outcome class of the oracle was exercised.
  for (const code of [CloseCode.MALFORMED_FRAME, CloseCode.FRAME_TOO_LARGE, CloseCode.RATE_LIMITED]) expect(r.stats.outcomes[`close ${code}`]).toBeGreaterThan(0);
  expect(r.stats.outcomes['close 1006']).toBeGreaterThan(0);
  expect(r.stats.outcomes.stays).toBeGreaterThan(frames / 10);
  // The bystanders never noticed: every message arrived, in order, none twice, within a bounded delay.
  expect(r.bystander.closed).toBe(false);
  const all = Array.from({ length: r.bystander.sent }, (_, i) => i + 1);
  expect(r.bystander.receivedA).toEqual(all);
  expect(r.bystander.receivedB).toEqual(all);
  // Generous: relay, fuzzers and bystanders share one thread of a noisy 2-core machine; the rate bursts push
  // 20,000 frames through at once, and each fuzzer reconnection costs a token verification and a journal fsync.
  expect(r.bystander.max).toBeLessThan(2_000);
  expect(r.bystander.p99).toBeLessThan(500);
  expect(r.observerStayed).toBe(true);
  expect(r.lateJoinOk).toBe(true);
}
