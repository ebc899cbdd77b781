/**
 * Byte I/O shared by the capture readers and writers.
 *
 * `ByteWindow` is the one "window over the input" used by both readers: backed either by a
 * file (one reused buffer, refilled with `fs.readSync`) or by an in-memory Uint8Array (no copy).
 * Parsers only see `buf`/`view`/`pos`/`end` and call `ensure(n)` before touching n bytes, so the
 * same parsing code runs over files and over test bytes.
 *
 * `ByteSink` is the writers' counterpart: one big reused output buffer flushed with
 * `fs.writeSync` (file mode) or collected into chunks (memory mode).
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { CliError } from '../errors.js';
import type { CaptureInfo } from './source.js';

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
const MIN_CHUNK_SIZE = 32;

export class ByteWindow {
  /** Current buffer; replaced (and `view` with it) only when a record is larger than it. */
  buf: Uint8Array;
  view: DataView;
  /** Index in `buf` of the next unread byte. */
  pos = 0;
  /** Index in `buf` just after the last valid byte. */
  end: number;
  /** File offset of `buf[0]`. */
  base = 0;
  /** Total input size in bytes (file size at open time, or the byte array's length). */
  readonly size: number;
  /** Path or name used in messages. */
  readonly name: string;
  private fd: number;
  /** File offset of the next byte to read from the file (= base + end). */
  private filePos = 0;

  private constructor(name: string, buf: Uint8Array, end: number, size: number, fd: number) {
    this.name = name;
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.end = end;
    this.size = size;
    this.fd = fd;
  }

  static fromBytes(bytes: Uint8Array, name: string): ByteWindow {
    return new ByteWindow(name, bytes, bytes.length, bytes.length, -1);
  }

  static fromFile(path: string, chunkSize = DEFAULT_CHUNK_SIZE): ByteWindow {
    let fd: number;
    let size: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new CliError(`${path}: cannot open capture: ${(e as Error).message}`, 'input');
    }
    try {
      size = fstatSync(fd).size;
    } catch (e) {
      closeSync(fd);
      throw new CliError(`${path}: cannot stat capture: ${(e as Error).message}`, 'input');
    }
    // Never allocate more than the file needs (small files, tests), nor less than a minimum.
    const cap = Math.max(MIN_CHUNK_SIZE, Math.min(Math.max(chunkSize, MIN_CHUNK_SIZE), size));
    return new ByteWindow(path, new Uint8Array(cap), 0, size, fd);
  }

  /** File offset of the next unread byte. */
  offset(): number {
    return this.base + this.pos;
  }

  /** Bytes left in the input from `pos` (in the buffer plus not yet read from the file). */
  remaining(): number {
    return this.end - this.pos + (this.fd >= 0 ? this.size - this.filePos : 0);
  }

  /**
   * Make at least `n` bytes available at `pos` (`end - pos >= n`). Returns false when the input
   * ends first (then `remaining()` says how many are present). May move the unread bytes to the
   * front of the buffer or replace the buffer: re-read `pos`/`buf`/`view` after calling.
   * The buffer grows only when one record is larger than it, and never past what the file holds.
   */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.fd < 0) return false;
    if (this.remaining() < n) return false;
    const unread = this.end - this.pos;
    if (n > this.buf.length) {
      const grown = new Uint8Array(Math.max(n, Math.min(this.buf.length * 2, this.size)));
      grown.set(this.buf.subarray(this.pos, this.end), 0);
      this.buf = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    } else if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
    }
    this.base += this.pos;
    this.pos = 0;
    this.end = unread;
    while (this.end < n) {
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.filePos);
      if (got <= 0) return false; // file shrank while we read it
      this.end += got;
      this.filePos += got;
    }
    return true;
  }

  /** Advance `n` bytes without loading them. Returns false (at end of input) if fewer remain. */
  skip(n: number): boolean {
    const inBuf = this.end - this.pos;
    if (n <= inBuf) {
      this.pos += n;
      return true;
    }
    if (this.fd < 0 || this.remaining() < n) return false;
    // Drop the buffer and continue reading the file after the skipped bytes.
    this.filePos += n - inBuf;
    this.base = this.filePos;
    this.pos = 0;
    this.end = 0;
    return true;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/**
 * The input ended before `need` bytes of a record/block: a clean end when nothing is left,
 * otherwise a truncation, recorded as a warning that says where the file stopped.
 */
export function noteEndOfInput(w: ByteWindow, info: CaptureInfo, need: number, what: string): void {
  const present = w.remaining();
  if (present <= 0) return;
  const off = w.offset();
  info.truncated = true;
  info.warnings.push({ offset: off, message: `file ends inside the ${what} at offset ${off}: ${present} of ${need} bytes present` });
}

/** Buffered byte output: to a file descriptor, or collected in memory. */
export class ByteSink {
  buf: Uint8Array;
  view: DataView;
  /** Bytes used in `buf`. */
  len = 0;
  /** Total bytes written so far (flushed + buffered). */
  private flushed = 0;
  private fd: number;
  private chunks: Uint8Array[] | null;
  private closed = false;
  readonly name: string;

  constructor(path: string | null, chunkSize = 1024 * 1024) {
    this.buf = new Uint8Array(Math.max(chunkSize, MIN_CHUNK_SIZE));
    this.view = new DataView(this.buf.buffer);
    this.name = path ?? '<memory>';
    if (path === null) {
      this.fd = -1;
      this.chunks = [];
    } else {
      try {
        this.fd = openSync(path, 'w');
      } catch (e) {
        throw new CliError(`${path}: cannot create capture file: ${(e as Error).message}`, 'input');
      }
      this.chunks = null;
    }
  }

  get bytesWritten(): number {
    return this.flushed + this.len;
  }

  /** Make room for `n` more bytes at `len` (flushing or growing); re-read `buf`/`view` after. */
  reserve(n: number): void {
    if (this.closed) throw new Error(`${this.name}: write after close`);
    if (this.len + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(n);
      this.view = new DataView(this.buf.buffer);
    }
  }

  bytes(src: Uint8Array, start = 0, length = src.length - start): void {
    this.reserve(length);
    this.buf.set(src.subarray(start, start + length), this.len);
    this.len += length;
  }

  flush(): void {
    if (this.len === 0) return;
    if (this.chunks) {
      this.chunks.push(this.buf.slice(0, this.len));
    } else {
      let off = 0;
      while (off < this.len) off += writeSync(this.fd, this.buf, off, this.len - off);
    }
    this.flushed += this.len;
    this.len = 0;
  }

  /** Flush and close. In memory mode returns everything written, else an empty array. */
  close(): Uint8Array {
    if (this.closed) return new Uint8Array(0);
    this.flush();
    this.closed = true;
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
      return new Uint8Array(0);
    }
    const chunks = this.chunks ?? [];
    const out = new Uint8Array(this.flushed);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    this.chunks = [];
    return out;
  }
}

/** `0x0000abcd`-style hex for messages. */
export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

/**
 * libpcap's limit on one record's captured length (MAXIMUM_SNAPLEN). A record larger than
 * max(file snaplen, this) is treated as corruption. Real captures made with TSO/GRO offload hold
 * frames larger than a small snaplen, so only the larger of the two is enforced (as libpcap does).
 */
export const MAX_CAPLEN = 262144;
