import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One event-loop turn after each test: see the file.
    setupFiles: ['test/support/yield_between_tests.ts'],
  },
});
