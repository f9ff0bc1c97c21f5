/**
 * Item 1 of issue 11: what the relay must not forget across a restart (real processes, one data folder). A
 * single-use invite used once is refused 403 RELAY_ERR_TOKEN_REPLAYED after a restart, and a meeting its host
 * ended is refused 403 RELAY_ERR_MEETING_ENDED after a restart (a SIGTERM restart and a kill -9 restart). The
 * state files hold neither the token nor the ids in clear.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, JoinRefusedError } from '../../client/index.js';
import { DEFAULT_CAPABILITIES, loadOrCreateDevKeys, mintJoinToken } from '../../relay/auth/index.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { meetingId, TRANSPORTS } from '../helpers/relay-harness.js';

async function refusal(url: string, mid: string, token: string): Promise<{ status: number; code: string }> {
  try {
    const c = await connect({ url, meetingId: mid, token, timeoutMs: 5_000 });
    c.close();
    return { status: 101, code: 'accepted' };
  } catch (err) {
    if (err instanceof JoinRefusedError) return { status: err.status, code: err.code };
    throw err;
  }
}

describe.each(TRANSPORTS)('relay restart over %s', (transport) => {
  let relay: RelayProcess | undefined;
  let dataDir = '';
  afterEach(async () => {
    relay?.kill('SIGKILL');
    if (relay) await relay.exited;
    relay = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)('remembers used single-use tokens and ended meetings across a %s restart', async (signal) => {
    dataDir = mkdtempSync(join(tmpdir(), 'ephemera-restart-'));
    const keys = loadOrCreateDevKeys(dataDir);
    const mint = (mid: string, pid: string, role: 'host' | 'attendee', singleUse: boolean): string =>
      mintJoinToken(keys.privateKey, keys.kid, {
        issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: pid, meetingId: mid, role,
        capabilities: [...DEFAULT_CAPABILITIES[role]], ttlSeconds: 600, singleUse,
      });
    const args = ['--transport', transport, '--data-dir', dataDir, '--log-level', 'warn'];
    relay = await spawnRelay(args);

    // A single-use invite, used once.
    const inviteMeeting = meetingId();
    const invite = mint(inviteMeeting, 'guest', 'attendee', true);
    const guest = await connect({ url: relay.url, meetingId: inviteMeeting, token: invite });
    expect(guest.you.id).toBe('guest');
    // A meeting its host ends.
    const endedMeeting = meetingId();
    const host = await connect({ url: relay.url, meetingId: endedMeeting, token: mint(endedMeeting, 'host', 'host', false) });
    host.endMeeting();
    const hostClosed = await host.closed;
    expect(hostClosed.code).toBe(4007);
    // Before the restart the relay already refuses both.
    expect(await refusal(relay.url, inviteMeeting, invite)).toEqual({ status: 403, code: 'RELAY_ERR_TOKEN_REPLAYED' });
    expect(await refusal(relay.url, endedMeeting, mint(endedMeeting, 'host', 'host', false))).toEqual({ status: 403, code: 'RELAY_ERR_MEETING_ENDED' });
    guest.close();

    relay.kill(signal);
    const exit = await relay.exited;
    if (signal === 'SIGTERM') expect(exit.code).toBe(0);
    else expect(exit.signal).toBe('SIGKILL');
    relay = await spawnRelay(args);

    expect(await refusal(relay.url, inviteMeeting, invite)).toEqual({ status: 403, code: 'RELAY_ERR_TOKEN_REPLAYED' });
    expect(await refusal(relay.url, endedMeeting, mint(endedMeeting, 'host', 'host', false))).toEqual({ status: 403, code: 'RELAY_ERR_MEETING_ENDED' });
    // A fresh single-use invite and another meeting still work: the store refuses only what it remembers.
    const other = meetingId();
    expect(await refusal(relay.url, other, mint(other, 'guest', 'attendee', true))).toEqual({ status: 101, code: 'accepted' });

    // The state files hold digests and expiry times: not the token, not the ids.
    const stateDir = join(dataDir, 'state');
    const files = readdirSync(stateDir);
    expect(files.sort()).toEqual(['ended-meetings', 'used-token-ids']);
    for (const f of files) {
      const text = readFileSync(join(stateDir, f), 'utf8');
      expect(text).toMatch(/^([0-9a-f]{32} \d+\n)+$/);
      for (const secret of [invite, invite.split('.')[1]!, inviteMeeting, endedMeeting]) expect(text.includes(secret)).toBe(false);
    }
  }, 60_000);
});
