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
import { statSync } from 'node:fs';
import { prestartHashWorker } from '../inputs/input_hash.js';

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
  if (argv[0] !== 'audit') return;
  prestartHashWorker(fileBytes(argv.slice(1)));
}
