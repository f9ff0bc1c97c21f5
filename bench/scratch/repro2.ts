import { startHarness } from '../../test/helpers/relay-harness.js';
const h = await startHarness('uws', { maxConnectionsPerIp: 100000, handshakesPerIpPerSecond: 100000, idleTimeoutMs: 3600000 });
const closes: string[] = [];
let next = 0;
await Promise.all(Array.from({ length: 64 }, async () => {
  while (next < 100) {
    const k = next++;
    const t0 = performance.now();
    const c = await h.join(`m${Math.floor(k / 10)}`, `p${k}`);
    const t1 = performance.now();
    c.on('close', (e) => closes.push(`p${k}:${e.code}:${e.reason} joined ${(t1-t0).toFixed(0)}ms closed after ${(performance.now()-t1).toFixed(0)}ms roster ${c.roster.size}`));
    (c.socket as any).on('error', (e: Error) => closes.push(`p${k} error ${e.message}`));
  }
}));
await new Promise((r) => setTimeout(r, 1500));
console.log('closes', closes);
await h.close();
process.exit(0);
