/**
 * One table of error causes, each run against both transports: the same cause must get the same answer (HTTP
 * status and `{"error","message"}` body at the upgrade; ERROR frames and close code on an open connection), and
 * that answer must be the documented one (protocol/README.md, README.md, SECURITY.md). Real relays in this
 * process, raw clients that speak the wire by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BEARER_PREFIX, CloseCode, decodeEnvelope, encodeEnvelope, Kind, SUBPROTOCOL } from '../../protocol/index.js';
import { connect, type EphemeraClient } from '../../client/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { clientFrame, metricValue, rawHttp, rawWs, upgradeRequest, type RawWs } from './security-helpers.js';

/** What a client saw: an HTTP answer at the upgrade, or the ERROR codes and the close code of an open socket. */
type Outcome =
  | { readonly http: number; readonly error: string | null; readonly hasMessage: boolean }
  | { readonly errors: readonly string[]; readonly close: number };

const MAX_FRAME = 4 * 1024;
/** Limits small enough to reach quickly. */
const OPTIONS = {
  maxFrameBytes: MAX_FRAME,
  maxFramesPerSecond: 500,
  frameBurst: 500,
  idleTimeoutMs: 1_000,
  maxReliableBacklogBytes: 64 * 1024,
  lossyDropBytes: 16 * 1024,
  hardBackpressureBytes: 256 * 1024,
  slowConsumerCheckMs: 20,
  duplicateIdentity: 'replace',
} as const;

/** A marker the fault hook throws on (test-only hook: startRelay's third argument). */
const FAULT = Buffer.from('FAULT-INJECTED-BY-TEST');

function httpOutcome(status: number, body: string): Outcome {
  if (status === 0) return { http: 0, error: null, hasMessage: false };
  let parsed: { error?: unknown; message?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // not JSON: reported as no error code
  }
  return { http: status, error: typeof parsed.error === 'string' ? parsed.error : null, hasMessage: typeof parsed.message === 'string' && parsed.message.length > 0 };
}

async function upgradeOutcome(h: Harness, request: string): Promise<Outcome> {
  const a = await rawHttp(h.relay.port, request, 5_000);
  a.socket.destroy();
  return httpOutcome(a.status, a.body);
}

const joinRequest = (path: string, protocols: string[], extra: Record<string, string> = {}): string => upgradeRequest(path, protocols, extra);

async function joinRaw(h: Harness, mid: string, pid: string, token = h.token(mid, pid)): Promise<RawWs> {
  const w = await rawWs(h.relay.port, `/v1/meetings/${mid}`, [SUBPROTOCOL, BEARER_PREFIX + token]);
  expect(w.status).toBe(101);
  await waitFor(() => w.frames.length > 0, 5_000, 'WELCOME');
  return w;
}

/** The ERROR codes a raw socket received and its close code (1006 when the connection ended without one). */
async function socketOutcome(w: RawWs): Promise<Outcome> {
  const { closeCode } = await w.ended;
  const errors: string[] = [];
  for (const f of w.frames) {
    if (f.opcode !== 2) continue;
    const d = decodeEnvelope(f.payload);
    if (d.ok && d.value.kind === Kind.ERROR) errors.push(d.value.error?.code ?? '?');
  }
  return { errors, close: closeCode ?? 1006 };
}

const binary = (bytes: Uint8Array): Buffer => clientFrame(2, bytes);
const chatBytes = (size: number): Uint8Array => encodeEnvelope({ kind: Kind.CHAT, payload: new Uint8Array(size) });

interface Cause {
  readonly name: string;
  readonly expected: Outcome;
  run(h: Harness): Promise<Outcome>;
}

const http = (status: number, error: string | null): Outcome => ({ http: status, error, hasMessage: error !== null });

const CAUSES: readonly Cause[] = [
  {
    name: 'a plain GET on the relay port',
    expected: http(426, 'RELAY_ERR_UPGRADE_REQUIRED'),
    run: (h) => upgradeOutcome(h, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
  },
  {
    name: 'an upgrade on an unknown path',
    expected: http(404, 'RELAY_ERR_NOT_FOUND'),
    run: (h) => upgradeOutcome(h, joinRequest('/v2/rooms/x', [SUBPROTOCOL, BEARER_PREFIX + 'a.b.c'])),
  },
  {
    name: 'an upgrade without the protocol version',
    expected: http(426, 'RELAY_ERR_UNSUPPORTED_VERSION'),
    run: (h) => upgradeOutcome(h, joinRequest('/v1/meetings/m', ['ephemera.v0', BEARER_PREFIX + 'a.b.c'])),
  },
  {
    name: 'an upgrade without a token',
    expected: http(401, 'RELAY_ERR_TOKEN_MISSING'),
    run: (h) => upgradeOutcome(h, joinRequest('/v1/meetings/m', [SUBPROTOCOL])),
  },
  {
    name: 'a forged token',
    expected: http(401, 'RELAY_ERR_TOKEN_INVALID'),
    run: (h) => {
      const t = h.token('m', 'p');
      return upgradeOutcome(h, joinRequest('/v1/meetings/m', [SUBPROTOCOL, BEARER_PREFIX + t.slice(0, -4) + 'AAAA']));
    },
  },
  {
    name: 'a 100 KB token',
    expected: http(401, 'RELAY_ERR_TOKEN_INVALID'),
    run: (h) => upgradeOutcome(h, joinRequest('/v1/meetings/m', [SUBPROTOCOL, BEARER_PREFIX + 'a'.repeat(100_000) + '.b.c'])),
  },
  {
    name: 'a request head above 128 KiB (dropped unanswered)',
    expected: { http: 0, error: null, hasMessage: false },
    run: (h) => upgradeOutcome(h, joinRequest('/v1/meetings/m', [SUBPROTOCOL, BEARER_PREFIX + 'a'.repeat(140_000)])),
  },
  {
    name: 'a token for another meeting',
    expected: http(403, 'RELAY_ERR_WRONG_MEETING'),
    run: (h) => upgradeOutcome(h, joinRequest('/v1/meetings/other', [SUBPROTOCOL, BEARER_PREFIX + h.token('m', 'p')])),
  },
  {
    name: 'a single-use token used twice',
    expected: http(403, 'RELAY_ERR_TOKEN_REPLAYED'),
    run: async (h) => {
      const mid = meetingId();
      const t = h.token(mid, 'p', { singleUse: true });
      const first = await joinRaw(h, mid, 'p', t);
      const second = await upgradeOutcome(h, joinRequest(`/v1/meetings/${mid}`, [SUBPROTOCOL, BEARER_PREFIX + t]));
      first.socket.destroy();
      return second;
    },
  },
  {
    name: 'a join to a meeting its host ended',
    expected: http(403, 'RELAY_ERR_MEETING_ENDED'),
    run: async (h) => {
      const mid = meetingId();
      const host = await h.join(mid, 'host', { role: 'host' });
      host.endMeeting();
      await host.closed;
      return upgradeOutcome(h, joinRequest(`/v1/meetings/${mid}`, [SUBPROTOCOL, BEARER_PREFIX + h.token(mid, 'late')]));
    },
  },
  {
    name: 'a text frame',
    expected: { errors: ['RELAY_ERR_MALFORMED_FRAME'], close: CloseCode.MALFORMED_FRAME },
    run: async (h) => {
      const w = await joinRaw(h, meetingId(), 'p');
      w.send(clientFrame(1, Buffer.from('hello')));
      return socketOutcome(w);
    },
  },
  {
    name: 'bytes that are not an Envelope',
    expected: { errors: ['RELAY_ERR_MALFORMED_FRAME'], close: CloseCode.MALFORMED_FRAME },
    run: async (h) => {
      const w = await joinRaw(h, meetingId(), 'p');
      w.send(binary(Uint8Array.of(0xff, 0xff, 0xff, 0xff)));
      return socketOutcome(w);
    },
  },
  {
    name: 'a frame above --max-frame-bytes',
    expected: { errors: ['RELAY_ERR_FRAME_TOO_LARGE'], close: CloseCode.FRAME_TOO_LARGE },
    run: async (h) => {
      const w = await joinRaw(h, meetingId(), 'p');
      w.send(binary(chatBytes(MAX_FRAME + 100)));
      return socketOutcome(w);
    },
  },
  {
    name: 'a frame above twice --max-frame-bytes (dropped without a close frame)',
    expected: { errors: [], close: 1006 },
    run: async (h) => {
      const w = await joinRaw(h, meetingId(), 'p');
      w.send(binary(chatBytes(2 * MAX_FRAME + 100)));
      return socketOutcome(w);
    },
  },
  {
    name: 'frames above the rate limit',
    expected: { errors: ['RELAY_ERR_RATE_LIMITED'], close: CloseCode.RATE_LIMITED },
    run: async (h) => {
      const w = await joinRaw(h, meetingId(), 'p');
      const ping = binary(encodeEnvelope({ kind: Kind.PING, ref: 1 }));
      for (let i = 0; i < 1_500; i++) w.send(ping);
      return socketOutcome(w);
    },
  },
  {
    name: 'nothing sent within the idle timeout',
    expected: { errors: ['RELAY_ERR_IDLE_TIMEOUT'], close: CloseCode.IDLE_TIMEOUT },
    run: async (h) => socketOutcome(await joinRaw(h, meetingId(), 'p')),
  },
  {
    name: 'a slow consumer that reads again',
    expected: { errors: ['RELAY_ERR_SLOW_CONSUMER'], close: CloseCode.SLOW_CONSUMER },
    run: async (h) => {
      const mid = meetingId();
      const slow = await joinRaw(h, mid, 'slow');
      slow.socket.pause();
      const talkers: EphemeraClient[] = [];
      for (let i = 0; i < 3; i++) talkers.push(await connect({ url: h.relay.url, meetingId: mid, token: h.token(mid, `talker-${i}`) }));
      // Keep the slow one's relay-side backlog growing (each talker under its rate: 400 of 500 frames/s) until
      // the relay cuts it; loopback kernel buffers take a few MiB first.
      // The cut is counted at once in frames_rejected (backlog check) or, at the transport's hard cap, in
      // disconnects (on ws only once the socket is gone: that one is not waited for here).
      const cuts = async (): Promise<number> =>
        (await metricValue(h.relay.adminPort, 'ephemera_frames_rejected_total', { code: 'RELAY_ERR_SLOW_CONSUMER' })) +
        (await metricValue(h.relay.adminPort, 'ephemera_disconnects_total', { reason: 'slow_consumer' }));
      const before = await cuts();
      const frame = chatBytes(MAX_FRAME - 64);
      const fill = setInterval(() => {
        for (const t of talkers) for (let i = 0; i < 4; i++) if (t.bufferedAmount < 1 << 20) t.sendRaw(frame);
      }, 10);
      const keepAlive = setInterval(() => slow.socket.write(clientFrame(2, encodeEnvelope({ kind: Kind.PONG }))), 200);
      try {
        const until = Date.now() + 20_000;
        while ((await cuts()) <= before) {
          if (Date.now() > until) throw new Error('the slow consumer was not cut');
        }
      } finally {
        clearInterval(fill);
        clearInterval(keepAlive);
      }
      slow.socket.resume();
      const outcome = await socketOutcome(slow);
      for (const t of talkers) t.close();
      return outcome;
    },
  },
  {
    name: 'a second session with the same participant id',
    expected: { errors: ['RELAY_ERR_REPLACED'], close: CloseCode.REPLACED },
    run: async (h) => {
      const mid = meetingId();
      const first = await joinRaw(h, mid, 'p');
      const second = await joinRaw(h, mid, 'p');
      const outcome = await socketOutcome(first);
      second.socket.destroy();
      return outcome;
    },
  },
  {
    name: 'a participant the host removes',
    expected: { errors: ['RELAY_ERR_REMOVED'], close: CloseCode.REMOVED },
    run: async (h) => {
      const mid = meetingId();
      const host = await h.join(mid, 'host', { role: 'host' });
      const w = await joinRaw(h, mid, 'p');
      host.remove('p');
      return socketOutcome(w);
    },
  },
  {
    name: 'the host ends the meeting',
    expected: { errors: [], close: CloseCode.MEETING_ENDED },
    run: async (h) => {
      const mid = meetingId();
      const host = await h.join(mid, 'host', { role: 'host' });
      const w = await joinRaw(h, mid, 'p');
      host.endMeeting();
      return socketOutcome(w);
    },
  },
  {
    name: 'an exception while handling a frame (the meeting goes on)',
    expected: { errors: ['RELAY_ERR_INTERNAL'], close: CloseCode.INTERNAL },
    run: async (h) => {
      const mid = meetingId();
      const other: EphemeraClient = await h.join(mid, 'other');
      const w = await joinRaw(h, mid, 'p');
      w.send(binary(encodeEnvelope({ kind: Kind.CHAT, payload: FAULT })));
      const outcome = await socketOutcome(w);
      // The meeting and the relay go on: the other participant still gets an answer, and a new one joins.
      const pongs = other.ping();
      expect(pongs).toBeGreaterThan(0);
      const late = await h.join(mid, 'late');
      expect(late.roster.has('other')).toBe(true);
      expect(await metricValue(h.relay.adminPort, 'ephemera_internal_errors_total', { where: 'message' })).toBe(1);
      return outcome;
    },
  },
];

function faultHook(data: Uint8Array): void {
  if (Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes(FAULT)) throw new Error('fault injected by the test');
}

describe.each(CAUSES)('$name', (cause) => {
  const seen = new Map<string, Outcome>();
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  it.each(TRANSPORTS)('over %s gets the documented answer', async (transport) => {
    h = await startHarness(transport, OPTIONS, { frameFaultHook: faultHook });
    const outcome = await cause.run(h);
    seen.set(transport, outcome);
    expect(outcome).toEqual(cause.expected);
  }, 40_000);
  it('is the same on both transports', () => {
    expect(seen.size).toBe(2);
    expect(seen.get('uws')).toEqual(seen.get('ws'));
  });
});
