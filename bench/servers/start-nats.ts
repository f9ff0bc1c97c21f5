/**
 * Starts nats-server with its WebSocket listener (a config file with `websocket { port: N, no_tls: true }`),
 * pinned to the server core. nats-server is a Debian package (apt-get install nats-server); without it the
 * server is skipped, not failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnPinned } from '../lib/child-process.js';
import { freePort } from '../lib/free-port.js';
import type { StartResult } from './server.types.js';

/** Whether a nats-server binary is on PATH. */
export function natsServerAvailable(): boolean {
  const r = spawnSync('nats-server', ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

export async function startNats(core: number): Promise<StartResult> {
  if (!natsServerAvailable()) return { ok: false, skipped: 'nats-server not found, skipped (apt-get install -y nats-server)' };
  const dir = mkdtempSync(join(tmpdir(), 'ephemera-bench-nats-'));
  const port = await freePort();
  const config = join(dir, 'nats.conf');
  // Client port -1: any free port (the bench only uses the WebSocket listener). No logging of messages.
  writeFileSync(
    config,
    [
      'listen: "127.0.0.1:-1"',
      'max_connections: 100000',
      'websocket {',
      '  host: "127.0.0.1"',
      `  port: ${port}`,
      '  no_tls: true',
      '  compression: false',
      '}',
      '',
    ].join('\n'),
  );
  const child = spawnPinned({ name: 'nats', core, command: 'nats-server', args: ['-c', config] });
  const cleanup = async (): Promise<void> => {
    await child.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await child.waitForLine(/Server is ready/, 15_000);
    return { ok: true, server: { endpoint: { name: 'nats', wire: 'nats', host: '127.0.0.1', port }, pid: child.pid, tail: () => child.tail(), close: cleanup } };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
