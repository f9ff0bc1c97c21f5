/**
 * The join storm, shared by security-floods.test.ts (4 s) and test/soak/join-storm.soak.test.ts (a minute): a
 * relay child process with its per-IP handshake limits lifted (as if the storm came from many addresses, so that
 * the verification gate of relay/meeting/admission.ts is what copes); an attacker process
 * (security-storm-attacker.mjs) sending upgrades with garbage and forged tokens from 127.0.0.2-5, 32 at a time
 * from each; meanwhile, from 127.0.0.1, a good join starts every 150 ms (each timed to its WELCOME) and a
 * bystander meeting chats every 25 ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type EphemeraClient } from '../../client/index.js';
import { meetingId, waitFor } from '../helpers/relay-harness.js';
import { cpuMs, metricValue, percentile, rawJoin, rssBytes, sleep, startRelayChild, tokenMinter, type RelayChild, type TransportName } from './security-helpers.js';

const ATTACKER = fileURLToPath(new URL('./security-storm-attacker.mjs', import.meta.url));

export interface StormResult {
  readonly attempts: number;
  readonly statuses: Record<string, number>;
  /** Joins the relay refused as invalid tokens (its metric). */
  readonly invalid: number;
  readonly relayCpuMs: number;
  readonly rssStart: number;
  readonly rssPeak: number;
  readonly joinMs: number[];
  readonly goodFailures: string[];
  readonly bystander: { sent: number; got: number; p50: number; p99: number; max: number; closed: boolean };
  readonly summary: string;
}

/** Two participants of a quiet meeting chatting every `everyMs`; collects latencies and what arrived. */
export async function bystanders(url: string, token: (mid: string, pid: string) => string, everyMs = 20) {
  const mid = meetingId();
  const a: EphemeraClient = await connect({ url, meetingId: mid, token: token(mid, 'a') });
  const b: EphemeraClient = await connect({ url, meetingId: mid, token: token(mid, 'b') });
  const latencies: number[] = [];
  const got: number[] = [];
  b.on('chat', (e) => {
    const [n, at] = e.text.split(':');
    got.push(Number(n));
    latencies.push(performance.now() - Number(at));
  });
  let sent = 0;
  const timer = setInterval(() => a.sendChat(`${++sent}:${performance.now()}`), everyMs);
  return {
    latencies,
    async stop(): Promise<{ sent: number; got: number[]; p50: number; p99: number; max: number; closed: boolean }> {
      clearInterval(timer);
      await waitFor(() => got.length >= sent, 5_000, 'bystander chat').catch(() => undefined);
      const closed = a.isClosed || b.isClosed;
      a.close();
      b.close();
      return { sent, got, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: percentile(latencies, 1), closed };
    },
  };
}

/** Runs a storm of `durationMs`; `extraArgs` go to the relay (e.g. to take the gate away for a comparison). */
export async function runJoinStorm(transport: TransportName, durationMs: number, extraArgs: string[] = []): Promise<StormResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-storm-'));
  let relay: RelayChild | undefined;
  try {
    const token = tokenMinter(dataDir);
    relay = await startRelayChild({
      args: ['--transport', transport, '--data-dir', dataDir, '--log-level', 'warn', '--handshakes-per-ip-per-second', '1000000', '--max-connections-per-ip', '1000000', ...extraArgs],
    });
    const r = relay;
    const chat = await bystanders(r.url, token, 25);
    const stormMeeting = meetingId();
    const [head, body] = token(stormMeeting, 'someone').split('.') as [string, string, string];
    const attacker = spawn(
      process.execPath,
      [ATTACKER, JSON.stringify({ port: r.port, path: `/v1/meetings/${stormMeeting}`, ips: ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'], perIp: 32, durationMs, head, body })],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    attacker.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const attackerDone = new Promise<void>((resolve) => attacker.once('exit', () => resolve()));
    const cpu0 = cpuMs(r.pid);
    const rssStart = rssBytes(r.pid);
    let rssPeak = rssStart;
    const rssTimer = setInterval(() => {
      try {
        rssPeak = Math.max(rssPeak, rssBytes(r.pid));
      } catch {
        // gone: the checks fail on their own
      }
    }, 200);

    // Good joins from another address, one started every 150 ms during the storm (each timed on its own).
    const goodMeeting = meetingId();
    const joinMs: number[] = [];
    const goodFailures: string[] = [];
    const joins: Promise<void>[] = [];
    await sleep(300);
    const until = Date.now() + durationMs - 800;
    for (let i = 0; Date.now() < until; i++) {
      const t0 = performance.now();
      joins.push(
        rawJoin(r.url, goodMeeting, token(goodMeeting, `good-${i}`), { localAddress: '127.0.0.1' }, false).then(
          (p) => {
            joinMs.push(performance.now() - t0);
            p.ws.terminate();
          },
          (err: unknown) => void goodFailures.push(String(err)),
        ),
      );
      await sleep(150);
    }
    await Promise.all(joins);
    await attackerDone;
    clearInterval(rssTimer);
    const relayCpuMs = cpuMs(r.pid) - cpu0;
    const by = await chat.stop();
    const storm = JSON.parse(out) as { attempts: number; statuses: Record<string, number> };
    const invalid = await metricValue(r.adminPort, 'ephemera_joins_total', { outcome: 'RELAY_ERR_TOKEN_INVALID' });
    const bystander = { sent: by.sent, got: by.got.length, p50: by.p50, p99: by.p99, max: by.max, closed: by.closed };
    const summary =
      `join storm over ${transport}${extraArgs.length > 0 ? ` (${extraArgs.join(' ')})` : ''}: ${storm.attempts} bad joins in ${durationMs} ms from 4 addresses, ` +
      `answers ${JSON.stringify(storm.statuses)}, ${invalid} refused as invalid tokens, relay CPU ${(relayCpuMs / 1000).toFixed(1)} s, ` +
      `relay RSS ${(rssStart / 1048576).toFixed(0)} -> ${(rssPeak / 1048576).toFixed(0)} MiB; ${joinMs.length} good joins: ` +
      `p50 ${percentile(joinMs, 0.5).toFixed(1)} ms, max ${percentile(joinMs, 1).toFixed(1)} ms; bystander chat p99 ${by.p99.toFixed(1)} ms, max ${by.max.toFixed(1)} ms`;
    return { attempts: storm.attempts, statuses: storm.statuses, invalid, relayCpuMs, rssStart, rssPeak, joinMs, goodFailures, bystander, summary };
  } finally {
    await relay?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
