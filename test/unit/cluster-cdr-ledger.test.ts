/**
 * The owner side of a meeting's one record, from parts: merging (sessions with their relay, counters summed, the
 * peak over merged sessions, the end reason), and the ledger (newest version wins, a dead relay's part frozen as
 * relay_failure, one record after the window, a part arriving again recognised as recorded).
 */
import { describe, expect, it } from 'vitest';
import { buildCdr, buildInterimCdr, validateCdrRecord, type CdrRecord } from '../../relay/cdr/index.js';
import { CdrLedger, type PartReport, type RecordedNotice } from '../../relay/cluster/cdr-ledger.js';
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
      owns: () => true, holds: () => true, isLive: (n) => live.has(n), append: (r) => (written.push(r), true), recorded: (n) => notices.push(n), log: () => undefined,
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

  it('names the same record id on every holder whatever order the reports came in, across a stop and a rebuilt ledger', () => {
    // Parts of one meeting: A started first (on relay a), B 2 s later (on relay b).
    const live = new Set(['a', 'b', 'c']);
    const mk = (selfId: string, interimIntervalMs: number): { l: CdrLedger; written: CdrRecord[] } => {
      const written: CdrRecord[] = [];
      const l = new CdrLedger({
        selfId, relayNode: `relay-${selfId}`, windowMs: 100, interimIntervalMs, deadAfterMs: 1_000,
        owns: () => true, holds: () => true, isLive: (n) => live.has(n), append: (r) => (written.push(r), true), recorded: () => undefined, log: () => undefined,
      });
      return { l, written };
    };
    const now = Date.now();
    const start = (r: CdrRecord, at: number): CdrRecord => ({ ...r, startedAt: new Date(at).toISOString() });
    const partA = (v: number, t: number): CdrRecord => start(buildInterimCdr(view('A', 'relay-a', { p1: [[0, null]] }), v, t), now - 5_000);
    const partB = (v: number, t: number): CdrRecord => start(buildInterimCdr(view('Z0', 'relay-b', { p2: [[0, null]] }), v, t), now - 3_000);
    // The owner hears A first, the successor hears its own later part first (before, it named that part's id).
    const owner = mk('a', 1_000);
    const succ = mk('b', 1_000);
    expect(owner.l.report(report('a', 'A', 1, partA(1, now), false), now).c).toBe('A');
    const first = succ.l.report(report('b', 'Z0', 1, partB(1, now), false), now);
    owner.l.report(report('b', 'Z0', 1, partB(1, now), false), now);
    succ.l.report(report('a', 'A', 1, partA(1, now), false), now);
    expect(first.c).toBe('Z0');
    owner.l.tick(now + 1);
    // The owner stops; the successor takes over (relay a declared dead) and writes interims: the same id.
    live.delete('a');
    succ.l.nodeDown('a', now + 2_000);
    succ.l.tick(now + 2_001);
    // Relay a continues: it dropped its ledger and rebuilds it from reports; the first to come is B's, which carries
    // the id (and its start) an owner told; a's own part comes later.
    owner.l.clear();
    live.add('a');
    const ack = succ.l.report(report('b', 'Z0', 2, partB(2, now + 3_000), false), now + 3_000);
    expect(ack).toMatchObject({ c: 'A', cs: now - 5_000 });
    expect(owner.l.report({ ...report('b', 'Z0', 3, partB(3, now + 3_000), false), c: ack.c, cs: ack.cs! }, now + 3_000).c).toBe('A');
    owner.l.tick(now + 3_001);
    owner.l.report(report('a', 'A', 9, start(buildCdr(view('A', 'relay-a', { p1: [[0, 1]] }), 'empty_timeout', now + 3_100), now - 5_000), true), now + 3_100);
    owner.l.report({ ...report('b', 'Z0', 4, start(buildCdr(view('Z0', 'relay-b', { p2: [[0, 1]] }), 'empty_timeout', now + 3_100), now - 3_000), true), c: 'A' }, now + 3_100);
    owner.l.tick(now + 3_300);
    const all = [...owner.written, ...succ.written];
    expect(all.filter((r) => r.partial).length).toBeGreaterThanOrEqual(2);
    expect(all.filter((r) => !r.partial).length).toBe(1);
    expect(new Set(all.map((r) => r.cdrId))).toEqual(new Set(['A']));
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
