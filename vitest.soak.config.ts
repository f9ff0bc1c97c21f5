import { defineConfig } from 'vitest/config';

/**
 * `npm run soak`: the long runs of the proofs under attack (test/soak, see SECURITY.md for what each runs and how
 * long). One file at a time: they load both cores on their own. About 15 minutes in all on the 2-core machine
 * they were written on; EPHEMERA_SOAK_SCALE (default 1) scales their lengths.
 */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
