/**
 * The stalled-readers scenario, shared by test/integration/security-stalled-readers.test.ts (bounded) and
 * test/soak/stalled-readers.soak.test.ts (long, with waves of stalled readers rejoining).
 *
 * A relay child process; `meetings` meetings, each with `crowdPerMeeting` participants (the crowd) plus a talker,
 * a listener and a filler; and a quiet bystander meeting of two. Raw `ws` clients.
 * - Baseline: everyone reads. Talkers send a timestamped chat every 50 ms (to their meeting), fillers send
 *   `fillBytesPerSecond` of chat per meeting, the bystanders chat every 50 ms. Listeners and bystanders record
 *   latencies.
 * - Stall: the crowd stops reading (their sockets are paused), the same traffic goes on until the relay has cut
 *   every stalled participant as a slow consumer, or `stallLimitMs`. The relay's RSS is sampled every 100 ms.
 * Reported: latencies of both phases, RSS before and at peak, disconnects by reason, relay CPU, how long the
 * cutting took, and the close code and ERROR that a sample of the crowd finds once it reads again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeChatMessage, decodeEnvelope, encodeChatMessage, encodeEnvelope, Kind, RosterChange } from '../../protocol/index.js';
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
  /** Crowd members that resume reading afterwards to check what they were told. */
  readonly sample: number;
  /** Soak: after the cut, the crowd rejoins and stalls again this many more times. */
  readonly waves?: number;
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
  readonly baseline: PhaseStats;
  readonly stalled: PhaseStats;
  readonly bystanderBaseline: PhaseStats;
  readonly bystanderStalled: PhaseStats;
  readonly cutMs: number[];
  readonly slowConsumers: number;
  readonly disconnects: Record<string, number>;
  readonly othersClosed: number;
  /** Reasons of the LEFT roster events the listeners saw. */
  readonly rosterReasons: Record<string, number>;
  readonly relayCpuMs: number;
  readonly sampleCloses: Array<{ code: number; errors: string[] }>;
  readonly stderr: string;
}

function stats(v: number[]): PhaseStats {
  return { n: v.length, p50: percentile(v, 0.5), p99: percentile(v, 0.99), max: percentile(v, 1) };
}

/** One member of the crowd. */
interface Member {
  readonly id: string;
  readonly w: RawWs;
  readonly sampled: boolean;
}

/** Runs the scenario and always stops the relay. */
export async function runStalledReaders(o: StalledOptions): Promise<StalledResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-stalled-'));
  const token = tokenMinter(dataDir);
  let relay: RelayChild | undefined;
  const all: RawPeer[] = [];
  const crowdSockets: RawWs[] = [];
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
    const join = async (mid: string, pid: string, keep = false): Promise<RawPeer> => {
      const p = await rawJoin(r.url, mid, token(mid, pid, { role: pid.startsWith('filler') || pid === 'talker' ? 'presenter' : 'attendee' }), {}, keep);
      all.push(p);
      return p;
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
    const others = [...talkers, ...listeners, ...fillers, byA, byB];

    // The crowd speaks WebSocket by hand and only counts what it receives: reading costs the test process little,
    // so that the baseline measures the relay rather than this process. The sample parses frames.
    const joinCrowd = async (wave: number): Promise<Member[]> => {
      const crowd: Member[] = [];
      const total = o.meetings * o.crowdPerMeeting;
      for (let i = 0; i < total; i += 50) {
        const batch: Promise<Member>[] = [];
        for (let j = i; j < Math.min(total, i + 50); j++) {
          const mid = mids[j % o.meetings]!;
          const id = `c${j}-w${wave}`;
          const sampled = j < o.sample;
          batch.push(
            rawWs(r.port, `/v1/meetings/${mid}`, ['ephemera.v1', `bearer.${token(mid, id)}`], {}, undefined, !sampled).then((w) => {
              if (w.status !== 101) throw new Error(`crowd join refused with ${w.status}`);
              crowdSockets.push(w);
              return { id, w, sampled };
            }),
          );
        }
        crowd.push(...(await Promise.all(batch)));
      }
      return crowd;
    };
    let crowd = await joinCrowd(0);
    const joinMs = performance.now() - t0;
    await sleep(500);
    const rssJoined = rssBytes(r.pid);

    // Latency probes: chat text is `${n}:${performance.now()}`; the listener and bystander b read them.
    let recording: number[] = [];
    let bystanderRecording: number[] = [];
    const onChat = (into: () => number[]) => (env: { kind: number; from: string; payload: Uint8Array }): void => {
      if (env.kind !== Kind.CHAT || (env.from !== 'talker' && env.from !== 'a')) return;
      const m = decodeChatMessage(env.payload);
      if (!m.ok) return;
      const at = Number(m.value.text.split(':')[1]);
      into().push(performance.now() - at);
    };
    // A sampled crowd member starts reading again the moment its meeting hears that it left as a slow consumer,
    // well within the close handshake's time limit: it must find ERROR RELAY_ERR_SLOW_CONSUMER and close 4003.
    const bySampleId = new Map<string, Member>();
    const rosterReasons: Record<string, number> = {};
    const listen = onChat(() => recording);
    for (const l of listeners) {
      l.onFrame = (env) => {
        if (env.kind === Kind.ROSTER && env.roster?.change === RosterChange.LEFT) {
          const id = env.roster.participant?.id ?? '';
          rosterReasons[env.roster.reason ?? ''] = (rosterReasons[env.roster.reason ?? ''] ?? 0) + 1;
          const m = bySampleId.get(id);
          if (m !== undefined) m.w.socket.resume();
          return;
        }
        listen(env);
      };
    }
    byB.onFrame = onChat(() => bystanderRecording);
    // Everyone who does not otherwise send pings now and then, as clients do (so that nobody hits the idle timeout;
    // writing works while reading is paused).
    const ping = clientFrame(2, encodeEnvelope({ kind: Kind.PING }));
    const pingTimer = setInterval(() => {
      for (const l of listeners) l.ws.send(encodeEnvelope({ kind: Kind.PING }));
      byB.ws.send(encodeEnvelope({ kind: Kind.PING }));
      for (const c of crowdSockets) if (!c.socket.destroyed) c.socket.write(ping);
    }, 5_000);
    let n = 0;
    const probe = (): Uint8Array => encodeEnvelope({ kind: Kind.CHAT, payload: encodeChatMessage({ text: `${++n}:${performance.now()}` }) });
    const talkTimer = setInterval(() => {
      for (const t of talkers) t.ws.send(probe());
      byA.ws.send(probe());
    }, 50);
    // Fillers: every 100 ms, a tenth of fillBytesPerSecond per meeting, in chats of at most 16 KiB.
    const fillChunk = Math.min(16_384, Math.ceil(o.fillBytesPerSecond / 10));
    const fillCount = Math.max(1, Math.round(o.fillBytesPerSecond / 10 / fillChunk));
    const fill = encodeEnvelope({ kind: Kind.CHAT, payload: randomBytes(fillChunk) });
    const fillTimer = setInterval(() => {
      for (const f of fillers) for (let i = 0; i < fillCount; i++) f.ws.send(fill);
    }, 100);

    try {
      await sleep(o.baselineMs);
      const baseline = recording;
      const bystanderBaseline = bystanderRecording;
      recording = [];
      bystanderRecording = [];

      const cpu0 = cpuMs(r.pid);
      let rssPeak = rssJoined;
      const rssTimer = setInterval(() => {
        try {
          rssPeak = Math.max(rssPeak, rssBytes(r.pid));
        } catch {
          // the relay is gone: the test fails on its own checks
        }
      }, 100);
      const cutMs: number[] = [];
      let slowBefore = 0;
      const waves = 1 + (o.waves ?? 0);
      let sampleCloses: Array<{ code: number; errors: string[] }> = [];
      try {
        for (let wave = 0; wave < waves; wave++) {
          if (wave > 0) {
            for (const c of crowd) c.w.socket.destroy();
            crowdSockets.length = 0;
            crowd = await joinCrowd(wave);
          }
          const stallStart = performance.now();
          bySampleId.clear();
          for (const c of crowd) {
            c.w.socket.pause();
            if (c.sampled) bySampleId.set(c.id, c);
          }
          const target = slowBefore + crowd.length;
          let slow = slowBefore;
          while (performance.now() - stallStart < o.stallLimitMs) {
            await sleep(250);
            slow = await metricValue(r.adminPort, 'ephemera_disconnects_total', { reason: 'slow_consumer' });
            if (slow >= target) break;
          }
          cutMs.push(performance.now() - stallStart);
          slowBefore = slow;
          const sample = crowd.filter((c) => c.sampled);
          const ends = await Promise.all(sample.map((c) => Promise.race([c.w.ended, sleep(10_000).then(() => ({ closeCode: -1 }))])));
          sampleCloses = sample.map((c, i) => ({
            code: ends[i]!.closeCode ?? 1006,
            errors: c.w.frames.flatMap((f) => {
              const d = f.opcode === 2 ? decodeEnvelope(f.payload) : null;
              return d !== null && d.ok && d.value.kind === Kind.ERROR ? [d.value.error?.code ?? ''] : [];
            }),
          }));
          for (const c of sample) c.w.frames.length = 0;
        }
      } finally {
        clearInterval(rssTimer);
      }
      const relayCpuMs = cpuMs(r.pid) - cpu0;
      const stalled = recording;
      const bystanderStalled = bystanderRecording;
      clearInterval(talkTimer);
      clearInterval(fillTimer);
      const disconnects: Record<string, number> = {};
      for (const reason of ['slow_consumer', 'disconnect', 'leave', 'idle_timeout', 'rate_limited']) {
        disconnects[reason] = await metricValue(r.adminPort, 'ephemera_disconnects_total', { reason });
      }
      clearInterval(pingTimer);
      for (const c of crowd) c.w.socket.destroy();
      await sleep(3_000);
      return {
        joinMs,
        rssJoined,
        rssPeak,
        rssEnd: rssBytes(r.pid),
        baseline: stats(baseline),
        stalled: stats(stalled),
        bystanderBaseline: stats(bystanderBaseline),
        bystanderStalled: stats(bystanderStalled),
        cutMs,
        slowConsumers: disconnects.slow_consumer ?? 0,
        disconnects,
        othersClosed: others.filter((p) => p.closeCode !== null).length,
        rosterReasons,
        relayCpuMs,
        sampleCloses,
        stderr: r.stderr(),
      };
    } finally {
      clearInterval(talkTimer);
      clearInterval(fillTimer);
      clearInterval(pingTimer);
    }
  } finally {
    for (const p of all) p.ws.terminate();
    for (const w of crowdSockets) w.socket.destroy();
    await relay?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One line for the test log. */
export function describeStalled(transport: string, o: StalledOptions, r: StalledResult): string {
  const mib = (b: number): string => (b / 1048576).toFixed(0);
  const ph = (s: PhaseStats): string => `p50 ${s.p50.toFixed(1)} / p99 ${s.p99.toFixed(1)} / max ${s.max.toFixed(1)} ms (n ${s.n})`;
  return (
    `stalled readers over ${transport}: ${o.meetings * o.crowdPerMeeting} stalled in ${o.meetings} meetings, fill ${(o.fillBytesPerSecond / 1024).toFixed(0)} KiB/s per meeting; ` +
    `joined in ${(r.joinMs / 1000).toFixed(1)} s; cut in ${r.cutMs.map((m) => (m / 1000).toFixed(1)).join(', ')} s; disconnects ${JSON.stringify(r.disconnects)}; ` +
    `relay RSS ${mib(r.rssJoined)} MiB joined, ${mib(r.rssPeak)} MiB peak, ${mib(r.rssEnd)} MiB after; relay CPU while stalled ${(r.relayCpuMs / 1000).toFixed(1)} s; ` +
    `listeners baseline ${ph(r.baseline)}, stalled ${ph(r.stalled)}; bystanders baseline ${ph(r.bystanderBaseline)}, stalled ${ph(r.bystanderStalled)}; ` +
    `roster LEFT reasons ${JSON.stringify(r.rosterReasons)}; sample closes ${JSON.stringify(r.sampleCloses.slice(0, 3))}`
  );
}
