/**
 * The capture readers' byte input (`ByteWindow`) and the helpers the readers share.
 *
 * `ByteWindow` is the one "window over the input" used by both readers: backed either by a
 * file (one reused buffer, refilled with `fs.readSync`) or by an in-memory Uint8Array (no copy).
 * Parsers only see `buf`/`view`/`pos`/`end` and call `ensure(n)` before touching n bytes, so the
 * same parsing code runs over files and over test bytes. The writers' output buffer, `ByteSink`,
 * is in byte_sink.ts.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError, messageOf } from '../errors.js';

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** Smallest buffer a window or a sink allocates. */
export const MIN_CHUNK_SIZE = 32;

/** Called with every byte range the window obtains from its input, in order, exactly once (the hash tap). */
export type BytesTap = (buf: Uint8Array, start: number, length: number) => void;

/**
 * Buffers shared with the hash (input_hash.ts): instead of copying each chunk it reads into the
 * hash's ring, the window reads straight into a ring slot and parses it there while the hash
 * worker hashes the same bytes. `acquire()` hands over the next slot (null: none, use the own
 * buffer); `publish()` gives the bytes just read to the hash, which then only reads them.
 */
export interface BufferRing {
  acquire(): Uint8Array | null;
  publish(buf: Uint8Array, start: number, length: number): void;
}

export class ByteWindow {
  /** Current buffer; replaced (and `view` with it) only when a record is larger than it. */
  buf: Uint8Array;
  view: DataView;
  /** Index in `buf` of the next unread byte. */
  pos = 0;
  /** Index in `buf` just after the last valid byte. */
  end: number;
  /** Input offset of `buf[0]`. */
  base = 0;
  /** Total input size in bytes (file size at open time, the byte array's length; for a stream, what arrived by its end). */
  size: number;
  /** Path or name used in messages. */
  readonly name: string;
  private fd: number;
  /** File offset of the next byte to read from the file (= base + end). */
  private filePos = 0;
  /** Stream mode: bytes arrive by push(); `ended` once end() was called. */
  private readonly streaming: boolean;
  private ended = false;
  /** Stream mode: bytes of a skipped block still to come; and how many were missing at the end. */
  private pendingSkip = 0;
  private skipShort = 0;
  /** Every byte read from the file passes through the tap once (file mode). */
  private readonly tap: BytesTap | null;
  /** File mode with a ring: chunks are read into ring slots (see BufferRing); `own` is the fallback buffer. */
  private readonly ring: BufferRing | null;
  private own: Uint8Array;
  private inSlot = false;

  private constructor(name: string, buf: Uint8Array, end: number, size: number, fd: number, streaming = false, tap: BytesTap | null = null, ring: BufferRing | null = null) {
    this.name = name;
    this.buf = buf;
    this.own = buf;
    this.ring = ring;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.end = end;
    this.size = size;
    this.fd = fd;
    this.streaming = streaming;
    this.tap = tap;
  }

  static fromBytes(bytes: Uint8Array, name: string): ByteWindow {
    return new ByteWindow(name, bytes, bytes.length, bytes.length, -1);
  }

  /** A window fed by push()/end(): bytes arrive in chunks of any size (pipes, decompressors, capture programs). */
  static forStream(name: string, initialSize = 64 * 1024): ByteWindow {
    return new ByteWindow(name, new Uint8Array(Math.max(initialSize, MIN_CHUNK_SIZE)), 0, 0, -1, true);
  }

  static fromFile(path: string, chunkSize = DEFAULT_CHUNK_SIZE, tap: BytesTap | null = null): ByteWindow {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(`${path}: cannot open capture: ${messageOf(e)}`);
    }
    try {
      return ByteWindow.fromFd(fd, path, chunkSize, tap);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Over an open regular file (the window closes `fd`). Every byte read goes through `tap` once. */
  static fromFd(fd: number, path: string, chunkSize = DEFAULT_CHUNK_SIZE, tap: BytesTap | null = null, ring: BufferRing | null = null): ByteWindow {
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (e) {
      throw new InputError(`${path}: cannot stat capture: ${messageOf(e)}`);
    }
    // Never allocate more than the file needs (small files, tests), nor less than a minimum.
    const cap = Math.max(MIN_CHUNK_SIZE, Math.min(Math.max(chunkSize, MIN_CHUNK_SIZE), size));
    return new ByteWindow(path, new Uint8Array(cap), 0, size, fd, false, tap, ring);
  }

  /** Input offset of the next unread byte. */
  offset(): number {
    return this.base + this.pos;
  }

  /** True while a stream window may still receive bytes: a failed ensure() means "wait", not "end". */
  get waiting(): boolean {
    return this.streaming && !this.ended;
  }

  /** Bytes left in the input from `pos` (in the buffer plus not yet read from the file). */
  remaining(): number {
    return this.end - this.pos + (this.fd >= 0 ? this.size - this.filePos : 0) + this.skipShort;
  }

  /**
   * Make at least `n` bytes available at `pos` (`end - pos >= n`). Returns false when the input
   * ends first (then `remaining()` says how many are present), or, for a stream, when the bytes
   * have not arrived yet (`waiting`). May move the unread bytes to the front of the buffer or
   * replace the buffer: re-read `pos`/`buf`/`view` after calling.
   * The buffer grows only when one record is larger than it, and never past what the file holds.
   */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.fd < 0) return false;
    if (this.remaining() < n) return false;
    const unread = this.end - this.pos;
    // With a ring, read into the next slot (the unread tail of a record straddling two chunks is
    // copied in front); the hash worker hashes the slot's new bytes while we parse them.
    const slot = this.ring && this.remaining() > unread ? this.ring.acquire() : null;
    if (slot !== null && n <= slot.length) {
      slot.set(this.buf.subarray(this.pos, this.end), 0);
      this.setBuf(slot);
      this.inSlot = true;
    } else {
      if (slot !== null) this.ring!.publish(slot, 0, 0); // too small for this record: give it back empty
      if (this.inSlot) {
        // Leave the ring: a slot is only ours until its bytes are published.
        if (this.own.length < Math.max(n, unread)) this.own = new Uint8Array(Math.max(n, Math.min(this.own.length * 2, this.size)));
        this.own.set(this.buf.subarray(this.pos, this.end), 0);
        this.setBuf(this.own);
        this.inSlot = false;
      } else if (n > this.buf.length) {
        const grown = new Uint8Array(Math.max(n, Math.min(this.buf.length * 2, this.size)));
        grown.set(this.buf.subarray(this.pos, this.end), 0);
        this.setBuf(grown);
        this.own = grown;
      } else if (this.pos > 0) {
        this.buf.copyWithin(0, this.pos, this.end);
      }
    }
    this.base += this.pos;
    this.pos = 0;
    this.end = unread;
    let ok = true;
    while (this.end < n) {
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.filePos);
      if (got <= 0) {
        ok = false; // file shrank while we read it
        break;
      }
      if (!this.inSlot) this.tap?.(this.buf, this.end, got);
      this.end += got;
      this.filePos += got;
    }
    if (this.inSlot) this.ring!.publish(this.buf, unread, this.end - unread);
    return ok;
  }

  /** Advance `n` bytes without parsing them (file mode reads them through the tap all the same). */
  skip(n: number): boolean {
    const inBuf = this.end - this.pos;
    if (n <= inBuf) {
      this.pos += n;
      return true;
    }
    if (this.streaming) {
      // The rest of the block has not arrived: push() drops it as it comes.
      this.pendingSkip = n - inBuf;
      this.pos = this.end;
      return true;
    }
    if (this.fd < 0 || this.remaining() < n) return false;
    if (this.inSlot) {
      // Skipped bytes are read into the own buffer (through the tap): a published slot is the hash's.
      this.setBuf(this.own);
      this.inSlot = false;
    }
    let left = n - inBuf;
    this.base += this.end;
    this.pos = 0;
    this.end = 0;
    while (left > 0) {
      const got = readSync(this.fd, this.buf, 0, Math.min(left, this.buf.length), this.filePos);
      if (got <= 0) return false;
      this.tap?.(this.buf, 0, got);
      this.filePos += got;
      this.base += got;
      left -= got;
    }
    return true;
  }

  /**
   * Stream mode: append a chunk. It is adopted without a copy when nothing is pending and it is
   * large; otherwise appended to the window's own buffer (compacted or grown as needed). The
   * caller must not change `chunk` afterwards.
   */
  push(chunk: Uint8Array): void {
    if (!this.streaming || this.ended) throw new Error(`${this.name}: push on a closed or file window`);
    if (this.pendingSkip > 0) {
      const drop = Math.min(this.pendingSkip, chunk.length);
      this.pendingSkip -= drop;
      this.base += drop;
      chunk = chunk.subarray(drop);
    }
    const n = chunk.length;
    if (n === 0) return;
    const unread = this.end - this.pos;
    if (unread === 0 && n >= ADOPT_MIN) {
      this.base += this.end;
      this.setBuf(chunk);
      this.pos = 0;
      this.end = n;
      this.adopted = true;
      return;
    }
    if (this.adopted || this.end + n > this.buf.length) {
      // Move the unread bytes to the front of an own buffer big enough for them and the chunk.
      const need = unread + n;
      const own = !this.adopted && need <= this.buf.length ? this.buf : new Uint8Array(Math.max(need, Math.min(this.buf.length * 2, 1 << 24), 64 * 1024));
      if (own === this.buf) own.copyWithin(0, this.pos, this.end);
      else own.set(this.buf.subarray(this.pos, this.end), 0);
      this.base += this.pos;
      this.setBuf(own);
      this.pos = 0;
      this.end = unread;
      this.adopted = false;
    }
    this.buf.set(chunk, this.end);
    this.end += n;
  }

  /** Stream mode: no more bytes will come. */
  finishStream(): void {
    if (!this.streaming || this.ended) return;
    this.ended = true;
    this.skipShort = this.pendingSkip;
    this.size = this.base + this.end + this.pendingSkip;
  }

  /**
   * File mode: read the rest of the file (not parsed) through the tap, so a hash covers the
   * whole file even when parsing stopped early. Returns the total bytes read from the file.
   */
  drainToEnd(): number {
    if (this.fd < 0) return this.size;
    if (this.inSlot) {
      this.setBuf(this.own); // a published slot is the hash's
      this.inSlot = false;
    }
    const buf = this.buf.length >= 64 * 1024 ? this.buf : new Uint8Array(64 * 1024);
    this.pos = this.end = 0;
    for (;;) {
      const got = readSync(this.fd, buf, 0, buf.length, this.filePos);
      if (got <= 0) break;
      this.tap?.(buf, 0, got);
      this.filePos += got;
    }
    this.base = this.filePos;
    return this.filePos;
  }

  /** Bytes read from the file so far (file mode). */
  get bytesFromFile(): number {
    return this.filePos;
  }

  private adopted = false;

  private setBuf(b: Uint8Array): void {
    this.buf = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** Stream chunks at least this large are parsed in place (no copy) when nothing is pending. */
const ADOPT_MIN = 16 * 1024;

/** `0x0000abcd`-style hex for messages. */
export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}
