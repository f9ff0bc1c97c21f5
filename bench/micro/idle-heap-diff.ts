// Where a relay's bytes per idle connection go (issue 16): the relay in this isolate, idle clients in a worker
// thread; heap and two heap snapshots (N/2 and N connections) diffed by retainer. The probe's own tables
// (closure variables a1, s1, the snapshot text as concatenated strings) show up too: ignore them.
// Run: node --expose-gc --max-semi-space-size=4 bin/run-ts.js bench/micro/idle-heap-diff.ts uws|ws
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startRelay } from '../../relay/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../relay/auth/index.js';
import { Session as InspectorSession } from 'node:inspector';

const transport = (process.argv[2] ?? 'uws') as 'uws' | 'ws';
const dataDir = mkdtempSync(join(tmpdir(), 'memprobe-'));
const relay = await startRelay({ transport, port: 0, adminPort: 0, dataDir, logLevel: 'silent', maxConnectionsPerIp: 100000, handshakesPerIpPerSecond: 100000, idleTimeoutMs: 3_600_000 }, pino({ level: 'silent' }));
const keys = loadOrCreateDevKeys(dataDir);
const N = 4000;
const tokens = Array.from({ length: N }, (_, i) => mintJoinToken(keys.privateKey, keys.kid, { issuer: relay.options.issuer, audience: relay.options.audience, participantId: `p${i}`, meetingId: `m${Math.floor(i / 10)}`, role: 'attendee', capabilities: [...DEFAULT_CAPABILITIES.attendee], ttlSeconds: 600 }));
const src = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.ws);
const socks = [];
parentPort.on('message', async ({ from, to }) => {
  let next = from;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < to) {
      const i = next++;
      await new Promise((res, rej) => {
        const ws = new WebSocket(workerData.url + '/v1/meetings/m' + Math.floor(i / 10), ['ephemera.v1', 'bearer.' + workerData.tokens[i]], { localAddress: '127.0.0.' + (1 + (i % 16)) });
        ws.once('message', () => res());
        ws.once('error', rej);
        socks.push(ws);
      });
    }
  }));
  parentPort.postMessage('ok');
});`;
const w = new Worker(src, { eval: true, workerData: { url: relay.url, tokens, ws: createRequire(import.meta.url).resolve('ws') } });
const open = (from: number, to: number) => new Promise<void>((r) => { w.once('message', () => r()); w.postMessage({ from, to }); });
function retainerAgg(snap: any): Map<string, number> {
   const meta = snap.snapshot.meta; const f = meta.node_fields; const nf = f.length;
  const ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size'), idi = f.indexOf('id'), eci = f.indexOf('edge_count');
  const ef = meta.edge_fields; const enf = ef.length; const eti = ef.indexOf('type'), eni = ef.indexOf('name_or_index'), eto = ef.indexOf('to_node');
  const types = meta.node_types[0]; const etypes = meta.edge_types[0];
  const nodeName = (i: number) => { const t = types[snap.nodes[i + ti]]; return t === 'object' || t === 'closure' ? snap.strings[snap.nodes[i + ni]] : `(${t})`; };
  const retainer = new Map<number, string>();
  const retIdx = new Map<number, number>();
  let e = 0;
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const cnt = snap.nodes[i + eci];
    for (let k = 0; k < cnt; k++, e += enf) {
      const to = snap.edges[e + eto]; const et = etypes[snap.edges[e + eti]];
      if (et === 'weak' || retainer.has(to)) continue;
      const en = et === 'element' || et === 'hidden' ? `[${et}]` : String(snap.strings[snap.edges[e + eni]] ?? snap.edges[e + eni]);
      retainer.set(to, `${nodeName(i)}.${en}`);
      retIdx.set(to, i);
    }
  }
  const agg = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const r = retIdx.get(i);
    const k = `${nodeName(i)} <- ${retainer.get(i) ?? '?'} <- ${r === undefined ? '?' : (retainer.get(r) ?? '?')}`;
    agg.set(k, (agg.get(k) ?? 0) + snap.nodes[i + si]);
  }
  return agg;
}

const gc = (globalThis as { gc?: () => void }).gc!;
const settle = async () => { await new Promise((r) => setTimeout(r, 1500)); gc(); gc(); await new Promise((r) => setTimeout(r, 300)); };
let lastSnap: any = null;
const insp = new InspectorSession(); insp.connect();
await new Promise<void>((r) => insp.post('HeapProfiler.enable', {}, () => r()));
async function snapshotCounts(): Promise<Map<string, { n: number; size: number }>> {
  let data = '';
  const on = (m: { params: { chunk: string } }) => (data += m.params.chunk);
  insp.on('HeapProfiler.addHeapSnapshotChunk', on);
  await new Promise<void>((r) => insp.post('HeapProfiler.takeHeapSnapshot', {}, () => r()));
  insp.off('HeapProfiler.addHeapSnapshotChunk', on);
  const snap = JSON.parse(data);
  lastSnap = snap;
  const f = snap.snapshot.meta.node_fields; const nf = f.length;
  const ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { n: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const type = types[snap.nodes[i + ti]]; const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + ni]] : `(${type})`;
    const e = out.get(name) ?? { n: 0, size: 0 }; e.n++; e.size += snap.nodes[i + si]; out.set(name, e);
  }
  return out;
}
await open(0, N / 2); await settle();
const m1 = process.memoryUsage(); const s1 = await snapshotCounts(); const a1 = retainerAgg(lastSnap); lastSnap = null;
await open(N / 2, N); await settle();
const m2 = process.memoryUsage(); const s2 = await snapshotCounts(); const a2 = retainerAgg(lastSnap); lastSnap = null;
const per = (a: number, b: number) => ((b - a) / (N / 2)).toFixed(0);
console.log(`${transport}: per connection: heapUsed ${per(m1.heapUsed, m2.heapUsed)} B, external ${per(m1.external, m2.external)} B, arrayBuffers ${per(m1.arrayBuffers, m2.arrayBuffers)} B, rss(process incl. clients) ${per(m1.rss, m2.rss)} B`);
const diff = [...s2].map(([k, v]) => [k, (v.n - (s1.get(k)?.n ?? 0)) / (N / 2), (v.size - (s1.get(k)?.size ?? 0)) / (N / 2)] as const).filter((d) => Math.abs(d[2]) >= 8).sort((a, b) => b[2] - a[2]);
for (const [k, n, b] of diff.slice(0, 25)) console.log(`  ${b.toFixed(0).padStart(6)} B  ${n.toFixed(2).padStart(6)} objs  ${k}`);
{
  const d = [...a2].map(([k, v]) => [k, (v - (a1.get(k) ?? 0)) / (N / 2)] as const).sort((x, y) => y[1] - x[1]);
  console.log('growth by retainer (bytes per connection):');
  for (const [k, v] of d.slice(0, 40)) console.log(`  ${v.toFixed(0).padStart(6)}  ${k}`);
}
await w.terminate();
await relay.close();
process.exit(0);
