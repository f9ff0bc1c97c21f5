/**
 * NATS core is at-most-once: a gap between relays must be recovered or end in a documented close, never a silent
 * hole. Relay 2 reaches NATS through a forwarder that cuts its connection (a real fault: what is published while
 * it is away is lost for it). With a retransmit window that holds what was missed, the gap is recovered: every
 * chat arrives once, in per-sender order. With a window too small, relay 2's sessions are closed with 4013
 * RELAY_ERR_CLUSTER_GAP while the meeting goes on elsewhere.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { meetingId, waitFor } from '../helpers/relay-harness.js';
import { metricValue, startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import { startTcpCut, type TcpCut } from '../helpers/tcp-cut.js';
import type { ChatEvent, EphemeraClient } from '../../client/index.js';

async function connected(h: ClusterHarness, i: number, value: number): Promise<void> {
  const until = Date.now() + 10_000;
  while (metricValue(await h.metrics(i), 'ephemera_cluster_connected') !== value) {
    if (Date.now() > until) throw new Error(`relay ${i} connected != ${value}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('gaps between relays', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  async function cluster(retransmitBytes: number): Promise<{ h: ClusterHarness; cut: TcpCut }> {
    let cut: TcpCut | null = null;
    const h = await startCluster(3, 'uws', { maxFramesPerSecond: 5_000, frameBurst: 10_000, clusterRetransmitBytes: retransmitBytes, clusterGapTimeoutMs: 3_000 }, async (i, nats) => {
      if (i !== 2) return {};
      cut = await startTcpCut(nats.port);
      return { clusterNats: [cut.url] };
    });
    cleanups.push(async () => {
      await h.close();
      await cut!.close();
    });
    return { h, cut: cut! };
  }

  async function meeting(h: ClusterHarness): Promise<EphemeraClient[]> {
    const mid = meetingId();
    const clients: EphemeraClient[] = [];
    for (let i = 0; i < 6; i++) clients.push(await h.join(i % 3, mid, `p${i}`));
    await waitFor(() => clients.every((c) => c.roster.size === 6), 10_000, 'full roster');
    return clients;
  }

  it('a cut connection loses messages for one relay: the gap is detected and recovered from the origin\'s window', async () => {
    const { h, cut } = await cluster(16 * 1024 * 1024);
    const clients = await meeting(h);
    const got: ChatEvent[] = [];
    clients[2]!.on('chat', (e) => got.push(e)); // on relay 2
    const N = 300;
    for (let n = 0; n < N / 3; n++) clients[0]!.sendChat(`m${n}`);
    await waitFor(() => got.length === N / 3, 10_000, 'first third');
    cut.cut(400);
    await connected(h, 2, 0);
    for (let n = N / 3; n < (2 * N) / 3; n++) clients[0]!.sendChat(`m${n}`);
    await connected(h, 2, 1);
    for (let n = (2 * N) / 3; n < N; n++) clients[0]!.sendChat(`m${n}`);
    await waitFor(() => got.length >= N, 15_000, 'every chat at relay 2');
    expect(got.map((e) => e.text)).toEqual(Array.from({ length: N }, (_, n) => `m${n}`));
    const m = await h.metrics(2);
    expect(metricValue(m, 'ephemera_cluster_gaps_total', '{outcome="detected"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'ephemera_cluster_gaps_total', '{outcome="recovered"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'ephemera_cluster_gaps_total', '{outcome="failed"}')).toBe(0);
    expect(metricValue(await h.metrics(0), 'ephemera_cluster_resent_total')).toBeGreaterThanOrEqual(N / 3);
    for (const c of clients) c.close();
  }, 60_000);

  it('a relay that learnt the others from their STATE alone detects the loss of their very next message', async () => {
    // Relay 2 joins after relay 0's member: it learns it from relay 0's STATE and has seen no message of relay 0's
    // stream to everyone when the cut comes. The STATE's stream position is its starting point: the chats lost
    // meanwhile are a gap (recovered here), not the silent start of a stream at the first message after the cut.
    const { h, cut } = await cluster(16 * 1024 * 1024);
    const mid = meetingId();
    const sender = await h.join(0, mid, 'sender');
    const receiver = await h.join(2, mid, 'receiver');
    await waitFor(() => sender.roster.size === 2 && receiver.roster.size === 2, 10_000, 'both see each other');
    const got: ChatEvent[] = [];
    receiver.on('chat', (e) => got.push(e));
    cut.cut(400);
    await connected(h, 2, 0);
    for (let n = 0; n < 50; n++) sender.sendChat(`m${n}`);
    await connected(h, 2, 1);
    sender.sendChat('after');
    await waitFor(() => got.length >= 51, 15_000, 'every chat at relay 2');
    expect(got.map((e) => e.text)).toEqual([...Array.from({ length: 50 }, (_, n) => `m${n}`), 'after']);
    const m = await h.metrics(2);
    expect(metricValue(m, 'ephemera_cluster_gaps_total', '{outcome="detected"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'ephemera_cluster_gaps_total', '{outcome="failed"}')).toBe(0);
    sender.close();
    receiver.close();
  }, 60_000);

  it('a gap the origin can no longer fill closes that relay\'s sessions with 4013; the others go on', async () => {
    const { h, cut } = await cluster(64 * 1024);
    const clients = await meeting(h);
    // What each participant of relay 2 is told: its session closed with 4013, or (the SDK comes back by itself
    // after a cluster close) it resumed with the gap frame, or it rejoined as a new session. Never silence.
    const told = new Map<number, string>();
    const seen: string[] = [];
    for (const i of [2, 5]) {
      const c = clients[i]!;
      let dropped = 0;
      c.on('reconnecting', (e) => {
        if (dropped === 0) dropped = e.code;
        seen.push(`p${i} reconnecting ${e.code} ${e.mode}`);
      });
      c.on('failed', (e) => seen.push(`p${i} failed ${e.reason}`));
      c.on('close', (e: { code: number }) => told.set(i, told.get(i) ?? `close ${e.code}`));
      c.on('resumed', (e) => told.set(i, `resumed after ${dropped} ${e.gap === null ? 'without a gap' : 'with the gap frame'}`));
      c.on('rejoined', (e) => told.set(i, `rejoined after ${e.code}`));
    }
    const got1: ChatEvent[] = [];
    clients[1]!.on('chat', (e) => got1.push(e));
    const got2: ChatEvent[] = [];
    clients[2]!.on('chat', (e) => got2.push(e));
    cut.cut(400);
    await connected(h, 2, 0);
    // Far more than the 64 KiB window holds.
    const text = 'x'.repeat(1000);
    for (let n = 0; n < 200; n++) clients[0]!.sendChat(`${n}:${text}`);
    await connected(h, 2, 1);
    clients[0]!.sendChat('after');
    try {
      await waitFor(() => told.size === 2, 15_000, 'relay 2 sessions told of the gap');
    } catch (err) {
      const m = await h.metrics(2);
      const gaps = ['detected', 'recovered', 'failed'].map((o) => `${o} ${metricValue(m, 'ephemera_cluster_gaps_total', `{outcome="${o}"}`)}`);
      throw new Error(`${(err as Error).message}; told: ${JSON.stringify([...told])}; events: ${seen.join(', ')}; relay 2 gaps: ${gaps.join(', ')}; relay 1 got ${got1.length}; p2 got ${got2.length} (last ${got2.at(-1)?.text.slice(0, 8) ?? '-'}); relay 2 subscriptions ${metricValue(m, 'ephemera_cluster_subscriptions')}, connected ${metricValue(m, 'ephemera_cluster_connected')}, reconnects ${metricValue(m, 'ephemera_cluster_reconnects_total')}`);
    }
    for (const outcome of told.values()) expect(outcome).toMatch(/^(close 4013|resumed after 4013 with the gap frame|rejoined after 4013)$/);
    console.log(`relay 2's participants: ${[...told.values()].join('; ')}`);
    await waitFor(() => got1.some((e) => e.text === 'after'), 5_000, 'the meeting goes on at relay 1');
    expect(got1.length).toBe(201);
    expect(metricValue(await h.metrics(2), 'ephemera_cluster_gaps_total', '{outcome="failed"}')).toBeGreaterThanOrEqual(1);
    for (const c of clients) c.close();
  }, 60_000);
});
