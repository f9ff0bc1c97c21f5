/**
 * Soak: the socket fuzzer of test/fuzz (same oracle, same bystander meeting), 20,000 frames per transport
 * (about 2.5 minutes each here; EPHEMERA_SOAK_SCALE scales it, EPHEMERA_FUZZ_SEED replays a run).
 */
import { describe, it } from 'vitest';
import { TRANSPORT_NAMES } from '../integration/security-helpers.js';
import { expectFuzzPassed, runSocketFuzz } from '../fuzz/socket-fuzz-run.js';
import { scaled } from './soak-scale.js';

const FRAMES = scaled(20_000);
const SEED = Number(process.env.EPHEMERA_FUZZ_SEED ?? Date.now() % 1_000_000);

describe.each(TRANSPORT_NAMES)('socket fuzz soak over %s', (transport) => {
  it(`answers ${FRAMES} hostile frames with their documented codes`, async () => {
    const r = await runSocketFuzz(transport, FRAMES, SEED);
    // eslint-disable-next-line no-console
    console.log(r.summary);
    expectFuzzPassed(r, FRAMES);
  });
});
