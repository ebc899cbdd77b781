/**
 * `ByteSink`, the capture writers' buffered byte output: one big reused output buffer flushed
 * with `fs.writeSync` (file mode) or collected into chunks (memory mode). The readers'
 * counterpart, `ByteWindow`, is in chunked_file.ts.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InputError, messageOf } from '../errors.js';
import { MIN_CHUNK_SIZE } from '../inputs/chunked_file.js';

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
        throw new InputError(`${path}: cannot create capture file: ${messageOf(e)}`);
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
