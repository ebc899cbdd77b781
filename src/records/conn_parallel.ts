/**
 * A large plain Zeek conn.log (TSV) parsed on two threads, with the result of one reader.
 *
 * The main thread reads the file once, in units of whole lines (UNIT bytes read after the previous
 * unit's unfinished line) into a pool of shared buffers, and hashes each read as before (one read,
 * one hash). Each unit goes to the parse worker (conn_worker.ts) when the worker has a free buffer
 * left, else the main thread parses it itself: the two share the work by speed, and the main thread
 * never waits for the worker. Units holding a `#` line (Zeek header directives) are parsed on the
 * main thread, which then sends the worker the header state with its next unit. Every unit carries
 * its first line's number (the main thread counts the lines of what it hands over), so malformed
 * lines are named by their own line.
 *
 * Each thread aggregates into a part (FlowAggregates in part mode: first line per tuple and per
 * history); at the end the worker's counts and tuples come back, and aggregate_merge.ts and
 * RecordLogReader.absorb make them what one reader of all lines in order would have made (same
 * tuples in the same order, sums, times, histories, problems, ignored kinds). If that cannot be
 * guaranteed (a part kept too few histories for a tuple, or the worker failed) the file is parsed
 * again serially, without hashing it again.
 *
 * Used from FLOWAUDIT_CONNLOG_PARALLEL_MIN bytes (default WORKER_MIN_BYTES, 32 MiB: smaller files do
 * not repay the worker's start-up); FLOWAUDIT_CONNLOG_UNIT sets the unit size (tests: small units,
 * so a test file spans many). Suricata eve, Zeek JSON, gzip files and streams stay serial.
 */
import { existsSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { InputSummary } from '../capture/ingest.js';
import { WORKER_MIN_BYTES, type InputHash } from '../inputs/input_hash.js';
import { workerThreads } from '../lazy_builtins.js';
import { mergeParts } from './aggregate_merge.js';
import { RecordCollector } from './collector.js';
import { countLines, feedUnit, hasDirective, type WorkerInit } from './conn_units.js';
import type { AggregatePart } from './flow_aggregate.js';
import { LineFeeder } from './line_feeder.js';
import { CHUNK, LineFramer } from './line_framer.js';
import { RecordLogReader, type ReaderState } from './read_log.js';

/** Buffers in the pool (the worker holds at most POOL - 1 of them). */
const POOL = 4;
const UNIT = 512 << 10;
/** Histories a part keeps per tuple (more than the MAX_HISTORIES merged, see aggregate_merge.ts). */
const PART_HISTORIES = 16;

interface WorkerResult {
  state: ReaderState;
  part: AggregatePart;
  named: number;
}

function envBytes(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * The worker's bundle: beside the main bundle (dist/), or in dist/ from the sources (tests) and from
 * dist/records/; FLOWAUDIT_CONNLOG_WORKER names another script (tests: a worker that fails).
 */
export function connWorkerScript(): string | null {
  const given = process.env.FLOWAUDIT_CONNLOG_WORKER;
  if (given) return existsSync(given) ? given : null;
  for (const rel of ['./connlog-worker.cjs', '../../dist/connlog-worker.cjs']) {
    try {
      const p = fileURLToPath(new URL(rel, import.meta.url));
      if (existsSync(p)) return p;
    } catch {
      // not a file URL
    }
  }
  return null;
}

/** Whether a plain conn.log of `size` bytes is read in parallel (see the file's comment). */
export function parallelWanted(size: number): boolean {
  return size >= envBytes('FLOWAUDIT_CONNLOG_PARALLEL_MIN', WORKER_MIN_BYTES) && connWorkerScript() !== null;
}

/** Counters of the last parallel read (tests: that the parallel path ran, and how the units were shared). */
export const parallelStats = { units: 0, workerUnits: 0, fallback: '', waitMs: 0 };

function startWorker(init: WorkerInit): { worker: Worker; result: Promise<WorkerResult> } {
  const worker = new (workerThreads().Worker)(connWorkerScript()!, {
    workerData: init,
    env: workerThreads().SHARE_ENV,
    stdout: true,
    stderr: true,
    trackUnmanagedFds: false,
  });
  const result = new Promise<WorkerResult>((resolve, reject) => {
    worker.on('message', (m: WorkerResult | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the parse worker stopped (exit ${code})`)));
  });
  result.catch(() => undefined); // awaited at the end; a failure then means a serial parse
  return { worker, result };
}

/**
 * Read and parse the file open at `fd` (at its start) on two threads into `into`, hashing every byte
 * read into `hash`. Returns the summary; null when the caller must parse the file again serially
 * (the hash has all the bytes already); 'serial' when no worker could be started (nothing was read).
 */
export async function readConnLogParallel(path: string, fd: number, into: RecordCollector, hash: InputHash): Promise<InputSummary | null | 'serial'> {
  const unit = envBytes('FLOWAUDIT_CONNLOG_UNIT', UNIT);
  const pool = Array.from({ length: POOL }, () => new SharedArrayBuffer(2 * unit));
  const ctl = new SharedArrayBuffer(4 * POOL);
  const busy = new Int32Array(ctl);
  let started: ReturnType<typeof startWorker>;
  try {
    started = startWorker({ path, tcpPorts: into.serverPorts.tcp, udpPorts: into.serverPorts.udp, historyLimit: PART_HISTORIES, pool, ctl });
  } catch (e) {
    parallelStats.fallback = `no worker: ${(e as Error).message}`;
    return 'serial'; // nothing read yet: the caller reads (and hashes) the file itself
  }
  const { worker, result } = started;
  const part = new RecordCollector(into.serverPorts, 'tuples', { historyLimit: PART_HISTORIES });
  const reader = new RecordLogReader(path, 'zeek-conn-tsv', part);
  const feeder = new LineFeeder(reader, true, 'zeek-conn-tsv');
  const read = new UnitReader(fd, unit, pool.map((b) => Buffer.from(b)), busy, hash);
  parallelStats.units = parallelStats.workerUnits = 0;
  parallelStats.fallback = '';
  try {
    read.run(feeder, worker);
  } catch (e) {
    reader.fail(e);
  }
  worker.postMessage({ end: true });
  let w: WorkerResult;
  const waitFrom = performance.now();
  try {
    w = await result;
    parallelStats.waitMs = performance.now() - waitFrom;
  } catch (e) {
    parallelStats.fallback = `worker: ${(e as Error).message}`;
    return null;
  } finally {
    worker.unref();
    void worker.terminate();
  }
  if (w.named > 0 || part.sni.size > 0 || part.httpHost.size > 0) return (parallelStats.fallback = 'names'), null;
  if (!mergeParts(into.tuples!, [part.tuples!.exportPart(), w.part])) return (parallelStats.fallback = 'histories'), null;
  reader.absorb(w.state);
  return reader.finish();
}

/** The main thread's side: read units, hand them over or parse them (see the file's comment). */
class UnitReader {
  private cur = 0;
  private carry = 0;
  private line = 1;
  /** The Zeek header changed since the worker last heard of it (a unit with a `#` line was parsed here). */
  private headerChanged = true;

  constructor(
    private readonly fd: number,
    private readonly unit: number,
    private readonly bufs: Buffer[],
    private readonly busy: Int32Array,
    private readonly hash: InputHash,
  ) {}

  run(feeder: LineFeeder, worker: Worker): void {
    for (;;) {
      const buf = this.bufs[this.cur]!;
      const n = readSync(this.fd, buf, this.carry, this.unit, null);
      if (n <= 0) break;
      this.hash.update(buf, this.carry, n);
      const len = this.carry + n;
      const end = buf.lastIndexOf(0x0a, len - 1) + 1;
      if (end === 0) {
        // No whole line yet: keep reading after it while it fits, else parse the rest here serially.
        this.carry = len;
        if (len + this.unit > buf.length) return this.serialRest(feeder, buf, len);
        continue;
      }
      parallelStats.units++;
      const next = hasDirective(buf, end) ? -1 : this.freeBuffer();
      if (next >= 0) {
        Atomics.store(this.busy, this.cur, 1);
        worker.postMessage({ slot: this.cur, len: end, line: this.line, header: this.headerChanged ? feeder.headerState() : undefined });
        this.headerChanged = false;
        parallelStats.workerUnits++;
        this.line += countLines(buf, end);
        this.bufs[next]!.set(buf.subarray(end, len), 0);
        this.cur = next;
      } else {
        if (hasDirective(buf, end)) this.headerChanged = true;
        this.line = feedUnit(buf, end, this.line, feeder);
        buf.copyWithin(0, end, len);
      }
      this.carry = len - end;
    }
    if (this.carry > 0) feeder.line(this.bufs[this.cur]!, 0, this.carry, this.line);
    feeder.end();
  }

  /** A buffer other than the current one the worker does not hold; -1 when none. */
  private freeBuffer(): number {
    for (let k = 1; k < this.bufs.length; k++) {
      const b = (this.cur + k) % this.bufs.length;
      if (Atomics.load(this.busy, b) === 0) return b;
    }
    return -1;
  }

  /** A line longer than a unit: the rest of the file is framed here (LineFramer), from this line on. */
  private serialRest(feeder: LineFeeder, buf: Buffer, len: number): void {
    const framer = new LineFramer(feeder, this.line);
    for (let off = 0; off < len; off += CHUNK) {
      const k = Math.min(CHUNK, len - off);
      framer.space().set(buf.subarray(off, off + k));
      framer.wrote(k);
    }
    for (;;) {
      const space = framer.space();
      const n = readSync(this.fd, space, 0, space.length, null);
      if (n <= 0) break;
      this.hash.update(space, 0, n);
      framer.wrote(n);
    }
    framer.end();
  }
}
