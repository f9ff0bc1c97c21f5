import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    exclude: ['test/soak/**', 'node_modules/**'],
    pool: 'forks',
    // Two cores: keep file-level parallelism low so that timing-sensitive socket tests stay honest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
