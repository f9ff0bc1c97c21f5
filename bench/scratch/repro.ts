// Opens 100 clients (10 meetings) 64 at a time against a relay pinned to core 0, waits, reports unexpected closes.
import { startServer } from '../servers/index.js';
import { ephemeraAdapter } from '../load/adapters/ephemera.js';
import { loadTokenMinter } from '../load/adapters/ephemera-tokens.js';
const name = (process.argv[2] ?? 'ephemera-uws') as 'ephemera-uws';
for (let run = 0; run < 4; run++) {
  const r = await startServer(name, { core: 0, media: true });
  if (!r.ok) throw new Error(r.skipped);
  const ep = r.server.endpoint;
  const a = ephemeraAdapter({ host: ep.host, port: ep.port, minter: await loadTokenMinter(ep.ephemera!.dataDir), media: true });
  const closes: string[] = [];
  let next = 0;
  const clients: { close(): void }[] = [];
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < 100) {
      const k = next++;
      clients.push(await a.open({ meetingId: `m${Math.floor(k / 10)}`, participantId: `p${k}`, localAddress: `127.0.0.${1 + (k % 16)}`, sender: true, lane: 'audio' }, { onPayload: () => {}, onClose: (code) => closes.push(`p${k}:${code}`) }));
    }
  }));
  await new Promise((res) => setTimeout(res, 1500));
  console.log(name, 'run', run, 'unexpected closes:', closes.join(' ') || 'none');
  if (closes.length) console.log(r.server.tail().split('\n').filter((l) => !l.includes('meeting started') && !l.includes('participant joined')).join('\n'));
  for (const c of clients) c.close();
  await r.server.close();
}
