/**
 * Lines of a text log, read synchronously in chunks (the file is never held whole), numbered from 1.
 * A gzip file (magic 1f 8b) is decompressed first: Node's zlib has no synchronous streaming API,
 * so a .gz log is inflated in memory (known limit, README "Flow logs as input"); plain logs stream.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { zlib } from '../lazy_builtins.js';
import { InputError, messageOf } from '../errors.js';

const CHUNK = 1 << 20;

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

/** Every line of the file at `path` (gzip or plain), in order. Throws InputError naming the file if unreadable. */
export function forEachLineOfFile(path: string, visit: (line: string, no: number) => void): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(`${path}: cannot open flow log: ${messageOf(e)}`);
  }
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let n = readSync(fd, buf, 0, CHUNK, null);
    if (isGzip(buf.subarray(0, n))) {
      closeSync(fd);
      fd = -1;
      let text: string;
      try {
        text = zlib().gunzipSync(readFileSync(path)).toString('utf8');
      } catch (e) {
        throw new InputError(`${path}: cannot decompress gzip flow log: ${messageOf(e)}`);
      }
      forEachLineOfText(text, visit);
      return;
    }
    const decoder = new TextDecoder('utf-8');
    let carry = '';
    let no = 1;
    while (n > 0) {
      const text = carry + decoder.decode(buf.subarray(0, n), { stream: true });
      const last = text.lastIndexOf('\n');
      if (last < 0) carry = text;
      else {
        no += forEachLineOfText(text.slice(0, last + 1), visit, no);
        carry = text.slice(last + 1);
      }
      n = readSync(fd, buf, 0, CHUNK, null);
    }
    carry += decoder.decode();
    if (carry.length > 0) forEachLineOfText(carry, visit, no);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The first `max` bytes of a file, decompressed when gzip (enough to sniff a log's format). */
export function headOfFile(path: string, max = 65536): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    const head = buf.subarray(0, n);
    if (!isGzip(head)) return head;
    try {
      return zlib().gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: a partial stream is fine */ }).subarray(0, max);
    } catch {
      return new Uint8Array(0);
    }
  } finally {
    closeSync(fd);
  }
}
