/**
 * Feed capture files into a FlowEngine, one after the other, as one body of evidence.
 * A file that breaks mid-way keeps what was read: its summary carries the error and the
 * packets before it stay counted.
 */
import { openCapture } from '../capture/open_capture.js';
import { newRawPacket, type CaptureInfo, type PacketSource } from '../capture/source.js';
import { CaptureFormatError, CliError } from '../errors.js';
import { sha256FilesInBackground } from './file_hash.js';
import type { FlowEngine } from './flow_engine.js';

export interface InputSummary {
  path: string;
  sha256: string | null;
  format: CaptureInfo['format'] | 'unknown';
  info: CaptureInfo | null;
  packets: number;
  bytes: number;
  /** µs since the epoch; null when the input had no packets. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** Fatal problem that stopped reading this input (what was read before it still counts). */
  error: { offset: number; message: string } | null;
}

export interface IngestOptions {
  /** Called every `progressEvery` packets (default 1M) and at the end of each file. */
  onProgress?: (packets: number, path: string) => void;
  progressEvery?: number;
}

/**
 * Ingest files in order into one engine (one body of evidence), hashing them on a worker thread
 * meanwhile. Summaries come back in the order of `paths`, with sha256 filled in.
 */
export async function ingestFiles(paths: string[], engine: FlowEngine, opts: IngestOptions = {}): Promise<InputSummary[]> {
  const hashes = sha256FilesInBackground(paths);
  const summaries = paths.map((p) => ingestFile(p, engine, opts));
  const h = await hashes;
  for (const s of summaries) {
    const r = h.get(s.path);
    if (r && 'sha256' in r) s.sha256 = r.sha256;
    else if (!s.error) s.error = { offset: 0, message: `${s.path}: cannot hash file: ${r?.error ?? 'no result'}` };
  }
  return summaries;
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
