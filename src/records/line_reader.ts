/**
 * Line helpers for text logs: split text into numbered lines (streams), recognise gzip, and peek at
 * a file's head to sniff its format. Files are read once by log_file.ts (parse and hash together).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { zlib } from '../lazy_builtins.js';


export interface Line {
  /** 1-based line number. */
  no: number;
  text: string;
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Split text into lines (LF or CRLF), calling `visit` for each; returns the number of lines. */
export function forEachLineOfText(text: string, visit: (line: string, no: number) => void, firstNo = 1): number {
  let no = firstNo;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    visit(stripCr(text.slice(start, nl)), no++);
    start = nl + 1;
  }
  if (start < text.length) visit(stripCr(text.slice(start)), no++);
  return no - firstNo;
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** The first `max` bytes of a file, decompressed when gzip unless `inflate` is false (enough to sniff a log's format). */
export function headOfFile(path: string, max = 65536, inflate = true): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    const head = buf.subarray(0, n);
    if (!inflate || !isGzip(head)) return head;
    try {
      return zlib().gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: a partial stream is fine */ }).subarray(0, max);
    } catch {
      return new Uint8Array(0);
    }
  } finally {
    closeSync(fd);
  }
}
