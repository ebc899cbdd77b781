/**
 * The hash worker's head start. `bin/flowaudit.js` calls prestartFor(argv) before it loads the
 * main bundle: for an audit whose inputs hold at least WORKER_MIN_BYTES, the hash worker boots
 * (a Node environment and the crypto module, 40–80 ms, more on a busy machine) while the bundle
 * loads, the command line is parsed and the policy is read. Started later (as the audit command
 * itself does), the reader had to wait for it: the first chunks fill the ring in a few
 * milliseconds and the first hash came tens of milliseconds later.
 *
 * Built into its own small bundle (dist/prestart.cjs, scripts/bundle.mjs); the worker it starts is
 * taken by the main bundle's HashService (input_hash.ts keeps it under a registered symbol). A
 * worker nobody takes does not keep the process alive. Only regular files are counted; an option's
 * value that is a file (the inventory) adds its few bytes, which can only start a worker a little
 * early for inputs just below the threshold, never change what is hashed or how.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { prestartHashWorker, WORKER_MIN_BYTES } from '../inputs/input_hash.js';

const ZEEK_TSV = Buffer.from('#separator');

/**
 * Whether a large file named in `args` is a Zeek TSV log (`#separator` first): such a log is parsed
 * on two threads and hashed on the main thread (records/conn_parallel.ts), so a hash worker started
 * for it would boot for nothing on a machine whose second core the parse worker wants.
 */
export function largeZeekTsv(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '-' || a.startsWith('-') || a.includes('://')) continue;
    try {
      const st = statSync(a, { throwIfNoEntry: false });
      if (!st?.isFile() || st.size < WORKER_MIN_BYTES) continue;
      const fd = openSync(a, 'r');
      const head = Buffer.alloc(ZEEK_TSV.length);
      const n = readSync(fd, head, 0, head.length, 0);
      closeSync(fd);
      if (n === head.length && head.equals(ZEEK_TSV)) return true;
    } catch {
      // unreadable: the audit reports it
    }
  }
  return false;
}

/** Bytes of the regular files named in `args` (anything else counts 0). */
export function fileBytes(args: readonly string[]): number {
  let n = 0;
  for (const a of args) {
    if (a === '-' || a.startsWith('-') || a.includes('://')) continue;
    try {
      const st = statSync(a, { throwIfNoEntry: false });
      if (st?.isFile()) n += st.size;
    } catch {
      // unreadable: the audit reports it
    }
  }
  return n;
}

/** `argv` without the node and script paths: start the hash worker now for an audit of large inputs. */
export function prestartFor(argv: readonly string[]): void {
  if (argv[0] !== 'audit' || largeZeekTsv(argv.slice(1))) return;
  prestartHashWorker(fileBytes(argv.slice(1)));
}
