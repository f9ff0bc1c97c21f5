/**
 * The owner side of a meeting's one record, from parts: merging (sessions with their relay, counters summed, the
 * peak over merged sessions, the end reason), and the ledger (newest version wins, a dead relay's part frozen as
 * relay_failure, one record after the window, a part arriving again recognised as recorded).
 */
import { describe, expect, it } from 'vitest';
import { buildCdr, buildInterimCdr, validateCdrRecord, type CdrRecord } from '../../relay/cdr/index.js';
import { CdrLedger, type PartAck, type PartReport, type RecordedNotice } from '../../relay/cluster/cdr-ledger.js';
import { endReasonOf, mergeParts } from '../../relay/cluster/merge-cdr.js';
import { LANES, type Lane, type LaneStats, type MeetingView, type ParticipantView } from '../../relay/meeting/meeting.types.js';

const T0 = Date.parse('2026-01-02T10:00:00.000Z');

function view(cdrId: string, node: string, spans: Record<string, Array<[number, number | null]>>, frames = 1): MeetingView {
  const lanes = {} as Record<Lane, LaneStats>;
  for (const l of LANES) lanes[l] = { framesIn: frames, bytesIn: 10 * frames, framesOut: 2 * frames, bytesOut: 20 * frames, dropped: 0 };
  const participants = new Map<string, ParticipantView>();
  for (const [id, list] of Object.entries(spans)) {
    participants.set(id, {
      id, role: 'attendee',
      spans: list.map(([j, l]) => (l === null ? { joinedAt: T0 + j } : { joinedAt: T0 + j, leftAt: T0 + l, leaveReason: 'leave' as const })),
    });
  }
  return {
    meetingId: 'm1', cdrId, relayNode: node, startedAt: T0, participants, present: 0, peakParticipants: 1,
    features: new Set(['chat' as const]), lanes,
    activity: { hostActions: { lock: 1 }, pollsOpened: 1, pollAnswers: 2, documentsOffered: 0, documentBytes: 0, tracksPublished: 0 },
  };
}

describe('mergeParts', () => {
  it('keeps every session with its relay, sums counters, and counts the peak over the merged sessions', () => {
    const a = buildCdr(view('A', 'relay-a', { p1: [[0, 60_000]], p2: [[0, 30_000]] }), 'empty_timeout', T0 + 60_000);
    const b = buildCdr(view('B', 'relay-b', { p3: [[10_000, 50_000]], p1: [[70_000, 90_000]] }, 3), 'empty_timeout', T0 + 90_000);
    const r = mergeParts([{ record: a, done: true, failed: false }, { record: b, done: true, failed: false }], {
      cdrId: 'A', relayNode: 'relay-b', final: true, at: T0 + 90_000, sequence: 1, endReason: 'empty_timeout',
    });
    expect(validateCdrRecord(r)).toEqual([]);
    expect(r.id).toBe('A');
    expect(r.participants.map((p) => `${p.id}:${p.sessions.map((s) => s.relay).join(',')}`).sort()).toEqual(['p1:relay-a,relay-b', 'p2:relay-a', 'p3:relay-b']);
    expect(r.lanes.chat).toEqual({ framesIn: 4, bytesIn: 40, framesOut: 8, bytesOut: 80, dropped: 0 });
    expect(r.activity.hostActions).toEqual({ lock: 2 });
    expect(r.activity.pollAnswers).toBe(4);
    // p1, p2 and p3 overlap between 10 s and 30 s.
    expect(r.peakParticipants).toBe(3);
    expect(r.participantMinutes).toBe(Math.round(((60 + 30 + 40 + 20) * 1000) / 600) / 100);
    expect(r.durationMs).toBe(90_000);
  });

  it('takes a host\'s end over the others, else the last part\'s reason, relay_failure when all failed', () => {
    const rec = (reason: 'empty_timeout' | 'host_ended' | 'shutdown', at: number): CdrRecord => buildCdr(view('X', 'n', {}), reason, T0 + at);
    expect(endReasonOf([{ record: rec('empty_timeout', 5), done: true, failed: false }, { record: rec('host_ended', 1), done: true, failed: false }])).toBe('host_ended');
    expect(endReasonOf([{ record: rec('shutdown', 9), done: true, failed: false }, { record: rec('empty_timeout', 5), done: true, failed: true }])).toBe('shutdown');
    expect(endReasonOf([{ record: rec('empty_timeout', 9), done: true, failed: true }])).toBe('relay_failure');
  });
});

describe('CdrLedger', () => {
  function ledger(live: Set<string>): { l: CdrLedger; written: CdrRecord[]; notices: RecordedNotice[] } {
    const written: CdrRecord[] = [];
    const notices: RecordedNotice[] = [];
    const l = new CdrLedger({
      selfId: 'o', relayNode: 'relay-o', windowMs: 100, interimIntervalMs: 0, deadAfterMs: 1_000,
      owns: () => true, holds: () => true, isLive: (n) => live.has(n), append: (r) => (written.push(r), true), recorded: (n) => notices.push(n), tell: () => undefined, log: () => undefined,
    });
    return { l, written, notices };
  }
  const report = (from: string, part: string, v: number, record: CdrRecord, done: boolean, failed = false): PartReport => ({ t: 'r', from, part, v, done, failed, record });

  it('writes one record after the window, with a dead relay\'s open sessions ended relay_failure, and recognises late copies', () => {
    const live = new Set(['a', 'b']);
    const { l, written, notices } = ledger(live);
    const now = Date.now();
    const openA = buildInterimCdr(view('A', 'relay-a', { p1: [[0, null]] }), 1, now);
    expect(l.report(report('a', 'A', 1, openA, false), now)).toMatchObject({ c: 'A', recorded: false });
    const openB = buildInterimCdr(view('B', 'relay-b', { p2: [[0, null]] }), 1, now);
    l.report(report('b', 'B', 2, openB, false), now);
    // An older version does not replace a newer one.
    l.report(report('b', 'B', 1, buildInterimCdr(view('B', 'relay-b', {}), 1, now), false), now);
    live.delete('a');
    l.nodeDown('a', now);
    // After it was declared dead, what its relay says is ignored: its part stays relay_failure.
    const later = now + 5_000 - T0;
    l.report(report('a', 'A', 5, buildCdr(view('A', 'relay-a', { p1: [[0, later]] }), 'empty_timeout', now + 5_000), true), now);
    l.tick(now + 1_000);
    expect(written).toEqual([]);
    l.report(report('b', 'B', 3, buildCdr(view('B', 'relay-b', { p2: [[0, 9_000]] }), 'empty_timeout', now + 10), true), now + 10);
    l.tick(now + 50);
    expect(written).toEqual([]);
    l.tick(now + 200);
    expect(written.length).toBe(1);
    const r = written[0]!;
    expect(validateCdrRecord(r)).toEqual([]);
    expect(r.cdrId).toBe('A');
    expect(r.endReason).toBe('empty_timeout');
    const byId = new Map(r.participants.map((p) => [p.id, p.sessions]));
    expect(byId.get('p1')).toMatchObject([{ relay: 'relay-a', leaveReason: 'relay_failure' }]);
    expect(byId.get('p2')).toMatchObject([{ relay: 'relay-b', leaveReason: 'leave' }]);
    expect(notices).toEqual([{ t: 'rec', from: 'o', m: 'm1', c: 'A', parts: ['A', 'B'] }]);
    expect(l.size).toBe(0);
    // Crash recovery hands part A over again: recognised, no second record.
    expect(l.report(report('a', 'A', 1, openA, true, true), now + 300)).toMatchObject({ recorded: true, c: 'A' });
    l.tick(now + 1_000);
    expect(written.length).toBe(1);
  });

  describe('the record id', () => {
    // Parts of one meeting: A on relay a started first, B on relay b 20 ms later, C on relay c 40 ms later.
    const live = new Set(['a', 'b', 'c']);
    const now = Date.now();
    const START = { A: now - 5_000, B: now - 4_980, C: now - 4_960 } as const;
    type P = keyof typeof START;
    const node = (p: P): string => p.toLowerCase();
    const open = (p: P, at: number): CdrRecord => ({ ...buildInterimCdr(view(p, `relay-${node(p)}`, { [`p${p}`]: [[0, null]] }), 1, at), startedAt: new Date(START[p]).toISOString() });
    const ended = (p: P, at: number): CdrRecord => ({ ...buildCdr(view(p, `relay-${node(p)}`, { [`p${p}`]: [[0, 1]] }), 'empty_timeout', at), startedAt: new Date(START[p]).toISOString() });
    const mk = (selfId: string): { l: CdrLedger; written: CdrRecord[]; told: Array<[string, PartAck]> } => {
      const written: CdrRecord[] = [];
      const told: Array<[string, PartAck]> = [];
      const l = new CdrLedger({
        selfId, relayNode: `relay-${selfId}`, windowMs: 100, interimIntervalMs: 1_000, deadAfterMs: 1_000,
        owns: () => true, holds: () => true, isLive: (n) => live.has(n), append: (r) => (written.push(r), true), recorded: () => undefined,
        tell: (n, ack) => told.push([n, ack]), log: () => undefined,
      });
      return { l, written, told };
    };
    const ids = (...lists: CdrRecord[][]): string[] => [...new Set(lists.flat().map((r) => r.cdrId))];

    it('is the earliest part held, whatever order the reports came in', () => {
      const x = mk('x');
      const y = mk('y');
      expect(x.l.report(report('b', 'B', 1, open('B', now), false), now).c).toBe('B');
      x.l.report(report('a', 'A', 1, open('A', now), false), now);
      y.l.report(report('a', 'A', 1, open('A', now), false), now);
      expect(y.l.report(report('b', 'B', 1, open('B', now), false), now)).toMatchObject({ c: 'A', cs: START.A, cf: false });
      expect(x.l.report(report('b', 'B', 2, open('B', now), false), now)).toMatchObject({ c: 'A', cs: START.A, cf: false });
    });

    it('is fixed once an interim record is written: a stopped relay\'s part nobody had heard of, arriving later with an earlier start, does not change it', () => {
      live.delete('a');
      const o = mk('b');
      o.l.report(report('b', 'B', 1, open('B', now), false), now);
      o.l.report(report('c', 'C', 1, open('C', now), false), now);
      o.l.tick(now + 100);
      expect(o.written.map((r) => r.id)).toEqual(['B:5']);
      // Every reporter is told at once that the id is fixed.
      expect(o.told.map(([n, a]) => `${n}:${a.part}:${a.c}:${String(a.cf)}`).sort()).toEqual(['b:B:B:true', 'c:C:B:true']);
      // Relay a continues (SIGCONT): its part, which it never got to report, arrives (ended, as it failed).
      live.add('a');
      expect(o.l.report(report('a', 'A', 3, ended('A', now + 1_000), true, true), now + 1_000)).toMatchObject({ c: 'B', cf: true });
      o.l.tick(now + 1_050);
      o.l.report(report('b', 'B', 2, ended('B', now + 1_100), true), now + 1_100);
      o.l.report(report('c', 'C', 2, ended('C', now + 1_100), true), now + 1_100);
      o.l.tick(now + 1_300);
      expect(o.written.filter((r) => !r.partial).length).toBe(1);
      expect(ids(o.written)).toEqual(['B']);
    });

    it('survives a ledger rebuilt after a stop: the relay\'s own unnamed part first, then the reports naming the fixed id', () => {
      // Relay b owned the meeting while relay a was stopped and wrote interims under B.
      const b = mk('b');
      b.l.report(report('b', 'B', 1, open('B', now), false), now);
      b.l.tick(now + 100);
      expect(ids(b.written)).toEqual(['B']);
      // Relay a continues, cleared its ledger and owns the meeting again. Its own part A (earlier, never reported,
      // no id told) comes first; then b's and c's, carrying the fixed id.
      const a = mk('a');
      a.l.clear();
      expect(a.l.report(report('a', 'A', 2, open('A', now + 1_000), false), now + 1_000)).toMatchObject({ c: 'A', cf: false });
      const fixed = { c: 'B', cs: START.B, cf: true };
      expect(a.l.report({ ...report('b', 'B', 2, open('B', now + 1_000), false), ...fixed }, now + 1_000)).toMatchObject({ c: 'B', cf: true });
      a.l.report({ ...report('c', 'C', 1, open('C', now + 1_000), false), ...fixed }, now + 1_000);
      a.l.tick(now + 2_100);
      a.l.report(report('a', 'A', 3, ended('A', now + 2_200), true), now + 2_200);
      a.l.report({ ...report('b', 'B', 3, ended('B', now + 2_200), true), ...fixed }, now + 2_200);
      a.l.report({ ...report('c', 'C', 2, ended('C', now + 2_200), true), ...fixed }, now + 2_200);
      a.l.tick(now + 2_400);
      expect(a.written.filter((r) => r.partial).length).toBe(1);
      expect(a.written.filter((r) => !r.partial).length).toBe(1);
      expect(ids(a.written, b.written)).toEqual(['B']);
    });

    it('keeps a crash-recovered part\'s journaled id (fixed, without its start)', () => {
      const o = mk('o');
      o.l.report({ ...report('a', 'A', 1, { ...ended('A', now), recovered: true }, true, true), c: 'B', cf: true }, now);
      o.l.report({ ...report('b', 'B', 1, { ...ended('B', now), recovered: true }, true, true), c: 'B', cf: true }, now);
      o.l.tick(now + 200);
      expect(o.written.length).toBe(1);
      expect(o.written[0]!.cdrId).toBe('B');
    });
  });

  it('collects the recovered parts of every relay into one relay_failure record', () => {
    const { l, written } = ledger(new Set(['a', 'b']));
    const now = Date.now();
    for (const [node, part] of [['a', 'A'], ['b', 'B']] as const) {
      const rec = { ...buildCdr(view(part, `relay-${node}`, { [`p${node}`]: [[0, 1_000]] }), 'relay_failure', T0 + 1_000), recovered: true };
      l.report(report(node, part, 1, rec, true, true), now);
    }
    l.tick(now + 200);
    expect(written.length).toBe(1);
    expect(written[0]!.endReason).toBe('relay_failure');
    expect(written[0]!.recovered).toBe(true);
    expect(written[0]!.participants.length).toBe(2);
  });
});
