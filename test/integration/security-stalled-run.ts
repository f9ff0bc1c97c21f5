/**
 * The stalled-readers scenario, shared by test/integration/security-stalled-readers.test.ts (bounded) and
 * test/soak/stalled-readers.soak.test.ts (long, with waves of stalled readers rejoining).
 *
 * A relay child process; `meetings` meetings, each with `crowdPerMeeting` participants (the crowd) plus a talker,
 * a listener and a filler; a quiet bystander meeting of two; a sample meeting (below).
 * - Baseline: everyone reads. Talkers send a timestamped chat every 50 ms (to their meeting), fillers send
 *   `fillBytesPerSecond` of chat per meeting, the bystanders chat every 50 ms; the listeners and a bystander
 *   record latencies. The crowd speaks WebSocket by hand and only counts the bytes it receives, so that reading
 *   costs this process little and the baseline measures the relay.
 * - Sample: `sample` participants of a meeting of their own stop reading while a filler floods them; once the
 *   relay has cut them all (its frames-rejected metric says so), they read again and must find ERROR
 *   RELAY_ERR_SLOW_CONSUMER and close 4003 (within the close handshake's time limit, which is what a slow reader
 *   that recovers experiences; one that never reads again finds a dead connection).
 * - Stall: the crowd stops reading (sockets paused) while the same traffic goes on, until the relay has cut every
 *   stalled participant, or `stallLimitMs`. Sampled every 100 ms: the relay's RSS and the kernel's TCP memory.
 * Everyone that does not otherwise send pings every 5 s, as clients do, so that nobody reaches the idle timeout.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeChatMessage, decodeEnvelope, encodeChatMessage, encodeEnvelope, Kind, RosterChange, type Envelope } from '../../protocol/index.js';
import { meetingId } from '../helpers/relay-harness.js';
import {
  clientFrame,
  cpuMs,
  metricValue,
  percentile,
  rawJoin,
  rawWs,
  rssBytes,
  sleep,
  startRelayChild,
  tokenMinter,
  type RawPeer,
  type RawWs,
  type RelayChild,
  type TransportName,
} from './security-helpers.js';

export interface StalledOptions {
  readonly transport: TransportName;
  readonly meetings: number;
  readonly crowdPerMeeting: number;
  readonly fillBytesPerSecond: number;
  readonly baselineMs: number;
  readonly stallLimitMs: number;
  /** Relay settings of the run (also used for the memory bound). */
  readonly maxReliableBacklogBytes: number;
  readonly hardBackpressureBytes: number;
  /** Participants of the sample meeting, which check what a cut participant is told. */
  readonly sample: number;
  /** Soak: after the cut, the crowd rejoins and stalls again this many more times. */
  readonly waves?: number;
  /** How long to wait after the last wave before the final RSS reading (default 3 s). */
  readonly settleMs?: number;
}

export interface PhaseStats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface StalledResult {
  readonly joinMs: number;
  readonly rssJoined: number;
  readonly rssPeak: number;
  readonly rssEnd: number;
  /** Kernel TCP memory of the whole machine (/proc/net/sockstat), bytes: before the stall and at its peak. */
  readonly tcpMemBefore: number;
  readonly tcpMemPeak: number;
  readonly baseline: PhaseStats;
  readonly stalled: PhaseStats;
  readonly bystanderBaseline: PhaseStats;
  readonly bystanderStalled: PhaseStats;
  /** How long each wave took until every stalled participant was cut. */
  readonly cutMs: number[];
  /** Crowd members cut per wave (slow consumer or, on uws, shut by uWS at its own cap). */
  readonly cutPerWave: number[];
  /** The relay's peak RSS during each wave. */
  readonly rssPeakPerWave: number[];
  readonly disconnects: Record<string, number>;
  readonly othersClosed: number;
  /** Reasons of the LEFT roster events the listeners saw. */
  readonly rosterReasons: Record<string, number>;
  readonly relayCpuMs: number;
  readonly sampleCutMs: number;
  readonly sampleCloses: Array<{ code: number; errors: string[] }>;
  readonly stderr: string;
}

function stats(v: number[]): PhaseStats {
  return { n: v.length, p50: percentile(v, 0.5), p99: percentile(v, 0.99), max: percentile(v, 1) };
}

/** Kernel memory of all TCP sockets of the machine, bytes. */
function tcpMemBytes(): number {
  const m = /TCP:.* mem (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  return m === null ? 0 : Number(m[1]) * 4096;
}

const PING = encodeEnvelope({ kind: Kind.PING });
const MASKED_PING = clientFrame(2, PING);

/** Runs the scenario and always stops the relay. */
export async function runStalledReaders(o: StalledOptions): Promise<StalledResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-stalled-'));
  const token = tokenMinter(dataDir);
  let relay: RelayChild | undefined;
  const peers: RawPeer[] = [];
  const raws: RawWs[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    relay = await startRelayChild({
      args: [
        '--transport', o.transport, '--data-dir', dataDir, '--log-level', 'warn',
        '--max-reliable-backlog-bytes', String(o.maxReliableBacklogBytes),
        '--lossy-drop-bytes', String(Math.min(16_384, o.maxReliableBacklogBytes / 2)),
        '--hard-backpressure-bytes', String(o.hardBackpressureBytes),
        '--slow-consumer-check-ms', '50',
        '--handshakes-per-ip-per-second', '100000', '--max-connections-per-ip', '100000',
        '--max-frames-per-second', '2000', '--frame-burst', '4000',
        '--empty-timeout-ms', '600000',
      ],
    });
    const r = relay;
    const join = async (mid: string, pid: string): Promise<RawPeer> => {
      const p = await rawJoin(r.url, mid, token(mid, pid, { role: pid.startsWith('filler') || pid === 'talker' ? 'presenter' : 'attendee' }), {}, false);
      peers.push(p);
      return p;
    };
    const joinRaw = async (mid: string, pid: string, discard: boolean): Promise<RawWs> => {
      const w = await rawWs(r.port, `/v1/meetings/${mid}`, ['ephemera.v1', `bearer.${token(mid, pid)}`], {}, undefined, discard);
      if (w.status !== 101) throw new Error(`join of ${pid} refused with ${w.status}`);
      raws.push(w);
      return w;
    };
    const mids = Array.from({ length: o.meetings }, () => meetingId());
    const t0 = performance.now();
    const talkers: RawPeer[] = [];
    const fillers: RawPeer[] = [];
    const listeners: RawPeer[] = [];
    for (const mid of mids) {
      talkers.push(await join(mid, 'talker'));
      listeners.push(await join(mid, 'listener'));
      fillers.push(await join(mid, 'filler'));
    }
    const quiet = meetingId();
    const byA = await join(quiet, 'a');
    const byB = await join(quiet, 'b');
    const sampleMid = meetingId();
    const sampleFiller = await join(sampleMid, 'filler-sample');
    const sample: RawWs[] = [];
    for (let i = 0; i < o.sample; i++) sample.push(await joinRaw(sampleMid, `s${i}`, false));
    const others = [...talkers, ...listeners, ...fillers, byA, byB, sampleFiller];

    let crowd: RawWs[] = [];
    const joinCrowd = async (wave: number): Promise<void> => {
      const total = o.meetings * o.crowdPerMeeting;
      const next: RawWs[] = [];
      for (let i = 0; i < total; i += 50) {
        const batch: Promise<RawWs>[] = [];
        for (let j = i; j < Math.min(total, i + 50); j++) batch.push(joinRaw(mids[j % o.meetings]!, `c${j}-w${wave}`, true));
        next.push(...(await Promise.all(batch)));
      }
      crowd = next;
    };
    await joinCrowd(0);
    const joinMs = performance.now() - t0;
    await sleep(500);
    const rssJoined = rssBytes(r.pid);

    // Latency probes: chat text `${n}:${performance.now()}` from the talkers and from a.
    let recording: number[] = [];
    let bystanderRecording: number[] = [];
    const rosterReasons: Record<string, number> = {};
    const onFrame = (into: () => number[]) => (env: Envelope): void => {
      if (env.kind === Kind.ROSTER_BATCH) {
        for (const u of env.rosterBatch?.updates ?? []) {
          if (u.change !== RosterChange.LEFT) continue;
          const reason = u.reason ?? '';
          rosterReasons[reason] = (rosterReasons[reason] ?? 0) + 1;
        }
        return;
      }
      if (env.kind !== Kind.CHAT || (env.from !== 'talker' && env.from !== 'a')) return;
      const m = decodeChatMessage(env.payload);
      if (m.ok) into().push(performance.now() - Number(m.value.text.split(':')[1]));
    };
    for (const l of listeners) l.onFrame = onFrame(() => recording);
    byB.onFrame = onFrame(() => bystanderRecording);
    let n = 0;
    const probe = (): Uint8Array => encodeEnvelope({ kind: Kind.CHAT, payload: encodeChatMessage({ text: `${++n}:${performance.now()}` }) });
    timers.push(
      setInterval(() => {
        for (const t of talkers) t.ws.send(probe());
        byA.ws.send(probe());
      }, 50),
    );
    // Fillers: every 100 ms, a tenth of fillBytesPerSecond per meeting, in chats of at most 16 KiB.
    const fillChunk = Math.min(16_384, Math.ceil(o.fillBytesPerSecond / 10));
    const fillCount = Math.max(1, Math.round(o.fillBytesPerSecond / 10 / fillChunk));
    const fill = encodeEnvelope({ kind: Kind.CHAT, payload: randomBytes(fillChunk) });
    timers.push(
      setInterval(() => {
        for (const f of fillers) for (let i = 0; i < fillCount; i++) f.ws.send(fill);
      }, 100),
    );
    timers.push(
      setInterval(() => {
        for (const p of [...listeners, byB, sampleFiller]) p.ws.send(PING);
        for (const w of [...crowd, ...sample]) if (!w.socket.destroyed) w.socket.write(MASKED_PING);
      }, 5_000),
    );

    await sleep(o.baselineMs);
    const baseline = recording;
    const bystanderBaseline = bystanderRecording;

    // The sample: flooded while not reading, then reading again once all are cut.
    const rejected = (): Promise<number> => metricValue(r.adminPort, 'ephemera_frames_rejected_total', { code: 'RELAY_ERR_SLOW_CONSUMER' });
    for (const w of sample) w.socket.pause();
    const sampleStart = performance.now();
    const loud = encodeEnvelope({ kind: Kind.CHAT, payload: randomBytes(64 * 1024) });
    const loudTimer = setInterval(() => {
      if (sampleFiller.ws.bufferedAmount < 1 << 20) sampleFiller.ws.send(loud);
    }, 40);
    timers.push(loudTimer);
    while ((await rejected()) < o.sample && performance.now() - sampleStart < 15_000) await sleep(50);
    const sampleCutMs = performance.now() - sampleStart;
    clearInterval(loudTimer);
    for (const w of sample) w.socket.resume();
    const ends = await Promise.all(sample.map((w) => Promise.race([w.ended, sleep(10_000).then(() => ({ closeCode: -1 }))])));
    const sampleCloses = sample.map((w, i) => ({
      code: ends[i]!.closeCode ?? 1006,
      errors: w.frames.flatMap((f) => {
        const d = f.opcode === 2 ? decodeEnvelope(f.payload) : null;
        return d !== null && d.ok && d.value.kind === Kind.ERROR ? [d.value.error?.code ?? ''] : [];
      }),
    }));
    for (const w of sample) w.frames.length = 0;
    // On ws the relay reports a close once the close handshake is over: let the sample's closes land first.
    const sampleGone = performance.now();
    while (performance.now() - sampleGone < 5_000 && (await metricValue(r.adminPort, 'ephemera_disconnects_total', { reason: 'slow_consumer' })) < o.sample) await sleep(100);

    // The crowd stalls.
    recording = [];
    bystanderRecording = [];
    const cpu0 = cpuMs(r.pid);
    const tcpMemBefore = tcpMemBytes();
    let rssPeak = rssJoined;
    let tcpMemPeak = tcpMemBefore;
    timers.push(
      setInterval(() => {
        try {
          rssPeak = Math.max(rssPeak, rssBytes(r.pid));
        } catch {
          // the relay is gone: the checks fail on their own
        }
        tcpMemPeak = Math.max(tcpMemPeak, tcpMemBytes());
      }, 100),
    );
    const gone = async (): Promise<number> =>
      (await metricValue(r.adminPort, 'ephemera_disconnects_total', { reason: 'slow_consumer' })) + (await metricValue(r.adminPort, 'ephemera_disconnects_total', { reason: 'disconnect' }));
    const cutMs: number[] = [];
    const cutPerWave: number[] = [];
    const rssPeakPerWave: number[] = [];
    for (let wave = 0; wave <= (o.waves ?? 0); wave++) {
      const rssBefore = rssPeak;
      rssPeak = rssBytes(r.pid);
      if (wave > 0) {
        for (const w of crowd) w.socket.destroy();
        await sleep(1_000);
        await joinCrowd(wave);
      }
      const before = await gone();
      const stallStart = performance.now();
      for (const w of crowd) w.socket.pause();
      let now = before;
      while (performance.now() - stallStart < o.stallLimitMs) {
        await sleep(200);
        now = await gone();
        if (now - before >= crowd.length) break;
      }
      cutMs.push(performance.now() - stallStart);
      cutPerWave.push(now - before);
      rssPeakPerWave.push(rssPeak);
      rssPeak = Math.max(rssPeak, rssBefore);
    }
    const relayCpuMs = cpuMs(r.pid) - cpu0;
    const stalled = recording;
    const bystanderStalled = bystanderRecording;
    for (const t of timers) clearInterval(t);
    const disconnects: Record<string, number> = {};
    for (const reason of ['slow_consumer', 'disconnect', 'leave', 'idle_timeout', 'rate_limited']) {
      disconnects[reason] = await metricValue(r.adminPort, 'ephemera_disconnects_total', { reason });
    }
    const othersClosed = others.filter((p) => p.closeCode !== null).length;
    for (const w of crowd) w.socket.destroy();
    await sleep(o.settleMs ?? 3_000);
    return {
      joinMs,
      rssJoined,
      rssPeak,
      rssEnd: rssBytes(r.pid),
      tcpMemBefore,
      tcpMemPeak,
      baseline: stats(baseline),
      stalled: stats(stalled),
      bystanderBaseline: stats(bystanderBaseline),
      bystanderStalled: stats(bystanderStalled),
      cutMs,
      cutPerWave,
      rssPeakPerWave,
      disconnects,
      othersClosed,
      rosterReasons,
      relayCpuMs,
      sampleCutMs,
      sampleCloses,
      stderr: r.stderr(),
    };
  } finally {
    for (const t of timers) clearInterval(t);
    for (const p of peers) p.ws.terminate();
    for (const w of raws) w.socket.destroy();
    await relay?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One line for the test log. */
export function describeStalled(transport: string, o: StalledOptions, r: StalledResult): string {
  const mib = (b: number): string => (b / 1048576).toFixed(0);
  const ph = (s: PhaseStats): string => `p50 ${s.p50.toFixed(1)} / p99 ${s.p99.toFixed(1)} / max ${s.max.toFixed(1)} ms (n ${s.n})`;
  return (
    `stalled readers over ${transport}: ${o.meetings * o.crowdPerMeeting} stalled in ${o.meetings} meetings x ${1 + (o.waves ?? 0)} waves, ` +
    `fill ${(o.fillBytesPerSecond / 1024).toFixed(0)} KiB/s per meeting; joined in ${(r.joinMs / 1000).toFixed(1)} s; ` +
    `cut ${r.cutPerWave.join(', ')} in ${r.cutMs.map((m) => (m / 1000).toFixed(1)).join(', ')} s; disconnects ${JSON.stringify(r.disconnects)}; ` +
    `relay RSS ${mib(r.rssJoined)} MiB joined, ${mib(r.rssPeak)} MiB peak (per wave ${r.rssPeakPerWave.map(mib).join(', ')}), ${mib(r.rssEnd)} MiB after; kernel TCP memory ${mib(r.tcpMemBefore)} -> ${mib(r.tcpMemPeak)} MiB; ` +
    `relay CPU while stalled ${(r.relayCpuMs / 1000).toFixed(1)} s; listeners baseline ${ph(r.baseline)}, stalled ${ph(r.stalled)}; ` +
    `bystanders baseline ${ph(r.bystanderBaseline)}, stalled ${ph(r.bystanderStalled)}; roster LEFT reasons ${JSON.stringify(r.rosterReasons)}; ` +
    `sample cut in ${(r.sampleCutMs / 1000).toFixed(1)} s, closes ${JSON.stringify(r.sampleCloses.slice(0, 2))}`
  );
}
