/**
 * Operations of cluster mode: /readyz is 503 (reason cluster_unreachable) while NATS is unreachable and joins
 * are refused (RELAY_ERR_NOT_READY, as for any relay not ready); once a nats-server is up the relay connects by
 * itself and is ready.
 * Bad cluster settings are startup errors that name the setting.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startRelay, type Relay } from '../../relay/index.js';
import { resolveRelayOptions } from '../../relay/config/relay-options.js';
import { freePort, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

describe('cluster readiness and settings', () => {
  let relay: Relay | undefined;
  let nats: NatsServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ephemera-cluster-ready-'));
  afterAll(async () => {
    await relay?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready while NATS is unreachable, and ready once it is up', async () => {
    const port = await freePort();
    relay = await startRelay({ port: 0, adminPort: 0, dataDir: dir, logLevel: 'silent', clusterNats: [`nats://127.0.0.1:${port}`], clusterNodeId: 'lonely' }, pino({ level: 'silent' }));
    const ready = async (): Promise<{ status: number; body: { reason?: string } }> => {
      const res = await fetch(`http://127.0.0.1:${relay!.adminPort}/readyz`);
      return { status: res.status, body: (await res.json()) as { reason?: string } };
    };
    const before = await ready();
    expect(before.status).toBe(503);
    expect(before.body.reason).toBe('cluster_unreachable');
    nats = await startNatsServer([], port);
    const until = Date.now() + 15_000;
    let now = await ready();
    while (now.status !== 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      now = await ready();
    }
    expect(now.status).toBe(200);
  }, 30_000);

  it('refuses bad cluster settings at startup, naming the setting', () => {
    expect(() => resolveRelayOptions({ clusterNats: ['http://x:1'] })).toThrow(/--cluster-nats/);
    expect(() => resolveRelayOptions({ clusterNats: ['nats://a:1'], clusterUser: 'u' })).toThrow(/--cluster-password/);
    expect(() => resolveRelayOptions({ clusterNats: ['nats://a:1'], clusterToken: 't', clusterCredsFile: '/x' })).toThrow(/one NATS authentication method/);
    expect(() => resolveRelayOptions({ clusterSubjectPrefix: 'bad prefix' })).toThrow(/--cluster-subject-prefix/);
    expect(() => resolveRelayOptions({ clusterNodeId: 'a.b' })).toThrow(/--cluster-node-id/);
    expect(() => resolveRelayOptions({ clusterTlsCertFile: '/c' })).toThrow(/--cluster-tls-key-file/);
  });
});
