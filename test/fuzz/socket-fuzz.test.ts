/**
 * Socket fuzzing over real sockets, both transports: EPHEMERA_FUZZ_FRAMES frames per transport (default 2,000,
 * about 10 to 15 s each here), seeded (EPHEMERA_FUZZ_SEED replays a run; the seed is printed). The fuzzer, its
 * oracle and the bystander meeting are described in socket-fuzz-run.ts; the soak runs many more frames
 * (test/soak/socket-fuzz.soak.test.ts).
 */
import { describe, it } from 'vitest';
import { TRANSPORT_NAMES } from '../integration/security-helpers.js';
import { expectFuzzPassed, runSocketFuzz } from './socket-fuzz-run.js';

const FRAMES = Number(process.env.EPHEMERA_FUZZ_FRAMES ?? 2_000);
const SEED = Number(process.env.EPHEMERA_FUZZ_SEED ?? Date.now() % 1_000_000);

describe.each(TRANSPORT_NAMES)('socket fuzz over %s', (transport) => {
  it(`answers ${FRAMES} hostile frames with their documented codes, while another meeting chats undisturbed`, async () => {
    const r = await runSocketFuzz(transport, FRAMES, SEED);
    // eslint-disable-next-line no-console
    console.log(r.summary);
    expectFuzzPassed(r, FRAMES);
  }, 120_000);
});
