/**
 * Typed errors, one family per layer, all deriving from FlowauditError. Nothing here imports
 * anything, so every layer can throw its own kind; `cli/exit_codes.ts` maps them to exit codes in
 * one place. An error that is not a FlowauditError is a bug (exit 70, "internal error").
 *
 * Messages name what was being read and where, e.g.
 *   `fixtures/x.pcap: Cannot read pcap header at offset 0: unknown magic 0x1234abcd`.
 *
 * Which to throw:
 * - UsageError: the command line asks for something impossible (unknown format, bad duration,
 *   a role not in the matrix, an output path in a missing folder).
 * - InputError: an input (or output) file, directory or device cannot be opened, read or written.
 *   CaptureFormatError (an InputError) is a capture whose bytes are broken at `offset`.
 * - PolicyError: a policy file (matrix, inventory) is invalid; `policy` says which.
 * - LiveUnavailableError: no live capture engine (`cap` not built, no dumpcap/tcpdump).
 * - PermissionError: live capture without the privilege to capture.
 */
export type ErrorKind = 'usage' | 'input' | 'capture-format' | 'policy' | 'live-unavailable' | 'permission';

/** The base of every error flowaudit reports to the user as a one-line message (not a bug). */
export abstract class FlowauditError extends Error {
  abstract readonly kind: ErrorKind;
}

export class UsageError extends FlowauditError {
  readonly kind: ErrorKind = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An input or output that cannot be opened, read or written. `offset`: where reading stopped. */
export class InputError extends FlowauditError {
  readonly kind: ErrorKind = 'input';
  readonly offset: number;
  constructor(message: string, offset = 0) {
    super(message);
    this.name = 'InputError';
    this.offset = offset;
  }
}

/** A capture file that cannot be read further. `offset` is the byte offset of the bad structure. */
export class CaptureFormatError extends InputError {
  override readonly kind: ErrorKind = 'capture-format';
  readonly file: string;
  constructor(file: string, offset: number, what: string) {
    super(`${file}: ${what} (at byte offset ${offset})`, offset);
    this.name = 'CaptureFormatError';
    this.file = file;
  }
}

/** Which policy file was invalid. */
export type PolicyFile = 'matrix' | 'inventory';

/** A policy input (matrix, inventory) that is unreadable or invalid; the message names the file. */
export class PolicyError extends FlowauditError {
  readonly kind: ErrorKind = 'policy';
  readonly policy: PolicyFile;
  constructor(message: string, policy: PolicyFile) {
    super(message);
    this.name = 'PolicyError';
    this.policy = policy;
  }
}

/** Live capture cannot run here: the optional `cap` module is not built, or no engine is installed. */
export class LiveUnavailableError extends FlowauditError {
  readonly kind: ErrorKind = 'live-unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'LiveUnavailableError';
  }
}

/** Live capture without the privilege to capture. */
export class PermissionError extends FlowauditError {
  readonly kind: ErrorKind = 'permission';
  constructor(message: string) {
    super(message);
    this.name = 'PermissionError';
  }
}

/** The message of anything thrown (an Error's message, else its string form). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
