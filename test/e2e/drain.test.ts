/** SIGTERM drains a real relay process: participants get 1001, every open meeting gets its CDR, exit code 0. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type EphemeraClient } from '../../client/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../token/index.js';
import { CloseCode } from '../../protocol/index.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { readCdrs } from '../helpers/cdr-file.js';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';

describe.each(TRANSPORTS)('SIGTERM drain over %s', (transport) => {
  let relay: RelayProcess | undefined;
  let dataDir = '';
  afterEach(() => {
    relay?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes everyone with 1001 and writes a shutdown CDR for every open meeting', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ephemera-drain-'));
    const keys = loadOrCreateDevKeys(dataDir);
    relay = await spawnRelay(['--transport', transport, '--data-dir', dataDir]);
    const meetings = [meetingId(), meetingId(), meetingId()];
    const clients: EphemeraClient[] = [];
    for (const mid of meetings) {
      for (const pid of ['a', 'b']) {
        const token = mintJoinToken(keys.privateKey, keys.kid, {
          issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: pid, meetingId: mid,
          role: 'attendee', capabilities: [...DEFAULT_CAPABILITIES.attendee], ttlSeconds: 600,
        });
        clients.push(await connect({ url: relay.url, meetingId: mid, token }));
      }
    }
    clients[0]!.sendChat('before shutdown');
    relay.kill('SIGTERM');
    const closes = await Promise.all(clients.map((c) => c.closed));
    expect(closes.every((c) => c.code === CloseCode.GOING_AWAY)).toBe(true);
    const exit = await relay.exited;
    expect(exit.code).toBe(0);
    await waitFor(() => readCdrs(dataDir).length >= meetings.length, 5_000, 'CDRs');
    const cdrs = readCdrs(dataDir).filter((r) => !r.partial);
    expect(cdrs.map((r) => r.meetingId).sort()).toEqual([...meetings].sort());
    expect(cdrs.every((r) => r.endReason === 'shutdown')).toBe(true);
    expect(new Set(cdrs.map((r) => r.id)).size).toBe(meetings.length);
  });
});
