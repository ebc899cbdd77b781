/**
 * Lines framed out of the chunks of a flow log (LF or CRLF) in one reused buffer, keeping a line
 * that straddles chunks (up to MAX_LINE_BYTES; a longer one is reported and skipped): the serial
 * file reader's framer (log_file.ts), also used by the parallel reader for a line longer than its
 * units (conn_parallel.ts).
 */
import { type LineFeeder, MAX_LINE_BYTES } from './line_feeder.js';

/** Bytes read at a time (space() has at least this many free). */
export const CHUNK = 1 << 20;

/** Frames lines out of chunks, keeping a line that straddles chunks (up to MAX_LINE_BYTES). */
export class LineFramer {
  private buf = Buffer.allocUnsafe(CHUNK);
  private len = 0;
  private skipping = false;

  constructor(
    private readonly feed: LineFeeder,
    private no = 1,
  ) {}

  /** Where the next read goes (at least CHUNK bytes free). */
  space(): Buffer {
    if (this.buf.length - this.len < CHUNK) {
      const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + CHUNK));
      this.buf.copy(b, 0, 0, this.len);
      this.buf = b;
    }
    return this.buf.subarray(this.len);
  }

  /** `n` bytes were written at space(): frame the complete lines. */
  wrote(n: number): void {
    this.len += n;
    const buf = this.buf;
    let s = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, s);
      if (nl < 0 || nl >= this.len) break;
      if (this.skipping) this.skipping = false;
      else this.feed.line(buf, s, nl, this.no);
      this.no++;
      s = nl + 1;
    }
    buf.copyWithin(0, s, this.len);
    this.len -= s;
    if (this.len > MAX_LINE_BYTES) {
      if (!this.skipping) this.feed.tooLong(this.no);
      this.skipping = true;
      this.len = 0;
      this.buf = Buffer.allocUnsafe(CHUNK);
    }
  }

  /**
   * `n` bytes read elsewhere (a slot of the hash ring, read in place): the complete lines are framed
   * where they are; a line begun before `buf` is completed in this framer's buffer, and the
   * unfinished last line is copied there for the next call.
   */
  external(buf: Buffer, n: number): void {
    let s = 0;
    if (this.len > 0 || this.skipping) {
      const nl = buf.indexOf(0x0a);
      const end = nl < 0 || nl >= n ? n : nl;
      this.keep(buf, 0, end);
      if (end === n) return;
      if (this.skipping) this.skipping = false;
      else this.feed.line(this.buf, 0, this.len, this.no);
      this.no++;
      this.len = 0;
      s = end + 1;
    }
    for (;;) {
      const nl = buf.indexOf(0x0a, s);
      if (nl < 0 || nl >= n) break;
      this.feed.line(buf, s, nl, this.no);
      this.no++;
      s = nl + 1;
    }
    if (s < n) this.keep(buf, s, n);
  }

  /** Append buf[s, e) to the unfinished line (or drop it while skipping a line over MAX_LINE_BYTES). */
  private keep(buf: Uint8Array, s: number, e: number): void {
    if (this.skipping) return;
    if (this.len + (e - s) > MAX_LINE_BYTES) {
      this.feed.tooLong(this.no);
      this.skipping = true;
      this.len = 0;
      this.buf = Buffer.allocUnsafe(CHUNK);
      return;
    }
    if (this.buf.length - this.len < e - s) {
      const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + (e - s)));
      this.buf.copy(b, 0, 0, this.len);
      this.buf = b;
    }
    this.buf.set(buf.subarray(s, e), this.len);
    this.len += e - s;
  }

  end(): void {
    if (this.len > 0 && !this.skipping) this.feed.line(this.buf, 0, this.len, this.no);
    this.len = 0;
    this.feed.end();
  }
}

