/** Meeting lifecycle: host end, empty timeout, maximum duration, duplicate identity; each leaves one CDR. */
import { afterEach, describe, expect, it } from 'vitest';
import { JoinRefusedError } from '../../client/index.js';
import { CloseCode } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { readCdrs, waitForCdr } from '../helpers/cdr-file.js';

describe.each(TRANSPORTS)('meeting lifecycle over %s', (transport) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the host ends the meeting: everyone is told and closed with 4007, one CDR with host_ended', async () => {
    h = await startHarness(transport);
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    const ended: string[] = [];
    a.on('ended', (e) => ended.push(e.reason));
    a.sendChat('hi');
    host.endMeeting();
    const closes = await Promise.all([host.closed, a.closed, b.closed]);
    expect(closes.map((c) => c.code)).toEqual([CloseCode.MEETING_ENDED, CloseCode.MEETING_ENDED, CloseCode.MEETING_ENDED]);
    expect(ended).toEqual(['host_ended']);
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.endReason).toBe('host_ended');
    expect(cdr.participants.map((p) => p.id).sort()).toEqual(['a', 'b', 'host']);
    expect(cdr.peakParticipants).toBe(3);
    expect(cdr.features).toContain('chat');
    expect(readCdrs(h.dataDir).filter((r) => r.meetingId === mid && !r.partial)).toHaveLength(1);
    // The meeting is over: its tokens no longer open it.
    await expect(h.join(mid, 'late')).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_ENDED' });
  });

  it('the CDR carries the participants\' addresses only when the operator turns them on', async () => {
    for (const on of [true, false]) {
      h = await startHarness(transport, { cdrIncludeIpAddresses: on });
      const mid = meetingId();
      const host = await h.join(mid, 'host', { role: 'host' });
      await h.join(mid, 'a');
      host.endMeeting();
      const cdr = await waitForCdr(h.dataDir, mid);
      const ips = cdr.participants.map((p) => (p as { ip?: string }).ip);
      expect(ips).toEqual(on ? ['127.0.0.1', '127.0.0.1'] : [undefined, undefined]);
      await h.close();
      h = undefined;
    }
  });

  it('an attendee cannot end the meeting', async () => {
    h = await startHarness(transport);
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const errors: string[] = [];
    a.on('error', (e) => errors.push(e.code));
    a.endMeeting();
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(a.isClosed).toBe(false);
    a.close();
  });

  it('ends an empty meeting after the empty timeout', async () => {
    h = await startHarness(transport, { emptyTimeoutMs: 200 });
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    await a.leave();
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.endReason).toBe('empty_timeout');
    expect(cdr.participants[0]!.sessions[0]!.leaveReason).toBe('leave');
  });

  it('a rejoin within the empty timeout keeps the same meeting', async () => {
    h = await startHarness(transport, { emptyTimeoutMs: 1_000 });
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    await a.leave();
    const again = await h.join(mid, 'a');
    again.close();
    const cdr = await waitForCdr(h.dataDir, mid, 8_000);
    expect(cdr.participants).toHaveLength(1);
    expect(cdr.participants[0]!.sessions).toHaveLength(2);
  });

  it('ends a meeting at its maximum duration', async () => {
    h = await startHarness(transport, { maxDurationMs: 1_000 });
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const close = await a.closed;
    expect(close.code).toBe(CloseCode.MEETING_ENDED);
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.endReason).toBe('max_duration');
    expect(cdr.durationMs).toBeGreaterThanOrEqual(900);
  });

  it('a second join with the same participant id replaces the first session (4005)', async () => {
    h = await startHarness(transport);
    const mid = meetingId();
    const first = await h.join(mid, 'a');
    const errors: string[] = [];
    first.on('error', (e) => errors.push(e.code));
    const other = await h.join(mid, 'b');
    const second = await h.join(mid, 'a');
    expect((await first.closed).code).toBe(CloseCode.REPLACED);
    // The ERROR before the close, as for every documented close code.
    expect(errors).toEqual(['RELAY_ERR_REPLACED']);
    const got: string[] = [];
    second.on('chat', (e) => got.push(e.text));
    other.sendChat('still here?');
    await waitFor(() => got.length === 1);
    expect(second.isClosed).toBe(false);
    second.close();
    other.close();
  });

  it('with duplicateIdentity=refuse a second join is refused with 409', async () => {
    h = await startHarness(transport, { duplicateIdentity: 'refuse' });
    const mid = meetingId();
    const first = await h.join(mid, 'a');
    const err = await h.join(mid, 'a').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(JoinRefusedError);
    expect(err).toMatchObject({ status: 409, code: 'RELAY_ERR_DUPLICATE_IDENTITY' });
    expect(first.isClosed).toBe(false);
    first.close();
  });

  it('applies the meeting policy carried by the invite: participant cap, locked start, maximum duration', async () => {
    h = await startHarness(transport);
    const mid = meetingId();
    const policy = { maxParticipants: 2, locked: true, maxDurationSeconds: 2 };
    await expect(h.join(mid, 'early', { policy })).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_LOCKED' });
    const host = await h.join(mid, 'host', { role: 'host', policy });
    await expect(h.join(mid, 'a', { policy })).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_LOCKED' });
    host.unlock();
    await waitFor(() => [...h!.relay.meetings()].some((m) => m.meetingId === mid && !(m as unknown as { locked: boolean }).locked));
    const a = await h.join(mid, 'a', { policy });
    await expect(h.join(mid, 'b', { policy })).rejects.toMatchObject({ status: 403, code: 'RELAY_ERR_MEETING_FULL' });
    expect((await a.closed).code).toBe(CloseCode.MEETING_ENDED);
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.endReason).toBe('max_duration');
    expect(cdr.durationMs).toBeLessThan(3_500);
    host.close();
  });
});
