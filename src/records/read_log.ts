/**
 * Read one flow log into a RecordCollector: every line is a record, a header, or a malformed line
 * (counted with its line number, never fatal). The returned summary is an InputSummary like a
 * capture's, with `records` saying what was read, ignored, malformed and unavailable.
 */
import type { InputSummary } from '../capture/ingest.js';
import type { ByteBasis, RecordInputInfo, RecordLogFormat, UnavailableFact } from '../inputs/record_input.js';
import { FlowauditError, messageOf } from '../errors.js';
import type { RecordCollector, RecordGroup } from './collector.js';
import type { FlowRecord } from './flow_record.js';
import { flowauditFlowRecord } from './flowaudit_flows.js';
import { forEachLineOfText } from './line_reader.js';
import { suricataEveRecord } from './suricata_eve.js';
import { zeekConnRecord } from './zeek_conn.js';
import { zeekDnsAnswers, zeekSslName } from './zeek_names.js';
import { JsonRow, ZeekTsvHeader, type ZeekRow } from './zeek_row.js';

const MAX_PROBLEMS = 5;

/** What each format cannot carry (a Zeek conn.log loses SNI/DNS only until its ssl.log/dns.log is read). */
export function unavailableFor(format: RecordLogFormat, companions: RecordLogFormat[] = []): UnavailableFact[] {
  if (format === 'zeek-ssl' || format === 'zeek-dns') return [];
  // flowaudit's own lines carry the SNI and Host of each connection; DNS answers stay with the sensor.
  if (format === 'flowaudit-flows') return ['dns-answers', 'epm-handouts', 'icmp-quotes'];
  if (format === 'clickhouse') return ['tls-sni', 'http-host', 'dns-answers', 'epm-handouts', 'icmp-quotes'];
  if (format === 'nfdump') return ['tcp-state', 'tls-sni', 'http-host', 'dns-answers', 'epm-handouts', 'icmp-quotes'];
  const all: UnavailableFact[] = ['tls-sni', 'http-host', 'dns-answers', 'epm-handouts', 'icmp-quotes'];
  return all.filter((f) => !(f === 'tls-sni' && companions.includes('zeek-ssl')) && !(f === 'dns-answers' && companions.includes('zeek-dns')));
}

export function newRecordInfo(format: RecordLogFormat): RecordInputInfo {
  return { lines: 0, connections: 0, malformed: 0, problems: [], ignored: {}, untimed: 0, companions: [], unavailable: unavailableFor(format) };
}

/** A reader's counts (RecordLogReader.exportState), plain data for a worker's postMessage. */
export interface ReaderState {
  info: RecordInputInfo;
  packets: number;
  bytes: number;
  bases: ByteBasis[];
  first: number;
  last: number;
  ignoredAt: [string, number][];
}

/**
 * Reads one flow log line by line into a collector (feed `line()` each line with its number, then
 * `finish()`); the same for a file and for a stream (stdin, a pipe).
 */
export class RecordLogReader {
  readonly summary: InputSummary;
  private readonly info: RecordInputInfo;
  private readonly bases = new Set<ByteBasis>();
  private lastBasis: ByteBasis | null = null;
  private first = Infinity;
  private last = -Infinity;
  private readonly header = new ZeekTsvHeader();
  private readonly zeekPath: string;
  /** Line each ignored kind was first met on (for absorb). */
  private readonly ignoredAt = new Map<string, number>();

  constructor(
    path: string,
    private readonly format: RecordLogFormat,
    private readonly into: RecordCollector,
  ) {
    this.info = newRecordInfo(format);
    this.summary = { path, sha256: null, format, info: null, packets: 0, bytes: 0, firstSeen: null, lastSeen: null, error: null, byteBasis: null, records: this.info };
    this.zeekPath = format === 'zeek-ssl' ? 'ssl' : format === 'zeek-dns' ? 'dns' : 'conn';
  }

  private bad(no: number, message: string): void {
    this.info.malformed++;
    if (this.info.problems.length < MAX_PROBLEMS) this.info.problems.push({ line: no, message });
  }

  private ignore(what: string, no: number): void {
    const n = this.info.ignored[what];
    if (n === undefined) this.ignoredAt.set(what, no);
    this.info.ignored[what] = (n ?? 0) + 1;
  }

  /** What this reader counted (a parse worker's share of a file, merged by absorb). */
  exportState(): ReaderState {
    const s = this.summary;
    return { info: this.info, packets: s.packets, bytes: s.bytes, bases: [...this.bases], first: this.first, last: this.last, ignoredAt: [...this.ignoredAt] };
  }

  /**
   * Add another reader's counts over other lines of the same file: the result is what one reader
   * over all the lines would have counted (problems: the first MAX_PROBLEMS by line; ignored kinds
   * in the order first met).
   */
  absorb(o: ReaderState): void {
    const i = this.info;
    const s = this.summary;
    i.lines += o.info.lines;
    i.connections += o.info.connections;
    i.malformed += o.info.malformed;
    i.untimed += o.info.untimed;
    i.problems = [...i.problems, ...o.info.problems].sort((a, b) => a.line - b.line).slice(0, MAX_PROBLEMS);
    for (const [what, at] of o.ignoredAt) if (!(this.ignoredAt.get(what)! <= at)) this.ignoredAt.set(what, at);
    const ignored: Record<string, number> = {};
    for (const [what] of [...this.ignoredAt].sort((a, b) => a[1] - b[1])) ignored[what] = (i.ignored[what] ?? 0) + (o.info.ignored[what] ?? 0);
    i.ignored = ignored;
    s.packets += o.packets;
    s.bytes += o.bytes;
    for (const b of o.bases) this.bases.add(b);
    this.first = Math.min(this.first, o.first);
    this.last = Math.max(this.last, o.last);
  }

  /** The Zeek TSV header as read so far (the byte reader follows its #fields). */
  get zeekHeader(): ZeekTsvHeader {
    return this.header;
  }

  /** Whether TSV rows under the current header are this log's kind (else they are ignored by line()). */
  zeekPathMatches(): boolean {
    return this.header.path === null || this.header.path === this.zeekPath;
  }

  /** A data line read by the byte path: its record, with the addresses already parsed. */
  takeRow(r: FlowRecord, no: number, orig: Uint32Array, resp: Uint32Array): void {
    this.info.lines++;
    this.take(r, no, orig, resp);
  }

  /** A record a source parsed itself (nfdump output, query results): taken as one data line. */
  record(r: FlowRecord, no: number, group?: RecordGroup): void {
    this.info.lines++;
    this.take(r, no, undefined, undefined, group);
  }

  /** The reader's info (a query source adds its evidence). */
  get recordInfo(): RecordInputInfo {
    return this.info;
  }

  /** A data line (or JSON object) that could not be framed (cut, too long). */
  malformed(no: number, message: string): void {
    this.info.lines++;
    this.bad(no, message);
  }

  private take(r: FlowRecord, no: number, orig?: Uint32Array, resp?: Uint32Array, group?: RecordGroup): void {
    const t = this.into.tuples;
    if (t !== null) t.at = no;
    const added = this.into.addRecord(r, orig, resp, group);
    if (typeof added === 'string') return this.bad(no, added);
    const s = this.summary;
    this.info.connections += group?.count ?? 1;
    s.packets += r.origPkts + r.respPkts;
    s.bytes += r.origBytes + r.respBytes;
    if (r.byteBasis !== this.lastBasis) {
      this.bases.add(r.byteBasis); // once per change of basis, not per row
      this.lastBasis = r.byteBasis;
    }
    if (Number.isNaN(r.firstSeen)) this.info.untimed++;
    else {
      if (r.firstSeen < this.first) this.first = r.firstSeen;
      if (r.lastSeen > this.last) this.last = r.lastSeen;
    }
  }

  private zeekRow(row: ZeekRow, no: number): void {
    if (this.format === 'zeek-ssl') {
      const n = zeekSslName(row);
      if (typeof n === 'string') return this.bad(no, n);
      if (n) this.into.sslNames.set(n.key, n.serverName);
      return;
    }
    if (this.format === 'zeek-dns') {
      const a = zeekDnsAnswers(row);
      if (typeof a === 'string') return this.bad(no, a);
      for (const x of a) this.into.addDnsAnswer(x);
      return;
    }
    const r = zeekConnRecord(row);
    if (typeof r === 'string') return this.bad(no, r);
    this.take(r, no);
  }

  line(line: string, no: number): void {
    const format = this.format;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      if (format.startsWith('zeek')) this.header.directive(line);
      return;
    }
    this.info.lines++;
    if (line.startsWith('{')) {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        return this.bad(no, `not valid JSON (${messageOf(e)})`);
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return this.bad(no, 'not a JSON object');
      const o = obj as Record<string, unknown>;
      if (format === 'suricata-eve') {
        const e = suricataEveRecord(o);
        if (e.kind === 'bad') return this.bad(no, e.message);
        if (e.kind === 'ignored') return this.ignore(`event_type ${e.eventType}`, no);
        return this.take(e.record, no);
      }
      if (format === 'flowaudit-flows') {
        const r = flowauditFlowRecord(o);
        return typeof r === 'string' ? this.bad(no, r) : this.take(r, no);
      }
      if (typeof o._path === 'string' && o._path !== this.zeekPath) return this.ignore(`_path ${o._path}`, no);
      return this.zeekRow(new JsonRow(o), no);
    }
    if (!format.startsWith('zeek')) return this.bad(no, 'not a JSON object');
    const row = this.header.row(line);
    if (typeof row === 'string') return this.bad(no, row);
    if (this.header.path !== null && this.header.path !== this.zeekPath) return this.ignore(`#path ${this.header.path}`, no);
    this.zeekRow(row, no);
  }

  /** A fatal read problem (what was read before it still counts). */
  fail(e: unknown): void {
    const msg = e instanceof FlowauditError ? e.message : `${this.summary.path}: ${messageOf(e)}`;
    this.summary.error = { offset: 0, message: msg };
  }

  finish(): InputSummary {
    const s = this.summary;
    if (Number.isFinite(this.first)) {
      s.firstSeen = this.first;
      s.lastSeen = this.last;
    }
    s.byteBasis = this.bases.size === 0 ? null : this.bases.size === 1 ? [...this.bases][0]! : 'mixed';
    return s;
  }
}

/** Read a flow log from chunks of text (stdin, a pipe: decompressed already) into the collector. */
export async function readRecordStream(name: string, format: RecordLogFormat, chunks: AsyncIterable<Uint8Array>, into: RecordCollector): Promise<InputSummary> {
  const r = new RecordLogReader(name, format, into);
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let no = 1;
  try {
    for await (const chunk of chunks) {
      const text = carry + decoder.decode(chunk, { stream: true });
      const last = text.lastIndexOf('\n');
      if (last < 0) carry = text;
      else {
        no += forEachLineOfText(text.slice(0, last + 1), (l, n) => r.line(l, n), no);
        carry = text.slice(last + 1);
      }
    }
    carry += decoder.decode();
    if (carry.length > 0) forEachLineOfText(carry, (l, n) => r.line(l, n), no);
  } catch (e) {
    r.fail(e);
  }
  return r.finish();
}
