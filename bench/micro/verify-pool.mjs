// Micro benchmark (issue 16): does a worker pool for ES256 join-token checks pay on this machine?
// Run: taskset -c 0 node bench/micro/verify-pool.mjs (the bench's pinning), then node bench/micro/verify-pool.mjs.
import { Worker } from 'node:worker_threads';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const N = 3000;
const msgs = Array.from({ length: N }, (_, i) => Buffer.from(`header.payload-${i}-${'x'.repeat(300)}`));
const sigs = msgs.map((m) => sign('sha256', m, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
const pem = publicKey.export({ type: 'spki', format: 'pem' });
function cpu() { const u = process.cpuUsage(); return u.user + u.system; }
let t0 = performance.now(); let c0 = process.cpuUsage();
for (let i = 0; i < N; i++) verify('sha256', msgs[i], { key: publicKey, dsaEncoding: 'ieee-p1363' }, sigs[i]);
const inlineMs = performance.now() - t0;
console.log(`inline: ${(inlineMs * 1000 / N).toFixed(1)} us wall/verify`);
for (const W of [1, 2]) {
  const src = `const { parentPort } = require('node:worker_threads'); const { verify, createPublicKey } = require('node:crypto');
    const key = createPublicKey(${JSON.stringify(pem)});
    parentPort.on('message', (m) => parentPort.postMessage({ i: m.i, ok: verify('sha256', m.d, { key, dsaEncoding: 'ieee-p1363' }, m.s) }));`;
  const ws = Array.from({ length: W }, () => new Worker(src, { eval: true }));
  await new Promise((r) => setTimeout(r, 200));
  let done = 0; t0 = performance.now();
  const start = performance.eventLoopUtilization();
  await new Promise((resolve) => {
    for (const w of ws) w.on('message', () => { if (++done === N) resolve(); });
    for (let i = 0; i < N; i++) ws[i % W].postMessage({ i, d: msgs[i], s: sigs[i] });
  });
  const ms = performance.now() - t0;
  const elu = performance.eventLoopUtilization(start);
  console.log(`pool of ${W}: ${(ms * 1000 / N).toFixed(1)} us wall/verify, main-thread busy ${(elu.active * 1000 / N).toFixed(1)} us/verify`);
  for (const w of ws) await w.terminate();
}
