/**
 * Promise 3 under kill -9: rounds of start a real relay process on one data folder, open several meetings with
 * chatting participants (chat carries a canary marker), kill -9 at a random moment, restart. Afterwards every
 * meeting that started has exactly one final CDR, no CDR belongs to a meeting that was never attempted, and
 * no file in the data folder (journal, outbox, CDR file, cursors) holds the marker.
 * CDR_KILL_ROUNDS overrides the number of rounds (default 20).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type EphemeraClient } from '../../client/index.js';
import { DEFAULT_CAPABILITIES, loadOrCreateDevKeys, mintJoinToken } from '../../token/index.js';
import { validateCdrRecord, type CdrRecord } from '../../relay/cdr/index.js';
import { readCdrs } from '../helpers/cdr-file.js';
import { filesUnder } from '../helpers/files.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { meetingId, sleep, waitFor } from '../helpers/relay-harness.js';

const ROUNDS = Number(process.env.CDR_KILL_ROUNDS ?? 20);
const MEETINGS_PER_ROUND = 3;
const PARTICIPANTS = ['host', 'p1', 'p2'] as const;

describe('CDRs survive kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-cdr-kill-'));
  let relay: RelayProcess | undefined;
  afterAll(async () => {
    relay?.kill('SIGKILL');
    if (relay) await relay.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`leaves exactly one final CDR per started meeting over ${ROUNDS} kill -9 rounds`, { timeout: 60_000 + ROUNDS * 15_000 }, async () => {
    const keys = loadOrCreateDevKeys(dataDir);
    const marker = 'CANARY-' + randomBytes(12).toString('hex');
    const attempted = new Set<string>();
    const started = new Set<string>();
    const token = (pid: string, mid: string): string =>
      mintJoinToken(keys.privateKey, keys.kid, {
        issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: pid, meetingId: mid,
        role: pid === 'host' ? 'host' : 'attendee', capabilities: [...DEFAULT_CAPABILITIES[pid === 'host' ? 'host' : 'attendee']],
        ttlSeconds: 600,
      });

    for (let round = 0; round < ROUNDS; round++) {
      relay = await spawnRelay(['--transport', round % 2 === 0 ? 'uws' : 'ws', '--data-dir', dataDir, '--log-level', 'warn']);
      const mids = Array.from({ length: MEETINGS_PER_ROUND }, () => meetingId());
      for (const mid of mids) attempted.add(mid);
      const clients: EphemeraClient[] = [];
      const joins = mids.flatMap((mid) =>
        PARTICIPANTS.map(async (pid) => {
          const c = await connect({ url: relay!.url, meetingId: mid, token: token(pid, mid), timeoutMs: 5_000 });
          started.add(mid);
          clients.push(c);
          return c;
        }),
      );
      // Handlers attached now: joins cut by the kill reject later.
      const joined = Promise.allSettled(joins);
      // Sometimes the kill lands while participants are still joining, usually while they chat.
      const duringJoins = round % 4 === 3;
      if (!duringJoins) await joined;
      const chat = setInterval(() => {
        for (const c of clients) if (!c.isClosed) c.sendChat(`${marker} round ${round}`);
      }, 5);
      // One meeting may be ended by its host just before the kill.
      if (!duringJoins && randomInt(2) === 0) {
        const host = clients.find((c) => !c.isClosed && c.you.id === 'host');
        host?.endMeeting();
      }
      await sleep(duringJoins ? randomInt(0, 60) : randomInt(0, 400));
      relay.kill('SIGKILL');
      const exit = await relay.exited;
      clearInterval(chat);
      expect(exit.signal).toBe('SIGKILL');
      await joined;
      await Promise.all(clients.map((c) => Promise.race([c.closed, sleep(3_000)])));
    }

    // A last clean start recovers the last round, then drains.
    relay = await spawnRelay(['--data-dir', dataDir, '--log-level', 'warn']);
    await waitFor(() => {
      const finals = new Set(readCdrs(dataDir).filter((r) => !r.partial).map((r) => r.meetingId));
      return [...started].every((m) => finals.has(m));
    }, 10_000, 'a final CDR for every started meeting');
    relay.kill('SIGTERM');
    expect((await relay.exited).code).toBe(0);
    relay = undefined;

    const records = readCdrs(dataDir) as unknown as CdrRecord[];
    const finals = records.filter((r) => !r.partial);
    const byMeeting = new Map<string, Set<string>>();
    for (const r of finals) {
      expect(validateCdrRecord(r)).toEqual([]);
      expect(attempted.has(r.meetingId), `CDR for a meeting never attempted: ${r.meetingId}`).toBe(true);
      const ids = byMeeting.get(r.meetingId) ?? new Set<string>();
      ids.add(r.id);
      byMeeting.set(r.meetingId, ids);
    }
    for (const mid of started) {
      expect(byMeeting.get(mid)?.size, `final CDRs of ${mid}`).toBe(1);
    }
    // The file sink recognises records it already wrote, so even raw lines are unique.
    expect(new Set(finals.map((r) => r.id)).size).toBe(finals.length);
    const recovered = finals.filter((r) => r.recovered);
    expect(recovered.length).toBeGreaterThan(0);
    expect(recovered.every((r) => r.endReason === 'relay_failure')).toBe(true);

    for (const f of filesUnder(dataDir)) {
      expect(readFileSync(f).includes(marker), `marker found in ${f}`).toBe(false);
    }
    console.info(
      `cdr-kill: ${ROUNDS} rounds, ${attempted.size} meetings attempted, ${started.size} started, ` +
        `${finals.length} final CDRs (${recovered.length} recovered after kill -9)`,
    );
  });
});
