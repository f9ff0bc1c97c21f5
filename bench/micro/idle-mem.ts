// Where the relay's marginal bytes per idle connection go (issue 16), split into V8 heap and the rest (uWS's
// native sockets and topics, malloc): the relay runs in this process, its idle clients in a child process (so that
// this process's RSS is the relay's), N/2 then N connections in meetings of 10, each half read after a settle and
// a forced GC. Prints per-connection deltas of RSS, heap used, heap committed and external memory.
// Run: node --expose-gc --max-semi-space-size=4 bin/run-ts.js bench/micro/idle-mem.ts [uws|ws] [N=6000]
import { spawn } from 'node:child_process';
import { writeHeapSnapshot } from 'node:v8';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startRelay } from '../../relay/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../relay/auth/index.js';

const transport = (process.argv[2] ?? 'uws') as 'uws' | 'ws';
const N = Number(process.argv[3] ?? 6000);
const dataDir = mkdtempSync(join(tmpdir(), 'idle-mem-'));
const relay = await startRelay(
  { transport, port: 0, adminPort: 0, dataDir, logLevel: 'silent', maxConnectionsPerIp: 1_000_000, handshakesPerIpPerSecond: 1_000_000, idleTimeoutMs: 3_600_000 },
  pino({ level: 'silent' }),
);
const keys = loadOrCreateDevKeys(dataDir);
const tokens = Array.from({ length: N }, (_, i) =>
  mintJoinToken(keys.privateKey, keys.kid, {
    issuer: relay.options.issuer,
    audience: relay.options.audience,
    participantId: `p${i}`,
    meetingId: `m${Math.floor(i / 10)}`,
    role: 'attendee',
    capabilities: [...DEFAULT_CAPABILITIES.attendee],
    ttlSeconds: 600,
  }),
);
const clients = spawn(process.execPath, [fileURLToPath(new URL('./idle-clients.cjs', import.meta.url)), createRequire(import.meta.url).resolve('ws'), relay.url, 'ephemera'], { stdio: ['pipe', 'pipe', 'inherit'] });
clients.stdin.write(JSON.stringify({ tokens }) + '\n');
// The probe's own copy goes (its strings would count against the relay's heap between the two snapshots).
tokens.length = 0;
const open = (from: number, to: number): Promise<void> =>
  new Promise((resolve) => {
    clients.stdout.once('data', () => resolve());
    clients.stdin.write(JSON.stringify({ from, to }) + '\n');
  });
const gc = (globalThis as { gc?: () => void }).gc!;
let snaps = 0;
async function settled(): Promise<NodeJS.MemoryUsage> {
  await new Promise((r) => setTimeout(r, 10_000));
  gc();
  gc();
  await new Promise((r) => setTimeout(r, 500));
  const m = process.memoryUsage();
  // SNAPSHOTS=<prefix>: heap snapshots at N/2 and N for a diff (bench/micro/heap-diff.mjs).
  if (process.env.SNAPSHOTS) writeHeapSnapshot(`${process.env.SNAPSHOTS}-${++snaps}.heapsnapshot`);
  return m;
}
await open(0, N / 2);
const a = await settled();
await open(N / 2, N);
const b = await settled();
const per = (k: keyof NodeJS.MemoryUsage): string => ((b[k] - a[k]) / (N / 2)).toFixed(0);
console.log(
  `${transport}: per connection (N/2 -> N = ${N}): rss ${per('rss')} B, heapUsed ${per('heapUsed')} B, heapTotal ${per('heapTotal')} B, external ${per('external')} B, ` +
    `rss - heapTotal ${(((b.rss - b.heapTotal) - (a.rss - a.heapTotal)) / (N / 2)).toFixed(0)} B`,
);
clients.kill();
await relay.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
