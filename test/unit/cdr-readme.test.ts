/**
 * relay/cdr/README.md's example record is a real one: it passes the schema check (validate-cdr.ts), and it is
 * exactly what the real builder (buildCdr) makes for the meeting the README describes (alice hosts from 10:00 to
 * 10:10; bob joins at 10:01, drops at 10:03, comes back at 10:04; chat, one video track, two mute requests; the
 * host ends it). The documented leave reasons are exactly those the validator accepts.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildCdr } from '../../relay/cdr/build-cdr.js';
import { LEAVE_REASONS, validateCdrRecord } from '../../relay/cdr/validate-cdr.js';
import { MIN, T0, TestMeeting } from './cdr-fixtures.js';

const readme = readFileSync(new URL('../../relay/cdr/README.md', import.meta.url), 'utf8');

/** The first ```json block after the record heading. */
function example(): unknown {
  const at = readme.indexOf('## The record');
  const m = /```json\n([\s\S]*?)\n```/.exec(readme.slice(at));
  if (m === null) throw new Error('relay/cdr/README.md: no JSON example under "The record"');
  return JSON.parse(m[1]!);
}

/** The README's meeting, through the same calls the core makes. */
function readmeMeeting(): TestMeeting {
  const m = new TestMeeting({ meetingId: 'weekly-sync', cdrId: '0b6c3c1e-8f1d-4c33-9a0e-5d1f3f0b9a77', relayNode: 'relay-eu-1', startedAt: T0 });
  m.join('alice', 'host', T0);
  m.join('bob', 'attendee', T0 + 1 * MIN);
  m.leave('bob', 'disconnect', T0 + 3 * MIN);
  m.join('bob', 'attendee', T0 + 4 * MIN);
  for (const f of ['chat', 'video', 'host_controls'] as const) m.features.add(f);
  Object.assign(m.lanes.control, { framesIn: 4, bytesIn: 120, framesOut: 6, bytesOut: 180 });
  Object.assign(m.lanes.chat, { framesIn: 12, bytesIn: 1200, framesOut: 12, bytesOut: 1200 });
  Object.assign(m.lanes.video, { framesIn: 900, bytesIn: 900000, framesOut: 880, bytesOut: 880000, dropped: 20 });
  m.activity.hostActions = { ask_mute: 2, end_meeting: 1 };
  m.activity.tracksPublished = 1;
  m.closeAll('meeting_ended', T0 + 10 * MIN);
  return m;
}

/** Every key path of a JSON value ("participants[].sessions[].leftAt"), sorted. */
function keyPaths(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return [...new Set(v.flatMap((x) => keyPaths(x, `${at}[]`)))].sort();
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...keyPaths(x, `${at}.${k}`)]).sort();
  return [];
}

describe('relay/cdr/README.md', () => {
  it('shows an example that passes the schema check', () => {
    expect(validateCdrRecord(example())).toEqual([]);
  });

  it('shows exactly the record the real builder makes for the meeting it describes', () => {
    const real = JSON.parse(JSON.stringify(buildCdr(readmeMeeting(), 'host_ended', T0 + 10 * MIN))) as unknown;
    expect(validateCdrRecord(real)).toEqual([]);
    expect(keyPaths(example())).toEqual(keyPaths(real));
    expect(example()).toEqual(real);
  });

  it('documents the leave reasons the validator accepts, and no other', () => {
    const row = readme.split('\n').find((l) => l.startsWith('| `sessions[].leaveReason`'))!;
    const documented = [...row.split('|')[3]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!).filter((r) => r !== 'null').sort();
    expect(documented).toEqual([...LEAVE_REASONS].sort());
    const probe = (reason: string): boolean => {
      const r = JSON.parse(JSON.stringify(buildCdr(readmeMeeting(), 'host_ended', T0 + 10 * MIN))) as { participants: Array<{ sessions: Array<{ leaveReason: string }> }> };
      r.participants[0]!.sessions[0]!.leaveReason = reason;
      return validateCdrRecord(r).length === 0;
    };
    for (const reason of documented) expect(probe(reason), `${reason} is documented but refused`).toBe(true);
    expect(probe('token_expired'), 'tokens are checked at the join only: no session ends for an expired token').toBe(false);
  });
});
