/**
 * Host controls over real sockets: only hosts may use them; remove (and bar), lock/unlock, ask to mute,
 * promote/demote (which change what may be published), end; each announced and counted in the CDR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, HostAction, Kind } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { waitForCdr } from '../helpers/cdr-file.js';
import type { ErrorEvent, HostControlEvent, RosterEvent, TrackEvent } from '../../client/index.js';
import { fullRoster, refusal, roundTrip } from './lanes-helpers.js';

describe.each(TRANSPORTS)('host controls over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(transport);
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses every host control from a presenter or an attendee', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const presenter = await h.join(mid, 'presenter', { role: 'presenter' });
    const a = await h.join(mid, 'a');
    await fullRoster([host, presenter, a]);
    const seen: HostControlEvent[] = [];
    host.on('hostControl', (e) => seen.push(e));
    for (const c of [presenter, a]) {
      expect(await refusal(c, () => c.endMeeting())).toBe('RELAY_ERR_NOT_PERMITTED');
      expect(await refusal(c, () => c.remove('host', { bar: true }))).toBe('RELAY_ERR_NOT_PERMITTED');
      expect(await refusal(c, () => c.lock())).toBe('RELAY_ERR_NOT_PERMITTED');
      expect(await refusal(c, () => c.unlock())).toBe('RELAY_ERR_NOT_PERMITTED');
      expect(await refusal(c, () => c.askMute('host'))).toBe('RELAY_ERR_NOT_PERMITTED');
      expect(await refusal(c, () => c.promote('a'))).toBe('RELAY_ERR_NOT_PERMITTED');
      expect(await refusal(c, () => c.demote('presenter'))).toBe('RELAY_ERR_NOT_PERMITTED');
    }
    // Hosts get clear refusals for bad targets.
    expect(await refusal(host, () => host.remove('ghost'))).toBe('RELAY_ERR_UNKNOWN_TARGET');
    expect(await refusal(host, () => host.remove('host'))).toBe('RELAY_ERR_UNKNOWN_TARGET');
    expect(await refusal(host, () => host.askMute('ghost'))).toBe('RELAY_ERR_UNKNOWN_TARGET');
    expect(await refusal(host, () => host.send({ kind: Kind.HOST_CONTROL, hostControl: { action: 99 as HostAction } }))).toBe('RELAY_ERR_BAD_REQUEST');
    await roundTrip(host);
    expect(seen).toEqual([]);
    expect(host.isClosed || presenter.isClosed || a.isClosed).toBe(false);
    for (const c of [host, presenter, a]) c.close();
  });

  it('removes a participant (4006, may rejoin) and removes and bars one (403 RELAY_ERR_BARRED)', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await fullRoster([host, a, b]);
    const notices: HostControlEvent[] = [];
    b.on('hostControl', (e) => notices.push(e));
    const left: RosterEvent[] = [];
    b.on('roster', (e) => e.change === 'left' && left.push(e));
    const aErrors: ErrorEvent[] = [];
    a.on('error', (e) => aErrors.push(e));
    host.remove('a');
    expect((await a.closed).code).toBe(CloseCode.REMOVED);
    expect(aErrors.map((e) => e.code)).toEqual(['RELAY_ERR_REMOVED']);
    await waitFor(() => notices.length === 1 && left.length === 1);
    expect(notices[0]).toMatchObject({ from: 'host', action: 'remove', target: 'a', bar: false });
    expect(left[0]).toMatchObject({ participant: { id: 'a' }, reason: 'removed' });
    // Not barred: a may come back.
    const again = await h.join(mid, 'a');
    expect(again.isClosed).toBe(false);

    host.remove('a', { bar: true });
    expect((await again.closed).code).toBe(CloseCode.REMOVED);
    await waitFor(() => notices.length === 2);
    expect(notices[1]).toMatchObject({ action: 'remove', target: 'a', bar: true });
    await expect(h.join(mid, 'a')).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_BARRED' });
    // A participant that already left may be barred too.
    await b.leave();
    host.remove('b', { bar: true });
    await roundTrip(host);
    await expect(h.join(mid, 'b')).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_BARRED' });
    host.endMeeting();
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.activity.hostActions).toMatchObject({ remove: 3, end_meeting: 1 });
    expect(cdr.features).toContain('host_controls');
  });

  it('lock refuses new participant ids (403 RELAY_ERR_MEETING_LOCKED) but not a present one reconnecting nor a host; unlock reopens', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    const notices: HostControlEvent[] = [];
    a.on('hostControl', (e) => notices.push(e));
    host.lock();
    await waitFor(() => notices.length === 1);
    expect(notices[0]).toMatchObject({ from: 'host', action: 'lock' });
    await expect(h.join(mid, 'newcomer')).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_LOCKED' });
    // a reconnects (a second session replaces the first): it is present, so it is let in.
    const a2 = await h.join(mid, 'a');
    expect((await a.closed).code).toBe(CloseCode.REPLACED);
    // Hosts hold the lock: a new host may still come in.
    const lateHost = await h.join(mid, 'late-host', { role: 'host' });
    host.unlock();
    await roundTrip(host);
    const newcomer = await h.join(mid, 'newcomer');
    expect(newcomer.roster.size).toBe(4);
    for (const c of [host, a2, lateHost, newcomer]) c.close();
  });

  it('asks a participant to mute: announced to everyone with the target and track', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await fullRoster([host, a, b]);
    const got: HostControlEvent[] = [];
    for (const c of [host, a, b]) c.on('hostControl', (e) => got.push(e));
    host.askMute('a', 4);
    await waitFor(() => got.length === 3);
    for (const e of got) expect(e).toEqual({ from: 'host', action: 'ask_mute', target: 'a', bar: false, track: 4 });
    for (const c of [host, a, b]) c.close();
  });

  it('promote lets an attendee present (screen, polls); demote takes it back and unpublishes its screen', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await fullRoster([host, a, b]);
    expect(await refusal(a, () => a.publishTrack({ id: 1, source: 'screen' }))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(a, () => a.send({ kind: Kind.POLL_OPEN, pollOpen: { pollId: 'p', optionCounts: [2] } }))).toBe('RELAY_ERR_NOT_PERMITTED');

    const updates: RosterEvent[] = [];
    b.on('roster', (e) => e.change === 'updated' && updates.push(e));
    host.promote('a');
    await waitFor(() => updates.length === 1);
    expect(updates[0]!.participant).toMatchObject({ id: 'a', role: 'presenter' });
    expect(updates[0]!.participant.capabilities).toContain('screen');
    expect(b.roster.get('a')?.role).toBe('presenter');
    const published: TrackEvent[] = [];
    b.on('trackPublished', (t) => published.push(t));
    a.publishTrack({ id: 1, source: 'screen' });
    a.publishTrack({ id: 2, source: 'audio' });
    await waitFor(() => published.length === 2);
    a.openPoll({ pollId: 'p', questions: [{ text: 'ok?', options: ['y', 'n'] }] });
    await roundTrip(a);

    const unpublished: TrackEvent[] = [];
    b.on('trackUnpublished', (t) => unpublished.push(t));
    host.demote('a');
    await waitFor(() => updates.length === 2 && unpublished.length === 1);
    expect(updates[1]!.participant).toMatchObject({ id: 'a', role: 'attendee' });
    expect(updates[1]!.participant.capabilities).not.toContain('screen');
    expect(unpublished).toEqual([{ publisher: 'a', id: 1, source: 'screen', codec: '' }]);
    expect(b.tracks.has('a/2')).toBe(true);
    expect(await refusal(a, () => a.publishTrack({ id: 3, source: 'screen' }))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(a, () => a.send({ kind: Kind.POLL_OPEN, pollOpen: { pollId: 'p2', optionCounts: [2] } }))).toBe('RELAY_ERR_NOT_PERMITTED');
    // Hosts cannot be promoted or demoted.
    const host2 = await h.join(mid, 'host2', { role: 'host' });
    expect(await refusal(host, () => host.demote('host2'))).toBe('RELAY_ERR_NOT_PERMITTED');
    host.endMeeting();
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.activity.hostActions).toMatchObject({ promote: 1, demote: 1, end_meeting: 1 });
    expect(cdr.activity.hostActions).not.toHaveProperty('lock');
    expect(cdr.participants.find((p) => p.id === 'a')!.role).toBe('attendee');
    void host2;
  });

  it('a demoted presenter whose token made it a presenter loses the screen but keeps the rest of its token', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const p = await h.join(mid, 'p', { role: 'presenter', capabilities: ['chat', 'screen'] });
    await fullRoster([host, p]);
    host.demote('p');
    await waitFor(() => host.roster.get('p')?.role === 'attendee');
    expect(host.roster.get('p')!.capabilities).toEqual(['chat']);
    // Promote then demote an attendee whose token had only chat: it does not gain what its token never gave.
    const c = await h.join(mid, 'c', { capabilities: ['chat'] });
    host.promote('c');
    await waitFor(() => host.roster.get('c')?.role === 'presenter');
    host.demote('c');
    await waitFor(() => host.roster.get('c')?.role === 'attendee');
    expect(host.roster.get('c')!.capabilities).toEqual(['chat']);
    expect(await refusal(c, () => c.publishTrack({ id: 1, source: 'audio' }))).toBe('RELAY_ERR_NOT_PERMITTED');
    for (const x of [host, p, c]) x.close();
  });
});
