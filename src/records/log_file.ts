/**
 * One read of a flow-log file: every chunk read is given to the input's hash and then parsed, so
 * the SHA-256 in the evidence is of the bytes the records came from, and the path is opened once
 * for both (as the capture readers do). Lines are framed on the bytes (LF or CRLF) in one reused
 * buffer; a Zeek conn.log TSV row is read straight from its bytes (zeek_tsv_bytes.ts) when it is
 * in plain form, and every other line goes through the string parser (RecordLogReader.line).
 * JSON logs are framed into objects (json_frames.ts: one per line, several per line, or
 * pretty-printed). A gzip file is inflated as a stream: each compressed chunk read is hashed, then
 * inflated in pieces of GZIP_PIECE bytes, and the inflated chunks are framed as they come, so
 * neither the file nor its text is ever whole in memory (a gzip bomb inflates at most ~1,000× one
 * piece before the framer takes it).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { InputHash } from '../inputs/input_hash.js';
import type { BufferRing } from '../inputs/chunked_file.js';
import { InputError, messageOf } from '../errors.js';
import type { InputSummary } from '../capture/ingest.js';
import type { RecordLogFormat } from '../inputs/record_input.js';
import { gunzipChunks } from '../inputs/compression.js';
import type { RecordCollector } from './collector.js';
import { emptyRecord, type FlowRecord } from './flow_record.js';
import { JsonFramer } from './json_frames.js';
import { isGzip } from './line_reader.js';
import { RecordLogReader } from './read_log.js';
import { ZeekTsvBytes } from './zeek_tsv_bytes.js';

const CHUNK = 1 << 20;
/** A line longer than this is malformed (skipped up to its end): memory stays bounded. */
export const MAX_LINE_BYTES = 16 << 20;

/** Feeds framed lines of one log to its reader: the byte path for plain Zeek TSV rows, strings otherwise. */
class LineFeeder {
  private fast: ZeekTsvBytes | null = null;
  private headerSeen = false;
  private readonly rec: FlowRecord = emptyRecord();
  private readonly json: JsonFramer | null;

  constructor(
    private readonly reader: RecordLogReader,
    private readonly byBytes: boolean,
    format: RecordLogFormat,
  ) {
    const zeekTsv = format === 'zeek-conn-tsv' || format === 'zeek-ssl' || format === 'zeek-dns';
    this.json = zeekTsv
      ? null
      : new JsonFramer({
          object: (text, no) => reader.line(text, no),
          other: (text, no) => reader.line(text, no),
          bad: (no, message) => reader.malformed(no, message),
        });
  }

  line(buf: Buffer, s: number, e: number, no: number): void {
    if (e > s && buf[e - 1] === 0x0d) e--;
    if (this.json) return this.json.line(buf, s, e, no);
    if (this.byBytes && e > s && buf[s] !== 0x23 /* # */ && buf[s] !== 0x7b /* { */) {
      if (this.headerSeen) {
        this.headerSeen = false;
        this.fast = ZeekTsvBytes.forHeader(this.reader.zeekHeader);
      }
      if (this.fast && this.reader.zeekPathMatches()) {
        resetRecord(this.rec);
        if (this.fast.read(buf, s, e, this.rec)) return this.reader.takeRow(this.rec, no, this.fast.orig, this.fast.resp);
      }
    } else if (e > s) this.headerSeen = true;
    this.reader.line(buf.toString('utf8', s, e), no);
  }

  tooLong(no: number): void {
    this.reader.malformed(no, `line longer than ${MAX_LINE_BYTES} bytes`);
  }

  end(): void {
    this.json?.end();
  }
}

function resetRecord(r: FlowRecord): void {
  r.ipProto = 0;
  r.origPort = 0;
  r.respPort = 0;
  r.origPkts = 0;
  r.respPkts = 0;
  r.origBytes = 0;
  r.respBytes = 0;
  r.byteBasis = 'frame';
  r.firstSeen = NaN;
  r.lastSeen = NaN;
  r.state = null;
  r.origEvents = null;
  r.respEvents = null;
  r.respSentFirst = false;
  r.history = '';
  r.icmpType = -1;
  r.icmpCode = -1;
}

/** Frames lines out of chunks, keeping a line that straddles chunks (up to MAX_LINE_BYTES). */
class LineFramer {
  private buf = Buffer.allocUnsafe(CHUNK);
  private len = 0;
  private no = 1;
  private skipping = false;

  constructor(private readonly feed: LineFeeder) {}

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

/** Compressed bytes handed to inflate at a time (bounds what one piece can inflate to). */
const GZIP_PIECE = 16 << 10;

/** Read a flow log file once: hash every byte read, parse the same bytes into `into`. */
export async function readRecordLogFile(path: string, format: RecordLogFormat, into: RecordCollector, hash: InputHash): Promise<InputSummary> {
  const reader = new RecordLogReader(path, format, into);
  const byBytes = format === 'zeek-conn-tsv' && into.tuples !== null && into.sslNames.size === 0;
  const framer = new LineFramer(new LineFeeder(reader, byBytes, format));
  let fd = -1;
  try {
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(`${path}: cannot open flow log: ${messageOf(e)}`);
    }
    let space = framer.space();
    let n = readSync(fd, space, 0, CHUNK, null);
    if (isGzip(space.subarray(0, n))) await inflateInto(fd, Buffer.from(space.subarray(0, n)), framer, hash, path);
    else {
      if (n > 0) {
        hash.update(space, 0, n);
        framer.wrote(n);
        if (hash.ring) readInRing(fd, hash.ring, framer);
        space = framer.space();
        n = readSync(fd, space, 0, CHUNK, null);
      }
      while (n > 0) {
        hash.update(space, 0, n);
        framer.wrote(n);
        space = framer.space();
        n = readSync(fd, space, 0, CHUNK, null);
      }
    }
    framer.end();
  } catch (e) {
    reader.fail(e);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return reader.finish();
}

/**
 * The rest of a plain file read straight into the hash ring's slots (one input only: HashService
 * readInPlace): each slot is handed to the hash worker as soon as it is read and parsed in place
 * meanwhile, so the bytes are neither copied for the hash nor left the CPU cache between the two.
 * Returns at the end of the file, or when the ring has no slot to lend (then the caller reads on
 * into its own buffer).
 */
function readInRing(fd: number, ring: BufferRing, framer: LineFramer): void {
  for (;;) {
    const slot = ring.acquire();
    if (!slot) return;
    const n = readSync(fd, slot, 0, slot.length, null);
    ring.publish(slot, 0, Math.max(n, 0));
    if (n <= 0) return;
    framer.external(Buffer.from(slot.buffer, slot.byteOffset, n), n);
  }
}

/**
 * A gzip file, streamed: `first` (already read) and the rest of the file are hashed as read and
 * inflated piece by piece; each inflated chunk goes to the framer. A damaged stream stops the parse
 * (what was parsed stays) but the rest of the file is still read into the hash, so the SHA-256 is of
 * the whole file as stored.
 */
async function inflateInto(fd: number, first: Buffer, framer: LineFramer, hash: InputHash, path: string): Promise<void> {
  let block: Buffer = first;
  let at = 0;
  hash.update(first, 0, first.length);
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    if (at >= block.length) {
      block = Buffer.allocUnsafe(CHUNK); // a new block: inflate may still hold the previous one
      const n = readSync(fd, block, 0, CHUNK, null);
      if (n <= 0) return { done: true, value: undefined };
      hash.update(block, 0, n);
      block = block.subarray(0, n);
      at = 0;
    }
    const piece = block.subarray(at, Math.min(at + GZIP_PIECE, block.length));
    at += piece.length;
    return { done: false, value: piece };
  };
  try {
    for await (const text of gunzipChunks(next)) {
      for (let off = 0; off < text.length; off += CHUNK) {
        const k = Math.min(CHUNK, text.length - off);
        framer.space().set(text.subarray(off, off + k));
        framer.wrote(k);
      }
    }
  } catch (e) {
    while (!(await next()).done); // the rest of the file, for the hash
    throw new InputError(`${path}: cannot decompress gzip flow log: ${messageOf(e)}`);
  }
}
