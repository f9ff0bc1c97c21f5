/**
 * The canary: a meeting carries a unique marker in chat; after it ends the marker is in no file the relay wrote
 * (data folder: CDRs, outbox, journal, keys) and never appeared on the relay's stdout or stderr, even at debug level.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from '../../client/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../token/index.js';
import { filesUnder } from '../helpers/files.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { readCdrs } from '../helpers/cdr-file.js';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';

describe.each(TRANSPORTS)('canary over %s', (transport) => {
  let relay: RelayProcess | undefined;
  let dataDir = '';
  afterEach(() => {
    relay?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves the chat marker in no file, log or output of the relay', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ephemera-canary-'));
    const keys = loadOrCreateDevKeys(dataDir);
    relay = await spawnRelay(['--transport', transport, '--data-dir', dataDir, '--log-level', 'debug', '--cdr-sinks', 'file,stdout']);
    const marker = 'CANARY-' + randomBytes(12).toString('hex');
    const mid = meetingId();
    const mint = (pid: string, role: 'host' | 'attendee') =>
      mintJoinToken(keys.privateKey, keys.kid, {
        issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: pid, meetingId: mid,
        role, capabilities: [...DEFAULT_CAPABILITIES[role]], ttlSeconds: 600, displayName: 'Display ' + pid,
      });
    const tokens = [mint('host', 'host'), mint('guest', 'attendee')];
    const host = await connect({ url: relay.url, meetingId: mid, token: tokens[0]! });
    const guest = await connect({ url: relay.url, meetingId: mid, token: tokens[1]! });
    const got: string[] = [];
    guest.on('chat', (e) => got.push(e.text));
    for (let i = 0; i < 20; i++) host.sendChat(`${marker} message ${i}`);
    guest.sendChat(`${marker} reply`, { to: 'host' });
    await waitFor(() => got.length === 20);
    expect(got[0]).toContain(marker);
    // A malformed frame and a refused frame too: errors must not echo content.
    guest.sendChat(`${marker} to nobody`, { to: 'nobody' });
    host.endMeeting();
    await Promise.all([host.closed, guest.closed]);
    await waitFor(() => readCdrs(dataDir).some((r) => r.meetingId === mid), 5_000, 'CDR');
    relay.kill('SIGTERM');
    await relay.exited;

    const files = filesUnder(dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const content = readFileSync(f);
      expect(content.includes(marker), `marker found in ${f}`).toBe(false);
      for (const t of tokens) expect(content.includes(t), `token found in ${f}`).toBe(false);
    }
    for (const stream of [relay.stdout(), relay.stderr()]) {
      expect(stream.includes(marker)).toBe(false);
      for (const t of tokens) expect(stream.includes(t)).toBe(false);
    }
    // The CDR went to stdout too and is metadata only.
    expect(relay.stdout()).toContain(mid);
  });
});
