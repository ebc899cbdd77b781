import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Many tests wait (on network namespaces, child processes, Wine, polls), not compute: three
    // workers on two cores keep the cores busy, and npm test under 3 minutes.
    maxWorkers: 3,
    minWorkers: 1,
    // One event-loop turn after each test: see the file.
    setupFiles: ['test/support/yield_between_tests.ts'],
  },
});
