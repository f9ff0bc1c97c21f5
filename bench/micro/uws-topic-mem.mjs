// What a uWS topic subscription costs per connection (issue 16: the relay subscribes each participant to its
// meeting's topic and to a roster topic). Raw uWS.js in this process, idle clients in a child process; N/2 then N
// connections, each subscribed to TOPICS topics (meetings of 10), marginal RSS and heap after a settle and a GC.
// Run: node --expose-gc bench/micro/uws-topic-mem.mjs TOPICS [N=10000]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import uWS from '@trufflesuite/uws-js-unofficial';

const topics = Number(process.argv[2] ?? 1);
const N = Number(process.argv[3] ?? 10_000);
const app = uWS.App();
app.ws('/*', {
  compression: uWS.DISABLED,
  idleTimeout: 0,
  upgrade(res, req, context) {
    res.upgrade({ m: req.getUrl().slice(1) }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
  },
  open(ws) {
    const m = ws.getUserData().m;
    for (let t = 0; t < topics; t++) ws.subscribe(`${m}/${t}`);
    ws.send(new Uint8Array(1), true);
  },
});
const port = await new Promise((resolve) => app.listen('127.0.0.1', 0, (token) => resolve(uWS.us_socket_local_port(token))));
const clients = spawn(process.execPath, [fileURLToPath(new URL('./idle-clients.cjs', import.meta.url)), createRequire(import.meta.url).resolve('ws'), `ws://127.0.0.1:${port}`, 'raw'], { stdio: ['pipe', 'pipe', 'inherit'] });
const open = (from, to) => new Promise((resolve) => {
  clients.stdout.once('data', () => resolve());
  clients.stdin.write(JSON.stringify({ from, to }) + '\n');
});
async function settled() {
  await new Promise((r) => setTimeout(r, 5_000));
  globalThis.gc();
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 500));
  return process.memoryUsage();
}
await open(0, N / 2);
const a = await settled();
await open(N / 2, N);
const b = await settled();
const per = (k) => ((b[k] - a[k]) / (N / 2)).toFixed(0);
console.log(`uWS, ${topics} topic(s) per connection: per connection rss ${per('rss')} B, heapUsed ${per('heapUsed')} B, rss - heapTotal ${(((b.rss - b.heapTotal) - (a.rss - a.heapTotal)) / (N / 2)).toFixed(0)} B`);
clients.kill();
app.close();
process.exit(0);
