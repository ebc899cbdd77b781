/**
 * One capture input, read once: an InputReader (inputs/input_reader.ts: open, decompress, hash)
 * with the pcap/pcapng reader on its window. The readers are incremental: in stream mode a record
 * that has not fully arrived makes `next()` return false with `waiting` set, and `more()` brings
 * the next chunk.
 *
 * What an input holds is decided by content: compression magic first (the InputReader), then the
 * capture magic here (pcap, pcapng, ETL). An input that is none of them is left `notCapture` with its first
 * bytes in `head()`, so the dispatcher (capture/ingest.ts) can route it to a record reader or skip it.
 */
import { InputReader, SNIFF_BYTES, type InputReaderOptions } from '../inputs/input_reader.js';
import type { InputHash } from '../inputs/input_hash.js';
import { ETL_SNIFF_BYTES, captureFormatAt, headerBytesNeeded, openWindow } from './open_capture.js';
import type { PacketSource, RawPacket } from './source.js';

export type CaptureInputOptions = InputReaderOptions;

export class CaptureInput {
  /** The packet reader once the capture header has been read. */
  reader: PacketSource | null = null;
  /** The content is neither pcap nor pcapng (see head()). */
  notCapture = false;
  readonly input: InputReader;

  private constructor(input: InputReader) {
    this.input = input;
  }

  /** Open a path (`-` = standard input) and read up to the capture header. */
  static async open(path: string, hash: InputHash, opts: CaptureInputOptions = {}): Promise<CaptureInput> {
    return CaptureInput.detect(await InputReader.open(path, hash, opts));
  }

  /** An input read from chunks (stdin, a pipe, a program's stdout, tests). */
  static async fromStream(name: string, chunks: AsyncIterable<Uint8Array>, hash: InputHash): Promise<CaptureInput> {
    return CaptureInput.detect(await InputReader.fromStream(name, chunks, hash));
  }

  /** Read up to the capture header (or enough to say it is not a capture), then open the reader. */
  private static async detect(input: InputReader): Promise<CaptureInput> {
    const c = new CaptureInput(input);
    const w = input.window;
    if (input.fileMode) {
      w.ensure(Math.min(ETL_SNIFF_BYTES, w.size)); // an ETL file is recognised by its first 80 bytes
      if (captureFormatAt(w) === null) {
        w.ensure(Math.min(SNIFF_BYTES, w.size));
        c.notCapture = true;
      } else c.reader = openWindow(w);
      return c;
    }
    for (;;) {
      const have = w.end - w.pos;
      const fmt = have >= 4 ? captureFormatAt(w) : null;
      if (have >= 4 && fmt === null) {
        if (have >= SNIFF_BYTES || !w.waiting) break;
      } else if (have >= headerBytesNeeded(w)) break;
      if (!w.waiting) break;
      await input.more();
    }
    if (input.error && w.end - w.pos < 4) throw input.error;
    if (w.end - w.pos >= 4 && captureFormatAt(w) === null) c.notCapture = true;
    else c.reader = openWindow(w);
    return c;
  }

  get name(): string {
    return this.input.name;
  }
  get origin(): InputReader['origin'] {
    return this.input.origin;
  }
  get compression(): InputReader['compression'] {
    return this.input.compression;
  }
  /** A read or decompression failure that ended the input early (what was read still counts). */
  get error(): Error | null {
    return this.input.error;
  }
  get hash(): InputHash {
    return this.input.hash;
  }
  /** Stored bytes read so far (what the hash covers). */
  get storedBytes(): number {
    return this.input.storedBytes;
  }

  /** True when next() returned false only because the stream has not delivered the bytes yet. */
  get waiting(): boolean {
    return this.reader !== null && this.input.window.waiting;
  }

  /** The next packet, or false (see `waiting`). Throws CaptureFormatError on corruption. */
  next(pkt: RawPacket): boolean {
    return this.reader !== null && this.reader.next(pkt);
  }

  /** Stream mode: bring the next chunk into the window (or mark the end). */
  more(): Promise<void> {
    return this.input.more();
  }

  /** The first bytes of the content (decompressed), at most SNIFF_BYTES: for content checks. */
  head(): Uint8Array {
    return this.input.head();
  }

  /** The whole content (decompressed) from the start, as chunks (see InputReader.contentChunks). */
  contentChunks(): AsyncGenerator<Uint8Array> {
    return this.input.contentChunks();
  }

  /** Read the rest through the hash, close, and return the SHA-256 of every stored byte. */
  async finish(): Promise<string> {
    const digest = await this.input.finish();
    if (this.reader) this.reader.info.fileSize = this.input.storedBytes;
    return digest;
  }

  close(): void {
    this.input.close();
  }
}
