/**
 * Vitest setup (vitest.config.ts setupFiles): give the event loop one turn after every test.
 *
 * A test file of many synchronous tests (test/capture/corpus.test.ts runs tshark with spawnSync
 * for each of ~100 captures, 45–60 s in all on the CI machine) otherwise never leaves the
 * microtask queue, so the worker cannot read the runner's replies to its progress messages; once
 * that stretch passes vitest's 60 s RPC timeout, the run ends with the unhandled error
 * `[vitest-worker]: Timeout calling "onTaskUpdate"` although every test passed (seen once in CI).
 */
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
