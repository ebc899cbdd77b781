/**
 * One open log file being followed: its descriptor (kept open, so a file renamed or deleted by the
 * sensor is still read to its end), its identity, the line framer and the head hash a checkpoint
 * records. Reads go through one shared chunk buffer, so memory does not grow with the file.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError, messageOf } from '../../errors.js';
import { type FileId, HEAD_BYTES, headSha256, statFd } from './file_identity.js';
import type { FramedRun } from './line_framer.js';
import { LineFramer } from './line_framer.js';

export const CHUNK = 1 << 20;

/** Leading `#` lines kept for a batch that starts mid-file (Zeek's #fields header): bounded. */
const MAX_HEADER_LINES = 64;
const MAX_HEADER_BYTES = 64 << 10;

export class OpenLog {
  readonly fd: number;
  readonly id: FileId;
  framer: LineFramer;
  /** Hash of the first min(consumed, HEAD_BYTES) bytes, and that length. */
  head = '';
  headLen = -1;
  /** File size seen at the last poll (to notice growth, truncation, a file that stopped growing). */
  lastSize = 0;
  mtimeMs = 0;
  /** The first batch of this file is still to come. */
  isNew: boolean;
  /** The header lines to hand out with the first batch (the file was opened mid-way). */
  header: string[] | undefined;
  truncated = false;
  /** The live name points to another file: this file's size when that was seen (-1: not seen). */
  rotatedSize = -1;

  constructor(
    /** The file's name: where it was opened, or its rotated name once the follower has seen it renamed. */
    public path: string,
    offset: number,
    lineNo: number,
    readonly noInode: boolean,
    skipping = false,
  ) {
    this.fd = openSync(path, 'r');
    const st = statFd(this.fd, noInode);
    this.id = { dev: st.dev, ino: st.ino, key: st.key };
    this.lastSize = st.size;
    this.mtimeMs = st.mtimeMs;
    this.framer = new LineFramer(offset, lineNo, skipping);
    this.isNew = offset === 0;
    if (offset > 0) this.header = this.readHeader(offset);
    this.refreshHead();
  }

  /** Bytes read from the file so far (consumed lines plus a held-back partial one). */
  get readOffset(): number {
    return this.framer.skipping ? this.framer.consumed : this.framer.consumed + this.framer.pending;
  }

  /** Keeps the head hash in step with what was consumed (it stops changing past HEAD_BYTES). */
  refreshHead(): void {
    const len = Math.min(this.framer.consumed, HEAD_BYTES);
    if (len === this.headLen) return;
    this.head = headSha256(this.fd, len);
    this.headLen = len;
  }

  /** True when the first consumed bytes are no longer what they were (the file was rewritten in place). */
  headChanged(): boolean {
    return this.headLen > 0 && headSha256(this.fd, this.headLen) !== this.head;
  }

  /** Starts again at offset 0 (copytruncate, or a file rewritten in place). */
  restart(): void {
    this.framer = new LineFramer(0, 0);
    this.isNew = true;
    this.truncated = true;
    this.header = undefined;
    this.headLen = -1;
    this.refreshHead();
  }

  /** Reads one chunk from the read offset; the framed runs, or null at end of file. */
  readChunk(buf: Buffer): FramedRun[] | null {
    const at = this.readOffset;
    let n: number;
    try {
      n = readSync(this.fd, buf, 0, buf.length, at);
    } catch (e) {
      throw new InputError(`${this.path}: cannot read the followed log at byte offset ${at}: ${messageOf(e)}`, at);
    }
    if (n === 0) return null;
    const runs = this.framer.push(buf, n);
    this.refreshHead();
    return runs;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }

  /** The leading `#` lines of the file before `offset` (bounded), for a reader resuming mid-file. */
  readHeader(offset: number): string[] | undefined {
    const len = Math.min(offset, MAX_HEADER_BYTES);
    const buf = Buffer.alloc(len);
    const n = readSync(this.fd, buf, 0, len, 0);
    const lines: string[] = [];
    let start = 0;
    while (start < n && buf[start] === 0x23 /* # */ && lines.length < MAX_HEADER_LINES) {
      const lf = buf.indexOf(0x0a, start);
      if (lf === -1 || lf >= n) break;
      const end = lf > start && buf[lf - 1] === 0x0d ? lf - 1 : lf;
      lines.push(buf.toString('utf8', start, end));
      start = lf + 1;
    }
    return lines.length > 0 ? lines : undefined;
  }
}

/**
 * Opens a log to follow; null when it vanished between listing and opening (a rotation or a
 * retention sweep racing the poll: the next poll sees the directory as it is then). Any other
 * failure (no permission) is an InputError naming the file.
 */
export function openLog(path: string, offset: number, lineNo: number, noInode: boolean, skipping = false): OpenLog | null {
  try {
    return new OpenLog(path, offset, lineNo, noInode, skipping);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot open the log to follow: ${messageOf(e)}`);
  }
}
