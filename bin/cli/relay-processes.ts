/**
 * `ephemera start --relays N`: N relay processes on this machine, joined by NATS (a local nats-server the
 * command starts, or --cluster-nats). Each relay is `ephemera relay` in a child process with its own data folder
 * (`<dataDir>/relays/r<i>`: the CDR store takes one folder per process), node name `<node>-r<i>` and cluster
 * node id `r<i>`. With the uws transport on Linux they share one port (SO_REUSEPORT, `--reuse-port`): the kernel
 * spreads new connections over them, so the join URL is one. Otherwise relay i listens on `--port` + i.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { RelayOptions } from '../../relay/index.js';
import type { ClusterFileRelay } from './cluster-file.js';

/** Set by `ephemera start --relays` for its relays: `ephemera relay` then drains and exits when its stdin closes. */
export const EXIT_WITH_PARENT_ENV = 'EPHEMERA_EXIT_WITH_PARENT';

export interface RelayChild extends ClusterFileRelay {
  readonly index: number;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A free TCP port on `host` (bound then released: the relays bind it right after). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** True when the relays can share one port: uws (SO_REUSEPORT) on Linux. */
export function canSharePort(settings: RelayOptions): boolean {
  return settings.transport === 'uws' && process.platform === 'linux';
}

export interface SpawnRelaysOptions {
  readonly count: number;
  /** The user's relay flags, passed on to every relay (the per-relay flags come after them, and win). */
  readonly argv: readonly string[];
  readonly settings: RelayOptions;
  readonly natsUrls: readonly string[];
  /** The invite service's JWKS URL when the relays take its keys. */
  readonly jwksUrl?: string;
  readonly sharedPort: number | null;
  readonly timeoutMs?: number;
}

/** Starts relay i; resolves once it printed its URLs. Rejects (after killing it) when it exits or times out first. */
function spawnRelay(i: number, o: SpawnRelaysOptions): Promise<RelayChild> {
  const s = o.settings;
  const dataDir = join(s.dataDir, 'relays', `r${i}`);
  const node = `${s.node}-r${i}`;
  const port = o.sharedPort ?? (s.port === 0 ? 0 : s.port + i);
  const adminPort = s.adminPort === 0 ? 0 : s.adminPort + i;
  const args = [
    ...o.argv,
    '--data-dir', dataDir, '--node', node, '--cluster-node-id', `r${i}`, '--cluster-nats', o.natsUrls.join(','),
    '--port', String(port), '--admin-port', String(adminPort),
    ...(o.sharedPort !== null ? ['--reuse-port', 'true'] : []),
    ...(o.jwksUrl !== undefined ? ['--jwks-url', o.jwksUrl] : []),
  ];
  // process.argv[1] is the `ephemera` entry that runs now (source or built), so the relays run the same code.
  // stdin is a pipe from this process: the relay drains and exits when it closes (EXIT_WITH_PARENT_ENV), so that a
  // `kill -9` of `ephemera start` leaves no relay behind.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'relay', ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, [EXIT_WITH_PARENT_ENV]: '1' },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay r${i} did not start within ${o.timeoutMs ?? 30_000} ms`));
    }, o.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const url = /listening on (wss?:\/\/\S+)/.exec(out);
      const admin = /admin on (http:\/\/\S+)/.exec(out);
      if (url === null || admin === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      // From now on the relay's output (JSON log lines, CDRs on the stdout sink) is ours.
      child.stdout!.pipe(process.stdout, { end: false });
      resolve({ index: i, node, url: url[1]!, adminUrl: admin[1]!, dataDir, child, exited });
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`relay r${i} exited (${signal ?? `code ${String(code)}`}) before listening`));
    });
  });
}

/** Starts the relays (all or none: on a failure the ones started are killed). */
export async function spawnRelays(o: SpawnRelaysOptions): Promise<RelayChild[]> {
  const started: RelayChild[] = [];
  const results = await Promise.allSettled(Array.from({ length: o.count }, (_, i) => spawnRelay(i, o)));
  let failure: Error | null = null;
  for (const r of results) {
    if (r.status === 'fulfilled') started.push(r.value);
    else failure ??= r.reason as Error;
  }
  if (failure !== null) {
    await stopRelays(started, 5_000);
    throw failure;
  }
  return started.sort((a, b) => a.index - b.index);
}

/** SIGTERM to every relay (each drains: CDRs written), SIGKILL to those still running after `deadlineMs`. */
export async function stopRelays(relays: readonly RelayChild[], deadlineMs: number): Promise<void> {
  for (const r of relays) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
  const kill = setTimeout(() => {
    for (const r of relays) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  }, deadlineMs);
  await Promise.all(relays.map((r) => r.exited));
  clearTimeout(kill);
}
