/**
 * The NATS authorization example of README "Cluster" and SECURITY.md (examples/nats/authorization.conf), on a
 * real nats-server with JetStream: relays logged in as its `relay` user work (chat across relays, single-use
 * tokens refused on the other relay), and its `app` user can neither publish on the cluster's subjects nor touch
 * the id store's buckets (nats-server answers a permissions violation; the relays receive nothing from it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connect as natsConnect } from 'nats';
import { connect, JoinRefusedError } from '../../client/index.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import { meetingId, waitFor } from '../helpers/relay-harness.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/nats/authorization.conf', import.meta.url));

describe('the NATS authorization example', () => {
  let h: ClusterHarness | undefined;
  let dir = '';
  afterEach(async () => {
    await h?.close();
    h = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets the relays work and keeps another user off the cluster subjects and the id store', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ephemera-nats-auth-'));
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, `jetstream { store_dir: "${join(dir, 'store')}" }\n${readFileSync(EXAMPLE, 'utf8')}`);
    process.env.RELAY_NATS_PASSWORD = 'relay-secret-for-test';
    process.env.APP_NATS_PASSWORD = 'app-secret-for-test';
    try {
      h = await startCluster(2, 'uws', { clusterUser: 'relay', clusterPassword: 'relay-secret-for-test' }, undefined, { jetStream: false, args: ['-c', conf] });
    } finally {
      delete process.env.RELAY_NATS_PASSWORD;
      delete process.env.APP_NATS_PASSWORD;
    }
    // The id store binds under the relay user's permissions.
    const until = Date.now() + 10_000;
    while (!/ephemera_cluster_store_ready\{set="used_tokens"\} 1/.test(await h.metrics(1))) {
      if (Date.now() > until) throw new Error('id store not ready under the example permissions');
      await new Promise((r) => setTimeout(r, 50));
    }
    const mid = meetingId();
    const a = await h.join(0, mid, 'a', { role: 'host' });
    const b = await h.join(1, mid, 'b');
    await waitFor(() => a.roster.size === 2 && b.roster.size === 2, 5_000, 'roster across relays');
    const chats: string[] = [];
    b.on('chat', (e) => chats.push(e.text));
    a.sendChat('hello across relays');
    await waitFor(() => chats.length === 1, 5_000, 'chat across relays');
    const invite = h.token(mid, 'guest', { singleUse: true });
    (await connect({ url: h.relays[0]!.url, meetingId: mid, token: invite })).close();
    const replay = await connect({ url: h.relays[1]!.url, meetingId: mid, token: invite }).then(() => 'accepted', (e: unknown) => (e instanceof JoinRefusedError ? e.code : String(e)));
    expect(replay).toBe('RELAY_ERR_TOKEN_REPLAYED');

    // Another user of the same NATS: every attempt is a permissions violation.
    const app = await natsConnect({ servers: h.nats.url, user: 'app', pass: 'app-secret-for-test' });
    const errors: string[] = [];
    void (async () => {
      for await (const s of app.status()) if (s.type === 'error') errors.push(String(s.data));
    })();
    app.publish(`ephemera.m.${mid}.all`, new Uint8Array([1, 2, 3]));
    app.publish('$KV.ephemera_used_tokens.0123456789abcdef0123456789abcdef', new TextEncoder().encode('1'));
    app.subscribe('ephemera.>');
    await app.flush().catch(() => undefined);
    await waitFor(() => errors.filter((e) => /permissions.?violation/i.test(e)).length >= 3, 5_000, () => `permission errors: ${errors.join(' | ')}`);
    await app.close();
    // The meeting is untouched: chat still flows, nobody was closed.
    a.sendChat('still fine');
    await waitFor(() => chats.length === 2, 5_000, 'chat after the intrusion attempts');
  }, 60_000);
});
