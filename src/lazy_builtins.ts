/**
 * Node built-ins that only some runs need, loaded on first use instead of at start-up.
 *
 * A static `import` of `node:worker_threads`, `node:zlib` or `node:os` costs every run its loading
 * (about 6, 6 and 2 ms on the bench machine; `node:net` pulls in the stream stack and costs more),
 * while a small audit needs none of them: the hash worker starts only for inputs of 32 MiB and
 * more, gzip only for compressed inputs, the host name only for --emit-state and live reports.
 * `npm run bench` measures the fixed cost against `node -e 0` (issue 13).
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const workerThreads = (): typeof import('node:worker_threads') => load('node:worker_threads') as typeof import('node:worker_threads');
export const zlib = (): typeof import('node:zlib') => load('node:zlib') as typeof import('node:zlib');
export const os = (): typeof import('node:os') => load('node:os') as typeof import('node:os');
export const childProcess = (): typeof import('node:child_process') => load('node:child_process') as typeof import('node:child_process');
