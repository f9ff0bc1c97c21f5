/** Starts one of the Node peers of bench/peers as a child pinned to the server core. */
import { fileURLToPath } from 'node:url';
import { spawnPinned } from '../lib/child-process.js';
import { NODE_SERVER_FLAGS } from './node-flags.js';
import type { ServerName, StartResult } from './server.types.js';

const PEER_FILES: Partial<Record<ServerName, string>> = {
  'uws-raw': 'uws-raw.mjs',
  'ws-naive': 'ws-naive.mjs',
  'ws-preframed': 'ws-preframed.mjs',
  'ws-batched': 'ws-batched.mjs',
  socketio: 'socketio.mjs',
};

/** Starts peer `name` on core `core`; resolves once it printed `READY <port>`. */
export async function startPeer(name: ServerName, core: number): Promise<StartResult> {
  const file = PEER_FILES[name];
  if (!file) return { ok: false, skipped: `${name} is not a Node peer` };
  const script = fileURLToPath(new URL(`../peers/${file}`, import.meta.url));
  const child = spawnPinned({ name, core, command: process.execPath, args: [...NODE_SERVER_FLAGS, script, '--port', '0'] });
  try {
    const m = await child.waitForLine(/^READY (\d+)$/, 15_000);
    const port = Number(m[1]);
    return {
      ok: true,
      server: { endpoint: { name, wire: name === 'socketio' ? 'socketio' : 'raw', host: '127.0.0.1', port }, pid: child.pid, tail: () => child.tail(), close: () => child.close() },
    };
  } catch (err) {
    await child.close();
    throw err;
  }
}
