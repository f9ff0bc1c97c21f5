/**
 * Starts the Ephemera relay (`node dist/ephemera.mjs relay --transport uws|ws --port 0 --data-dir D`, the compiled
 * command `npm start` runs, built once per bench process; BENCH_RELAY_TSX=1 runs bin/ephemera.js through tsx
 * instead) pinned to the server core, with a fresh data directory whose development keys the load generator mints
 * join tokens with. Skipped, with the reason, while the relay command or the token module (token/) is not there.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenMinter } from '../load/adapters/ephemera-tokens.js';
import { spawnPinned } from '../lib/child-process.js';
import { NODE_SERVER_FLAGS } from './node-flags.js';
import type { StartResult } from './server.types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RELAY_COMMAND = join(ROOT, 'bin/cli/commands/relay.ts');

let built: Promise<string> | null = null;

/** The relay's entry script: dist/ephemera.mjs, (re)built from the sources once per bench process. */
export function relayEntry(): Promise<string> {
  if (process.env.BENCH_RELAY_TSX === '1') return Promise.resolve(join(ROOT, 'bin/ephemera.js'));
  built ??= promisify(execFile)(process.execPath, [join(ROOT, 'scripts/build-dist.mjs')], { cwd: ROOT, timeout: 60_000 }).then(() => join(ROOT, 'dist/ephemera.mjs'));
  return built;
}

/** The line the relay prints once listening; the first group is the port. */
const LISTENING = /(?:READY\s+|listening\b.*?(?:port\D{0,4}|127\.0\.0\.1:|0\.0\.0\.0:|localhost:|\[::\]:))(\d{2,5})/i;

/** Why Ephemera cannot run yet, or null when it can. */
export async function ephemeraUnavailable(): Promise<string | null> {
  if (!existsSync(RELAY_COMMAND)) return 'ephemera relay not available yet (bin/cli/commands/relay.ts missing), skipped';
  const dir = mkdtempSync(join(tmpdir(), 'ephemera-bench-probe-'));
  try {
    await loadTokenMinter(dir);
    return null;
  } catch (err) {
    return `ephemera skipped: ${(err as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The relay's command line. Defaults stay as shipped except where the bench itself would trip them: per-IP
 * connection and handshake limits (every bench client comes from 127.0.0.x), the idle timeout (webinar receivers
 * never send), logging (warn: the peers log nothing either) and the drain on shutdown (nothing to wait for).
 */
export function relayArgs(transport: 'uws' | 'ws', dataDir: string): string[] {
  return [
    '--transport', transport,
    '--host', '127.0.0.1',
    '--port', '0',
    '--admin-port', '0',
    '--data-dir', dataDir,
    // BENCH_RELAY_LOG_LEVEL=info|debug shows more of the relay when diagnosing a failing step.
    '--log-level', process.env.BENCH_RELAY_LOG_LEVEL ?? 'warn',
    '--max-connections-per-ip', '1000000',
    '--handshakes-per-ip-per-second', '1000000',
    '--idle-timeout-ms', '3600000',
    // The webinar-join scenario puts 10,000 attendees and its staff into one meeting.
    '--max-participants', '1000000',
    '--drain-timeout-ms', '500',
  ];
}

/** Node flags for the relay: BENCH_RELAY_PROF=<dir> (a CPU profile), BENCH_RELAY_NODE_FLAGS (any, space-separated). */
export function profileFlags(): string[] {
  const dir = process.env.BENCH_RELAY_PROF;
  const extra = (process.env.BENCH_RELAY_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...extra];
}

export async function startEphemera(transport: 'uws' | 'ws', core: number, media: boolean): Promise<StartResult> {
  const why = await ephemeraUnavailable();
  if (why) return { ok: false, skipped: why };
  const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-bench-relay-'));
  // Keys first, so that the relay finds and uses the very keys the load generator signs with.
  await loadTokenMinter(dataDir);
  const name = transport === 'uws' ? 'ephemera-uws' : 'ephemera-ws';
  const child = spawnPinned({
    name,
    core,
    command: process.execPath,
    args: [...NODE_SERVER_FLAGS, ...profileFlags(), await relayEntry(), 'relay', ...relayArgs(transport, dataDir)],
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const cleanup = async (): Promise<void> => {
    await child.close(3000);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const m = await child.waitForLine(LISTENING, 20_000);
    const port = Number(m[1]);
    return {
      ok: true,
      server: { endpoint: { name, wire: 'ephemera', host: '127.0.0.1', port, ephemera: { dataDir, media } }, pid: child.pid, tail: () => child.tail(), close: cleanup },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
