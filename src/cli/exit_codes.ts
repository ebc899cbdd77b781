/**
 * Exit codes, in one place. Commands return EXIT values; errors thrown by any layer are mapped
 * here by their kind (src/errors.ts), so no layer below the CLI knows about exit codes.
 *   0   pass (verify: verified)
 *   1   fail (verify: the report does not match); `--exit-zero` turns only this into 0
 *   2   usage or input error (an unreadable capture, matrix, inventory or output path); the
 *       report, when written, says `inconclusive` for an input that could not be read
 *   3   inconclusive: the audit could not judge (no inventory, no packets, nothing touching an
 *       inventory host, a damaged input); see audit/verdict.ts. verify: nothing checked was
 *       wrong, but a part could not be checked (a report of another flowaudit version)
 *   130 live: a second Ctrl-C (no report)
 *   70  internal error (a bug: please report it; set FLOWAUDIT_DEBUG=1 for the stack)
 */
import { FlowauditError, type ErrorKind } from '../errors.js';

export const EXIT = {
  pass: 0,
  fail: 1,
  error: 2,
  inconclusive: 3,
  internal: 70,
  interrupted: 130,
} as const;

/** The exit code of each kind of error (all are "usage or input error" today). */
const EXIT_BY_KIND: Record<ErrorKind, number> = {
  usage: EXIT.error,
  input: EXIT.error,
  'capture-format': EXIT.error,
  policy: EXIT.error,
  'live-unavailable': EXIT.error,
  permission: EXIT.error,
};

/** The exit code for anything thrown out of a command: a FlowauditError by its kind, else a bug. */
export function exitCodeOf(e: unknown): number {
  return e instanceof FlowauditError ? EXIT_BY_KIND[e.kind] : EXIT.internal;
}
