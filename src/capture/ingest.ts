/**
 * The input dispatcher: every input on the command line (files, `-`, FIFOs, compressed files,
 * directories expanded) is opened once (capture_input.ts: one reader feeds the parser and
 * the SHA-256), and all of them are fed into one PacketSink (the FlowEngine) as one body of evidence:
 *
 * - ordered by their first packet time, whatever order they were given in;
 * - merged packet by packet by timestamp, exactly as `mergecap` would write them into one file
 *   (at each step the input whose next packet is earliest goes first; ties go to the input whose
 *   first packet is earlier, then to the earlier one on the command line). A rotated set
 *   (dumpcap -b, tcpdump -C/-G) thus reads exactly like the single file it was cut from.
 *
 * A file that breaks mid-way keeps what was read: its summary carries the error and the packets
 * before it stay counted. Flow logs never get here (cli/pipeline.ts sends them to src/records by
 * content); any other non-capture is skipped with a note when it came from a directory, and is an
 * error otherwise.
 */
import { CaptureInput, type CaptureInputOptions } from './capture_input.js';
import { HashService, prestartHashWorker, type HashServiceOptions } from '../inputs/input_hash.js';
import { newRawPacket, type CaptureInfo, type PacketSink, type RawPacket } from './source.js';
import { hex32 } from '../inputs/chunked_file.js';
import { CaptureFormatError, FlowauditError, InputError, messageOf } from '../errors.js';
import { copyCollapserFor, truncationWarning, type CopyCollapser } from './pktmon.js';
import { EtlPacketCollapser } from './etl/pktmon_fold.js';
import { EtlReader } from './etl/etl_reader.js';
import { expandInputs, type InputSpec } from '../inputs/input_list.js';
import type { InputProblem } from '../inputs/input_problem.js';
import type { InputDescription } from '../inputs/input_description.js';
import type { RecordLogFormat } from '../inputs/record_input.js';
import { statSync } from 'node:fs';
import { PacketFingerprint } from './packet_fingerprint.js';

/** Filled as reading goes on (or by the reader of a flow log): optional while the input is read. */
type FilledLater = 'origin' | 'compression' | 'storedBytes' | 'copiesCollapsed' | 'byteBasis';

/** An input while it is read (inputs/input_description.ts: the one description it derives from). */
export interface InputSummary extends Omit<InputDescription, FilledLater>, Partial<Pick<InputDescription, FilledLater>> {
  format: CaptureInfo['format'] | RecordLogFormat | 'unknown';
  info: CaptureInfo | null;
  /** µs since the epoch; null when the input had no packets. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** Captures: the fingerprint of the first packets (packet_fingerprint.ts), to catch one capture given in two formats. */
  packetPrint?: string | null;
}

export interface IngestOptions {
  /** Called every `progressEvery` packets (default 1M) and at the end. */
  onProgress?: (packets: number, path: string) => void;
  progressEvery?: number;
  /** Notes for the user (skipped files); default: none. */
  onNote?: (message: string) => void;
  /** What `-` reads (default process.stdin); read-buffer size. */
  stdin?: CaptureInputOptions['stdin'];
  chunkSize?: number;
  /**
   * Issue 11's record-log hook for inputs whose content shows only once read (stdin, pipes; regular
   * files were routed by content before): given the first bytes, a reader that takes over the whole
   * content (the hash still covers it), or null when it is no flow log.
   */
  recordLog?: (path: string, head: Uint8Array) => ((content: AsyncIterable<Uint8Array>) => Promise<InputSummary>) | null;
  /** Hashing overrides (tests: force the worker, small ring slots). */
  hash?: HashServiceOptions;
}

export interface Ingested {
  /** One summary per input, in the order the packets were merged (first packet time). */
  inputs: InputSummary[];
  /** Files from directories that were not captures, with why. */
  skipped: { path: string; reason: string }[];
  /** Resolves once every input's sha256 (or its hash error) is in its summary. */
  hashed: Promise<void>;
}

/** One open input during the merge. */
interface Lane {
  input: CaptureInput;
  summary: InputSummary;
  pkt: RawPacket;
  /** The lane holds an unconsumed packet in `pkt`, stamped `ts` (µs). */
  has: boolean;
  ts: number;
  order: number;
  given: number;
  alive: boolean;
  collapse: CopyCollapser | EtlPacketCollapser | null;
  /** ETW traces: the reader, whose `meta` says which component logged the packet and whether it dropped it. */
  etl: EtlReader | null;
  truncatedPackets: number;
  print: PacketFingerprint;
}

/**
 * Ingest inputs into one engine (one body of evidence). Resolves when every packet is in the
 * engine; `hashed` resolves when the digests are in the summaries (the hash runs alongside).
 */
export async function ingestInputs(paths: string[] | InputSpec[], engine: PacketSink, opts: IngestOptions = {}): Promise<Ingested> {
  const specs = paths.map((p) => (typeof p === 'string' ? null : p)).includes(null) ? expandInputs(paths as string[]) : (paths as InputSpec[]);
  // One input: its reader reads into the hash worker's ring and parses the chunks there (no copy).
  const hashes = new HashService({ expectedBytes: knownBytes(specs), readInPlace: specs.length === 1, ...opts.hash });
  const lanes: Lane[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const early: InputSummary[] = [];
  const closing: Promise<void>[] = [];
  try {
    for (const [given, spec] of specs.entries()) {
      const summary = emptySummary(spec.path);
      let input: CaptureInput;
      const hash = hashes.open();
      try {
        input = await CaptureInput.open(spec.path, hash, { ...(opts.stdin ? { stdin: opts.stdin } : {}), ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}) });
      } catch (e) {
        summary.error = errorOf(e, spec.path);
        early.push(summary);
        continue;
      }
      summary.origin = input.origin;
      summary.compression = input.compression;
      if (input.notCapture) {
        const readRecords = opts.recordLog?.(spec.path, input.head());
        if (readRecords) {
          const rs = await readRecords(input.contentChunks());
          rs.origin = input.origin;
          rs.compression = input.compression;
          early.push(rs);
          closing.push(finishInput(input, rs));
          continue;
        }
        const routed = routeNonCapture(input, spec, summary, skipped, opts);
        if (routed) {
          early.push(summary);
          closing.push(finishInput(input, summary));
        } else input.close();
        continue;
      }
      summary.info = input.reader!.info;
      summary.format = summary.info.format;
      const reader = input.reader;
      const collapse = reader instanceof EtlReader ? new EtlPacketCollapser(reader) : copyCollapserFor(summary.info);
      const etl = reader instanceof EtlReader ? reader : null;
      lanes.push({ input, summary, pkt: newRawPacket(), has: false, ts: 0, order: 0, given, alive: true, collapse, etl, truncatedPackets: 0, print: new PacketFingerprint() });
    }
    if (lanes.length === 0 && early.length === 0) {
      throw new InputError(`no capture among the inputs: ${skipped.map((k) => `${k.path} (${k.reason})`).join(', ')}`);
    }
    // Each input's first packet decides the order.
    for (const lane of lanes) await advance(lane);
    lanes.sort((a, b) => (a.has === b.has ? (a.has ? a.ts - b.ts : 0) || a.given - b.given : a.has ? -1 : 1));
    lanes.forEach((l, k) => (l.order = k));
    await merge(lanes, engine, opts);
  } catch (e) {
    for (const l of lanes) l.input.close();
    hashes.close();
    throw e;
  }
  const inputs: InputSummary[] = [];
  for (const lane of lanes) {
    const s = lane.summary;
    if (lane.input.error && !s.error) s.error = errorOf(lane.input.error, s.path);
    if (lane.collapse?.collapsing) s.copiesCollapsed = lane.collapse.collapsed;
    s.packetPrint = lane.print.digest();
    const info = s.info;
    if (info) {
      if (lane.collapse && lane.collapse.collapsed > 0) info.warnings.push({ offset: -1, message: lane.collapse.describe(s.packets) });
      if (lane.collapse instanceof EtlPacketCollapser && info.etl) lane.collapse.finish(info.etl, info.warnings);
      const tw = truncationWarning(info, lane.truncatedPackets, s.packets);
      if (tw) info.warnings.push({ offset: -1, message: tw });
    }
    inputs.push(s);
    closing.push(finishInput(lane.input, s));
  }
  inputs.push(...early);
  const hashed = Promise.all(closing).then(() => hashes.close());
  return { inputs, skipped, hashed };
}

/** As ingestInputs, waiting for the hashes. */
export async function ingestFiles(paths: string[], engine: PacketSink, opts: IngestOptions = {}): Promise<InputSummary[]> {
  const r = await ingestInputs(paths, engine, opts);
  await r.hashed;
  return r.inputs;
}

/** Read the rest of the input through its hash, then record the digest (or why there is none). */
async function finishInput(input: CaptureInput, s: InputSummary): Promise<void> {
  try {
    s.sha256 = await input.finish();
    s.storedBytes = input.storedBytes;
    if (input.error && !s.error) s.error = errorOf(input.error, s.path);
  } catch (e) {
    if (!s.error) s.error = { offset: 0, message: `${s.path}: cannot hash input: ${messageOf(e)}` };
  }
}

/**
 * A content that is neither pcap nor pcapng (flow logs were routed to src/records before, by
 * cli/pipeline.ts): skipped with a note when it came from a directory, an error otherwise.
 */
function routeNonCapture(input: CaptureInput, spec: InputSpec, summary: InputSummary, skipped: { path: string; reason: string }[], opts: IngestOptions): boolean {
  const head = input.head();
  const magic = head.length >= 4 ? hex32(new DataView(head.buffer, head.byteOffset, 4).getUint32(0, false)) : null;
  const what = magic === null ? `too short for a magic number (${head.length} bytes)` : `unknown magic ${magic}`;
  if (spec.fromDirectory !== null) {
    const reason = `not a capture or flow log (${what})`;
    skipped.push({ path: spec.path, reason });
    opts.onNote?.(`${spec.path}: skipped, ${reason}`);
    return false;
  }
  summary.error = errorOf(
    new CaptureFormatError(spec.path, 0, magic === null ? `Cannot read capture header: file has ${head.length} bytes, too short for a magic number` : `Cannot read pcap header: ${what} (neither pcap, pcapng nor ETL)`),
    spec.path,
  );
  return true;
}

function emptySummary(path: string): InputSummary {
  return { path, sha256: null, format: 'unknown', info: null, packets: 0, bytes: 0, firstSeen: null, lastSeen: null, error: null, origin: 'file', compression: null };
}

/**
 * Start the hash worker before the policy is loaded when the inputs are large enough to need it
 * (input_hash.ts prestartHashWorker): the audit calls this first thing, ingestInputs takes the worker.
 */
export function prestartHashing(paths: readonly string[]): void {
  prestartHashWorker(knownBytes(paths.map((path) => ({ path }))));
}

/** Bytes of the regular files among the inputs (sizes the hash worker decision). */
function knownBytes(specs: readonly { path: string }[]): number {
  let n = 0;
  for (const s of specs) {
    if (s.path === '-') continue;
    try {
      const st = statSync(s.path);
      if (st.isFile()) n += st.size;
    } catch {
      // reported when opened
    }
  }
  return n;
}

/** Take the lane's next packet into `pkt` (awaiting stream bytes as needed); `has` says if there is one. */
async function advance(lane: Lane): Promise<void> {
  for (;;) {
    if (nextSync(lane)) return;
    if (!lane.alive || !lane.input.waiting) {
      lane.has = false;
      return;
    }
    await lane.input.more();
  }
}

function nextSync(lane: Lane): boolean {
  if (!lane.alive) return false;
  try {
    if (!lane.input.next(lane.pkt)) return false;
  } catch (e) {
    lane.alive = false;
    lane.summary.error = errorOf(e, lane.summary.path);
    return false;
  }
  const p = lane.pkt;
  lane.ts = p.tsSec * 1e6 + p.tsNsec / 1000;
  lane.has = true;
  return true;
}

/** Greedy timestamp merge (mergecap's): the lane with the earliest pending packet goes next. */
async function merge(lanes: Lane[], engine: PacketSink, opts: IngestOptions): Promise<void> {
  const every = opts.progressEvery ?? 1_000_000;
  let total = 0;
  let nextProgress = every;
  let lastPath = '';
  for (;;) {
    let cur: Lane | null = null;
    let bound: Lane | null = null;
    for (const l of lanes) {
      if (!l.has) continue;
      if (cur === null || before(l, cur)) {
        bound = cur;
        cur = l;
      } else if (bound === null || before(l, bound)) bound = l;
    }
    if (cur === null) break;
    const boundTs = bound ? bound.ts : Infinity;
    const boundOrder = bound ? bound.order : Infinity;
    const s = cur.summary;
    const pkt = cur.pkt;
    const collapse = cur.collapse;
    lastPath = s.path;
    for (;;) {
      if (collapse === null || !collapse.isCopy(pkt, cur.ts)) {
        engine.ingest(pkt);
        s.packets++;
        s.bytes += pkt.wirelen;
        if (pkt.caplen < pkt.wirelen) cur.truncatedPackets++;
        cur.print.add(pkt);
        const ts = cur.ts;
        if (s.firstSeen === null || ts < s.firstSeen) s.firstSeen = ts;
        if (s.lastSeen === null || ts > s.lastSeen) s.lastSeen = ts;
        if (++total === nextProgress) {
          nextProgress += every;
          opts.onProgress?.(total, s.path);
        }
      }
      if (cur.etl !== null && cur.etl.meta.dropped) engine.noteDrop?.(pkt, cur.etl.meta.component, cur.etl.meta.dropReason);
      cur.has = false;
      if (!nextSync(cur)) {
        await advance(cur);
        if (!cur.has) break;
      }
      if (cur.ts > boundTs || (cur.ts === boundTs && cur.order > boundOrder)) break;
    }
  }
  opts.onProgress?.(total, lastPath);
}

function before(a: Lane, b: Lane): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.order < b.order);
}

function errorOf(e: unknown, path: string): InputProblem {
  if (e instanceof InputError) return { offset: e.offset, message: e.message };
  if (e instanceof FlowauditError) return { offset: 0, message: e.message };
  return { offset: 0, message: `${path}: ${messageOf(e)}` };
}
