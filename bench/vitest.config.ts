// The bench's own tests (parsers, reports, peers, the load generator): `npx vitest run --config bench/vitest.config.ts`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['bench/test/**/*.test.ts'],
    pool: 'forks',
    // Servers are pinned to core 0 and tests start real processes: one file at a time.
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
