/**
 * SIGTERM drains a real relay process: participants get 1001, every open meeting gets its CDR, exit code 0.
 * With clients that stopped reading (they neither take their bytes nor answer the close), the process still
 * exits 0 within --drain-timeout-ms, the banner states that deadline, and a join during the drain is answered
 * 503 RELAY_ERR_NOT_READY until the listener closes (then the port refuses connections).
 */
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
import { BEARER_PREFIX, SUBPROTOCOL } from '../../protocol/index.js';
import { rawHttp, rawWs, tokenMinter, upgradeRequest, type RawWs } from '../integration/security-helpers.js';

const DRAIN_TIMEOUT_MS = 3_000;
/** Process start-up and teardown around the drain itself (a child that calls process.exit). */
const EXIT_SLACK_MS = 500;

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

  it(`exits 0 within --drain-timeout-ms ${DRAIN_TIMEOUT_MS} with 10 clients that stopped reading; joins meanwhile get 503`, async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ephemera-drain-'));
    const mint = tokenMinter(dataDir);
    relay = await spawnRelay(['--transport', transport, '--data-dir', dataDir, '--drain-timeout-ms', String(DRAIN_TIMEOUT_MS)]);
    const port = Number(new URL(relay.url).port);
    const mid = meetingId();
    const stalled: RawWs[] = [];
    for (let i = 0; i < 10; i++) {
      const w = await rawWs(port, `/v1/meetings/${mid}`, [SUBPROTOCOL, BEARER_PREFIX + mint(mid, `stalled-${i}`)], {}, undefined, true);
      expect(w.status).toBe(101);
      stalled.push(w);
    }
    for (const w of stalled) w.socket.pause();
    // A talker fills their buffers a little (kernel buffers take it; their own backlog stays under the bounds).
    const talker = await connect({ url: relay.url, meetingId: mid, token: mint(mid, 'talker') });
    for (let i = 0; i < 100; i++) talker.sendChat('x'.repeat(4_000));

    const t0 = Date.now();
    relay.kill('SIGTERM');
    await waitFor(() => relay!.stderr().includes('SIGTERM received'), 5_000, 'the drain to start');
    // Joins during the drain: 503 while the listener is open, then refused connections (status 0).
    const answers: Array<{ status: number; error?: string }> = [];
    while (Date.now() - t0 < DRAIN_TIMEOUT_MS + 2_000) {
      const a = await rawHttp(port, upgradeRequest(`/v1/meetings/${meetingId()}`, [SUBPROTOCOL, BEARER_PREFIX + mint(mid, 'late')]), 2_000);
      a.socket.destroy();
      answers.push(a.status === 0 ? { status: 0 } : { status: a.status, error: (JSON.parse(a.body) as { error: string }).error });
      if (a.status === 0) break;
      // Paced: one attempt per 25 ms is plenty to see the window.
      await new Promise((r) => setTimeout(r, 25));
    }
    const exit = await relay.exited;
    const elapsed = Date.now() - t0;
    expect(exit.code).toBe(0);
    expect(elapsed).toBeLessThan(DRAIN_TIMEOUT_MS + EXIT_SLACK_MS);
    expect(relay.stderr()).toContain(`draining (deadline ${DRAIN_TIMEOUT_MS} ms)`);
    expect(answers.at(-1)).toEqual({ status: 0 });
    for (const a of answers.slice(0, -1)) expect(a).toEqual({ status: 503, error: 'RELAY_ERR_NOT_READY' });
    // ws waits for the close handshakes these peers never answer, with the listener open until the deadline.
    if (transport === 'ws') expect(answers.length).toBeGreaterThan(1);
    for (const w of stalled) w.socket.destroy();
    talker.close();
    const cdrs = readCdrs(dataDir).filter((r) => !r.partial && r.meetingId === mid);
    expect(cdrs.map((r) => r.endReason)).toEqual(['shutdown']);
    console.info(`drain over ${transport}: exit ${exit.code} after ${elapsed} ms (deadline ${DRAIN_TIMEOUT_MS}); joins during drain: ${answers.length - 1} x 503, then refused`);
  }, 30_000);
});
