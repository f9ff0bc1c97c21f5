/**
 * `ephemera-cluster`: two Ephemera relays (uws) joined by one nats-server, all three pinned to the server core,
 * so that the figures are the whole cluster's CPU (both relays and nats-server) against one relay on the same
 * core. The relays run the same entry as the single relay (dist/ephemera.mjs, or tsx with BENCH_RELAY_TSX=1): a
 * relay under the tsx loader pays for its loader thread and source-mapped stacks, which is not the relay's cost. The load generator splits every meeting's participants across both relays (alternately). Skipped, with
 * the reason, without nats-server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenMinter } from '../load/adapters/ephemera-tokens.js';
import { spawnPinned, type PinnedChild } from '../lib/child-process.js';
import { freePort } from '../lib/free-port.js';
import { NODE_SERVER_FLAGS } from './node-flags.js';
import { ephemeraUnavailable, profileFlags, relayArgs, relayEntry } from './start-ephemera.js';
import { natsServerAvailable } from './start-nats.js';
import type { StartResult } from './server.types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LISTENING = /listening\b.*?127\.0\.0\.1:(\d{2,5})/i;

export async function startEphemeraCluster(core: number, media: boolean): Promise<StartResult> {
  const why = await ephemeraUnavailable();
  if (why) return { ok: false, skipped: why };
  if (!natsServerAvailable()) return { ok: false, skipped: 'nats-server not found, skipped (apt-get install -y nats-server)' };
  const dirs = [mkdtempSync(join(tmpdir(), 'ephemera-bench-cluster-a-')), mkdtempSync(join(tmpdir(), 'ephemera-bench-cluster-b-'))];
  await loadTokenMinter(dirs[0]!);
  const natsPort = await freePort();
  const children: PinnedChild[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of children.reverse()) await c.close(3000);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    const nats = spawnPinned({ name: 'cluster-nats', core, command: 'nats-server', args: ['-a', '127.0.0.1', '-p', String(natsPort)] });
    children.push(nats);
    await nats.waitForLine(/Server is ready/, 15_000);
    const ports: number[] = [];
    const adminPorts: number[] = [];
    for (let i = 0; i < 2; i++) {
      const relay = spawnPinned({
        name: `ephemera-cluster-${i}`,
        core,
        command: process.execPath,
        args: [
          ...NODE_SERVER_FLAGS, ...profileFlags(), await relayEntry(), 'relay', ...relayArgs('uws', dirs[i]!),
          '--jwks-file', join(dirs[0]!, 'keys', 'jwks.json'),
          '--cluster-nats', `nats://127.0.0.1:${natsPort}`, '--cluster-node-id', `bench${i}`,
        ],
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'production' },
      });
      children.push(relay);
      ports.push(Number((await relay.waitForLine(LISTENING, 20_000))[1]));
      adminPorts.push(Number((await relay.waitForLine(/admin on http:\/\/[^:]+:(\d+)/, 20_000))[1]));
    }
    // Ready once both relays reached NATS (/readyz is 503 until then, and they refuse joins).
    const until = Date.now() + 15_000;
    for (const admin of adminPorts) {
      while ((await fetch(`http://127.0.0.1:${admin}/readyz`).then((r) => r.status, () => 0)) !== 200) {
        if (Date.now() > until) throw new Error('relays did not connect to NATS');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return {
      ok: true,
      server: {
        endpoint: { name: 'ephemera-cluster', wire: 'ephemera', host: '127.0.0.1', port: ports[0]!, ports, ephemera: { dataDir: dirs[0]!, media } },
        pid: children[1]!.pid,
        pids: children.map((c) => c.pid),
        tail: () => children.map((c) => c.tail()).join('\n'),
        close: cleanup,
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
