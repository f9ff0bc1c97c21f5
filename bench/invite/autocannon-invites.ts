/**
 * Invite throughput: autocannon against POST /v1/meetings/:id/invites of an invite service running in a child
 * process pinned to core 0 (the load runs here). Reports requests/s, tokens/s, p99 latency and the server's CPU
 * microseconds per token (from /proc: the robust figure on a noisy machine).
 *
 *   node --import tsx bench/invite/autocannon-invites.ts [--duration 5] [--connections 16] [--batch 10]
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnPinned } from '../lib/child-process.js';
import { readCpuUs } from '../lib/proc-stats.js';

/** The part of autocannon's result this bench reads (autocannon ships no types). */
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface BenchInvitesOptions {
  /** Measurement window. Default 5 s (quick: 2 s). `durationS` is accepted too (the bench runner's name). */
  readonly durationSeconds?: number;
  readonly durationS?: number;
  readonly quick?: boolean;
  /** Concurrent connections. Default 16. */
  readonly connections?: number;
  /** Invites per request of the main run. Default 1 (so requests/s = invites/s). */
  readonly invitesPerRequest?: number;
  /** Write a V8 CPU profile of the service into this folder (node --cpu-prof), to see where an invite's time goes. */
  readonly cpuProfileDir?: string;
  /** Invites per request of a second, batched run (skipped when quick or 0). Default 10. */
  readonly batch?: number;
  /** Core the service is pinned to. Default 0. */
  readonly serverCore?: number;
}

export interface InviteRun {
  readonly invitesPerRequest: number;
  readonly requestsPerSec: number;
  readonly tokensPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU (user + system) per token issued, microseconds. */
  readonly serverCpuUsPerToken: number;
  readonly non2xx: number;
  readonly errors: number;
}

export interface BenchInvitesResult extends InviteRun {
  readonly durationSeconds: number;
  readonly connections: number;
  readonly batched?: InviteRun;
}

async function runOnce(
  target: { url: string; apiKey: string; meetingId: string },
  pid: number,
  invitesPerRequest: number,
  connections: number,
  duration: number,
): Promise<InviteRun> {
  const opts = {
    url: `${target.url}/v1/meetings/${target.meetingId}/invites`,
    method: 'POST' as const,
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ invites: Array.from({ length: invitesPerRequest }, () => ({})) }),
    connections,
  };
  await autocannon({ ...opts, duration: 1 }); // warm-up: JIT, the scrypt check of the key, connection set-up
  const cpu0 = readCpuUs(pid);
  const r = await autocannon({ ...opts, duration });
  const cpuUs = readCpuUs(pid) - cpu0;
  const tokens = r['2xx'] * invitesPerRequest;
  const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
  return {
    invitesPerRequest,
    requestsPerSec: round(r['2xx'] / r.duration),
    tokensPerSec: round(tokens / r.duration),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    serverCpuUsPerToken: tokens > 0 ? round(cpuUs / tokens) : 0,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** Runs the invite benchmark and returns its figures. */
export async function benchInvites(options: BenchInvitesOptions = {}): Promise<BenchInvitesResult> {
  const quick = options.quick ?? false;
  const duration = Math.max(1, Math.round(options.durationSeconds ?? options.durationS ?? (quick ? 2 : 5)));
  const connections = options.connections ?? 16;
  const perRequest = options.invitesPerRequest ?? 1;
  const batch = quick ? 0 : (options.batch ?? 10);
  const server = spawnPinned({
    name: 'invite-service',
    core: options.serverCore ?? 0,
    command: process.execPath,
    args: [
      ...(options.cpuProfileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
      '--import',
      'tsx',
      fileURLToPath(new URL('./invite-bench-server.ts', import.meta.url)),
    ],
  });
  try {
    const m = await server.waitForLine(/^READY (\{.*\})$/, 20_000);
    const target = JSON.parse(m[1] ?? '{}') as { url: string; apiKey: string; meetingId: string };
    const main = await runOnce(target, server.pid, perRequest, connections, duration);
    const batched = batch > 0 ? await runOnce(target, server.pid, batch, connections, duration) : undefined;
    return { ...main, durationSeconds: duration, connections, ...(batched !== undefined ? { batched } : {}) };
  } finally {
    await server.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '16' },
      batch: { type: 'string', default: '10' },
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const result = await benchInvites({
    durationSeconds: Number(values.duration),
    connections: Number(values.connections),
    batch: Number(values.batch),
    quick: values.quick,
    ...(values['cpu-prof'] !== undefined ? { cpuProfileDir: values['cpu-prof'] } : {}),
  });
  process.stdout.write(JSON.stringify(result) + '\n');
}
