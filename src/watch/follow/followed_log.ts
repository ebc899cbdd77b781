/**
 * One live log name in a sensor's directory (`conn.log`, `eve.json`) followed across everything
 * the sensor does to it:
 * - appends: read from the last offset; a partial last line waits for its end (line_framer.ts);
 * - rotation (Zeek renames conn.log to conn.<date>.log and begins a new conn.log; logrotate renames
 *   eve.json to eve.json.1): the old file, still open, is read to its end and, once it has stopped
 *   growing for one poll (Suricata writes the renamed file until its SIGHUP), closed; files rotated
 *   away since (several rotations between two polls) are read whole, oldest first; then the new
 *   live file from its start;
 * - copytruncate or a file rewritten in place (same inode, smaller than the offset, or its first
 *   bytes changed): started again at 0, the batch says `truncated`;
 * - a sensor restart that deletes and recreates the file: a new identity, handled as a rotation.
 * Rows are neither lost nor repeated, except what copytruncate itself loses (rows written between
 * its copy and its truncate), which no reader can see.
 */
import { closeSync, fstatSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { doneKey, headSha256, isRotatedName, sameInode, statOrNull } from './file_identity.js';
import type { FollowBatch, FollowCheckpoint } from './follow_logs.js';
import type { FramedRun } from './line_framer.js';
import { OpenLog } from './open_log.js';

/** A batch of one followed log before the checkpoint of all logs is attached. */
export type LogBatch = Omit<FollowBatch, 'checkpoint'> & { at: FollowCheckpoint };

/** Files already read to their end, remembered so a rotated file is never read twice (bounded). */
const MAX_DONE = 256;

export class FollowedLog {
  cur: OpenLog | null = null;
  private readonly done = new Set<string>();
  private notes: string[] = [];

  constructor(
    readonly dir: string,
    readonly live: string,
  ) {}

  get livePath(): string {
    return join(this.dir, this.live);
  }

  /** Continues from a checkpoint: finds the file it names (live or rotated since) or says it is lost. */
  resume(cp: FollowCheckpoint): void {
    const path = this.findCheckpointed(cp);
    if (path === null) {
      this.notes.push(`${cp.file}: the checkpointed file (dev ${cp.dev} ino ${cp.ino}) is gone; following ${this.livePath} from its start`);
      return;
    }
    this.cur = new OpenLog(path, cp.offset, cp.lineNo, cp.skipping === true);
  }

  /** Starts at the end of the live file (its last complete line), counting its lines without keeping them. */
  startAtEnd(buf: Buffer): void {
    if (!statOrNull(statSync, this.livePath)) return;
    const log = new OpenLog(this.livePath, 0, 0);
    while (log.readChunk(buf) !== null) {
      /* count lines, keep nothing */
    }
    log.isNew = false;
    this.cur = log;
    this.cur.header = undefined;
  }

  /** Everything new since the last poll, batch by batch (one chunk each at most). */
  *poll(buf: Buffer): Generator<LogBatch> {
    if (!this.cur) this.openLive();
    while (this.cur) {
      const log = this.cur;
      this.checkInPlace(log);
      yield* this.readToEnd(log, buf);
      if (!this.liveMoved(log)) return;
      const size = fstatSync(log.fd).size;
      if (log.rotatedSize !== size) {
        log.rotatedSize = size;
        return; // give the writer one poll to finish the renamed file
      }
      yield* this.finish(log);
      yield* this.readRotatedSince(log, buf);
      this.cur = null;
      this.openLive();
    }
  }

  checkpoint(): FollowCheckpoint | null {
    return this.cur ? this.cpOf(this.cur) : null;
  }

  close(): void {
    this.cur?.close();
    this.cur = null;
  }

  private openLive(): void {
    const st = statOrNull(statSync, this.livePath);
    if (!st || this.done.has(doneKey(st, '', 0))) return;
    this.cur = new OpenLog(this.livePath, 0, 0);
  }

  /** Truncated (copytruncate) or rewritten in place: start again at 0. */
  private checkInPlace(log: OpenLog): void {
    const st = fstatSync(log.fd);
    if (st.size < log.readOffset || (st.size !== log.lastSize && log.headChanged())) {
      this.notes.push(`${log.path}: truncated or rewritten in place (size ${st.size} < offset ${log.readOffset} or its first bytes changed); reading it again from the start`);
      log.restart();
    }
    log.lastSize = st.size;
    log.mtimeMs = st.mtimeMs;
  }

  private *readToEnd(log: OpenLog, buf: Buffer): Generator<LogBatch> {
    for (let runs = log.readChunk(buf); runs !== null; runs = log.readChunk(buf)) {
      for (const run of runs) yield this.batchOf(log, run);
    }
  }

  /** The live name no longer names the open file (renamed, deleted, replaced). */
  private liveMoved(log: OpenLog): boolean {
    const st = statOrNull(statSync, this.livePath);
    if (!st) return true;
    if (st.ino !== 0 && log.id.ino !== 0) return !sameInode(st, log.id);
    if (log.headLen <= 0) return false;
    if (st.size < log.headLen) return true;
    return headOfPath(this.livePath, log.headLen) !== log.head;
  }

  /** Hands out a partial last line of a file that will not grow again, and remembers it as read. */
  private *finish(log: OpenLog): Generator<LogBatch> {
    const last = log.framer.flushPartial();
    log.refreshHead();
    if (last) yield this.batchOf(log, last);
    this.remember(doneKey(log.id, log.head, log.readOffset));
    log.close();
  }

  /** Files rotated away after `prev` (several rotations between two polls), read whole, oldest first. */
  private *readRotatedSince(prev: OpenLog, buf: Buffer): Generator<LogBatch> {
    const found: { path: string; mtimeMs: number }[] = [];
    for (const name of safeList(this.dir)) {
      if (!isRotatedName(name, this.live)) continue;
      const path = join(this.dir, name);
      const st = statOrNull(statSync, path);
      if (!st?.isFile() || st.mtimeMs < prev.mtimeMs || sameInode(st, prev.id)) continue;
      if (st.ino !== 0 && this.done.has(doneKey(st, '', 0))) continue;
      found.push({ path, mtimeMs: st.mtimeMs });
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of found) {
      const log = new OpenLog(f.path, 0, 0);
      if (log.id.ino === 0 && this.done.has(doneKey(log.id, headSha256(log.fd, log.lastSize), log.lastSize))) {
        log.close();
        continue;
      }
      this.cur = log;
      yield* this.readToEnd(log, buf);
      yield* this.finish(log);
    }
  }

  private remember(key: string): void {
    this.done.add(key);
    if (this.done.size > MAX_DONE) {
      const first = this.done.values().next().value;
      if (first !== undefined) this.done.delete(first);
    }
  }

  private batchOf(log: OpenLog, run: FramedRun): LogBatch {
    const b: LogBatch = {
      file: log.path,
      lines: run.lines,
      firstLineNo: run.firstLineNo,
      newFile: log.isNew,
      at: { ...this.cpOf(log), offset: run.endOffset, lineNo: run.endLineNo },
    };
    if (log.truncated) b.truncated = true;
    if (run.overlong > 0) b.overlong = run.overlong;
    if (log.header) b.header = log.header;
    if (this.notes.length > 0) b.notes = this.notes;
    log.isNew = false;
    log.truncated = false;
    log.header = undefined;
    this.notes = [];
    return b;
  }

  private cpOf(log: OpenLog): FollowCheckpoint {
    const cp: FollowCheckpoint = {
      file: log.path,
      live: this.live,
      dev: log.id.dev,
      ino: log.id.ino,
      offset: log.framer.consumed,
      lineNo: log.framer.lineNo,
      headSha256: log.head,
    };
    if (log.framer.skipping) cp.skipping = true;
    return cp;
  }

  /** The live file or a rotated sibling that is the checkpointed file: same inode first, else same head. */
  private findCheckpointed(cp: FollowCheckpoint): string | null {
    const names = [this.live, ...safeList(this.dir).filter((n) => isRotatedName(n, this.live))];
    let byHead: { path: string; mtimeMs: number } | null = null;
    for (const name of names) {
      const path = join(this.dir, name);
      const st = statOrNull(statSync, path);
      if (!st?.isFile() || st.size < cp.offset) continue;
      const headOk = headOfPath(path, Math.min(cp.offset, 1024)) === cp.headSha256;
      if (!headOk) continue;
      if (sameInode(st, cp)) return path;
      if (!byHead || st.mtimeMs < byHead.mtimeMs) byHead = { path, mtimeMs: st.mtimeMs };
    }
    return byHead?.path ?? null;
  }
}

function headOfPath(path: string, len: number): string {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    return headSha256(fd, len);
  } catch {
    return '';
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
