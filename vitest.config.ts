import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores: keep file-level parallelism low so that timing-sensitive socket tests stay honest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts', 'bench/test/**/*.test.ts'],
          exclude: ['test/soak/**', 'test/browser/**', 'node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real Chromium encoding and decoding live media: run after the others, not beside timing-sensitive tests.
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
