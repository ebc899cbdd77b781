/**
 * Typed errors shared by every layer. Nothing here imports anything, so `capture/`, `matrix/`
 * and `cli/` can all throw the same family, and `cli/main.ts` maps any of them to an exit code.
 *
 * Messages name what was being read and where, e.g.
 *   `fixtures/x.pcap: Cannot read pcap header at offset 0: unknown magic 0x1234abcd`.
 */
export type ErrorCode =
  | 'usage' // bad command line
  | 'input' // an input file is unreadable or malformed (capture, matrix, inventory)
  | 'capture-format' // a capture file is not pcap/pcapng or is broken in a way we cannot skip
  | 'matrix' // matrix file invalid
  | 'inventory' // inventory file invalid
  | 'live-unavailable' // the optional `cap` module is not built
  | 'permission' // live capture without privileges
  | 'internal';

export class CliError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  constructor(message: string, code: ErrorCode, exitCode = 2) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A capture file that cannot be read further. `offset` is the byte offset of the bad structure. */
export class CaptureFormatError extends CliError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, what: string) {
    super(`${file}: ${what} (at byte offset ${offset})`, 'capture-format', 2);
    this.name = 'CaptureFormatError';
    this.file = file;
    this.offset = offset;
  }
}
