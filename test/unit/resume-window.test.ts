/**
 * The resume window, credential and CDR gaps without sockets: audience, order, exactly-once, the gap and its
 * counts, the byte and age bounds, content zeroed as the window slides and when the meeting ends.
 */
import { describe, expect, it } from 'vitest';
import { Audience, decodeEnvelope, encodeEnvelope, Kind } from '../../protocol/index.js';
import { encodeForwardFrame } from '../../protocol/forward-frame.js';
import { peekKindAndSeq, ResumeWindow } from '../../relay/meeting/resume-window.js';
import { parseResumeOffer, randomSessionNumber, ResumeKey, SessionIds, sharedResumeKey, encodeIdentity, decodeIdentity } from '../../relay/meeting/resume-credential.js';
import { buildCdr, validateCdrRecord } from '../../relay/cdr/index.js';
import { backoffDelay, isUnexpectedClose, resolveReconnect } from '../../client/reconnect.js';
import type { Member } from '../../relay/meeting/delivery.types.js';
import { T0, TestMeeting } from './cdr-fixtures.js';

const enc = new TextEncoder();

function member(id: string, role: 'host' | 'attendee' = 'attendee'): Member {
  return { participantId: id, idBytes: enc.encode(id), role, capabilities: 0, tokenRole: role, tokenCapabilities: 0 };
}

function chat(seq: number, from: string, text: string): Uint8Array {
  return encodeForwardFrame({ kind: Kind.CHAT, from: enc.encode(from), seq, audience: Audience.EVERYONE, to: null, track: 0, keyframe: false, timestamp: 0, audioLevel: 0, payload: enc.encode(text) }).slice();
}

const seqOf = (f: Uint8Array): number => {
  const d = decodeEnvelope(f);
  return d.ok ? d.value.seq : -1;
};

describe('resume window', () => {
  it('reads kind and seq of encoded envelopes without decoding them', () => {
    const out = { kind: 0, seq: 0 };
    expect(peekKindAndSeq(chat(123456789, 'a', 'x'), out)).toBe(true);
    expect(out).toEqual({ kind: Kind.CHAT, seq: 123456789 });
    expect(peekKindAndSeq(encodeEnvelope({ kind: Kind.ROSTER, seq: 7, roster: { change: 1, participant: { id: 'p' }, reason: 'leave' } }), out)).toBe(true);
    expect(out).toEqual({ kind: Kind.ROSTER, seq: 7 });
    expect(peekKindAndSeq(new Uint8Array([0xff, 0xff]), out)).toBe(false);
  });

  it('gives a resumer the frames after its last seq it was an audience of, in order, once; never media', () => {
    const w = new ResumeWindow({ maxBytes: 1 << 20, maxAgeMs: 60_000 });
    const r = member('r');
    w.record(chat(1, 'a', 'one'), 'chat', 0, 'a', null);
    w.record(chat(2, 'r', 'own'), 'chat', 0, 'r', null); // r's own: not for r
    w.record(chat(3, 'a', 'hosts'), 'chat', 1, 'a', null); // to the hosts: r is an attendee
    w.record(chat(4, 'a', 'dm'), 'chat', 2, 'r', null); // to r alone
    w.record(chat(5, 'a', 'dm-b'), 'chat', 2, 'b', null);
    w.record(chat(6, 'a', 'list'), 'poll', 3, null, ['b', 'r']);
    w.record(encodeEnvelope({ kind: Kind.MEDIA, seq: 7, track: 1, payload: new Uint8Array([1]) }), 'video', 0, null, null);
    w.record(chat(0, 'a', 'no seq'), null, 0, null, null);
    const plan = w.plan(r, 1);
    expect(plan.gap).toBeNull();
    expect(plan.frames.map(seqOf)).toEqual([4, 6]);
    expect(w.plan(member('h', 'host'), 0).frames.map(seqOf)).toEqual([1, 2, 3]);
    w.close();
  });

  it('slides by bytes, zeroing what leaves, and reports the gap with counts per lane', () => {
    const w = new ResumeWindow({ maxBytes: 100, maxAgeMs: 60_000 });
    const frames: Uint8Array[] = [];
    for (let s = 1; s <= 20; s++) {
      const f = chat(s, 'a', `message ${s}`);
      frames.push(f);
      w.record(f, 'chat', 0, 'a', null);
    }
    w.record(encodeEnvelope({ kind: Kind.ROSTER, seq: 21, roster: { change: 0, participant: { id: 'z' } } }), null, 0, 'z', null);
    expect(w.heldBytes).toBeLessThanOrEqual(100);
    const plan = w.plan(member('r'), 3);
    expect(plan.gap).not.toBeNull();
    const kept = plan.frames.map(seqOf);
    expect(kept.at(-1)).toBe(21);
    expect(plan.gap!.throughSeq).toBe(kept[0]! - 1);
    expect(plan.gap!.countsKnown).toBe(true);
    expect(plan.gap!.missed).toEqual({ chat: plan.gap!.throughSeq - 3 });
    // The window holds copies; its own copies of what slid out are zeroed (read through the plan of a fresh
    // member the content of the kept ones is intact).
    expect(plan.frames.every((f) => f.some((b) => b !== 0))).toBe(true);
    const kept0 = plan.frames[0]!;
    w.close();
    expect(kept0.every((b) => b === 0)).toBe(true);
    expect(w.heldBytes).toBe(0);
  });

  it('keeps frames of every size intact (small, larger than the first chunks, larger than a chunk)', () => {
    const w = new ResumeWindow({ maxBytes: 1 << 20, maxAgeMs: 60_000 });
    const sizes = [12_000, 10, 5_000, 100, 20_000, 70_000, 3, 9_000, 16_000];
    const sent = sizes.map((n, i) => chat(i + 1, 'a', String.fromCharCode(97 + i).repeat(n)));
    for (const f of sent) w.record(f, 'chat', 0, 'a', null);
    const plan = w.plan(member('r'), 0);
    expect(plan.frames.map((f) => Buffer.from(f).toString('hex'))).toEqual(sent.map((f) => Buffer.from(f).toString('hex')));
    w.close();
  });

  it('slides by age', async () => {
    const w = new ResumeWindow({ maxBytes: 1 << 20, maxAgeMs: 20 });
    const copy = (() => {
      w.record(chat(1, 'a', 'old'), 'chat', 0, 'a', null);
      return w.plan(member('r'), 0).frames[0]!;
    })();
    await new Promise((r) => setTimeout(r, 40));
    const plan = w.plan(member('r'), 0);
    expect(plan.frames).toEqual([]);
    expect(plan.gap).toMatchObject({ afterSeq: 0, throughSeq: 1, countsKnown: true, missed: { chat: 1 } });
    expect(copy.every((b) => b === 0)).toBe(true);
    w.close();
  });
});

describe('resume credential', () => {
  it('verifies for its identity only, and not after its expiry', () => {
    const key = new ResumeKey();
    const cred = key.issue('m1', 'alice', 'sid123', T0 + 1000);
    const offer = parseResumeOffer(`resume.${cred}.42`)!;
    expect(offer).toMatchObject({ sessionId: 'sid123', expiresAt: T0 + 1000, lastSeq: 42 });
    expect(key.verify(offer, 'm1', 'alice', T0)).toBe(true);
    expect(key.verify(offer, 'm1', 'bob', T0)).toBe(false);
    expect(key.verify(offer, 'm2', 'alice', T0)).toBe(false);
    expect(key.verify(offer, 'm1', 'alice', T0 + 1000)).toBe(false);
    expect(new ResumeKey().verify(offer, 'm1', 'alice', T0)).toBe(false);
    for (const bad of ['resume.', `resume.${cred}`, `resume.${cred}.x`, `resume.a.b.c.d.1.2`, `resume.${cred}.-1`]) expect(parseResumeOffer(bad)).toBeNull();
  });

  it('session ids: a number a credential can carry, read back only by the process that made it', () => {
    const ids = new SessionIds();
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = randomSessionNumber();
      expect(n >= 1 && n < 2 ** 30 && Number.isInteger(n)).toBe(true);
      seen.add(n);
      const text = ids.text(n);
      expect(parseResumeOffer(`resume.${new ResumeKey().issue('m1', 'alice', text, T0 + 1000)}.1`)?.sessionId).toBe(text);
      expect(ids.parse(text)).toBe(n);
      // Another process (a restarted relay, another relay of the cluster) has another prefix.
      expect(new SessionIds().parse(text)).toBe(0);
    }
    expect(seen.size).toBeGreaterThan(1990);
    const text = ids.text(35);
    for (const bad of [text.slice(0, -1) + '0z', text.slice(0, -1) + '00', text.slice(0, -1) + 'zzzzzzz', text.slice(0, -1), text.slice(0, -1) + 'Z', '']) expect(ids.parse(bad)).toBe(0);
  });

  it('cluster mode: any relay holding the shared secret verifies it, the identity is covered by the MAC', () => {
    const secret = Buffer.from('x'.repeat(40));
    const issuer = new ResumeKey(sharedResumeKey(secret));
    const other = new ResumeKey(sharedResumeKey(secret));
    const identity = encodeIdentity({ participantId: 'alice', role: 'presenter', capabilities: ['chat', 'video'], node: 'r0', displayName: 'Alice' });
    const cred = issuer.issue('m1', 'alice', 'sid123', T0 + 1000, identity);
    const offer = parseResumeOffer(`resume.${cred}.7`)!;
    expect(offer).toMatchObject({ sessionId: 'sid123', lastSeq: 7, identity });
    expect(decodeIdentity(offer.identity!)).toEqual({ participantId: 'alice', role: 'presenter', capabilities: ['chat', 'video'], node: 'r0', displayName: 'Alice' });
    expect(other.verify(offer, 'm1', 'alice', T0)).toBe(true);
    expect(new ResumeKey(sharedResumeKey(Buffer.from('y'.repeat(40)))).verify(offer, 'm1', 'alice', T0)).toBe(false);
    // A host role written into the identity breaks the MAC.
    const forged = encodeIdentity({ participantId: 'alice', role: 'host', capabilities: ['chat', 'video'], node: 'r0', displayName: 'Alice' });
    expect(other.verify({ ...offer, identity: forged }, 'm1', 'alice', T0)).toBe(false);
    expect(decodeIdentity('bm90IGpzb24')).toBeNull();
  });
});

describe('CDR gaps', () => {
  it('a resumed session carries its gaps, and the validator checks them', () => {
    const m = new TestMeeting({ meetingId: 'm', cdrId: 'c1', relayNode: 'n', startedAt: T0 });
    m.join('r', 'attendee', T0);
    const view = m.participants.get('r')!;
    view.spans[0]!.gaps = [{ from: T0 + 1000, to: T0 + 2500 }];
    m.closeAll('meeting_ended', T0 + 5000);
    const cdr = buildCdr(m, 'host_ended', T0 + 5000);
    expect(cdr.participants[0]!.sessions).toEqual([
      { joinedAt: new Date(T0).toISOString(), leftAt: new Date(T0 + 5000).toISOString(), leaveReason: 'meeting_ended', gaps: [{ from: new Date(T0 + 1000).toISOString(), to: new Date(T0 + 2500).toISOString() }] },
    ]);
    expect(validateCdrRecord(cdr)).toEqual([]);
    const bad = structuredClone(cdr) as unknown as { participants: Array<{ sessions: Array<Record<string, unknown>> }> };
    bad.participants[0]!.sessions[0]!.gaps = [{ from: new Date(T0 + 3000).toISOString(), to: new Date(T0 + 2000).toISOString() }];
    expect(validateCdrRecord(bad).join('\n')).toMatch(/gaps\[0\]: to must not be before from/);
    bad.participants[0]!.sessions[0]!.gaps = [];
    expect(validateCdrRecord(bad).join('\n')).toMatch(/gaps: must be a non-empty array/);
  });
});

describe('SDK reconnect settings', () => {
  it('backs off exponentially with jitter, capped; resumes only after unexpected closes', () => {
    const r = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1_000 }, 15_000);
    expect(r.maxTotalMs).toBe(15_000);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, r, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, r, () => 0)).toBe(200);
    expect([1006, 1005, 1011, 4004].every(isUnexpectedClose)).toBe(true);
    expect([1000, 1001, 4005, 4006, 4007, 4003].some(isUnexpectedClose)).toBe(false);
  });
});
