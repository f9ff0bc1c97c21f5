/**
 * The `--relays N` half of `ephemera start`: a local nats-server (unless --cluster-nats), N relay processes
 * (relay-processes.ts), the invite service already running in this process pointed at them, `cluster.json` for
 * the demo, and a shutdown that drains every relay (their CDRs), then the invite service, then nats-server.
 */
import { join } from 'node:path';
import type { InviteService } from '../../invite-service/index.js';
import type { RelayOptions } from '../../relay/index.js';
import { devHostKeyPath } from './dev-host-key.js';
import { removeClusterFile, writeClusterFile, clusterFilePath } from './cluster-file.js';
import { startLocalNats, type LocalNats } from './local-nats.js';
import { canSharePort, freePort, spawnRelays, stopRelays, type RelayChild } from './relay-processes.js';
import { runUntilSignal } from './run-until-signal.js';

export interface RunRelaysOptions {
  readonly count: number;
  readonly argv: readonly string[];
  readonly settings: RelayOptions;
  readonly invite: InviteService;
  /** The nats-server to start, or null when --cluster-nats names the NATS to use. */
  readonly natsServer: string | null;
  readonly apiKey: string;
  readonly jwksUrl?: string;
}

export async function runRelays(o: RunRelaysOptions): Promise<number> {
  const s = o.settings;
  let nats: LocalNats | null = null;
  let relays: RelayChild[] = [];
  // Whatever happens to this process, its children do not outlive it.
  const killAll = (): void => {
    for (const r of relays) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    void nats?.stop(0);
  };
  process.once('exit', killAll);
  try {
    if (o.natsServer !== null) nats = await startLocalNats(o.natsServer, join(s.dataDir, 'nats'));
    const natsUrls = nats !== null ? [nats.url] : s.clusterNats;
    const shared = canSharePort(s) ? (s.port === 0 ? await freePort(s.host) : s.port) : null;
    relays = await spawnRelays({
      count: o.count, argv: o.argv, settings: s, natsUrls, sharedPort: shared, ...(o.jwksUrl !== undefined ? { jwksUrl: o.jwksUrl } : {}),
    });
    o.invite.setRelayUrl(relays[0]!.url);
    writeClusterFile(s.dataDir, {
      relays: relays.map((r) => ({ node: r.node, url: r.url, adminUrl: r.adminUrl, dataDir: r.dataDir })),
      sharedPort: shared !== null,
      nats: natsUrls,
      inviteUrl: o.invite.url,
    });
    const out = [
      `Ephemera is running: ${o.count} relays joined by NATS.`,
      ...relays.map((r) => `  relay ${r.node.padEnd(10)} ${r.url}  admin ${r.adminUrl}/metrics  data ${r.dataDir}`),
      shared !== null
        ? `  join URL        ${relays[0]!.url}  (one port shared by the relays, SO_REUSEPORT: the kernel spreads connections)`
        : `  join URLs       one port per relay (the ${s.transport} transport cannot share one): put a load balancer in front`,
      `  NATS            ${natsUrls.join(',')}${nats !== null ? `  (local nats-server, JetStream store ${join(s.dataDir, 'nats')})` : ''}`,
      `  invite service  ${o.invite.url}  (JWKS ${o.invite.jwksUrl})`,
      `  dev host key    ${devHostKeyPath(s.dataDir)}`,
      `  cluster file    ${clusterFilePath(s.dataDir)}  (ephemera demo reads it to put participants on every relay)`,
      ...(o.invite.webClientUrl !== undefined ? [`  web client      ${o.invite.webClientUrl}#host-key=${encodeURIComponent(o.apiKey)}`] : []),
      ``,
      `Try: npx ephemera demo --participants 6 --messages 20`,
    ];
    process.stdout.write(out.join('\n') + '\n');
  } catch (err) {
    process.stderr.write(`ephemera start: ${(err as Error).message}\n`);
    await stopRelays(relays, 5_000);
    await o.invite.close();
    await nats?.stop();
    return 1;
  }
  let stopping = false;
  for (const r of relays) {
    void r.exited.then(({ code, signal }) => {
      if (!stopping) process.stderr.write(`ephemera start: relay ${r.node} exited (${signal ?? `code ${String(code)}`}); the others go on\n`);
    });
  }
  return runUntilSignal('ephemera', async () => {
    stopping = true;
    // The relays drain first (each writes its CDRs), within the drain deadline less a margin for the rest.
    await stopRelays(relays, Math.max(1_000, s.drainTimeoutMs - 1_000));
    removeClusterFile(s.dataDir);
    await o.invite.close();
    await nats?.stop();
  }, s.drainTimeoutMs + 2_000);
}
