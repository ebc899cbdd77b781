/**
 * `followLogs`: the lines a sensor appends to its logs, as they come, across rotations, truncation,
 * sensor restarts and flowaudit restarts (checkpoint), with no line lost or repeated (see
 * followed_log.ts for each case). Polls with sync reads (a log directory is local; polling works
 * the same on Linux, Windows and network shares, where fs.watch does not), yields one batch per
 * chunk read at most, and keeps no more than one chunk and one partial line per log in memory.
 *
 * The checkpoint is written after each batch is consumed, i.e. when the consumer asks for the next
 * one (with `paced`, while catching up, only every so often: see FollowOptions.paced): stop with
 * `signal` (not `break`) so the last batch taken is recorded; a `break` leaves the batches since the
 * last checkpoint to be read again on resume (repeated, never lost).
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, messageOf } from '../../errors.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { statPath } from './file_identity.js';
import { FollowedLog, type LogBatch } from './followed_log.js';
import { CHUNK } from './open_log.js';

export interface FollowCheckpoint {
  file: string;
  dev: number;
  ino: number;
  /** Offset just after the last line handed out (a held-back partial line is read again). */
  offset: number;
  /** Number of the last line handed out (lines before `offset`). */
  lineNo: number;
  /** SHA-256 of the file's first min(offset, 1024) bytes: finds the file again where there is no inode. */
  headSha256: string;
  /** The live name this file was followed under (conn.log), when it has since been rotated away. */
  live?: string;
  /** `offset` is inside an overlong line being skipped. */
  skipping?: boolean;
}

export interface FollowBatch {
  /** Path of the file these lines came from (as opened; a rotated file keeps the name it had). */
  file: string;
  /** Complete lines only (no '\n', no trailing '\r'); a partial last line is held back until completed. */
  lines: string[];
  /** 1-based line number of lines[0] in that file. */
  firstLineNo: number;
  /** True on the first batch of a file (lines start at line 1: reset a Zeek #fields header parser). */
  newFile: boolean;
  /** Where every followed file stands after this batch (persist it to resume). */
  checkpoint: FollowCheckpoint[];
  /** The file shrank or was rewritten in place (copytruncate): these lines are from its start again. */
  truncated?: boolean;
  /** Lines longer than MAX_LINE_BYTES skipped just before lines[0] (counted in the line numbers). */
  overlong?: number;
  /**
   * The file's leading '#' lines (Zeek's header, bounded: 64 lines, 64 KiB) when this batch starts
   * mid-file under a name not seen before: resumed from a checkpoint, or renamed by a rotation
   * (`file` is then the rotated name). Feed them to the parser before `lines`.
   */
  header?: string[];
  /** What the follower noticed that a reader should know (a checkpointed file that is gone, a truncation). */
  notes?: string[];
}

export interface FollowOptions {
  /** A directory a sensor writes (conn.log / eve.json + rotated siblings) or one file. */
  path: string;
  /** Which files in the directory are the live log (default: /^(conn\.log|eve\.json)$/). */
  names?: RegExp;
  /** Default 500. */
  pollMs?: number;
  /** Read at start, written (atomically, rename) after each batch is consumed. */
  checkpointFile?: string;
  /**
   * Called just before the checkpoint is written, i.e. once the batches before it are consumed (watch
   * writes its state file here: state and checkpoint are written together, and a crash between the
   * two reads the batch again rather than losing what it taught).
   */
  beforeCheckpoint?: () => void;
  /**
   * Pace the checkpoint (and beforeCheckpoint) while catching up: after each batch only once PACE ×
   * the time the last one took has passed (at most 1/PACE of the time spent writing them), and always
   * when the logs are read to their end (a live follow: every poll that found lines). A crash while
   * catching up then reads that many batches again (repeated, never lost). Default: after each batch.
   */
  paced?: boolean;
  /** When no checkpoint: default 'beginning'. */
  startAt?: 'beginning' | 'end';
  /**
   * Stop: the poll under way (or, if aborted while waiting, one last poll) reads what the logs hold
   * now, to their last complete line, then the iterator ends. Aborted before the first poll, it
   * reads the logs once and stops (a replay: `watch --once`).
   */
  signal?: AbortSignal;
  /**
   * Tell files apart by their head hash and size only, as where the file system has no inode
   * (fs.stat gives ino 0). Automatic per file when ino is 0; this forces it (tests, odd shares).
   */
  ignoreInodes?: boolean;
  /**
   * Bytes read per chunk (default CHUNK, 1 MiB); a batch holds the lines of one chunk. watch asks
   * for less (WATCH_CHUNK): its batch's lines then die young instead of being promoted to the
   * old generation while the batch is judged.
   */
  chunkBytes?: number;
}

export const DEFAULT_LIVE_NAMES = /^(conn\.log|eve\.json)$/;

/**
 * While catching up, the event loop gets a turn at least this often (ms), so that a SIGTERM or
 * Ctrl-C stops watch within about this long instead of after the whole backlog. A stop before the
 * pass began (`--once`) still reads the logs to their end.
 */
const TURN_MS = 100;

/** Follows the logs of a directory (or one file): see the file comment. */
export async function* followLogs(opts: FollowOptions): AsyncIterable<FollowBatch> {
  const f = new Follower(opts);
  const pace = opts.paced ? new Pace() : null;
  let consumed: FollowCheckpoint[] | null = null;
  /** The checkpoint of the last batch consumed, with the caller's own state just before it. */
  const persist = (): void => {
    if (consumed === null) return;
    const t = performance.now();
    opts.beforeCheckpoint?.();
    if (opts.checkpointFile) writeCheckpoint(opts.checkpointFile, consumed);
    consumed = null;
    pace?.wrote(performance.now() - t);
  };
  try {
    for (;;) {
      const stopping = opts.signal?.aborted === true;
      let turn = performance.now();
      for (const batch of f.poll()) {
        yield batch;
        consumed = batch.checkpoint;
        if (pace === null || pace.due()) persist();
        if (stopping || performance.now() - turn < TURN_MS) continue;
        // Catching up on a backlog runs on microtasks alone: let the event loop turn (signals,
        // timers, sockets), and stop here, at the last batch consumed, if a stop came meanwhile.
        await new Promise<void>((resolve) => setImmediate(resolve));
        turn = performance.now();
        if (opts.signal?.aborted) break;
      }
      persist(); // the logs read to their end (caught up, or stopping), or a stop came while catching up: always
      if (stopping || opts.signal?.aborted) return;
      await sleep(opts.pollMs ?? 500, opts.signal);
    }
  } finally {
    f.close();
  }
}

class Follower {
  private readonly dir: string;
  private readonly names: RegExp;
  private readonly single: string | null;
  private readonly logs = new Map<string, FollowedLog>();
  private readonly buf: Buffer;
  private readonly pending: Map<string, FollowCheckpoint>;
  private readonly startAtEnd: boolean;
  private readonly noInode: boolean;
  /** The directory's files when the follow started (rotated ones among them predate it). */
  private readonly before: ReadonlySet<string>;

  constructor(opts: FollowOptions) {
    const st = statPath(opts.path, true);
    if (!st) throw new InputError(`${opts.path}: no such file or directory to follow`);
    this.single = st.isFile ? basename(opts.path) : null;
    this.dir = st.isFile ? dirname(opts.path) : opts.path;
    this.noInode = opts.ignoreInodes === true;
    this.buf = Buffer.allocUnsafe(opts.chunkBytes ?? CHUNK);
    this.names = opts.names ? new RegExp(opts.names.source, opts.names.flags.replace(/[gy]/g, '')) : DEFAULT_LIVE_NAMES; // test() without lastIndex state
    const cps = opts.checkpointFile ? readCheckpoint(opts.checkpointFile) : [];
    this.pending = new Map(cps.map((c) => [c.live ?? basename(c.file), c]));
    this.startAtEnd = opts.startAt === 'end' && cps.length === 0;
    this.before = new Set(listDir(this.dir).map((n) => join(this.dir, n)));
  }

  *poll(): Generator<FollowBatch> {
    for (const name of this.liveNames()) {
      const log = this.logs.get(name) ?? this.add(name);
      for (const b of log.poll(this.buf)) yield this.withCheckpoint(b, log);
    }
  }

  close(): void {
    for (const log of this.logs.values()) log.close();
  }

  private add(name: string): FollowedLog {
    const log = new FollowedLog(this.dir, name, this.noInode);
    const cp = this.pending.get(name);
    if (cp) log.resume(cp);
    else {
      log.startFresh(this.before);
      if (this.startAtEnd) log.startAtEnd(this.buf);
    }
    this.logs.set(name, log);
    return log;
  }

  /** The live names: the one file, or the directory's files matching `names` (new ones appear later). */
  private liveNames(): string[] {
    if (this.single) return [this.single];
    const live = listDir(this.dir).filter((n) => this.names.test(n));
    for (const name of this.logs.keys()) if (!live.includes(name)) live.push(name); // renamed away: finish it
    for (const name of this.pending.keys()) if (!live.includes(name)) live.push(name);
    return live.sort();
  }

  private withCheckpoint(b: LogBatch, from: FollowedLog): FollowBatch {
    const { at, ...rest } = b;
    const checkpoint: FollowCheckpoint[] = [];
    for (const log of this.logs.values()) {
      const cp = log === from ? at : log.checkpoint();
      if (cp) checkpoint.push(cp);
    }
    return { ...rest, checkpoint };
  }
}

/** Paced persisting (FollowOptions.paced): after a write that took d ms, the next is due PACE × d ms later. */
export const PACE = 20;
class Pace {
  private next = 0;

  wrote(ms: number): void {
    this.next = performance.now() + PACE * ms;
  }

  due(): boolean {
    return performance.now() >= this.next;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    throw new InputError(`${dir}: cannot list the directory to follow: ${messageOf(e)}`);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
