/**
 * Issue 13, item 3: single-use invitations and ended meetings are honoured cluster-wide, also after every relay
 * restarts. A real nats-server with JetStream (the cluster's id store: digests and expiry times only) and real
 * relays. A single-use token used on relay A is refused on relay B (403 RELAY_ERR_TOKEN_REPLAYED) and on both
 * after all relays restart; the same token presented at A and B at the same moment is admitted exactly once; a
 * meeting its host ended on A is refused on B (403 RELAY_ERR_MEETING_ENDED), also after all relays restart; while
 * the cluster's store does not answer, a single-use join is refused with 503 RELAY_ERR_CLUSTER_STORE_UNAVAILABLE
 * (never admitted: it could be a replay) and an ordinary join still works.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, JoinRefusedError } from '../../client/index.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import { filesUnder } from '../helpers/files.js';
import { meetingId, TRANSPORTS } from '../helpers/relay-harness.js';

/** The outcome of one join: accepted (then closed) or the refusal's status and code. */
async function attempt(url: string, mid: string, token: string): Promise<{ status: number; code: string }> {
  try {
    const c = await connect({ url, meetingId: mid, token, timeoutMs: 8_000 });
    c.close();
    return { status: 101, code: 'accepted' };
  } catch (err) {
    if (err instanceof JoinRefusedError) return { status: err.status, code: err.code };
    throw err;
  }
}

/** The admission pre-check's answer at one relay (it never claims a single-use token). */
async function precheck(h: ClusterHarness, relay: number, mid: string, token: string): Promise<string> {
  const base = h.relays[relay]!.url.replace(/^ws/, 'http');
  const res = await fetch(`${base}/v1/meetings/${mid}/admission`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 204 || res.status === 200) return 'ok';
  const body = (await res.json()) as { error?: string };
  return String(body.error);
}

/** Waits until an asynchronous condition holds (asked again as soon as it answers), or fails naming it. */
async function waitForAsync(cond: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) if (Date.now() > until) throw new Error(`timed out: ${what()}`);
}

const REPLAYED = { status: 403, code: 'RELAY_ERR_TOKEN_REPLAYED' };
const ENDED = { status: 403, code: 'RELAY_ERR_MEETING_ENDED' };
const OK = { status: 101, code: 'accepted' };

describe.each(TRANSPORTS)('single-use tokens and ended meetings across a cluster over %s', (transport) => {
  let h: ClusterHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('refuses a token used on A at B and after every relay restarts; exactly one of two racing joins wins', async () => {
    h = await startCluster(2, transport);
    const url = (i: number): string => h!.relays[i]!.url;

    // Used on A, refused on B (which never saw it: only the cluster's store can tell).
    const mid = meetingId();
    const invite = h.token(mid, 'guest', { singleUse: true });
    expect(await attempt(url(0), mid, invite)).toEqual(OK);
    expect(await attempt(url(1), mid, invite)).toEqual(REPLAYED);
    expect(await attempt(url(0), mid, invite)).toEqual(REPLAYED);
    // The pre-check knows it too, and a pre-check never burns a token.
    const fresh = h.token(mid, 'later', { singleUse: true });
    expect(await precheck(h, 1, mid, fresh)).toBe('ok');
    expect(await precheck(h, 1, mid, invite)).toBe('RELAY_ERR_TOKEN_REPLAYED');

    // The same token at A and B at the same moment, ten times: exactly one join wins each time.
    const raced: string[] = [];
    for (let round = 0; round < 10; round++) {
      const m = meetingId();
      const t = h.token(m, `racer-${round}`, { singleUse: true });
      raced.push(t);
      const outcomes = await Promise.all([attempt(url(0), m, t), attempt(url(1), m, t)]);
      expect(outcomes.filter((o) => o.code === 'accepted')).toHaveLength(1);
      expect(outcomes.filter((o) => o.code === 'RELAY_ERR_TOKEN_REPLAYED')).toHaveLength(1);
    }

    // Every relay restarts (same data folders): still refused everywhere, at B although its own files never held it.
    await h.restart();
    expect(await attempt(url(1), mid, invite)).toEqual(REPLAYED);
    expect(await attempt(url(0), mid, invite)).toEqual(REPLAYED);
    for (const t of raced.slice(0, 3)) {
      const m = JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8')) as { mid: string };
      expect(await attempt(url(1), m.mid, t)).toEqual(REPLAYED);
    }
    // A fresh single-use token works once, on whichever relay comes first.
    expect(await attempt(url(1), mid, fresh)).toEqual(OK);
    expect(await attempt(url(0), mid, fresh)).toEqual(REPLAYED);
  }, 90_000);

  it('refuses a meeting its host ended on A at B, also after every relay restarts', async () => {
    h = await startCluster(2, transport);
    const url = (i: number): string => h!.relays[i]!.url;
    const mid = meetingId();
    const host = await h.join(0, mid, 'host', { role: 'host' });
    host.endMeeting();
    expect((await host.closed).code).toBe(4007);
    expect(await attempt(url(0), mid, h.token(mid, 'a'))).toEqual(ENDED);
    // B held no member of the meeting: it learns of the end from the cluster's store (written when A ended it).
    // (A's write is in the background of the end: wait until B's pre-check sees it, bounded.)
    const probe = h.token(mid, 'probe');
    let seen = '';
    await waitForAsync(async () => (seen = await precheck(h!, 1, mid, probe)) === 'RELAY_ERR_MEETING_ENDED', 5_000, () => `B's pre-check said ${seen}`);
    expect(await attempt(url(1), mid, h.token(mid, 'b'))).toEqual(ENDED);
    // A single-use token for the ended meeting is refused as ended, and not burnt by the refusal.
    const invite = h.token(mid, 'c', { singleUse: true });
    expect(await attempt(url(1), mid, invite)).toEqual(ENDED);

    await h.restart();
    expect(await attempt(url(1), mid, h.token(mid, 'd'))).toEqual(ENDED);
    expect(await attempt(url(0), mid, h.token(mid, 'e'))).toEqual(ENDED);
    // Another meeting is not affected.
    const other = meetingId();
    expect(await attempt(url(1), other, h.token(other, 'f'))).toEqual(OK);

    // The NATS store folder holds digests and expiry times: never a token, never a meeting id.
    for (const file of filesUnder(h.dirs[1]!)) {
      const bytes = readFileSync(file).toString('latin1');
      for (const secret of [mid, invite, invite.split('.')[1]!]) expect(bytes.includes(secret)).toBe(false);
    }
  }, 90_000);

  it('refuses single-use joins with 503 while the cluster store does not answer, and admits ordinary ones', async () => {
    // A nats-server without JetStream: the relays connect, but the id store never binds.
    h = await startClusterWithoutJetStream(transport);
    const mid = meetingId();
    const invite = h.token(mid, 'guest', { singleUse: true });
    expect(await attempt(h.relays[0]!.url, mid, invite)).toEqual({ status: 503, code: 'RELAY_ERR_CLUSTER_STORE_UNAVAILABLE' });
    // Not burnt: the same token is refused the same way, not as replayed.
    expect(await attempt(h.relays[1]!.url, mid, invite)).toEqual({ status: 503, code: 'RELAY_ERR_CLUSTER_STORE_UNAVAILABLE' });
    expect(await attempt(h.relays[1]!.url, mid, h.token(mid, 'plain'))).toEqual(OK);
    const m = await h.metrics(0);
    expect(m).toMatch(/ephemera_cluster_store_ready\{set="used_tokens"\} 0/);
    expect(m).toMatch(/ephemera_cluster_store_failures_total\{set="used_tokens"\} [1-9]/);
  }, 60_000);
});

/** Two relays on a nats-server started without JetStream (the harness waits for the id store, so not it). */
async function startClusterWithoutJetStream(transport: 'uws' | 'ws'): Promise<ClusterHarness> {
  return startCluster(2, transport, { clusterStoreTimeoutMs: 500 }, undefined, { jetStream: false });
}
