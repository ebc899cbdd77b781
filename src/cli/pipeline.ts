/**
 * The input pipeline shared by `audit`, `flows`, `discover` and `verify`: inputs (files, `-`,
 * FIFOs, compressed files, directories) → flow logs to src/records, captures to one reader each
 * (parse + hash, capture/ingest.ts) → engine → facts. Live capture feeds the same FlowEngine from
 * another source.
 */
import { InputError, UsageError } from '../errors.js';
import type { ServerPorts } from '../flows/direction.js';
import { collectFacts, type CaptureFacts } from '../flows/facts.js';
import { FlowEngine } from '../flows/flow_engine.js';
import { ingestInputs, type IngestOptions, type InputSummary } from '../capture/ingest.js';
import { expandInputs, type InputSpec } from '../inputs/input_list.js';
import { RecordCollector, type RecordKeeping } from '../records/collector.js';
import { isNfdumpFile, readNfdumpFile } from '../records/nfdump.js';
import { ZEEK_COLUMNS } from '../records/clickhouse/query.js';
import { isClickhouseUrl, readClickhouse, type QuerySpec } from '../records/clickhouse/source.js';
import { joinRecordFacts, readRecordLogs, recordLogFormat, streamRecordHook, withCompanionLogs, type RecordLogInput } from '../records/record_facts.js';

/**
 * The inputs of a run as given, plus the Zeek ssl.log / dns.log found beside a given conn.log
 * (read for names; listed and hashed as inputs like the others).
 */
export function resolveInputs(paths: string[]): string[] {
  return withCompanionLogs(paths);
}

/** Usage/input errors before any work: no input given, or a path that does not exist. */
export function checkCaptures(paths: string[]): void {
  if (paths.length === 0) throw new UsageError('no capture file given');
  const files = paths.filter((p) => !isClickhouseUrl(p));
  if (files.length > 0) expandInputs(files);
}

export interface AnalyseOptions {
  onProgress?: (packets: number, path: string) => void;
  onNote?: (message: string) => void;
  stdin?: IngestOptions['stdin'];
  /** How a `clickhouse://` input is queried (columns, inventory scope, window); default: Zeek columns, every row. */
  query?: QuerySpec;
  env?: Record<string, string | undefined>;
  /** Recorded SQL per clickhouse:// input (verify re-runs it as it was). */
  querySql?: Record<string, string>;
  /** Flow-log records aggregated per tuple (default: the audit's view), or one connection per row (`flows`). */
  records?: RecordKeeping;
  /** Sources whose connection attempts never fold during ingest (the audit: the inventory's addresses; flows/attempt_fold.ts). */
  keepClient?: (addr: Uint32Array) => boolean;
}

/**
 * Parse the inputs into facts; `hashed` resolves when the inputs' SHA-256 (over the same bytes,
 * computed alongside) are in `facts.inputs`. Audit meanwhile, then wait before reporting.
 */
export async function analyseInputs(
  paths: string[],
  serverPorts: ServerPorts,
  opts: AnalyseOptions = {},
): Promise<{ facts: CaptureFacts; hashed: Promise<void>; skipped: { path: string; reason: string }[] }> {
  checkCaptures(paths);
  const queries = paths.filter(isClickhouseUrl); // pushed down: the engine aggregates, records/clickhouse
  if (queries.length > 0 && opts.records === 'rows') {
    throw new UsageError(`${queries[0]}: a ClickHouse input returns aggregated tuples, not rows; it cannot be listed per connection (flows), kept as rows (--flow-log-rows) or merged (--emit-state)`);
  }
  const files = paths.filter((p) => !isClickhouseUrl(p));
  const specs = files.length > 0 ? expandInputs(files) : [];
  // The record-log hook: a flow log (Zeek, Suricata, flowaudit flows), detected by content, is read
  // by src/records; everything else goes to the packet readers. Both end in the same facts.
  const logs: RecordLogInput[] = [];
  const captures: InputSpec[] = [];
  const skippedHere: { path: string; reason: string }[] = [];
  const netflow: string[] = []; // nfdump files (nfcapd.*), read through the nfdump binary
  for (const s of specs) {
    if (s.path !== '-' && isNfdumpFile(s.path)) {
      netflow.push(s.path);
      continue;
    }
    const f = recordLogFormat(s.path);
    // A file found in a directory that looks like text but is no flow log (an old report, the
    // inventory, notes as JSON) is skipped with a note, like any other non-capture there (issue 20).
    if (f && 'error' in f && s.fromDirectory !== null) {
      const reason = `not a capture or flow log: ${f.error}`;
      skippedHere.push({ path: s.path, reason });
      opts.onNote?.(`${s.path}: skipped, ${reason}`);
    } else if (f) logs.push({ path: s.path, ...f });
    else captures.push(s);
  }
  if (logs.length === 0 && captures.length === 0 && netflow.length === 0 && queries.length === 0) {
    throw new InputError(`no capture among the inputs: ${skippedHere.map((k) => `${k.path} (${k.reason})`).join(', ')}`);
  }
  const engine = new FlowEngine({ serverPorts, ...(opts.keepClient ? { keepClient: opts.keepClient } : {}) });
  const collector = new RecordCollector(serverPorts, opts.records ?? 'tuples');
  // Flow-log files first (names logs before conn logs), so a conn.log on stdin still meets its ssl.log names.
  const { inputs: read, hashed: logsHashed } = await readRecordLogs(logs, collector);
  const netflowRead: InputSummary[] = [];
  for (const p of netflow) netflowRead.push(await readNfdumpFile(p, collector));
  const querySpec = opts.query ?? { columns: ZEEK_COLUMNS, serverPorts, scope: null };
  for (const q of queries) {
    const sql = opts.querySql?.[q];
    netflowRead.push(await readClickhouse(q, sql === undefined ? querySpec : { ...querySpec, sql }, collector, opts.env));
  }
  const ingestOpts = { ...opts, recordLog: streamRecordHook(collector) }; // flow logs on stdin / pipes
  const ingested =
    captures.length > 0 ? await ingestInputs(captures, engine, ingestOpts) : { inputs: [], hashed: Promise.resolve(), skipped: [] };
  ingested.skipped.unshift(...skippedHere);
  let facts = collectFacts(engine, ingested.inputs, serverPorts);
  if (logs.length === 0 && netflowRead.length === 0 && collector.connections.size === 0 && !ingested.inputs.some((i) => i.records)) {
    return { facts, hashed: ingested.hashed, skipped: ingested.skipped };
  }
  // Captures in packet order (and flow logs read from streams), then the logs named as files.
  facts = joinRecordFacts(facts, collector, [...ingested.inputs, ...logs.map((l) => read.get(l.path)!), ...netflowRead]);
  return { facts, hashed: Promise.all([ingested.hashed, logsHashed]).then(() => undefined), skipped: ingested.skipped };
}

export async function analyseFiles(paths: string[], serverPorts: ServerPorts, opts: AnalyseOptions = {}): Promise<CaptureFacts> {
  const { facts, hashed } = await analyseInputs(paths, serverPorts, opts);
  await hashed;
  return facts;
}

/**
 * Issue 20: when no input could be read at all (every input failed before its first packet or
 * record, e.g. a text file given as a capture), there is nothing to report: the commands print
 * these lines (one per input, naming it and why) and exit 2, with no report on stdout and no
 * report file. Null when something was read: an audit of several inputs, one bad, keeps its
 * inconclusive report.
 */
export function nothingReadable(facts: CaptureFacts): string[] | null {
  if (facts.inputs.length === 0 || facts.packets > 0 || facts.connections.size > 0) return null;
  if (!facts.inputs.every((i) => i.error)) return null;
  return facts.inputs.map((i) => i.error!.message);
}
