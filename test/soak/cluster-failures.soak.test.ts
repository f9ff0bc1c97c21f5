/**
 * Soak: issue 13's acceptance runs, 5 rounds of each cluster failure (relay kill -9, owner relay kill -9, one
 * nats-server of three killed, a relay stopped 15 s then continued, every relay kill -9 and restarted), with the
 * checks of test/cluster/cluster-failures-run.ts. About 2 minutes on the 2-core machine (the SIGSTOP rounds are
 * 15 s each by design).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURES, FailureCluster, runRound, STOP_MS } from '../cluster/cluster-failures-run.js';

const ROUNDS = 5;

describe('cluster failures soak', () => {
  let fc: FailureCluster;
  beforeAll(async () => {
    fc = await FailureCluster.start();
  }, 60_000);
  afterAll(async () => {
    await fc?.close();
  });

  for (const failure of FAILURES) {
    it(`${failure}: ${ROUNDS} rounds, 0 missing and 0 duplicate final records`, { timeout: ROUNDS * (60_000 + (failure === 'relay-stop' ? STOP_MS : 0)) }, async () => {
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const r = await runRound(fc, failure, round);
        times.push(r.recoveredMs);
        expect(r.problems).toEqual([]);
      }
      // eslint-disable-next-line no-console
      console.log(`cluster-failures soak ${failure}: ${ROUNDS} rounds, meeting works again after ${times.join(', ')} ms`);
    });
  }
});
