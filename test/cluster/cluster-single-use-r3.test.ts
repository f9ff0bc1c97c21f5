/**
 * The cluster's id store on a NATS cluster of three (routes, JetStream, buckets with three replicas, as README
 * "Cluster" deploys it): a single-use token used on relay A is refused on relay B; when the NATS server relay A
 * is connected to is killed (kill -9), the relays reconnect to the others, the store goes on (refusing the old
 * token, admitting a fresh one once) and the time until a fresh single-use join is admitted again is printed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, JoinRefusedError } from '../../client/index.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster.js';
import { meetingId, TRANSPORTS } from '../helpers/relay-harness.js';

async function attempt(url: string, mid: string, token: string): Promise<string> {
  try {
    const c = await connect({ url, meetingId: mid, token, timeoutMs: 8_000 });
    c.close();
    return 'accepted';
  } catch (err) {
    if (err instanceof JoinRefusedError) return err.code;
    return `error: ${(err as Error).name}`;
  }
}

describe.each(TRANSPORTS)('the id store on a NATS cluster of three over %s', (transport) => {
  let nats: NatsCluster | undefined;
  let h: ClusterHarness | undefined;
  afterEach(async () => {
    await h?.close();
    await nats?.stop();
    h = undefined;
    nats = undefined;
  });

  it('outlives the NATS server a relay was connected to', async () => {
    nats = await startNatsCluster(3);
    const n = nats;
    // Each relay is given one server only (it learns the others from that server's INFO): relay A is on server 0.
    h = await startCluster(2, transport, { clusterStoreReplicas: 3, clusterStoreTimeoutMs: 1_000 }, (i) => ({ clusterNats: [n.servers[i]!.url] }));
    const url = (i: number): string => h!.relays[i]!.url;
    const mid = meetingId();
    const used = h.token(mid, 'guest', { singleUse: true });
    expect(await attempt(url(0), mid, used)).toBe('accepted');
    expect(await attempt(url(1), mid, used)).toBe('RELAY_ERR_TOKEN_REPLAYED');

    await n.kill(0);
    const killedAt = Date.now();
    // Until the relays reconnected and the buckets have a leader again, a single-use join is refused with 503 (or
    // 503 not ready while NATS is away): never admitted twice. A fresh token per attempt, since a claim whose
    // answer timed out may have been recorded (then refused as replayed: the safe side).
    let fresh = '';
    let outcome = '';
    let attempts = 0;
    for (;;) {
      attempts++;
      fresh = h.token(mid, `fresh-${attempts}`, { singleUse: true });
      outcome = await attempt(url(0), mid, fresh);
      if (outcome === 'accepted') break;
      expect(['RELAY_ERR_CLUSTER_STORE_UNAVAILABLE', 'RELAY_ERR_NOT_READY', 'RELAY_ERR_TOKEN_REPLAYED']).toContain(outcome);
      if (Date.now() - killedAt > 30_000) throw new Error(`no single-use join admitted 30 s after the kill (last: ${outcome})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const recoveredMs = Date.now() - killedAt;
    process.stdout.write(`cluster-single-use-r3 ${transport}: a single-use join is admitted again ${recoveredMs} ms after killing relay A's NATS server (${attempts} attempts)\n`);
    expect(await attempt(url(1), mid, fresh)).toBe('RELAY_ERR_TOKEN_REPLAYED');
    expect(await attempt(url(1), mid, used)).toBe('RELAY_ERR_TOKEN_REPLAYED');
    expect(await attempt(url(0), mid, used)).toBe('RELAY_ERR_TOKEN_REPLAYED');
  }, 90_000);
});
