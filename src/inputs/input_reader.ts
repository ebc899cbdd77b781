/**
 * One input, read once: the single reader that feeds both a parser and the SHA-256 of the input
 * as stored. Every byte obtained from the file, pipe or program passes the hash tap exactly once,
 * in order; nothing opens the path a second time.
 *
 * Two modes:
 * - file: a regular, uncompressed file is read synchronously into one reused buffer (ByteWindow
 *   file mode; the tap sees each `readSync`), the fast path;
 * - stream: stdin (`-`), FIFOs, /dev/stdin, process substitution, capture programs' stdout, and
 *   every compressed input. Chunks (of any size, down to one byte) are pushed into a stream
 *   window; `more()` brings the next one.
 *
 * Compression is decided by content (magic bytes): gzip is decompressed as a stream; the hash
 * covers the compressed bytes as stored. What the content is (pcap, pcapng, a flow log) is for
 * the layer that reads it: capture/capture_input.ts sniffs the capture magic on `window`.
 */
import { closeSync, createReadStream, fstatSync, openSync, read } from 'node:fs';
import { FlowauditError, InputError, CaptureFormatError, messageOf } from '../errors.js';
import { ByteWindow, DEFAULT_CHUNK_SIZE } from './chunked_file.js';
import { COMPRESSION_MAGIC_BYTES, compressionOf, gunzipChunks, unsupportedCompression, type Compression } from './compression.js';
import type { InputHash } from './input_hash.js';

/** Bytes of a content gathered for a content check (record logs, notes). */
export const SNIFF_BYTES = 4096;
const STREAM_READ_BYTES = 1 << 20;

export interface InputReaderOptions {
  chunkSize?: number;
  /** What `-` reads (default: process.stdin). */
  stdin?: () => AsyncIterable<Uint8Array>;
}

export type Pull = () => Promise<IteratorResult<Uint8Array>>;

export class InputReader {
  readonly name: string;
  /** 'file' for a regular file, 'stream' for stdin, pipes, devices and program output. */
  origin: 'file' | 'stream' = 'file';
  compression: Compression | null = null;
  /** A read or decompression failure that ended the input early (what was read still counts). */
  error: Error | null = null;
  readonly hash: InputHash;
  private w: ByteWindow;
  /** Stream mode: the next chunk of content (decompressed); and the tapped stored-bytes iterator. */
  private content: Pull | null = null;
  private raw: Pull | null = null;
  private rawDone = false;
  private fd = -1;
  private storedFromStream = 0;
  private prefixStored = 0;
  private storedAtClose = -1;

  private constructor(name: string, hash: InputHash, w: ByteWindow) {
    this.name = name;
    this.hash = hash;
    this.w = w;
  }

  /** Open a path (`-` = standard input) and read its first bytes (compression sniffed). */
  static async open(path: string, hash: InputHash, opts: InputReaderOptions = {}): Promise<InputReader> {
    if (path === '-') {
      const src = (opts.stdin ?? (() => process.stdin))();
      return InputReader.fromStream('-', src, hash);
    }
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(`${path}: cannot open capture: ${messageOf(e)}`);
    }
    let regular: boolean;
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new InputError(`${path}: is a directory`);
      regular = st.isFile();
    } catch (e) {
      closeSync(fd);
      throw e instanceof FlowauditError ? e : new InputError(`${path}: cannot stat capture: ${messageOf(e)}`);
    }
    if (!regular) {
      const stream = createReadStream('', { fd, highWaterMark: STREAM_READ_BYTES });
      return InputReader.fromStream(path, stream, hash);
    }
    const w = ByteWindow.fromFd(fd, path, opts.chunkSize ?? DEFAULT_CHUNK_SIZE, (b, s, n) => hash.update(b, s, n), hash.ring ?? null);
    const input = new InputReader(path, hash, w);
    input.fd = fd;
    w.ensure(Math.min(COMPRESSION_MAGIC_BYTES, w.size));
    const c = compressionOf(w.buf.subarray(w.pos, w.end));
    if (c !== null) {
      // Compressed file: continue as a stream over the same descriptor (the bytes already read
      // were hashed by the window's tap and go first, unhashed).
      const first = w.buf.slice(0, w.end);
      input.prefixStored = w.bytesFromFile;
      const rest = readFdFrom(fd, w.bytesFromFile);
      let gaveFirst = first.length === 0;
      const rawTapped = input.tap(rest);
      await input.startStream(async () => {
        if (!gaveFirst) {
          gaveFirst = true;
          return { done: false, value: first };
        }
        return rawTapped();
      }, rawTapped);
      return input;
    }
    return input;
  }

  /** An input read from chunks (stdin, a pipe, a program's stdout, tests). */
  static async fromStream(name: string, chunks: AsyncIterable<Uint8Array>, hash: InputHash): Promise<InputReader> {
    const input = new InputReader(name, hash, ByteWindow.forStream(name));
    input.origin = 'stream';
    const it = chunks[Symbol.asyncIterator]();
    const raw = input.tap(() => it.next());
    await input.startStream(raw, raw);
    return input;
  }

  /** Stored bytes read so far (what the hash covers). */
  get storedBytes(): number {
    if (this.storedAtClose >= 0) return this.storedAtClose;
    return this.fileMode ? this.w.bytesFromFile : this.prefixStored + this.storedFromStream;
  }

  /** The window over the content (decompressed) that a parser reads from. */
  get window(): ByteWindow {
    return this.w;
  }

  /** File mode: a regular uncompressed file read synchronously (ByteWindow.ensure); else stream mode (`more()`). */
  get fileMode(): boolean {
    return this.fd >= 0 && this.raw === null;
  }

  /** Stream mode: bring the next chunk into the window (or mark the end). */
  async more(): Promise<void> {
    if (this.content === null || !this.w.waiting) return;
    let r: IteratorResult<Uint8Array>;
    try {
      r = await this.content();
    } catch (e) {
      this.error = this.readError(e);
      this.w.finishStream();
      return;
    }
    if (r.done) this.w.finishStream();
    else this.w.push(r.value);
  }

  /** The first bytes of the content (decompressed), at most SNIFF_BYTES: for content checks. */
  head(): Uint8Array {
    return this.w.buf.subarray(this.w.pos, Math.min(this.w.end, this.w.pos + SNIFF_BYTES));
  }

  /**
   * The whole content (decompressed) from the start, as chunks: for a record reader that takes
   * over a non-capture input. The hash keeps covering what is read.
   */
  async *contentChunks(): AsyncGenerator<Uint8Array> {
    const w = this.w;
    if (w.end > w.pos) yield w.buf.slice(w.pos, w.end);
    w.pos = w.end;
    if (this.content !== null) {
      for (;;) {
        const r = await this.content();
        if (r.done) return;
        yield r.value;
      }
    }
    if (this.fd >= 0) {
      const it = readFdFrom(this.fd, w.bytesFromFile);
      for (;;) {
        const r = await it();
        if (r.done) return;
        this.hash.update(r.value, 0, r.value.length);
        yield r.value;
      }
    }
  }

  /**
   * Read what is left of the input as stored (unparsed) through the hash, close it, and return
   * the SHA-256 of every stored byte.
   */
  async finish(): Promise<string> {
    try {
      if (this.raw !== null) {
        while (!this.rawDone) {
          try {
            const r = await this.raw();
            if (r.done) break;
          } catch (e) {
            this.error ??= this.readError(e);
            break;
          }
        }
      } else {
        this.w.drainToEnd();
      }
    } finally {
      this.close();
    }
    return this.hash.digest();
  }

  close(): void {
    if (this.storedAtClose < 0) this.storedAtClose = this.storedBytes;
    this.w.close(); // closes the file descriptor in file mode
    if (this.fd >= 0 && this.raw !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.fd = -1;
  }

  /** Wrap a stored-bytes iterator so that every chunk passes the hash tap once. */
  private tap(src: Pull): Pull {
    return async () => {
      if (this.rawDone) return { done: true, value: undefined };
      const r = await src();
      if (r.done) this.rawDone = true;
      else {
        this.hash.update(r.value, 0, r.value.length);
        this.storedFromStream += r.value.length;
      }
      return r;
    };
  }

  /** Stream mode: sniff compression on the first stored bytes and set up the content. */
  private async startStream(rawFirst: Pull, rawTapped: Pull): Promise<void> {
    this.raw = rawTapped;
    this.origin = this.fd >= 0 ? 'file' : 'stream';
    if (!this.w.waiting) this.w = ByteWindow.forStream(this.name);
    // Gather the first stored bytes (they may arrive one at a time).
    const headChunks: Uint8Array[] = [];
    let headLen = 0;
    let rawEnded = false;
    while (headLen < COMPRESSION_MAGIC_BYTES) {
      const r = await rawFirst();
      if (r.done) {
        rawEnded = true;
        break;
      }
      headChunks.push(r.value);
      headLen += r.value.length;
    }
    const head = new Uint8Array(headLen);
    let off = 0;
    for (const c of headChunks) {
      head.set(c, off);
      off += c.length;
    }
    let replayed = false;
    const stored: Pull = async () => {
      if (!replayed) {
        replayed = true;
        if (head.length > 0) return { done: false, value: head };
      }
      if (rawEnded) return { done: true, value: undefined };
      return rawFirst();
    };
    const c = compressionOf(head);
    if (c !== null && c !== 'gzip') throw unsupportedCompression(this.name, c);
    this.compression = c;
    if (c === 'gzip') {
      const gen = gunzipChunks(stored);
      this.content = () => gen.next();
    } else {
      this.content = stored;
    }
  }

  private readError(e: unknown): Error {
    if (e instanceof FlowauditError) return e;
    const msg = messageOf(e);
    const where = this.w.offset();
    if (this.compression === 'gzip') {
      return new CaptureFormatError(this.name, where, `gzip data ends or is corrupt after ${where} decompressed bytes (${msg}); the packets before it are counted`);
    }
    return new InputError(`${this.name}: read error after ${this.storedBytes} bytes: ${msg}`);
  }
}

/** Read an open file from `pos` to its end, asynchronously, in fresh 1 MiB chunks. */
function readFdFrom(fd: number, pos: number): Pull {
  let at = pos;
  return () =>
    new Promise((resolve, reject) => {
      const buf = Buffer.allocUnsafe(STREAM_READ_BYTES);
      read(fd, buf, 0, buf.length, at, (err, n) => {
        if (err) return reject(err);
        if (n <= 0) return resolve({ done: true, value: undefined });
        at += n;
        resolve({ done: false, value: buf.subarray(0, n) });
      });
    });
}
