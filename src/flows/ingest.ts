/**
 * Feed capture files into a FlowEngine, one after the other, as one body of evidence.
 * A file that breaks mid-way keeps what was read: its summary carries the error and the
 * packets before it stay counted.
 */
import { openCapture } from '../capture/open_capture.js';
import { newRawPacket, type CaptureInfo, type PacketSource } from '../capture/source.js';
import { CaptureFormatError, CliError } from '../errors.js';
import { sha256FilesInBackground, type HashResult } from './file_hash.js';
import type { FlowEngine } from './flow_engine.js';
import type { ByteBasis, RecordInputInfo, RecordLogFormat } from './record_input.js';

export interface InputSummary {
  path: string;
  sha256: string | null;
  format: CaptureInfo['format'] | RecordLogFormat | 'unknown';
  info: CaptureInfo | null;
  packets: number;
  bytes: number;
  /** µs since the epoch; null when the input had no packets. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** Fatal problem that stopped reading this input (what was read before it still counts). */
  error: { offset: number; message: string } | null;
  /** What the byte counts count: 'frame' for captures; flow logs say (see record_input.ts). */
  byteBasis?: ByteBasis | 'mixed' | null;
  /** Set for flow logs (src/records): lines, malformed lines, ignored records, unavailable facts. */
  records?: RecordInputInfo;
}

export interface IngestOptions {
  /** Called every `progressEvery` packets (default 1M) and at the end of each file. */
  onProgress?: (packets: number, path: string) => void;
  progressEvery?: number;
}

export interface Ingested {
  /** One summary per path, in order; `sha256` is filled in when `hashed` resolves. */
  inputs: InputSummary[];
  /** Resolves once every input's sha256 (or its hash error) is in its summary. */
  hashed: Promise<void>;
}

/**
 * Ingest files in order into one engine (one body of evidence), hashing them on a worker thread
 * meanwhile. Returns as soon as parsing is done, so the caller can audit while the hash finishes
 * (on large files SHA-256 at ~2 GB/s is the longer of the two).
 */
export function ingestFilesDeferred(
  paths: string[],
  engine: FlowEngine,
  opts: IngestOptions = {},
  hashes: Promise<Map<string, HashResult>> = sha256FilesInBackground(paths),
): Ingested {
  const inputs = paths.map((p) => ingestFile(p, engine, opts));
  const hashed = hashes.then((h) => {
    for (const s of inputs) {
      const r = h.get(s.path);
      if (r && 'sha256' in r) s.sha256 = r.sha256;
      else if (!s.error) s.error = { offset: 0, message: `${s.path}: cannot hash file: ${r?.error ?? 'no result'}` };
    }
  });
  return { inputs, hashed };
}

/** As ingestFilesDeferred, waiting for the hashes. */
export async function ingestFiles(paths: string[], engine: FlowEngine, opts: IngestOptions = {}): Promise<InputSummary[]> {
  const r = ingestFilesDeferred(paths, engine, opts);
  await r.hashed;
  return r.inputs;
}

/** Ingest one file (sha256 left null: ingestFiles fills it in). */
export function ingestFile(path: string, engine: FlowEngine, opts: IngestOptions = {}): InputSummary {
  const summary: InputSummary = {
    path,
    sha256: null,
    format: 'unknown',
    info: null,
    packets: 0,
    bytes: 0,
    firstSeen: null,
    lastSeen: null,
    error: null,
  };
  let src: PacketSource;
  try {
    src = openCapture(path);
  } catch (e) {
    summary.error = errorOf(e, path);
    return summary;
  }
  summary.info = src.info;
  summary.format = src.info.format;
  const pkt = newRawPacket();
  const every = opts.progressEvery ?? 1_000_000;
  let nextProgress = every;
  let packets = 0;
  let bytes = 0;
  let first = Infinity;
  let last = -Infinity;
  try {
    while (src.next(pkt)) {
      engine.ingest(pkt);
      packets++;
      bytes += pkt.wirelen;
      const ts = pkt.tsSec * 1e6 + pkt.tsNsec / 1000;
      if (ts < first) first = ts;
      if (ts > last) last = ts;
      if (packets === nextProgress) {
        nextProgress += every;
        opts.onProgress?.(packets, path);
      }
    }
  } catch (e) {
    summary.error = errorOf(e, path);
  } finally {
    src.close();
  }
  summary.packets = packets;
  summary.bytes = bytes;
  if (packets > 0) {
    summary.firstSeen = first;
    summary.lastSeen = last;
  }
  opts.onProgress?.(packets, path);
  return summary;
}

function errorOf(e: unknown, path: string): { offset: number; message: string } {
  if (e instanceof CaptureFormatError) return { offset: e.offset, message: e.message };
  if (e instanceof CliError) return { offset: 0, message: e.message };
  const msg = e instanceof Error ? e.message : String(e);
  return { offset: 0, message: `${path}: ${msg}` };
}
