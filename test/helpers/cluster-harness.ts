/**
 * A cluster for tests: one nats-server process (with JetStream, for the cluster's id store, in a temporary store
 * folder) and N real relays (in this process, real sockets, port 0) that share one development key set (a JWKS
 * file) but each keep their own data folder (CDRs, journal, state).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startRelay, type Relay, type RelayOptions } from '../../relay/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../relay/auth/index.js';
import { connect, type EphemeraClient } from '../../client/index.js';
import { startNatsServer, type NatsServer } from './nats-server.js';
import type { TokenOpts } from './relay-harness.js';

export interface ClusterHarness {
  readonly nats: NatsServer;
  readonly relays: Relay[];
  readonly dirs: string[];
  token(meetingId: string, participantId: string, opts?: TokenOpts): string;
  join(relay: number, meetingId: string, participantId: string, opts?: TokenOpts): Promise<EphemeraClient>;
  metrics(relay: number): Promise<string>;
  /** Stops every relay (drain) and starts them again on the same data folders and NATS (new ports). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a nats-server and `count` relays joined by it. `perRelay(i, natsUrl)` may change one relay's options
 * (for example its NATS URL, to put a fault injector in between).
 */
export async function startCluster(
  count: number,
  transport: 'uws' | 'ws',
  options: Partial<RelayOptions> = {},
  perRelay?: (i: number, nats: NatsServer) => Promise<Partial<RelayOptions>> | Partial<RelayOptions>,
  natsOptions: { readonly jetStream?: boolean; readonly args?: readonly string[] } = {},
): Promise<ClusterHarness> {
  const jetStream = natsOptions.jetStream ?? true;
  const keysDir = mkdtempSync(join(tmpdir(), 'ephemera-cluster-keys-'));
  const keys = loadOrCreateDevKeys(keysDir);
  const natsStore = mkdtempSync(join(tmpdir(), 'ephemera-cluster-nats-'));
  const nats = await startNatsServer([...(jetStream ? ['-js', '-sd', natsStore] : []), ...(natsOptions.args ?? [])]);
  const relays: Relay[] = [];
  const dirs: string[] = [keysDir, natsStore];
  const relayDirs: string[] = [];
  const clients: EphemeraClient[] = [];
  const start = async (i: number): Promise<Relay> =>
    startRelay(
      {
        transport, port: 0, adminPort: 0, dataDir: relayDirs[i]!, logLevel: 'silent', jwksFile: keys.jwksPath,
        clusterNats: [nats.url], clusterNodeId: `r${i}`, node: `relay-${i}`, ...options, ...(perRelay ? await perRelay(i, nats) : {}),
      },
      pino({ level: 'silent' }),
    );
  for (let i = 0; i < count; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), `ephemera-cluster-r${i}-`));
    dirs.push(dataDir);
    relayDirs.push(dataDir);
    relays.push(await start(i));
  }
  const token = (mid: string, pid: string, opts: TokenOpts = {}): string => {
    const role = opts.role ?? 'attendee';
    return mintJoinToken(keys.privateKey, keys.kid, {
      issuer: relays[0]!.options.issuer,
      audience: relays[0]!.options.audience,
      participantId: pid,
      meetingId: mid,
      role,
      capabilities: opts.capabilities ?? [...DEFAULT_CAPABILITIES[role]],
      ttlSeconds: opts.ttlSeconds ?? 600,
      ...(opts.singleUse !== undefined ? { singleUse: opts.singleUse } : {}),
      ...(opts.displayName !== undefined ? { displayName: opts.displayName } : {}),
      ...(opts.policy !== undefined ? { policy: opts.policy } : {}),
    });
  };
  const h: ClusterHarness = {
    nats,
    relays,
    dirs,
    token,
    async join(i, mid, pid, opts) {
      const c = await connect({ url: relays[i]!.url, meetingId: mid, token: token(mid, pid, opts) });
      clients.push(c);
      return c;
    },
    async metrics(i) {
      const res = await fetch(`http://127.0.0.1:${relays[i]!.adminPort}/metrics`);
      return res.text();
    },
    async restart() {
      for (const r of relays) await r.close();
      for (let i = 0; i < count; i++) relays[i] = await start(i);
      await ready();
    },
    async close() {
      for (const c of clients) c.close();
      for (const r of relays) await r.close();
      await nats.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
  // Ready: every relay connected to NATS, its id store (JetStream KV) bound.
  const ready = async (): Promise<void> => {
    const until = Date.now() + 10_000;
    for (let i = 0; i < count; i++) {
      while (!/ephemera_cluster_connected 1/.test(await h.metrics(i)) || (jetStream && !/ephemera_cluster_store_ready\{set="used_tokens"\} 1[\s\S]*ephemera_cluster_store_ready\{set="ended_meetings"\} 1/.test(await h.metrics(i)))) {
        if (Date.now() > until) throw new Error(`relay ${i} did not connect to NATS and its id store`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await ready();
  return h;
}

/** The value of one metric line (exact labels text, e.g. `{lane="chat",direction="in"}`), 0 when absent. */
export function metricValue(text: string, name: string, labels = ''): number {
  for (const line of text.split('\n')) if (line.startsWith(name + labels + ' ')) return Number(line.slice(name.length + labels.length + 1));
  return 0;
}
