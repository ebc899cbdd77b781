/**
 * SHA-256 of the input files (evidence: inputs[].sha256), computed on a worker thread while the
 * main thread parses, so hashing costs no wall-clock time on a machine with a second core.
 * The worker is inline CommonJS (`eval: true`) so it runs the same from src/ (tests) and dist/.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../lazy_builtins.js';
import { messageOf } from '../errors.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const buf = Buffer.allocUnsafe(4 << 20);
for (const path of workerData.paths) {
  try {
    const h = createHash('sha256');
    const fd = fs.openSync(path, 'r');
    try {
      let n;
      while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
    parentPort.postMessage({ path, sha256: h.digest('hex') });
  } catch (e) {
    parentPort.postMessage({ path, error: String(e && e.message || e) });
  }
}
`;

export type HashResult = { sha256: string } | { error: string };

/** SHA-256 of a file on the calling thread, read in 4 MiB chunks. */
export function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/**
 * Hash `paths` one after the other on a worker thread; resolves when all are done. Aborting
 * `signal` stops the worker (so an early error does not keep the process alive hashing).
 */
export function sha256FilesInBackground(paths: string[], signal?: AbortSignal): Promise<Map<string, HashResult>> {
  return new Promise((resolve) => {
    const results = new Map<string, HashResult>();
    if (paths.length === 0) return resolve(results);
    let worker: Worker;
    try {
      worker = new (workerThreads().Worker)(WORKER_SOURCE, { eval: true, workerData: { paths } });
    } catch {
      // No worker threads (unusual embedding): hash on this thread instead.
      for (const p of paths) {
        try {
          results.set(p, { sha256: sha256File(p) });
        } catch (e) {
          results.set(p, { error: messageOf(e) });
        }
      }
      return resolve(results);
    }
    signal?.addEventListener('abort', () => {
      for (const p of paths) if (!results.has(p)) results.set(p, { error: 'hashing was cancelled' });
      void worker.terminate().then(() => resolve(results));
    });
    worker.on('message', (m: { path: string; sha256?: string; error?: string }) => {
      results.set(m.path, m.sha256 !== undefined ? { sha256: m.sha256 } : { error: m.error ?? 'unknown error' });
      if (results.size === new Set(paths).size) void worker.terminate().then(() => resolve(results));
    });
    worker.on('error', (e) => {
      for (const p of paths) if (!results.has(p)) results.set(p, { error: e.message });
      resolve(results);
    });
  });
}
