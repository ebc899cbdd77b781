/**
 * Frames the bytes of one followed file into complete lines, a chunk at a time, holding back a
 * partial last line until its end arrives (a row split across two writes of the sensor). Bounded:
 * the held-back bytes never exceed `maxLine`; a longer line is skipped to its end and counted once
 * (`overlong`), never buffered. A trailing CR (CRLF files, Windows) is dropped from each line.
 *
 * The framer knows byte offsets: `consumed` is the file offset just after the last line ended (what
 * a checkpoint may record: resuming there re-reads the held-back partial line, nothing is lost).
 */
import { MAX_LINE_BYTES } from '../../records/log_file.js';

/** What framing one chunk produced: lines, cut into runs at each skipped overlong line. */
export interface FramedRun {
  lines: string[];
  /** 1-based number of lines[0] (or of the line after the run when it is empty). */
  firstLineNo: number;
  /** Overlong lines skipped just before this run. */
  overlong: number;
  /** File offset after the last line of this run (a checkpoint may resume there). */
  endOffset: number;
  /** Lines ended in the file once this run is consumed (the last line number). */
  endLineNo: number;
}

export class LineFramer {
  private held: Buffer[] = [];
  private heldLen = 0;
  /** Inside an overlong line: its bytes are being skipped until the next LF. */
  skipping = false;
  /** File offset just after the last line that ended (consumed). */
  consumed: number;
  /** Number of lines that ended so far (the last consumed line's number). */
  lineNo: number;

  constructor(
    offset: number,
    lineNo: number,
    skipping = false,
    private readonly maxLine = MAX_LINE_BYTES,
  ) {
    this.consumed = offset;
    this.lineNo = lineNo;
    this.skipping = skipping;
  }

  /** Bytes held back (a partial last line) not yet part of any line. */
  get pending(): number {
    return this.heldLen;
  }

  /** Frames `buf[0..n)`, read from the file just after everything given before. */
  push(buf: Buffer, n: number): FramedRun[] {
    const runs: FramedRun[] = [];
    let run = this.newRun(0);
    let start = 0;
    let readBase = this.consumed + this.heldLen; // file offset of buf[0]
    if (this.skipping) readBase = this.consumed; // skipped bytes were counted into consumed
    for (let i = buf.indexOf(0x0a, 0); i !== -1 && i < n; i = buf.indexOf(0x0a, start)) {
      const lineEnd = readBase + i + 1;
      if (this.skipping) {
        this.skipping = false;
        this.lineNo++;
        this.consumed = lineEnd;
        runs.push(run);
        run = this.newRun(1);
      } else if (this.heldLen + (i - start) > this.maxLine) {
        this.dropHeld();
        this.lineNo++;
        this.consumed = lineEnd;
        runs.push(run);
        run = this.newRun(1);
      } else {
        run.lines.push(this.text(buf, start, i));
        this.lineNo++;
        this.consumed = lineEnd;
      }
      run.endOffset = this.consumed;
      run.endLineNo = this.lineNo;
      start = i + 1;
    }
    this.hold(buf, start, n, readBase);
    runs.push(run);
    return runs.filter((r) => r.lines.length > 0 || r.overlong > 0);
  }

  /** The held-back partial line as a last line (a rotated file that will never grow again). */
  flushPartial(): FramedRun | null {
    if (this.skipping) {
      this.skipping = false;
      this.lineNo++;
      return { lines: [], firstLineNo: this.lineNo + 1, overlong: 1, endOffset: this.consumed, endLineNo: this.lineNo };
    }
    if (this.heldLen === 0) return null;
    this.consumed += this.heldLen;
    const line = this.text(Buffer.alloc(0), 0, 0); // the held bytes are the whole line
    this.lineNo++;
    return { lines: [line], firstLineNo: this.lineNo, overlong: 0, endOffset: this.consumed, endLineNo: this.lineNo };
  }

  private newRun(overlong: number): FramedRun {
    return { lines: [], firstLineNo: this.lineNo + 1, overlong, endOffset: this.consumed, endLineNo: this.lineNo };
  }

  /** Keeps buf[start..n) for the next chunk, or starts skipping when the line is already too long. */
  private hold(buf: Buffer, start: number, n: number, readBase: number): void {
    if (start >= n) return;
    if (this.skipping) {
      this.consumed = readBase + n;
      return;
    }
    if (this.heldLen + (n - start) > this.maxLine) {
      this.consumed += this.heldLen + (n - start);
      this.dropHeld();
      this.skipping = true;
      return;
    }
    this.held.push(Buffer.from(buf.subarray(start, n)));
    this.heldLen += n - start;
  }

  private dropHeld(): void {
    this.held = [];
    this.heldLen = 0;
  }

  /** The line ending at buf[end] (LF excluded), with any held-back start and a trailing CR dropped. */
  private text(buf: Buffer, start: number, end: number): string {
    let bytes = buf.subarray(start, end);
    if (this.heldLen > 0) {
      bytes = Buffer.concat([...this.held, bytes]);
      this.dropHeld();
    }
    const e = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return bytes.toString('utf8', 0, e);
  }
}
