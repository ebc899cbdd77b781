/**
 * Flow logs → connection facts, joined to whatever the packet engine read in the same run: the
 * record connections follow the capture's, their names join the engine's hints, their packets,
 * bytes and times add to the totals, and each log is an input in command-line order.
 */
import { existsSync, statSync } from 'node:fs';
import { HashService } from '../inputs/input_hash.js';
import { basename, dirname, join } from 'node:path';
import { JoinedConnections, type CaptureFacts } from '../flows/facts.js';
import { HintStore } from '../flows/hint_store.js';
import type { InputSummary } from '../capture/ingest.js';
import type { RecordLogFormat } from '../inputs/record_input.js';
import { RecordCollector } from './collector.js';
import { sniffRecordLog, type Sniffed } from './detect.js';
import { headOfFile, isGzip } from './line_reader.js';
import { parallelWanted } from './conn_parallel.js';
import { readRecordLogFile } from './log_file.js';
import { readRecordStream, unavailableFor } from './read_log.js';
import { messageOf } from '../errors.js';

/** The flow-log format of a regular file, by content; null for anything else (captures, dirs, FIFOs, stdin). */
export function recordLogFormat(path: string): Sniffed {
  try {
    if (path === '-' || !statSync(path).isFile()) return null;
    const head = headOfFile(path);
    return sniffRecordLog(Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * Zeek's ssl.log and dns.log beside a conn.log (same folder, `conn` replaced by `ssl` / `dns` in the
 * file name: conn.log, conn.09:00:00-10:00:00.log.gz, site1.conn.log), when they exist and are not
 * given already. Read so host-name roles work from Zeek logs as from packets.
 */
export function companionLogs(paths: string[]): string[] {
  const given = new Set(paths);
  const out: string[] = [];
  for (const p of paths) {
    const name = basename(p);
    if (!/(^|[._-])conn([._-]|$)/.test(name)) continue;
    const f = recordLogFormat(p);
    if (!f || !('format' in f) || !f.format.startsWith('zeek-conn')) continue;
    for (const kind of ['ssl', 'dns']) {
      const c = join(dirname(p), name.replace(/(^|[._-])conn([._-]|$)/, `$1${kind}$2`));
      if (!given.has(c) && existsSync(c)) {
        given.add(c);
        out.push(c);
      }
    }
  }
  return out;
}

/** The inputs with their companion ssl.log / dns.log added right after the conn.log they belong to. */
export function withCompanionLogs(paths: string[]): string[] {
  const out: string[] = [];
  const seen = new Set(paths);
  for (const p of paths) {
    out.push(p);
    for (const c of companionLogs([p])) if (!seen.has(c)) {
      seen.add(c);
      out.push(c);
    }
  }
  return out;
}

/** A file sniffed as a flow log: its format, or why it looks like one but is not readable. */
export type RecordLogInput = { path: string; format: RecordLogFormat } | { path: string; error: string };

/**
 * Read the flow logs (names logs first, so conn rows can be joined to their SNI) into `collector`,
 * each file once: its bytes are hashed as they are parsed (log_file.ts). `hashed` resolves when
 * every summary has its sha256 (or the reason it has none).
 */
export async function readRecordLogs(given: RecordLogInput[], collector: RecordCollector): Promise<{ inputs: Map<string, InputSummary>; hashed: Promise<void> }> {
  const inputs = new Map<string, InputSummary>();
  const logs: { path: string; format: RecordLogFormat }[] = [];
  for (const g of given) {
    if ('format' in g) logs.push(g);
    else {
      inputs.set(g.path, {
        path: g.path, sha256: null, format: 'unknown', info: null, packets: 0, bytes: 0, firstSeen: null, lastSeen: null,
        error: { offset: 0, message: `${g.path}: not a capture or a flow log: ${g.error}` }, byteBasis: null,
      });
    }
  }
  const namesFirst = [...logs].sort((a, b) => Number(!isNamesLog(a.format)) - Number(!isNamesLog(b.format)));
  // One log: its reader reads straight into the hash ring's slots (no copy for the hash). One
  // conn.log parsed on two threads (conn_parallel.ts) is hashed on the main thread instead: the
  // units are shared by speed, so the parse worker takes more of them while the main thread hashes,
  // and no bytes are copied into a ring nor a third busy thread added (on the 2-core bench machine,
  // with SHA-NI, hashing the 130 MB bench log takes 80 ms, copying it into the ring about as long).
  const bytes = logs.reduce((n, l) => n + sizeOf(l.path), 0);
  const twoThreads = logs.length === 1 && logs[0]!.format === 'zeek-conn-tsv' && collector.tuples !== null && parallelWanted(bytes) && !gzipPath(logs[0]!.path);
  const service = new HashService({ expectedBytes: bytes, readInPlace: logs.length === 1, worker: twoThreads ? false : undefined });
  const digests: Promise<void>[] = [];
  for (const l of namesFirst) {
    const hash = service.open();
    const s = await readRecordLogFile(l.path, l.format, collector, hash);
    inputs.set(l.path, s);
    digests.push(
      hash.digest().then(
        (hex) => void (s.sha256 = hex),
        (e: unknown) => void (s.error ??= { offset: 0, message: `${s.path}: cannot hash file: ${messageOf(e)}` }),
      ),
    );
  }
  const hashed = Promise.all(digests).then(() => service.close());
  return { inputs, hashed };
}

/** Whether the file starts with the gzip magic (false when it cannot be read: its reader says why). */
function gzipPath(path: string): boolean {
  try {
    return isGzip(headOfFile(path, 2, false));
  } catch {
    return false;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A conn.log's unavailable facts shrink by the names logs (ssl.log, dns.log) read in the same run. */
export function noteCompanions(inputs: readonly InputSummary[]): void {
  const names = inputs.filter((s) => s.records && !s.error && isNamesLog(s.format as RecordLogFormat));
  for (const s of inputs) {
    if (!s.records || !String(s.format).startsWith('zeek-conn')) continue;
    s.records.unavailable = unavailableFor(s.format as RecordLogFormat, names.map((n) => n.format as RecordLogFormat));
    s.records.companions = names.map((n) => n.path);
  }
}

/**
 * A stdin/pipe hook for ingest: when the first bytes are a flow log, a reader taking over the content.
 */
export function streamRecordHook(collector: RecordCollector): (path: string, head: Uint8Array) => ((content: AsyncIterable<Uint8Array>) => Promise<InputSummary>) | null {
  return (path, head) => {
    const f = sniffRecordLog(Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8'));
    if (!f || !('format' in f)) return null;
    return (content) => readRecordStream(path, f.format, content, collector);
  };
}

function isNamesLog(f: RecordLogFormat): boolean {
  return f === 'zeek-ssl' || f === 'zeek-dns';
}

/**
 * Add the record connections, names, totals and inputs to the engine's facts: `inputs` are all the
 * run's summaries in report order (captures and logs); flow-log ones add their packets, bytes, times.
 */
export function joinRecordFacts(facts: CaptureFacts, collector: RecordCollector, inputs: InputSummary[]): CaptureFacts {
  const table = collector.connections;
  table.idBase = facts.connections.size;
  const hints = facts.hints ?? new HintStore();
  for (const [i, name] of collector.sni) hints.setConnectionName('sni', table.idBase + i, name);
  for (const [i, name] of collector.httpHost) hints.setConnectionName('http-host', table.idBase + i, name);
  for (const [addr, list] of collector.dnsNames) for (const f of list) hints.addDnsName(addr, f);
  let first = facts.firstSeen ?? Infinity;
  let last = facts.lastSeen ?? -Infinity;
  let packets = facts.packets;
  let bytes = facts.bytes;
  for (const s of inputs) {
    if (!s.records) {
      s.byteBasis ??= 'frame'; // mutated, not copied: the hashing promise fills in this object
      continue;
    }
    packets += s.packets;
    bytes += s.bytes;
    if (s.firstSeen !== null && s.firstSeen < first) first = s.firstSeen;
    if (s.lastSeen !== null && s.lastSeen > last) last = s.lastSeen;
  }
  noteCompanions(inputs);
  return {
    ...facts,
    connections: table.size > 0 ? new JoinedConnections([facts.connections, table]) : facts.connections,
    packets,
    bytes,
    firstSeen: Number.isFinite(first) ? first : null,
    lastSeen: Number.isFinite(last) ? last : null,
    inputs,
    hints,
  };
}
