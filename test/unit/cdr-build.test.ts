import { describe, expect, it } from 'vitest';
import { CDR_SCHEMA, buildCdr, buildInterimCdr, validateCdrRecord, type CdrRecord } from '../../relay/cdr/index.js';
import { MIN, T0, TestMeeting } from './cdr-fixtures.js';

function sampleMeeting(): TestMeeting {
  const m = new TestMeeting({ meetingId: 'weekly-sync', cdrId: 'c0ffee-1', relayNode: 'relay-eu-1', startedAt: T0 });
  m.join('alice', 'host', T0, { displayName: 'Alice A.', remoteAddress: '10.0.0.1' });
  m.join('bob', 'attendee', T0 + 1 * MIN, { remoteAddress: '10.0.0.2' });
  m.leave('bob', 'disconnect', T0 + 3 * MIN);
  m.join('bob', 'attendee', T0 + 4 * MIN);
  m.join('carol', 'presenter', T0 + 5 * MIN);
  m.features.add('video');
  m.features.add('chat');
  m.features.add('polls');
  m.lanes.chat = { framesIn: 12, bytesIn: 1200, framesOut: 24, bytesOut: 2400, dropped: 0 };
  m.lanes.video = { framesIn: 100, bytesIn: 100_000, framesOut: 180, bytesOut: 180_000, dropped: 20 };
  m.activity.hostActions = { mute: 2, end: 1 };
  m.activity.pollsOpened = 1;
  m.activity.pollAnswers = 2;
  m.activity.tracksPublished = 3;
  return m;
}

describe('buildCdr', () => {
  it('builds a final record with every field of the schema', () => {
    const m = sampleMeeting();
    const end = T0 + 10 * MIN;
    m.closeAll('meeting_ended', end);
    const r = buildCdr(m, 'host_ended', end);
    expect(r).toEqual({
      schema: CDR_SCHEMA,
      id: 'c0ffee-1',
      cdrId: 'c0ffee-1',
      sequence: 1,
      partial: false,
      meetingId: 'weekly-sync',
      relayNode: 'relay-eu-1',
      startedAt: '2026-01-02T10:00:00.000Z',
      endedAt: '2026-01-02T10:10:00.000Z',
      durationMs: 600_000,
      endReason: 'host_ended',
      participants: [
        { id: 'alice', role: 'host', sessions: [{ joinedAt: '2026-01-02T10:00:00.000Z', leftAt: '2026-01-02T10:10:00.000Z', leaveReason: 'meeting_ended' }] },
        {
          id: 'bob',
          role: 'attendee',
          sessions: [
            { joinedAt: '2026-01-02T10:01:00.000Z', leftAt: '2026-01-02T10:03:00.000Z', leaveReason: 'disconnect' },
            { joinedAt: '2026-01-02T10:04:00.000Z', leftAt: '2026-01-02T10:10:00.000Z', leaveReason: 'meeting_ended' },
          ],
        },
        { id: 'carol', role: 'presenter', sessions: [{ joinedAt: '2026-01-02T10:05:00.000Z', leftAt: '2026-01-02T10:10:00.000Z', leaveReason: 'meeting_ended' }] },
      ],
      peakParticipants: 3,
      participantMinutes: 23, // 10 + 2 + 6 + 5
      features: ['chat', 'polls', 'video'],
      lanes: {
        control: { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 },
        chat: { framesIn: 12, bytesIn: 1200, framesOut: 24, bytesOut: 2400, dropped: 0 },
        poll: { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 },
        document: { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 },
        audio: { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 },
        video: { framesIn: 100, bytesIn: 100_000, framesOut: 180, bytesOut: 180_000, dropped: 20 },
        screen: { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 },
      },
      activity: { hostActions: { end: 1, mute: 2 }, pollsOpened: 1, pollAnswers: 2, documentsOffered: 0, documentBytes: 0, tracksPublished: 3 },
      recovered: false,
    });
    expect(validateCdrRecord(r)).toEqual([]);
    expect(Object.keys(r.activity.hostActions)).toEqual(['end', 'mute']);
  });

  it('copies the view: later changes to the live view do not change a built record', () => {
    const m = sampleMeeting();
    const r = buildCdr(m, 'shutdown', T0 + 10 * MIN);
    const before = JSON.stringify(r);
    m.lanes.chat.framesIn = 9999;
    m.features.add('screen_share');
    m.join('dave', 'attendee', T0 + 11 * MIN);
    (m.participants.get('alice')!.spans[0] as { leftAt?: number }).leftAt = T0;
    m.activity.hostActions.mute = 50;
    expect(JSON.stringify(r)).toBe(before);
  });

  it('closes sessions still open at the end with the given reason and counts minutes to 2 decimals', () => {
    const m = new TestMeeting({ startedAt: T0 });
    m.join('a', 'host', T0);
    m.join('b', 'attendee', T0 + 1000);
    const r = buildCdr(m, 'relay_failure', T0 + 61_000, { openSessionReason: 'relay_failure', recovered: true, sequence: 3 });
    expect(r.sequence).toBe(3);
    expect(r.id).toBe(m.cdrId);
    expect(r.recovered).toBe(true);
    expect(r.participants.map((p) => p.sessions[0]!.leaveReason)).toEqual(['relay_failure', 'relay_failure']);
    // 61 s + 60 s = 121 s = 2.0166.. min
    expect(r.participantMinutes).toBe(2.02);
    expect(validateCdrRecord(r)).toEqual([]);
  });

  it('writes display names and IP addresses only when the operator turns them on', () => {
    const m = sampleMeeting();
    const off = buildCdr(m, 'host_ended', T0 + 10 * MIN);
    expect(JSON.stringify(off)).not.toContain('Alice A.');
    expect(JSON.stringify(off)).not.toContain('10.0.0.1');
    const on = buildCdr(m, 'host_ended', T0 + 10 * MIN, { includeDisplayNames: true, includeIpAddresses: true });
    expect(on.participants[0]).toMatchObject({ id: 'alice', displayName: 'Alice A.', ip: '10.0.0.1' });
    expect(on.participants[2]).not.toHaveProperty('displayName');
    expect(validateCdrRecord(on)).toEqual([]);
  });
});

describe('buildInterimCdr', () => {
  it('marks the record partial, keeps open sessions open and ids it cdrId:sequence', () => {
    const m = sampleMeeting();
    const r = buildInterimCdr(m, 2, T0 + 8 * MIN);
    expect(r).toMatchObject({ id: 'c0ffee-1:2', cdrId: 'c0ffee-1', sequence: 2, partial: true, endReason: null, durationMs: 8 * MIN });
    expect(r.endedAt).toBe('2026-01-02T10:08:00.000Z');
    const alice = r.participants[0]!;
    expect(alice.sessions).toEqual([{ joinedAt: '2026-01-02T10:00:00.000Z', leftAt: null, leaveReason: null }]);
    // 8 + 2 + 4 + 3
    expect(r.participantMinutes).toBe(17);
    expect(validateCdrRecord(r)).toEqual([]);
  });

  it('refuses a sequence below 1', () => {
    expect(() => buildInterimCdr(sampleMeeting(), 0, T0)).toThrow(RangeError);
    expect(() => buildCdr(sampleMeeting(), 'shutdown', T0, { sequence: 0 })).toThrow(RangeError);
  });
});

describe('canary: a record holds only the metadata put into the view', () => {
  /** Every string (keys and values) anywhere in a JSON value. */
  function strings(v: unknown, out: Set<string> = new Set()): Set<string> {
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) for (const x of v) strings(x, out);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
      out.add(k);
      strings(x, out);
    }
    return out;
  }

  const SCHEMA_WORDS = new Set([
    ...['schema', 'id', 'cdrId', 'sequence', 'partial', 'meetingId', 'relayNode', 'startedAt', 'endedAt', 'durationMs', 'endReason'],
    ...['participants', 'role', 'sessions', 'joinedAt', 'leftAt', 'leaveReason', 'displayName', 'ip', 'peakParticipants'],
    ...['participantMinutes', 'features', 'lanes', 'activity', 'recovered', 'hostActions', 'pollsOpened', 'pollAnswers'],
    ...['documentsOffered', 'documentBytes', 'tracksPublished', 'framesIn', 'bytesIn', 'framesOut', 'bytesOut', 'dropped'],
    ...['control', 'chat', 'poll', 'document', 'audio', 'video', 'screen', 'polls', 'documents', 'screen_share', 'host_controls'],
    ...['host', 'presenter', 'attendee', 'leave', 'disconnect', 'meeting_ended', 'host_ended', 'relay_failure'],
    CDR_SCHEMA,
  ]);
  const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

  it('contains no string that is not metadata, and never a canary smuggled into non-metadata places', () => {
    const CANARY = 'CANARY-7f3a9c-secret-chat-text';
    const m = new TestMeeting({ meetingId: 'm-canary', cdrId: 'cdr-canary', relayNode: 'node-canary', startedAt: T0 });
    m.join('p1', 'host', T0, { displayName: `${CANARY}-name`, remoteAddress: `${CANARY}-ip` });
    m.join('p2', 'attendee', T0 + 1000);
    m.leave('p2', 'leave', T0 + 2000);
    m.features.add('chat');
    // Things a buggy core might leak into the view; none of it is metadata the CDR may carry.
    (m.features as Set<string>).add(CANARY);
    m.activity.hostActions[`${CANARY} text`] = 1;
    m.activity.hostActions.end = 1;
    (m.participants.get('p1') as unknown as Record<string, unknown>).lastChat = CANARY;
    (m as unknown as Record<string, unknown>).chatHistory = [CANARY];
    (m.lanes as unknown as Record<string, unknown>).secret = { framesIn: CANARY };
    for (const r of [buildCdr(m, 'host_ended', T0 + 5000), buildInterimCdr(m, 1, T0 + 3000)]) {
      const json = JSON.stringify(r);
      expect(json).not.toContain(CANARY);
      const allowed = new Set([...SCHEMA_WORDS, 'm-canary', 'cdr-canary', 'cdr-canary:1', 'node-canary', 'p1', 'p2', 'end']);
      for (const s of strings(r)) {
        if (!allowed.has(s) && !ISO.test(s)) throw new Error(`unexpected string in record: ${s}`);
      }
      expect(validateCdrRecord(r)).toEqual([]);
    }
  });
});

describe('validateCdrRecord', () => {
  function good(): CdrRecord {
    const m = sampleMeeting();
    return buildCdr(m, 'host_ended', T0 + 10 * MIN);
  }

  it('names unknown and missing fields, bad ids and bad types', () => {
    const r = good() as unknown as Record<string, unknown>;
    r.chat = 'hello';
    delete r.lanes;
    r.id = 'other';
    r.durationMs = -1;
    (r.participants as Array<Record<string, unknown>>)[0]!.token = 'x';
    const problems = validateCdrRecord(r);
    expect(problems).toContain("record: field 'chat' is not in the schema");
    expect(problems).toContain("record: missing field 'lanes'");
    expect(problems).toContain("id: a final record's id must equal cdrId");
    expect(problems).toContain('durationMs: must be a non-negative integer');
    expect(problems).toContain("participants[0]: field 'token' is not in the schema");
  });

  it('refuses open sessions in a final record and an end reason in an interim one', () => {
    const r = good();
    r.participants[0]!.sessions[0]!.leftAt = null;
    expect(validateCdrRecord(r)).toContain('participants[0].sessions[0].leftAt: only interim records may have open sessions');
    const i = buildInterimCdr(sampleMeeting(), 1, T0 + MIN);
    (i as { endReason: string | null }).endReason = 'shutdown';
    expect(validateCdrRecord(i)).toContain('endReason: must be null in an interim record');
  });
});
