/**
 * JSON objects out of a log's lines, whatever the layout: one object per line (Zeek JSON, Suricata
 * eve as written by default), several on one line (`{..}{..}` or `{..},{..}`), one object spread
 * over many lines (pretty-printed, as `jq .` or some tools write eve), or a JSON array of objects
 * (`[`, `,`, `]` between objects are skipped). Objects are found by brace depth outside strings,
 * on the bytes; each object is decoded (UTF-8) once, for JSON.parse.
 *
 * A cut object (a truncated line, a writer killed mid-object) must not swallow the objects after
 * it: an object still open when a line starts with `{` in its first column ends there as malformed
 * (pretty printers indent nested objects), and an object longer than MAX_OBJECT_BYTES is dropped
 * as malformed (memory stays bounded).
 */

export const MAX_OBJECT_BYTES = 16 << 20;

export interface JsonSink {
  /** A complete object's text, with the line it starts on. */
  object(text: string, line: number): void;
  /** A line (or the rest of one) that is not part of an object: header, comment or junk. */
  other(text: string, line: number): void;
  /** A malformed object (cut, or too long), by the line it starts on. */
  bad(line: number, message: string): void;
}

export class JsonFramer {
  private depth = 0;
  private inString = false;
  private escape = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private startLine = 0;
  private tooLong = false;

  constructor(private readonly sink: JsonSink) {}

  /** One line buf[s, e) (no line end), numbered `no`. */
  line(buf: Buffer, s: number, e: number, no: number): void {
    if (this.depth > 0 && buf[s] === 0x7b) this.cut('incomplete JSON object (the next object starts before it ends)');
    let i = s;
    let objStart = this.depth > 0 ? s : -1;
    while (i < e) {
      if (this.depth === 0) {
        const c = buf[i]!;
        if (c === 0x20 || c === 0x09 || c === 0x2c || c === 0x5b || c === 0x5d || c === 0x0d) {
          i++;
          continue;
        }
        if (c !== 0x7b) {
          this.sink.other(buf.toString('utf8', i, e), no);
          return;
        }
        objStart = i;
        this.startLine = no;
      }
      i = this.scan(buf, i, e);
      if (this.depth === 0) {
        this.emit(buf, objStart, i);
        objStart = -1;
      }
    }
    if (this.depth > 0 && objStart >= 0) this.keep(buf, objStart, e);
  }

  /** End of input: an object still open is malformed. */
  end(): void {
    if (this.depth > 0) this.cut('incomplete JSON object at the end of the input');
  }

  /** Advance through buf[i, e) tracking depth; returns where the object closed (depth 0) or e. */
  private scan(buf: Buffer, i: number, e: number): number {
    let depth = this.depth;
    let inString = this.inString;
    let esc = this.escape;
    for (; i < e; i++) {
      const c = buf[i]!;
      if (inString) {
        if (esc) esc = false;
        else if (c === 0x5c) esc = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escape = esc;
    return i;
  }

  private keep(buf: Buffer, s: number, e: number): void {
    if (this.tooLong) return;
    this.pendingBytes += e - s + 1;
    if (this.pendingBytes > MAX_OBJECT_BYTES) {
      this.tooLong = true;
      this.pending = [];
      return;
    }
    this.pending.push(Buffer.from(buf.subarray(s, e)), NEWLINE);
  }

  private emit(buf: Buffer, s: number, e: number): void {
    if (this.tooLong) {
      this.sink.bad(this.startLine, `JSON object longer than ${MAX_OBJECT_BYTES} bytes`);
    } else if (this.pending.length === 0) {
      this.sink.object(buf.toString('utf8', s, e), this.startLine);
    } else {
      this.pending.push(buf.subarray(s, e));
      this.sink.object(Buffer.concat(this.pending).toString('utf8'), this.startLine);
    }
    this.reset();
  }

  private cut(message: string): void {
    this.sink.bad(this.startLine, message);
    this.reset();
  }

  private reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.pending = [];
    this.pendingBytes = 0;
    this.tooLong = false;
  }
}

const NEWLINE = Buffer.from('\n');
