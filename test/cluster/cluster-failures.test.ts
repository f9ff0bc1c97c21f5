/**
 * Issue 13's failures, with real processes: a nats-server cluster of three (routes), three relays, meetings
 * spread over them (see cluster-failures-run.ts for what each round checks). `npm test` runs ROUNDS round(s) of
 * each failure (CLUSTER_FAILURE_ROUNDS overrides); `npm run soak` runs 5 (test/soak/cluster-failures.soak.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURES, FailureCluster, runRound, STOP_MS } from './cluster-failures-run.js';

const ROUNDS = Number(process.env.CLUSTER_FAILURE_ROUNDS ?? 1);

describe('cluster failures', () => {
  let fc: FailureCluster;
  beforeAll(async () => {
    fc = await FailureCluster.start();
  }, 60_000);
  afterAll(async () => {
    await fc?.close();
  });

  for (const failure of FAILURES) {
    it(`${failure}: one final record per meeting, every session with its relay and reason, chat intact (${ROUNDS} round(s))`, { timeout: ROUNDS * (60_000 + (failure === 'relay-stop' ? STOP_MS : 0)) }, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const r = await runRound(fc, failure, round);
        // eslint-disable-next-line no-console
        console.info(`cluster-failures ${failure} round ${round}: meeting works again after ${r.recoveredMs} ms; ${r.meetings} meetings, ${r.interims} interim records, ${r.gapCloses} sessions closed 4013`);
        expect(r.problems).toEqual([]);
      }
    });
  }
});
