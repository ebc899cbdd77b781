/**
 * Framed lines of one flow log → its reader: a plain Zeek conn.log TSV row is read straight from
 * its bytes (zeek_tsv_bytes.ts), every other line through the string parser (RecordLogReader.line),
 * JSON logs through the object framer (json_frames.ts). Used by the file reader (log_file.ts) and
 * by the parallel conn.log reader and its worker (conn_parallel.ts, conn_worker.ts).
 */
import type { RecordLogFormat } from '../inputs/record_input.js';
import { emptyRecord, type FlowRecord } from './flow_record.js';
import { JsonFramer } from './json_frames.js';
import type { RecordLogReader } from './read_log.js';
import type { ZeekHeaderState } from './zeek_row.js';
import { ZeekTsvBytes } from './zeek_tsv_bytes.js';

/** A line longer than this is malformed (skipped up to its end): memory stays bounded. */
export const MAX_LINE_BYTES = 16 << 20;

/** Feeds framed lines of one log to its reader: the byte path for plain Zeek TSV rows, strings otherwise. */
export class LineFeeder {
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

  /** The reader's Zeek header state (for the parse worker). */
  headerState(): ZeekHeaderState {
    return this.reader.zeekHeader.snapshot();
  }

  /** The reader's Zeek header was set from elsewhere (ZeekTsvHeader.restore): follow it from the next row. */
  headerChanged(): void {
    this.headerSeen = true;
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

