/**
 * A local nats-server for `ephemera start --relays N`: found on the PATH (or EPHEMERA_NATS_SERVER), started on a
 * free loopback port with JetStream (for the cluster's id store: hashed ids and expiry times, in
 * `<dataDir>/nats`), stopped with the command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface LocalNats {
  readonly url: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** The nats-server executable: EPHEMERA_NATS_SERVER, else the first on PATH (and /usr/sbin), else null. */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string | null {
  const explicit = env.EPHEMERA_NATS_SERVER;
  const candidates = explicit !== undefined && explicit !== ''
    ? [explicit]
    : [...(env.PATH ?? '').split(delimiter).filter((d) => d !== ''), '/usr/sbin', '/usr/local/sbin'].map((d) => join(d, 'nats-server'));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

/**
 * Stops a nats-server a killed `ephemera start` left on this store folder (its pid file, checked against
 * /proc/<pid>/cmdline so that a reused pid is never signalled): two servers must not share a JetStream store.
 */
async function stopLeftover(pidFile: string, storeDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!Number.isInteger(pid) || pid <= 0 || !cmd.includes('nats-server') || !cmd.includes(storeDir)) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + 5_000;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > until) {
      process.kill(pid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts nats-server on 127.0.0.1 (a random free port) with JetStream in `storeDir`; resolves once it listens. */
export async function startLocalNats(binary: string, storeDir: string, timeoutMs = 15_000): Promise<LocalNats> {
  mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  const pidFile = join(storeDir, 'nats-server.pid');
  await stopLeftover(pidFile, storeDir);
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', storeDir, '--server_name', 'ephemera-local', '-P', pidFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not start within ${timeoutMs} ms: ${out.slice(-300)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      // Kept only until it listens, for the startup error (nats-server logs connections and subjects, no content).
      if (out.length < 16_384) out += chunk.toString('utf8');
      const m = /Listening for client connections on [^\s]*:(\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.stdout!.resume();
      child.stderr!.resume();
      let stopping: Promise<void> | null = null;
      resolve({
        url: `nats://127.0.0.1:${m[1]}`,
        stop: (graceMs = 5_000) => {
          stopping ??= (async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(kill);
          })();
          return stopping;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (code ${String(code)}) before listening: ${out.slice(-300)}`));
    });
  });
}
