/**
 * Read one flow log into a RecordCollector: every line is a record, a header, or a malformed line
 * (counted with its line number, never fatal). The returned summary is an InputSummary like a
 * capture's, with `records` saying what was read, ignored, malformed and unavailable.
 */
import type { InputSummary } from '../flows/ingest.js';
import type { ByteBasis, RecordInputInfo, RecordLogFormat, UnavailableFact } from '../flows/record_input.js';
import { CliError } from '../errors.js';
import type { RecordCollector } from './collector.js';
import type { FlowRecord } from './flow_record.js';
import { flowauditFlowRecord } from './flowaudit_flows.js';
import { forEachLineOfFile } from './line_reader.js';
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
  const all: UnavailableFact[] = ['tls-sni', 'http-host', 'dns-answers', 'epm-handouts', 'icmp-quotes'];
  return all.filter((f) => !(f === 'tls-sni' && companions.includes('zeek-ssl')) && !(f === 'dns-answers' && companions.includes('zeek-dns')));
}

export function newRecordInfo(format: RecordLogFormat): RecordInputInfo {
  return { lines: 0, connections: 0, malformed: 0, problems: [], ignored: {}, untimed: 0, companions: [], unavailable: unavailableFor(format) };
}

export function readRecordLog(path: string, format: RecordLogFormat, into: RecordCollector): InputSummary {
  const info = newRecordInfo(format);
  const s: InputSummary = { path, sha256: null, format, info: null, packets: 0, bytes: 0, firstSeen: null, lastSeen: null, error: null, byteBasis: null, records: info };
  const bases = new Set<ByteBasis>();
  let first = Infinity;
  let last = -Infinity;
  const bad = (no: number, message: string): void => {
    info.malformed++;
    if (info.problems.length < MAX_PROBLEMS) info.problems.push({ line: no, message });
  };
  const ignore = (what: string): void => {
    info.ignored[what] = (info.ignored[what] ?? 0) + 1;
  };
  const take = (r: FlowRecord, no: number): void => {
    const added = into.addRecord(r);
    if (typeof added === 'string') return bad(no, added);
    info.connections++;
    s.packets += r.origPkts + r.respPkts;
    s.bytes += r.origBytes + r.respBytes;
    bases.add(r.byteBasis);
    if (Number.isNaN(r.firstSeen)) info.untimed++;
    else {
      if (r.firstSeen < first) first = r.firstSeen;
      if (r.lastSeen > last) last = r.lastSeen;
    }
  };
  const zeekPath = format === 'zeek-ssl' ? 'ssl' : format === 'zeek-dns' ? 'dns' : 'conn';
  const header = new ZeekTsvHeader();
  const zeekRow = (row: ZeekRow, no: number): void => {
    if (format === 'zeek-ssl') {
      const n = zeekSslName(row);
      if (typeof n === 'string') return bad(no, n);
      if (n) into.sslNames.set(n.key, n.serverName);
      return;
    }
    if (format === 'zeek-dns') {
      const a = zeekDnsAnswers(row);
      if (typeof a === 'string') return bad(no, a);
      for (const x of a) into.addDnsAnswer(x);
      return;
    }
    const r = zeekConnRecord(row);
    if (typeof r === 'string') return bad(no, r);
    take(r, no);
  };

  try {
    forEachLineOfFile(path, (line, no) => {
      if (line.trim() === '') return;
      if (line.startsWith('#')) {
        if (format.startsWith('zeek')) header.directive(line);
        return;
      }
      info.lines++;
      if (line.startsWith('{')) {
        let obj: unknown;
        try {
          obj = JSON.parse(line);
        } catch (e) {
          return bad(no, `not valid JSON (${(e as Error).message})`);
        }
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return bad(no, 'not a JSON object');
        const o = obj as Record<string, unknown>;
        if (format === 'suricata-eve') {
          const e = suricataEveRecord(o);
          if (e.kind === 'bad') return bad(no, e.message);
          if (e.kind === 'ignored') return ignore(`event_type ${e.eventType}`);
          return take(e.record, no);
        }
        if (format === 'flowaudit-flows') {
          const r = flowauditFlowRecord(o);
          return typeof r === 'string' ? bad(no, r) : take(r, no);
        }
        if (typeof o._path === 'string' && o._path !== zeekPath) return ignore(`_path ${o._path}`);
        return zeekRow(new JsonRow(o), no);
      }
      if (!format.startsWith('zeek')) return bad(no, 'not a JSON object');
      const row = header.row(line);
      if (typeof row === 'string') return bad(no, row);
      if (header.path !== null && header.path !== zeekPath) return ignore(`#path ${header.path}`);
      zeekRow(row, no);
    });
  } catch (e) {
    const msg = e instanceof CliError ? e.message : `${path}: ${(e as Error).message}`;
    s.error = { offset: 0, message: msg };
  }
  if (Number.isFinite(first)) {
    s.firstSeen = first;
    s.lastSeen = last;
  }
  s.byteBasis = bases.size === 0 ? null : bases.size === 1 ? [...bases][0]! : 'mixed';
  return s;
}
