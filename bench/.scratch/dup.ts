import { startServer } from '../servers/index.js';
import { ephemeraAdapter } from '../load/adapters/ephemera.js';
import { loadTokenMinter } from '../load/adapters/ephemera-tokens.js';
const r = await startServer((process.argv[2] ?? 'ephemera-uws') as 'ephemera-uws', { core: 0, media: true });
if (!r.ok) throw new Error(r.skipped);
const ep = r.server.endpoint;
const a = ephemeraAdapter({ host: ep.host, port: ep.port, minter: await loadTokenMinter(ep.ephemera!.dataDir), media: true });
const counts: Map<string, number>[] = [];
const clients = [];
for (let i = 0; i < 3; i++) {
  const m = new Map<string, number>(); counts.push(m);
  clients.push(await a.open({ meetingId: 'x', participantId: 'p' + i, localAddress: '127.0.0.1', sender: true, lane: 'audio' }, { onPayload: (d, off) => { const k = 'from' + d.readUInt32LE(off + 8); m.set(k, (m.get(k) ?? 0) + 1); }, onClose: () => {} }));
}
await Promise.all(clients.map((c) => c.startPublishing!()));
await Promise.all(clients.map((c, i) => c.subscribeTo!(['p0', 'p1', 'p2'].filter((_, j) => j !== i))));
const frames = clients.map((c, i) => c.makeFrame(100, i));
for (let k = 0; k < 10; k++) clients.forEach((c, i) => c.send(frames[i]!));
await new Promise((res) => setTimeout(res, 500));
counts.forEach((m, i) => console.log('client', i, [...m]));
for (const c of clients) c.close();
await r.server.close();
