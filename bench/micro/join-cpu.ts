// Server CPU per join, split by thread and by user/system time (issue 16): N joins into one meeting at R joins/s,
// each waited for (Ephemera: its WELCOME; uws-raw: the open), against the relay built to dist/ (as the bench runs
// it) or the raw uWS peer, the server pinned to core 0 and this client to core 1. Nothing else runs in the storm
// (no presenter, no chat), so the figure is the join path alone. Every client is closed before it exits.
// Run: taskset -c 1 node bin/run-ts.js bench/micro/join-cpu.ts [ephemera-uws|ephemera-ws|uws-raw] [N=3000] [R=1000]
// BENCH_RELAY_PROF=<dir> writes a CPU profile of the relay (bench/lib/profile-summary.ts reads it).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawn } from 'node:child_process';
import WebSocket from 'ws';
import { spawnPinned, type PinnedChild } from '../lib/child-process.js';
import { NODE_SERVER_FLAGS } from '../servers/node-flags.js';
import { relayArgs, profileFlags } from '../servers/start-ephemera.js';
import { loadTokenMinter } from '../load/adapters/ephemera-tokens.js';

const server = process.argv[2] ?? 'ephemera-uws';
const N = Number(process.argv[3] ?? 3000);
const RATE = Number(process.argv[4] ?? 1000);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface ThreadCpu {
  name: string;
  user: number;
  sys: number;
}

/** CPU ticks (10 ms) per thread of `pid`, by thread id. */
function threads(pid: number): Map<string, ThreadCpu> {
  const out = new Map<string, ThreadCpu>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(tid, { name, user: Number(rest[11]), sys: Number(rest[12]) });
    } catch {
      // thread gone
    }
  }
  return out;
}

function rssKb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
}

const dataDir = mkdtempSync(join(tmpdir(), 'join-cpu-'));
let child: PinnedChild;
let url: string;
let tokenFor: (i: number) => string[] = () => [];
const meetingId = `jc${Date.now().toString(36)}`;
if (server.startsWith('ephemera')) {
  const minter = await loadTokenMinter(dataDir);
  // JOIN_CPU_DIST=<folder of a copied dist/ inside the repository>: compare another build (no rebuild).
  const dist = process.env.JOIN_CPU_DIST ?? join(ROOT, 'dist');
  if (process.env.JOIN_CPU_DIST === undefined) execFileSync(process.execPath, [join(ROOT, 'scripts/build-dist.mjs')], { cwd: ROOT });
  const transport = server === 'ephemera-ws' ? 'ws' : 'uws';
  child = spawnPinned({
    name: server,
    core: 0,
    command: process.execPath,
    args: [...NODE_SERVER_FLAGS, ...profileFlags(), join(dist, 'ephemera.mjs'), 'relay', ...relayArgs(transport, dataDir)],
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const m = await child.waitForLine(/(?:READY\s+|listening\b.*?127\.0\.0\.1:)(\d{2,5})/i, 20_000);
  url = `ws://127.0.0.1:${m[1]}/v1/meetings/${meetingId}`;
  const host = minter.mint(meetingId, 'host-0', 'host');
  const tokens = [host, ...Array.from({ length: N }, (_, i) => minter.mint(meetingId, `a${i}`))];
  tokenFor = (i) => ['ephemera.v1', `bearer.${tokens[i]!}`];
} else {
  child = spawnPinned({ name: server, core: 0, command: process.execPath, args: [...NODE_SERVER_FLAGS, join(ROOT, 'bench/peers/uws-raw.mjs'), '--port', '0'] });
  const m = await child.waitForLine(/^READY (\d+)$/, 15_000);
  url = `ws://127.0.0.1:${m[1]}/m/${meetingId}`;
}

const sockets: WebSocket[] = [];
let failures = 0;
let firstError: string | undefined;
/** Opens client `i`; resolves at its first message (Ephemera's WELCOME) or, for raw uWS, at the open. */
function join1(i: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const ws = new WebSocket(url, tokenFor(i), { localAddress: `127.0.0.${1 + (i % 16)}`, perMessageDeflate: false });
    sockets.push(ws);
    ws.on('error', (err) => {
      failures++;
      firstError ??= err.message;
      resolve(Number.NaN);
    });
    if (server === 'uws-raw') ws.once('open', () => resolve(performance.now() - t0));
    else ws.once('message', () => resolve(performance.now() - t0));
  });
}

await join1(0);
await new Promise((r) => setTimeout(r, 500));
// PERF=<file>: a perf(1) record of the server over the storm (run the relay with BENCH_RELAY_NODE_FLAGS=--perf-basic-prof).
const perf = process.env.PERF
  ? spawn('perf', ['record', '-F', '1999', '-g', '-p', String(child.pid), '-o', process.env.PERF], { stdio: 'ignore' })
  : process.env.STRACE
    ? spawn('strace', ['-c', '-f', '-o', process.env.STRACE, '-p', String(child.pid)], { stdio: 'ignore' })
    : null;
if (perf !== null) await new Promise((r) => setTimeout(r, 300));
const t0 = threads(child.pid);
const rss0 = rssKb(child.pid);
const start = performance.now();
const waits: Promise<number>[] = [];
for (let i = 1; i <= N; i++) {
  const due = start + ((i - 1) * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  waits.push(join1(i));
}
const lat = (await Promise.all(waits)).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
if (failures > 0) console.log(`  ${failures} joins failed (first: ${firstError ?? '?'}): the figures below are not comparable`);
const elapsed = performance.now() - start;
await new Promise((r) => setTimeout(r, 200));
const t1 = threads(child.pid);
if (perf !== null) {
  perf.kill('SIGINT');
  await new Promise((r) => perf.once('exit', r));
}
const rss1 = rssKb(child.pid);
let user = 0;
let sys = 0;
const byName = new Map<string, number>();
for (const [tid, b] of t1) {
  const a = t0.get(tid) ?? { name: b.name, user: 0, sys: 0 };
  const du = b.user - a.user;
  const ds = b.sys - a.sys;
  user += du;
  sys += ds;
  if (du + ds > 0) byName.set(`${b.name}${tid === String(child.pid) ? '(main)' : ''}`, (byName.get(b.name) ?? 0) + (du + ds) * 10_000);
}
const perJoin = (ticks: number): string => ((ticks * 10_000) / N).toFixed(0);
console.log(
  `${server}: ${N} joins at ${RATE}/s in ${(elapsed / 1000).toFixed(2)} s; CPU per join ${perJoin(user + sys)} us (user ${perJoin(user)}, sys ${perJoin(sys)}); ` +
    `join p50 ${(lat[Math.floor(lat.length * 0.5)] ?? NaN).toFixed(1)} p99 ${(lat[Math.floor(lat.length * 0.99)] ?? NaN).toFixed(1)} ms; RSS +${(((rss1 - rss0) * 1024) / N).toFixed(0)} B/join`,
);
console.log('  by thread (us per join): ' + [...byName].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / N).toFixed(0)}`).join(', '));
// IDLE_MS=<ms>: afterwards, the server's CPU while the N connections sit idle (the periodic work that grows with N).
if (process.env.IDLE_MS !== undefined) {
  await new Promise((r) => setTimeout(r, 1000));
  const i0 = threads(child.pid);
  await new Promise((r) => setTimeout(r, Number(process.env.IDLE_MS)));
  const i1 = threads(child.pid);
  let ticks = 0;
  for (const [tid, b] of i1) ticks += b.user + b.sys - ((i0.get(tid)?.user ?? b.user) + (i0.get(tid)?.sys ?? b.sys));
  console.log(`  idle with ${sockets.length} connections: ${((ticks * 10) / Number(process.env.IDLE_MS) * 100).toFixed(1)} % of a core`);
}
for (const ws of sockets) ws.terminate();
await new Promise((r) => setTimeout(r, 300));
await child.close(3000);
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
