/**
 * Lock and bars across relays (issue 13, single state): a participant barred by a host on relay A cannot rejoin
 * through relay B (which holds members of the meeting) nor relay C (which holds none), right after the bar; a
 * lock made on A refuses a newcomer on C; two hosts on two relays locking and unlocking at the same moment leave
 * every relay with the same answer (the owner's order); and when the meeting's owner relay stops, its successor
 * still refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import { rendezvousOrder } from '../../relay/cluster/relay-presence.js';
import { JoinRefusedError, type EphemeraClient } from '../../client/index.js';

const NODES = ['r0', 'r1', 'r2', 'r3'];

/** A meeting id whose owner relay (rendezvous order over the 4 relays) is `owner`. */
function meetingOwnedBy(owner: string): string {
  for (;;) {
    const mid = meetingId();
    if (rendezvousOrder(mid, NODES)[0] === owner) return mid;
  }
}

describe.each(TRANSPORTS)('lock and bars across relays over %s', (transport) => {
  let h: ClusterHarness;
  let transportRetries = 0;
  beforeAll(async () => {
    h = await startCluster(4, transport);
    // Four uWS apps share this one process and event loop here (not so in production, one relay per process):
    // an upgrade that completes asynchronously (a seat request to the owner relay) is, rarely, cut by uWS before the
    // WELCOME (1006, no HTTP answer). That is a transport fault outside what this file tests (which answers the
    // relays give): such a join is tried once more and counted; a refusal (an HTTP status) never is.
    const join = h.join.bind(h);
    h.join = async (...args: Parameters<ClusterHarness['join']>) => {
      try {
        return await join(...args);
      } catch (err) {
        if (!(err instanceof JoinRefusedError) || err.status !== 0) throw err;
        transportRetries++;
        return join(...args);
      }
    };
  }, 30_000);
  afterAll(async () => {
    if (transportRetries > 0) console.warn(`cluster-host-rules over ${transport}: ${transportRetries} join(s) cut before WELCOME (1006) retried`);
    await h?.close();
  });

  /** A host on relay 0 and attendees on relays 0 and 1; relays 2 and 3 hold none of the meeting. */
  async function meeting(mid: string): Promise<EphemeraClient[]> {
    const clients = [await h.join(0, mid, 'host', { role: 'host' }), await h.join(1, mid, 'p1'), await h.join(1, mid, 'p2'), await h.join(0, mid, 'p3')];
    await waitFor(() => clients.every((c) => c.roster.size === 4), 10_000, 'everyone sees everyone');
    return clients;
  }

  it('barred on relay 0: refused at once through relay 1 (holds members) and relays 2, 3 (hold none); 5 rounds, owners vary', async () => {
    for (let round = 0; round < 5; round++) {
      const mid = meetingOwnedBy(NODES[round % 4]!);
      const clients = await meeting(mid);
      const target = clients[1]!; // relay 1
      const closed = new Promise<number>((resolve) => target.on('close', (e: { code: number }) => resolve(e.code)));
      clients[0]!.remove('p1', { bar: true });
      expect(await closed).toBe(4006);
      // Right after the close: no waiting for rosters.
      const again = await Promise.allSettled([h.join(1, mid, 'p1'), h.join(2, mid, 'p1'), h.join(3, mid, 'p1')]);
      for (const r of again) {
        expect(r.status).toBe('rejected');
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 403, code: 'RELAY_ERR_BARRED' });
      }
      // Others still get in through the relays that hold none of the meeting.
      const newcomer = await h.join(2 + (round % 2), mid, `n${round}`);
      await waitFor(() => clients[0]!.roster.has(`n${round}`), 5_000, 'the newcomer is seen');
      newcomer.close();
      for (const c of clients) c.close();
    }
  }, 90_000);

  it('locked on relay 0: a newcomer is refused on relays 1, 2 and 3; a host still gets in; unlocked: admitted', async () => {
    const mid = meetingOwnedBy('r2');
    const clients = await meeting(mid);
    const notices: string[] = [];
    clients[1]!.on('hostControl', (e: { action: string }) => notices.push(e.action));
    clients[0]!.lock();
    await waitFor(() => notices.includes('lock'), 5_000, 'the lock notice on relay 1');
    const tries = await Promise.allSettled([1, 2, 3].map((i) => h.join(i, mid, `new${i}`)));
    for (const r of tries) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_LOCKED' });
    }
    const cohost = await h.join(3, mid, 'cohost', { role: 'host' });
    await waitFor(() => clients[0]!.roster.has('cohost'), 5_000, 'the co-host is seen');
    clients[0]!.unlock();
    await waitFor(() => notices.includes('unlock'), 5_000, 'the unlock notice on relay 1');
    // Relay 2 holds none of the meeting... until the co-host's relay 3 joined: 2 still asks the owner.
    const late = await h.join(2, mid, 'late');
    late.close();
    cohost.close();
    for (const c of clients) c.close();
  }, 60_000);

  /** The admission pre-check of a newcomer on relay i: 'ok' or the refusal's code. */
  async function precheck(i: number, mid: string, pid: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${h.relays[i]!.port}/v1/meetings/${mid}/admission`, { headers: { authorization: `Bearer ${h.token(mid, pid)}` } });
    if (res.status === 200) return 'ok';
    return String(((await res.json()) as { error?: unknown }).error);
  }

  it('two hosts on relays 0 and 1 lock and unlock at the same moment: every relay ends with the same answer (5 rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      const mid = meetingOwnedBy(NODES[round % 4]!);
      const clients = [await h.join(0, mid, 'h0', { role: 'host' }), await h.join(1, mid, 'h1', { role: 'host' }), await h.join(2, mid, 'p2')];
      await waitFor(() => clients.every((c) => c.roster.size === 3), 10_000, 'everyone sees everyone');
      const notices: string[] = [];
      clients[2]!.on('hostControl', (e: { action: string }) => notices.push(e.action));
      clients[0]!.lock();
      clients[1]!.unlock();
      await waitFor(() => notices.length === 2, 5_000, 'both notices on relay 2');
      // Each relay applied its own host's action first and the other's notice next: only the owner's order
      // makes them agree. Wait (bounded) until the pre-checks of relays 0, 1, 2 agree.
      let answers: string[] = [];
      const until = Date.now() + 5_000;
      for (;;) {
        answers = await Promise.all([0, 1, 2].map((i) => precheck(i, mid, `x${round}`)));
        if (answers.every((a) => a === answers[0])) break;
        if (Date.now() > until) throw new Error(`relays disagree on the lock: ${answers.join(' ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(['ok', 'RELAY_ERR_MEETING_LOCKED']).toContain(answers[0]);
      // And a real join agrees with the pre-check on every relay, including relay 3 (which holds none of it).
      const joins = await Promise.allSettled([0, 1, 2, 3].map((i) => h.join(i, mid, `y${round}-${i}`)));
      for (const j of joins) {
        if (answers[0] === 'ok') expect(j.status).toBe('fulfilled');
        else expect(j.status === 'rejected' && (j.reason as { code?: string }).code).toBe('RELAY_ERR_MEETING_LOCKED');
      }
      for (const j of joins) if (j.status === 'fulfilled') j.value.close();
      for (const c of clients) c.close();
    }
  }, 90_000);

  it('the owner relay stops: its successor still refuses the barred id and the locked meeting', async () => {
    const mid = meetingOwnedBy('r3');
    const successor = rendezvousOrder(mid, NODES)[1]!;
    const clients = await meeting(mid);
    const closed = new Promise<number>((resolve) => clients[2]!.on('close', (e: { code: number }) => resolve(e.code)));
    clients[0]!.remove('p2', { bar: true });
    expect(await closed).toBe(4006);
    const notices: string[] = [];
    clients[1]!.on('hostControl', (e: { action: string }) => notices.push(e.action));
    clients[0]!.lock();
    await waitFor(() => notices.includes('lock'), 5_000, 'the lock notice on relay 1');
    await h.relays[3]!.close(); // the owner (clean stop: its goodbye drops it from every live set at once)
    // Relay 2 holds none of the meeting: it asks the new owner.
    await waitFor(() => successor !== 'r3', 1, 'a successor');
    await expect(h.join(2, mid, 'p2')).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_BARRED' });
    await expect(h.join(2, mid, 'someone')).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_LOCKED' });
    for (const c of clients) c.close();
  }, 60_000);
});
