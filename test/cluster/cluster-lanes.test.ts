/**
 * A meeting of 9 across 3 relays joined by a real nats-server: 3 participants on each relay, and every lane
 * works as on one relay: the roster, chat (everyone, one, hosts) in per-sender order with nothing lost or
 * doubled, polls (answers only to the owner), media with subscriptions and keyframe requests routed to the
 * publisher, host controls on a participant of another relay (remove + bar, refused at a third relay), and a
 * relay that holds no member of a meeting receives none of its frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { metricValue, startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import type { ChatEvent, EphemeraClient } from '../../client/index.js';

describe.each(TRANSPORTS)('a meeting across three relays over %s', (transport) => {
  let h: ClusterHarness;
  beforeAll(async () => {
    h = await startCluster(4, transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000 });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  async function nine(mid: string): Promise<EphemeraClient[]> {
    const clients: EphemeraClient[] = [];
    for (let i = 0; i < 9; i++) clients.push(await h.join(i % 3, mid, `p${i}`, { role: i === 0 ? 'host' : i === 4 ? 'presenter' : 'attendee' }));
    await waitFor(() => clients.every((c) => c.roster.size === 9), 10_000, () => 'everyone sees everyone: ' + clients.map((c, i) => `p${i}:${[...c.roster.keys()].sort().join('')}`).join(' '));
    return clients;
  }

  it('roster with roles, chat in per-sender order (5 x 500), direct and hosts chat, across relays', async () => {
    const mid = meetingId();
    const clients = await nine(mid);
    for (const c of clients) {
      expect(c.roster.get('p0')?.role).toBe('host');
      expect(c.roster.get('p4')?.role).toBe('presenter');
      expect(c.roster.get('p8')?.role).toBe('attendee');
    }
    const got = clients.map(() => [] as ChatEvent[]);
    clients.forEach((c, i) => c.on('chat', (e) => got[i]!.push(e)));
    const senders = [0, 1, 2, 4, 8];
    const perSender = 500;
    for (let n = 0; n < perSender; n++) for (const s of senders) clients[s]!.sendChat(`${s}:${n}`);
    const expected = (r: number): number => senders.filter((s) => s !== r).length * perSender;
    await waitFor(() => got.every((g, r) => g.length >= expected(r)), 30_000, 'all chat');
    for (let r = 0; r < 9; r++) {
      expect(got[r]!.length).toBe(expected(r));
      for (const s of senders) {
        if (s === r) continue;
        const fromS = got[r]!.filter((e) => e.from === `p${s}`).map((e) => e.text);
        expect(fromS).toEqual(Array.from({ length: perSender }, (_, n) => `${s}:${n}`));
      }
    }
    for (const g of got) g.length = 0;
    clients[5]!.sendChat('psst', { to: 'p7' });
    clients[8]!.sendChat('to hosts', { hosts: true });
    await waitFor(() => got[7]!.length === 1 && got[0]!.length === 1, 5_000, 'direct and hosts chat');
    expect(got[7]![0]).toMatchObject({ from: 'p5', text: 'psst', audience: 'one' });
    expect(got[0]![0]).toMatchObject({ from: 'p8', text: 'to hosts', audience: 'hosts' });
    clients[0]!.sendChat('marker');
    await waitFor(() => got[1]!.some((e) => e.text === 'marker'));
    for (let r = 1; r < 9; r++) if (r !== 7) expect(got[r]!.filter((e) => e.text === 'psst')).toEqual([]);
    for (let r = 1; r < 9; r++) expect(got[r]!.filter((e) => e.text === 'to hosts')).toEqual([]);
    for (const c of clients) c.close();
  }, 60_000);

  it('polls: answers from every relay reach only the owner as tallies; results are shared', async () => {
    const mid = meetingId();
    const clients = await nine(mid);
    const owner = clients[4]!; // a presenter on relay 1
    const opened: string[][] = clients.map(() => []);
    clients.forEach((c, i) => c.on('pollOpened', (e: { pollId: string }) => opened[i]!.push(e.pollId)));
    const tallies: Array<{ answers: number; answeredBy?: readonly string[] }> = [];
    owner.on('pollTally', (e: { answers: number; answeredBy?: readonly string[] }) => tallies.push(e));
    const otherTallies: number[] = clients.map(() => 0);
    clients.forEach((c, i) => { if (i !== 4) c.on('pollTally', () => otherTallies[i]!++); });
    const pollId = owner.openPoll({ anonymous: false, questions: [{ text: 'which?', options: ['a', 'b', 'c'] }] } as never);
    await waitFor(() => opened.every((o, i) => i === 4 || o.includes(pollId)), 5_000, 'poll opened everywhere');
    for (let i = 0; i < 9; i++) if (i !== 4) clients[i]!.answerPoll(pollId, [i % 3]);
    await waitFor(() => tallies.some((t) => t.answers === 8), 10_000, 'tally of 8 answers at the owner');
    const last = tallies[tallies.length - 1]!;
    expect(last.answers).toBe(8);
    expect(new Set(last.answeredBy ?? []).size).toBe(8);
    expect(tallies.length).toBeLessThan(8);
    expect(otherTallies.every((n) => n === 0)).toBe(true);
    const errors: string[] = [];
    clients[7]!.on('error', (e: { code: string }) => errors.push(e.code));
    clients[7]!.answerPoll(pollId, [1]);
    await waitFor(() => errors.length === 1, 5_000, 'second answer refused');
    expect(errors).toEqual(['RELAY_ERR_ALREADY_ANSWERED']);
    const results: number[] = clients.map(() => 0);
    clients.forEach((c, i) => c.on('pollResults', (e: { answers: number }) => (results[i] = e.answers)));
    owner.shareResults(pollId);
    await waitFor(() => results.every((n, i) => i === 4 || n === 8), 5_000, 'results shared on every relay');
    for (const c of clients) c.close();
  }, 60_000);

  it('media: subscriptions across relays, frames only to subscribers, keyframe request routed to the publisher', async () => {
    const mid = meetingId();
    const clients = await nine(mid);
    const pub = clients[4]!; // relay 1
    const keyframeRequests: number[] = [];
    pub.on('keyframeRequest', (e: { track: number }) => keyframeRequests.push(e.track));
    pub.publishTrack({ id: 7, source: 'video', codec: 'vp8' });
    const seen: number[] = clients.map(() => 0);
    clients.forEach((c, i) => c.on('media', () => seen[i]!++));
    const published: boolean[] = clients.map(() => false);
    clients.forEach((c, i) => c.on('trackPublished', () => (published[i] = true)));
    await waitFor(() => published.every((p, i) => i === 4 || p), 5_000, 'track announced everywhere');
    clients[2]!.subscribe('p4', 7); // relay 2
    clients[3]!.subscribe('p4', 7); // relay 0
    await waitFor(() => keyframeRequests.length >= 1, 5_000, 'keyframe request from another relay');
    // Frames start at a keyframe for new subscribers.
    let n = 0;
    await waitFor(() => {
      pub.sendMedia(7, new Uint8Array([n++ & 0xff, 1, 2, 3]), { keyframe: n % 10 === 1 });
      return seen[2]! >= 20 && seen[3]! >= 20;
    }, 10_000, 'media at the subscribers');
    for (let i = 0; i < 9; i++) if (i !== 2 && i !== 3 && i !== 4) expect(seen[i]).toBe(0);
    for (const c of clients) c.close();
  }, 60_000);

  it('a host on relay 0 removes and bars a participant on relay 2, who cannot rejoin through relay 1; relay 3 holds no member and receives nothing', async () => {
    const mid = meetingId();
    const clients = await nine(mid);
    const before = await h.metrics(3);
    const target = clients[5]!; // relay 2
    const closed = new Promise<number>((resolve) => target.on('close', (e: { code: number }) => resolve(e.code)));
    clients[0]!.remove('p5', { bar: true });
    expect(await closed).toBe(4006);
    await waitFor(() => clients.every((c, i) => i === 5 || !c.roster.has('p5')), 5_000, 'p5 gone from every roster');
    await expect(h.join(1, mid, 'p5')).rejects.toThrow(/barred/);
    const done: boolean[] = clients.map(() => false);
    clients.forEach((c, i) => c.on('chat', (e: ChatEvent) => { if (e.text === 'done') done[i] = true; }));
    for (let i = 0; i < 50; i++) clients[1]!.sendChat(`x${i}`);
    clients[0]!.sendChat('done');
    await waitFor(() => done.every((d, i) => i === 0 || i === 5 || d), 5_000, 'chat delivered on relays 0-2');
    const after = await h.metrics(3);
    expect(metricValue(after, 'ephemera_cluster_subscriptions')).toBe(0);
    expect(metricValue(after, 'ephemera_cluster_frames_total', '{lane="chat",direction="in"}')).toBe(metricValue(before, 'ephemera_cluster_frames_total', '{lane="chat",direction="in"}'));
    expect(metricValue(after, 'ephemera_cluster_frames_total', '{lane="chat",direction="in"}')).toBe(0);
    for (const c of clients) c.close();
  }, 60_000);

  it('host controls on participants of other relays: lock, promote/demote, ask to mute, end for everyone', async () => {
    const mid = meetingId();
    const clients = await nine(mid);
    const host = clients[0]!; // relay 0
    const notices: string[] = [];
    clients[5]!.on('hostControl', (e: { action: string; target: string }) => notices.push(`${e.action}:${e.target}`)); // relay 2
    host.lock();
    host.askMute('p7');
    await waitFor(() => notices.includes('lock:') && notices.includes('ask_mute:p7'), 5_000, 'lock and ask-mute notices on relay 2');
    // Locked: a new id is refused at another relay.
    await expect(h.join(2, mid, 'newcomer')).rejects.toThrow(/locked/i);
    host.promote('p8'); // relay 2
    await waitFor(() => clients.every((c) => c.roster.get('p8')?.role === 'presenter'), 5_000, 'promotion seen everywhere');
    host.demote('p8');
    await waitFor(() => clients.every((c) => c.roster.get('p8')?.role === 'attendee'), 5_000, 'demotion seen everywhere');
    const codes: number[] = [];
    clients.forEach((c) => c.on('close', (e: { code: number }) => codes.push(e.code)));
    host.endMeeting();
    await waitFor(() => codes.length === 9, 10_000, 'everyone closed');
    expect(codes.every((c) => c === 4007)).toBe(true);
    await expect(h.join(1, mid, 'p1')).rejects.toThrow(/ended/i);
  }, 60_000);

  it('a participant that reconnects through another relay replaces its old session and stays in every roster', async () => {
    const mid = meetingId();
    const clients = await nine(mid);
    const old = clients[4]!; // relay 1
    const closed = new Promise<number>((resolve) => old.on('close', (e: { code: number }) => resolve(e.code)));
    const again = await h.join(2, mid, 'p4', { role: 'presenter' });
    expect(await closed).toBe(4005);
    const others = clients.filter((_, i) => i !== 4);
    await waitFor(() => again.roster.size === 9, 5_000, 'the new session sees everyone');
    // Nobody lost p4 from the roster (the old session's LEFT is not shown where the new one is known).
    await new Promise((r) => setTimeout(r, 300));
    for (const c of others) expect(c.roster.has('p4')).toBe(true);
    const got: string[] = [];
    again.on('chat', (e: ChatEvent) => got.push(e.text));
    clients[0]!.sendChat('still here?');
    await waitFor(() => got.includes('still here?'), 5_000, 'chat reaches the new session');
  }, 60_000);
});
