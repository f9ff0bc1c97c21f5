/**
 * Soak: the model-based fuzz of test/fuzz/model-run.ts, long: 8 rounds of 100 command sequences (up to 60
 * commands each) per transport, each round on a fresh relay with its own seed (2 to 3.5 minutes per transport
 * here). EPHEMERA_SOAK_SCALE scales the rounds; MODEL_FUZZ_SEED replays one round's seed (printed per round and
 * on failure).
 */
import { describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../helpers/relay-harness.js';
import { describeModelRun, runModelFuzz } from '../fuzz/model-run.js';
import { scaled } from './soak-scale.js';

const ROUNDS = scaled(8);
const SEQUENCES = 100;
const SEED = process.env.MODEL_FUZZ_SEED === undefined ? undefined : Number(process.env.MODEL_FUZZ_SEED);

describe.each(TRANSPORTS)('model-based fuzz soak over %s', (transport) => {
  it(`holds the invariants over ${ROUNDS} x ${SEQUENCES} command sequences`, async () => {
    let commands = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const seed = SEED !== undefined ? SEED + round : undefined;
      const r = await runModelFuzz({ transport, numRuns: SEQUENCES, maxCommands: 60, ...(seed !== undefined ? { seed } : {}) });
      console.info(`round ${round + 1}/${ROUNDS}: ${describeModelRun(r)}`);
      expect(r.runs).toBe(SEQUENCES);
      commands += r.commands;
    }
    console.info(`model fuzz soak over ${transport}: ${ROUNDS * SEQUENCES} sequences, ${commands} commands`);
  });
});
