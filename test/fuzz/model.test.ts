/**
 * The model-based fuzz test, short run (in `npm test`): fast-check command sequences against a real relay per
 * transport (test/fuzz/model-run.ts says what is generated and what is checked). MODEL_FUZZ_SEED replays a seed;
 * MODEL_FUZZ_RUNS sets the number of sequences (default 12 per transport, up to 60 commands each: 2 to 4 s per transport here).
 * The long run is test/soak/model.soak.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../helpers/relay-harness.js';
import { describeModelRun, runModelFuzz } from './model-run.js';

const RUNS = Number(process.env.MODEL_FUZZ_RUNS ?? 12);
const SEED = process.env.MODEL_FUZZ_SEED === undefined ? undefined : Number(process.env.MODEL_FUZZ_SEED);

describe.each(TRANSPORTS)('model-based fuzz over %s', (transport) => {
  it(`keeps the relay up, chat in per-sender order and one matching CDR per meeting over ${RUNS} command sequences`, async () => {
    const report = await runModelFuzz({ transport, numRuns: RUNS, maxCommands: 60, ...(SEED !== undefined ? { seed: SEED } : {}) });
    console.info(describeModelRun(report));
    expect(report.runs).toBe(RUNS);
    expect(report.meetingsEnded).toBeGreaterThan(0);
  }, 120_000);
});
