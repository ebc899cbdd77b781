/**
 * Units of a conn.log read in parallel (conn_parallel.ts): a unit is a run of whole lines (it ends
 * just after a newline), parsed by the main thread or by the parse worker (conn_worker.ts) with
 * its first line's number, so every line keeps the number one reader would give it.
 */
import type { LineFeeder } from './line_feeder.js';

/** Feed the lines of buf[0, end) (buf[end - 1] is a newline) numbered from `line`; returns the next line's number. */
export function feedUnit(buf: Buffer, end: number, line: number, feed: LineFeeder): number {
  let s = 0;
  while (s < end) {
    const nl = buf.indexOf(0x0a, s);
    feed.line(buf, s, nl, line++);
    s = nl + 1;
  }
  return line;
}

/** Newlines in buf[0, end). */
export function countLines(buf: Buffer, end: number): number {
  let n = 0;
  for (let s = buf.indexOf(0x0a); s >= 0 && s < end; s = buf.indexOf(0x0a, s + 1)) n++;
  return n;
}

/** Whether a line of buf[0, end) starts with `#` (a Zeek header directive: such units stay on the main thread). */
export function hasDirective(buf: Buffer, end: number): boolean {
  if (end > 0 && buf[0] === 0x23) return true;
  return buf.subarray(0, end).indexOf('\n#') >= 0;
}

/** What the parse worker is started with (workerData) and sent (one message per unit, then `end`). */
export interface WorkerInit {
  path: string;
  tcpPorts: Uint8Array;
  udpPorts: Uint8Array;
  historyLimit: number;
  /** Unit buffers and their states (Int32 per buffer: 1 while the worker has it, 0 when done). */
  pool: SharedArrayBuffer[];
  ctl: SharedArrayBuffer;
}
