/** Chat and roster: delivery to everyone else in per-sender order, direct and host-only chat, stamped senders. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Audience, encodeChatMessage, Kind } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import type { ChatEvent, EphemeraClient, RosterEvent } from '../../client/index.js';

describe.each(TRANSPORTS)('chat and roster over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('delivers chat to every other participant, in per-sender order', async () => {
    const mid = meetingId();
    const clients: EphemeraClient[] = [];
    for (let i = 0; i < 4; i++) clients.push(await h.join(mid, `p${i}`));
    await waitFor(() => clients.every((c) => c.roster.size === 4));
    const got = clients.map(() => [] as ChatEvent[]);
    clients.forEach((c, i) => c.on('chat', (e) => got[i]!.push(e)));
    const perSender = 50;
    for (let n = 0; n < perSender; n++) for (let s = 0; s < 4; s++) clients[s]!.sendChat(`${s}:${n}`);
    await waitFor(() => got.every((g) => g.length === perSender * 3), 10_000, 'all chat');
    for (let r = 0; r < 4; r++) {
      expect(got[r]!.some((e) => e.from === `p${r}`)).toBe(false);
      for (let s = 0; s < 4; s++) {
        if (s === r) continue;
        const fromS = got[r]!.filter((e) => e.from === `p${s}`).map((e) => e.text);
        expect(fromS).toEqual(Array.from({ length: perSender }, (_, n) => `${s}:${n}`));
      }
      const seqs = got[r]!.map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    }
    for (const c of clients) c.close();
  });

  it('delivers a direct message only to its target, and hosts-only chat only to hosts', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await waitFor(() => host.roster.size === 3 && a.roster.size === 3);
    const got: Record<string, ChatEvent[]> = { host: [], a: [], b: [] };
    host.on('chat', (e) => got.host!.push(e));
    a.on('chat', (e) => got.a!.push(e));
    b.on('chat', (e) => got.b!.push(e));
    a.sendChat('psst', { to: 'b' });
    a.sendChat('to hosts', { hosts: true });
    await waitFor(() => got.b!.length === 1 && got.host!.length === 1);
    host.sendChat('broadcast');
    await waitFor(() => got.a!.length === 1 && got.b!.length === 2);
    expect(got.b![0]).toMatchObject({ from: 'a', text: 'psst', audience: 'one' });
    expect(got.host![0]).toMatchObject({ from: 'a', text: 'to hosts', audience: 'hosts' });
    expect(got.a!.map((e) => e.text)).toEqual(['broadcast']);
    expect(got.host!.map((e) => e.text)).toEqual(['to hosts']);
    const errors: string[] = [];
    a.on('error', (e) => errors.push(e.code));
    a.sendChat('nobody', { to: 'ghost' });
    await waitFor(() => errors.length === 1);
    expect(errors).toEqual(['RELAY_ERR_UNKNOWN_TARGET']);
    for (const c of [host, a, b]) c.close();
  });

  it('stamps the real sender: a client cannot spoof `from` or `seq`', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await waitFor(() => b.roster.size === 2);
    const got: ChatEvent[] = [];
    b.on('chat', (e) => got.push(e));
    a.send({ kind: Kind.CHAT, from: 'host', seq: 999_999, audience: Audience.EVERYONE, payload: encodeChatMessage({ text: 'spoof' }) });
    await waitFor(() => got.length === 1);
    expect(got[0]!.from).toBe('a');
    expect(got[0]!.seq).toBeLessThan(999_999);
    a.close();
    b.close();
  });

  it('announces joins and leaves with reasons', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const events: RosterEvent[] = [];
    a.on('roster', (e) => events.push(e));
    const b = await h.join(mid, 'b', { displayName: 'Bee' });
    await waitFor(() => events.length === 1);
    expect(events[0]).toMatchObject({ change: 'joined', participant: { id: 'b', role: 'attendee', displayName: 'Bee' } });
    await b.leave();
    await waitFor(() => events.length === 2);
    expect(events[1]).toMatchObject({ change: 'left', participant: { id: 'b' }, reason: 'leave' });
    expect(a.roster.has('b')).toBe(false);
    a.close();
  });

  it('refuses chat from a participant whose token lacks the chat capability', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a', { capabilities: ['audio'] });
    const b = await h.join(mid, 'b');
    const errors: string[] = [];
    let delivered = 0;
    a.on('error', (e) => errors.push(e.code));
    b.on('chat', () => delivered++);
    a.sendChat('not allowed');
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(delivered).toBe(0);
    a.close();
    b.close();
  });
});
