/**
 * A nats-server cluster for tests: `count` real nats-server processes on fixed loopback ports joined by routes
 * (each solicits routes to the others), with JetStream on (each its own store folder). Any one can be killed with
 * a signal and started again on the same ports, so that clients reconnect to it as to a restarted server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './nats-server.js';

const NATS_SERVER = process.env.NATS_SERVER ?? ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';

export interface NatsClusterServer {
  readonly url: string;
  readonly port: number;
  readonly routePort: number;
  child: ChildProcess | null;
}

export interface NatsCluster {
  readonly servers: readonly NatsClusterServer[];
  /** Every client URL, in the given server's order first (so relays spread over the servers). */
  urls(first?: number): string[];
  /** Kills server `i` (default SIGKILL) and resolves once it exited. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts server `i` again on its ports; resolves once it has routes to the others. */
  start(i: number): Promise<void>;
  stop(): Promise<void>;
}

function waitForLog(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server: no ${pattern} within ${timeoutMs} ms: ${out.slice(-800)}`)), timeoutMs);
    const onData = (c: Buffer): void => {
      out += c.toString('utf8');
      if (!pattern.test(out)) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.stdout!.off('data', onData);
      // Keep draining so that the pipe never fills.
      child.stderr!.resume();
      child.stdout!.resume();
      resolve();
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}): ${out.slice(-800)}`));
    });
  });
}

/** Starts `count` routed nats-servers; resolves once each has routes to all the others. */
export async function startNatsCluster(count = 3): Promise<NatsCluster> {
  const store = mkdtempSync(join(tmpdir(), 'ephemera-nats-cluster-'));
  const servers: NatsClusterServer[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const routePort = await freePort();
    servers.push({ url: `nats://127.0.0.1:${port}`, port, routePort, child: null });
  }
  const spawnServer = (i: number): ChildProcess => {
    const s = servers[i]!;
    const routes = servers.filter((_, j) => j !== i).map((o) => `nats://127.0.0.1:${o.routePort}`).join(',');
    const child = spawn(NATS_SERVER, [
      '-a', '127.0.0.1', '-p', String(s.port), '--server_name', `n${i}`, '--cluster_name', 'ephemera-test',
      '--cluster', `nats://127.0.0.1:${s.routePort}`, '--routes', routes, '-js', '-sd', join(store, `n${i}`),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    s.child = child;
    return child;
  };
  const ready = async (i: number): Promise<void> => {
    const child = spawnServer(i);
    await waitForLog(child, /Listening for client connections/, 10_000);
  };
  await Promise.all(servers.map((_, i) => ready(i)));
  const cluster: NatsCluster = {
    servers,
    urls(first = 0) {
      return servers.map((_, j) => servers[(first + j) % servers.length]!.url);
    },
    async kill(i, signal = 'SIGKILL') {
      const child = servers[i]!.child;
      if (child === null || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      await exited;
      servers[i]!.child = null;
    },
    async start(i) {
      const child = spawnServer(i);
      await waitForLog(child, /Listening for client connections/, 10_000);
    },
    async stop() {
      await Promise.all(servers.map((_, i) => cluster.kill(i, 'SIGTERM')));
      rmSync(store, { recursive: true, force: true });
    },
  };
  return cluster;
}
