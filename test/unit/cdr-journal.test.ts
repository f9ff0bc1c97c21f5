import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, Outbox, buildCdr, recoverJournal, validateCdrRecord, type CdrLogger } from '../../relay/cdr/index.js';
import { MIN, T0, TestMeeting } from './cdr-fixtures.js';

const quiet: CdrLogger = { info() {}, warn() {}, error() {} };

function lines(...objs: object[]): string {
  return objs.map((o) => JSON.stringify(o) + '\n').join('');
}

describe('journal recovery', () => {
  let dir: string;
  let journalPath: string;
  let outbox: Outbox;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdr-journal-'));
    journalPath = join(dir, 'journal.jsonl');
    outbox = Outbox.open(join(dir, 'outbox.jsonl'), quiet);
  });
  afterEach(() => {
    outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('emits exactly one relay_failure record per open meeting, none for ended ones, and nothing the second time', () => {
    writeFileSync(
      journalPath,
      lines(
        { t: 'start', c: 'open-1', m: 'mt-1', node: 'n1', startedAt: T0, at: T0 },
        { t: 'join', c: 'open-1', p: 'alice', role: 'host', at: T0 },
        { t: 'start', c: 'ended-1', m: 'mt-2', node: 'n1', startedAt: T0, at: T0 },
        { t: 'join', c: 'ended-1', p: 'zed', role: 'host', at: T0 + 1000 },
        { t: 'join', c: 'open-1', p: 'bob', role: 'attendee', at: T0 + 1 * MIN },
        { t: 'leave', c: 'open-1', p: 'bob', reason: 'disconnect', at: T0 + 2 * MIN },
        { t: 'join', c: 'open-1', p: 'bob', role: 'attendee', at: T0 + 3 * MIN },
        { t: 'interim', c: 'open-1', seq: 1, at: T0 + 3 * MIN },
        { t: 'end', c: 'ended-1', reason: 'host_ended', at: T0 + 4 * MIN },
        { t: 'start', c: 'open-2', m: 'mt-3', node: 'n1', startedAt: T0 + 4 * MIN, at: T0 + 4 * MIN },
        {
          t: 'hb', at: T0 + 5 * MIN,
          m: {
            'open-1': {
              peak: 2, features: ['chat'], roles: { bob: 'presenter' },
              lanes: { chat: { framesIn: 5, bytesIn: 50, framesOut: 5, bytesOut: 50, dropped: 0 } },
              activity: { hostActions: { mute: 1 }, pollsOpened: 0, pollAnswers: 0, documentsOffered: 0, tracksPublished: 0 },
            },
          },
        },
      ) + '{"t":"join","c":"open-1","p":"carol","ro', // torn by the crash
    );
    const first = recoverJournal({ journalPath, outbox, logger: quiet });
    expect(first.recovered.map((r) => r.cdrId)).toEqual(['open-1', 'open-2']);
    expect(first.unreadableLines).toBe(1);
    const r1 = first.recovered[0]!;
    expect(r1).toMatchObject({
      id: 'open-1', sequence: 2, partial: false, endReason: 'relay_failure', recovered: true, meetingId: 'mt-1', relayNode: 'n1',
      endedAt: new Date(T0 + 5 * MIN).toISOString(), durationMs: 5 * MIN, peakParticipants: 2, features: ['chat'],
    });
    expect(r1.lanes.chat.framesIn).toBe(5);
    expect(r1.activity.hostActions).toEqual({ mute: 1 });
    expect(r1.participants).toEqual([
      { id: 'alice', role: 'host', sessions: [{ joinedAt: new Date(T0).toISOString(), leftAt: new Date(T0 + 5 * MIN).toISOString(), leaveReason: 'relay_failure' }] },
      {
        id: 'bob', role: 'presenter',
        sessions: [
          { joinedAt: new Date(T0 + MIN).toISOString(), leftAt: new Date(T0 + 2 * MIN).toISOString(), leaveReason: 'disconnect' },
          { joinedAt: new Date(T0 + 3 * MIN).toISOString(), leftAt: new Date(T0 + 5 * MIN).toISOString(), leaveReason: 'relay_failure' },
        ],
      },
    ]);
    expect(first.recovered[1]).toMatchObject({ id: 'open-2', sequence: 1, endedAt: new Date(T0 + 5 * MIN).toISOString(), participants: [] });
    for (const r of first.recovered) expect(validateCdrRecord(r)).toEqual([]);
    expect(outbox.count).toBe(2);
    expect(readFileSync(journalPath, 'utf8')).toBe('');

    const second = recoverJournal({ journalPath, outbox, logger: quiet });
    expect(second.recovered).toEqual([]);
    expect(outbox.count).toBe(2);
  });

  it('does not emit a second final record when the final one reached the outbox before the crash', () => {
    const m = new TestMeeting({ cdrId: 'done-before-crash', startedAt: T0 });
    m.join('a', 'host', T0);
    outbox.append(buildCdr(m, 'host_ended', T0 + MIN));
    // The process died after the outbox append, before journaling the end.
    writeFileSync(journalPath, lines({ t: 'start', c: 'done-before-crash', m: 'x', node: 'n', startedAt: T0, at: T0 }, { t: 'join', c: 'done-before-crash', p: 'a', role: 'host', at: T0 }));
    const result = recoverJournal({ journalPath, outbox, logger: quiet });
    expect(result.recovered).toEqual([]);
    expect(result.alreadyFinal).toEqual(['done-before-crash']);
    expect(outbox.count).toBe(1);
    expect(readFileSync(journalPath, 'utf8')).toBe('');
  });

  it('copes with a missing journal', () => {
    expect(existsSync(journalPath)).toBe(false);
    expect(recoverJournal({ journalPath, outbox }).recovered).toEqual([]);
  });
});

describe('Journal writer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdr-journal-w-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function open(compactBytes = 1024 * 1024): Journal {
    return Journal.open({ path: join(dir, 'journal.jsonl'), includeDisplayNames: false, includeIpAddresses: false, compactBytes, logger: quiet });
  }

  it('what it writes recovers to the same record the live view gives (without content, names or addresses)', () => {
    const j = open();
    const m = new TestMeeting({ cdrId: 'live-1', startedAt: T0 });
    j.meetingStarted(m);
    j.participantJoined(m, m.join('alice', 'host', T0, { displayName: 'Alice Secret', remoteAddress: '192.0.2.7' }), T0);
    j.participantJoined(m, m.join('bob', 'attendee', T0 + 1000), T0 + 1000);
    j.participantLeft(m, m.leave('bob', 'leave', T0 + 2000), 'leave', T0 + 2000);
    m.features.add('chat');
    m.lanes.chat.framesIn = 3;
    (m.participants.get('alice') as { role: string }).role = 'presenter';
    m.peakParticipants = 2;
    expect(j.heartbeat(T0 + 5000)).toBe(true);
    const text = readFileSync(join(dir, 'journal.jsonl'), 'utf8');
    expect(text).not.toContain('Alice Secret');
    expect(text).not.toContain('192.0.2.7');
    // "Crash": no close. Recover from the file as the next start would.
    const outbox = Outbox.open(join(dir, 'outbox.jsonl'), quiet);
    const { recovered } = recoverJournal({ journalPath: join(dir, 'journal.jsonl'), outbox });
    m.closeAll('relay_failure', T0 + 5000);
    expect(recovered).toEqual([buildCdr(m, 'relay_failure', T0 + 5000, { recovered: true })]);
    outbox.close();
    j.close();
  });

  it('heartbeats carry the role changes since the last journaled role, attendees and others alike, also after a compaction', () => {
    const j = open();
    const m = new TestMeeting({ cdrId: 'roles-1', startedAt: T0 });
    j.meetingStarted(m);
    j.participantJoined(m, m.join('alice', 'host', T0), T0);
    j.participantJoined(m, m.join('bob', 'attendee', T0), T0);
    j.participantJoined(m, m.join('carol', 'presenter', T0), T0);
    const hbRoles = (): Array<Record<string, string> | undefined> =>
      readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string; m?: Record<string, { roles?: Record<string, string> }> })
        .filter((l) => l.t === 'hb').map((l) => l.m?.['roles-1']?.roles);
    const setRole = (id: string, role: string): void => void ((m.participants.get(id) as { role: string }).role = role);
    expect(j.heartbeat(T0 + 1000)).toBe(true);
    setRole('bob', 'presenter');
    setRole('carol', 'attendee');
    expect(j.heartbeat(T0 + 2000)).toBe(true);
    expect(j.heartbeat(T0 + 3000)).toBe(true);
    setRole('bob', 'attendee');
    expect(j.heartbeat(T0 + 4000)).toBe(true);
    expect(j.compact(T0 + 4500)).toBe(true);
    setRole('carol', 'presenter');
    expect(j.heartbeat(T0 + 5000)).toBe(true);
    expect(j.heartbeat(T0 + 6000)).toBe(true);
    // After the compaction only the last two heartbeats are left in the file (the second one with no change).
    expect(hbRoles()).toEqual([{ carol: 'presenter' }, undefined]);
    const outbox = Outbox.open(join(dir, 'outbox.jsonl'), quiet);
    const { recovered } = recoverJournal({ journalPath: join(dir, 'journal.jsonl'), outbox });
    expect(recovered[0]!.participants.map((p) => [p.id, p.role])).toEqual([['alice', 'host'], ['bob', 'attendee'], ['carol', 'presenter']]);
    outbox.close();
    j.close();
  });

  it('heartbeats before a compaction: a promoted attendee, a demoted presenter, then the attendee demoted back', () => {
    const j = open();
    const m = new TestMeeting({ cdrId: 'roles-2', startedAt: T0 });
    j.meetingStarted(m);
    j.participantJoined(m, m.join('bob', 'attendee', T0), T0);
    j.participantJoined(m, m.join('carol', 'presenter', T0), T0);
    const setRole = (id: string, role: string): void => void ((m.participants.get(id) as { role: string }).role = role);
    const roles: Array<Record<string, string> | undefined> = [];
    const last = (): Record<string, string> | undefined => {
      const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
      return (JSON.parse(lines[lines.length - 1]!) as { m: Record<string, { roles?: Record<string, string> }> }).m['roles-2']?.roles;
    };
    expect(j.heartbeat(T0 + 1000)).toBe(true);
    roles.push(last());
    setRole('bob', 'presenter');
    setRole('carol', 'attendee');
    expect(j.heartbeat(T0 + 2000)).toBe(true);
    roles.push(last());
    expect(j.heartbeat(T0 + 3000)).toBe(true);
    const lastEntries = (): Record<string, unknown> => {
      const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
      return (JSON.parse(lines[lines.length - 1]!) as { m: Record<string, unknown> }).m;
    };
    // Nothing changed: the meeting is left out; a counter changed: it is written again (without roles).
    expect(lastEntries()).toEqual({});
    m.lanes.chat.framesIn++;
    expect(j.heartbeat(T0 + 3500)).toBe(true);
    expect(Object.keys(lastEntries())).toEqual(['roles-2']);
    expect(last()).toBeUndefined();
    setRole('bob', 'attendee');
    expect(j.heartbeat(T0 + 4000)).toBe(true);
    roles.push(last());
    expect(roles).toEqual([undefined, { bob: 'presenter', carol: 'attendee' }, { bob: 'attendee' }]);
    j.close();
  });

  it('compacts to one snapshot per open meeting once most of the file is dead, and the snapshot recovers', () => {
    const j = open(4096);
    const keep = new TestMeeting({ cdrId: 'keep', startedAt: T0 });
    j.meetingStarted(keep);
    j.participantJoined(keep, keep.join('k', 'host', T0), T0);
    for (let i = 0; i < 60; i++) {
      const m = new TestMeeting({ cdrId: `gone-${i}`, startedAt: T0 });
      j.meetingStarted(m);
      j.participantJoined(m, m.join(`p${i}`, 'host', T0 + i), T0 + i);
      j.meetingEnded(m, 'host_ended', T0 + i + 1);
    }
    const text = readFileSync(join(dir, 'journal.jsonl'), 'utf8');
    expect(text.length).toBeLessThan(4096);
    expect(text).not.toContain('gone-0');
    expect(text).toContain('"t":"snap"');
    const outbox = Outbox.open(join(dir, 'outbox.jsonl'), quiet);
    const { recovered } = recoverJournal({ journalPath: join(dir, 'journal.jsonl'), outbox });
    expect(recovered.map((r) => r.cdrId)).toEqual(['keep']);
    expect(recovered[0]!.participants.map((p) => p.id)).toEqual(['k']);
    outbox.close();
    j.close();
  });
});
