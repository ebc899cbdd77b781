/**
 * One live log name in a sensor's directory (`conn.log`, `eve.json`) followed across everything
 * the sensor does to it:
 * - appends: read from the last offset; a partial last line waits for its end (line_framer.ts);
 * - rotation (Zeek renames conn.log to conn.<date>.log and begins a new conn.log; logrotate renames
 *   eve.json to eve.json.1): the old file, still open, is read to its end and, once it has stopped
 *   growing for one poll (Suricata writes the renamed file until its SIGHUP), closed; files rotated
 *   away since (several rotations between two polls) are read whole, oldest first; then the new
 *   live file from its start;
 * - copytruncate (same file, now shorter than the offset, or its first bytes changed): the rows
 *   written since the last poll are read from the copy (the rotated sibling with the same head),
 *   then the file again from 0; the batch says `truncated`;
 * - a sensor restart that deletes and recreates the file: a new identity, handled as a rotation.
 * Where there is no inode (ino 0), a file is told by its head hash and size (file_identity.ts).
 * Rows are neither lost nor repeated, except rows copytruncate itself loses (written between its
 * copy and its truncate), which no reader can see.
 */
import { join } from 'node:path';
import { doneKey, type FileStat, headOfPath, headSha256, sameInode, statFd, statPath } from './file_identity.js';
import type { FollowBatch, FollowCheckpoint } from './follow_logs.js';
import type { FramedRun } from './line_framer.js';
import { type OpenLog, openLog } from './open_log.js';
import { findCheckpointed, rotatedSiblings } from './rotated_files.js';

/** A batch of one followed log before the checkpoint of all logs is attached. */
export type LogBatch = Omit<FollowBatch, 'checkpoint'> & { at: FollowCheckpoint };

/** Files already read to their end, remembered so a rotated file is never read twice (bounded). */
const MAX_DONE = 256;

export class FollowedLog {
  cur: OpenLog | null = null;
  private readonly done = new Set<string>();
  private notes: string[] = [];
  /**
   * Rotated files modified at or after this (ms) and not done are read before the live file is
   * (re)opened: at start, the newest rotated file already there (it and older ones predate the
   * follow); then the last file finished.
   */
  private since = Number.NEGATIVE_INFINITY;
  /** The checkpoint of the last file read to its end. */
  private lastDone: FollowCheckpoint | null = null;

  constructor(
    readonly dir: string,
    readonly live: string,
    private readonly noInode = false,
  ) {}

  /**
   * No checkpoint to go on: rotated files that were in the directory when the follow started
   * (`before`: their names) predate it and are not read; any rotated later are.
   */
  startFresh(before: ReadonlySet<string>): void {
    const old = rotatedSiblings(this.dir, this.live, this.noInode).filter(({ path }) => before.has(path));
    for (const { st } of old) this.since = Math.max(this.since, st.mtimeMs);
    for (const { path, st } of old) if (st.mtimeMs >= this.since) this.remember(this.doneKeyOf(path, st));
  }

  get livePath(): string {
    return join(this.dir, this.live);
  }

  /**
   * Continues from a checkpoint: finds the file it names (live or rotated since; those rotated after
   * it are read next) or says it is lost and starts fresh.
   */
  resume(cp: FollowCheckpoint): void {
    const path = findCheckpointed(this.dir, this.live, cp, this.noInode);
    const log = path === null ? null : openLog(path, cp.offset, cp.lineNo, this.noInode, cp.skipping === true);
    if (log === null) {
      this.startFresh(new Set(rotatedSiblings(this.dir, this.live, this.noInode).map((f) => f.path)));
      this.notes.push(`${cp.file}: the checkpointed file (dev ${cp.dev} ino ${cp.ino}) is gone; following ${this.livePath} from its start`);
      return;
    }
    this.cur = log;
  }

  /** Starts after the live file's last complete line, counting its lines without keeping them. */
  startAtEnd(buf: Buffer): void {
    if (!statPath(this.livePath, this.noInode)) return;
    const log = openLog(this.livePath, 0, 0, this.noInode);
    if (!log) return;
    while (log.readChunk(buf) !== null) {
      /* count lines, keep nothing */
    }
    log.isNew = false;
    log.header = log.readHeader(log.framer.consumed);
    this.cur = log;
  }

  /** Everything new since the last poll, batch by batch (one chunk each at most). */
  *poll(buf: Buffer): Generator<LogBatch> {
    if (!this.cur) yield* this.openNext(buf);
    while (this.cur) {
      const log = this.cur;
      const moved = this.liveMoved(log);
      if (moved && log.path === this.livePath) this.renamed(log, this.rotatedName(log));
      yield* this.checkInPlace(log, buf);
      yield* this.readToEnd(log, buf);
      if (!moved) {
        log.rotatedSize = -1;
        return;
      }
      const size = statFd(log.fd, this.noInode).size;
      if (log.rotatedSize !== size) {
        log.rotatedSize = size;
        return; // give the writer one poll to finish the renamed file
      }
      yield* this.finish(log);
      yield* this.openNext(buf);
    }
  }

  /** After a file is finished, or while there is none: files rotated since, then the live file. */
  private *openNext(buf: Buffer): Generator<LogBatch> {
    yield* this.readRotatedSince(buf);
    this.cur = null;
    this.openLive();
  }

  /** Where this log stands: the file in hand, else the last file finished (a restart reads what was rotated after it). */
  checkpoint(): FollowCheckpoint | null {
    return this.cur ? this.cpOf(this.cur) : this.lastDone;
  }

  close(): void {
    this.cur?.close();
    this.cur = null;
  }

  private openLive(): void {
    const st = statPath(this.livePath, this.noInode);
    if (!st || (st.key !== null && this.done.has(doneKey(st, '', 0)))) return;
    this.cur = openLog(this.livePath, 0, 0, this.noInode);
  }

  /** Truncated (copytruncate) or rewritten in place: the copy's new rows, then the file again from 0. */
  private *checkInPlace(log: OpenLog, buf: Buffer): Generator<LogBatch> {
    const st = statFd(log.fd, this.noInode);
    if (st.size < log.readOffset || (st.size !== log.lastSize && log.headChanged())) {
      this.notes.push(`${log.path}: truncated or rewritten in place (size ${st.size}, offset ${log.readOffset}); reading it again from the start`);
      yield* this.readCopyTail(log, buf);
      log.restart();
    }
    log.lastSize = st.size;
    log.mtimeMs = st.mtimeMs;
  }

  /** copytruncate copied the file before truncating it: what the copy holds past our offset. */
  private *readCopyTail(log: OpenLog, buf: Buffer): Generator<LogBatch> {
    if (log.headLen <= 0) return;
    let best: { path: string; st: FileStat } | null = null;
    for (const { path, st } of rotatedSiblings(this.dir, this.live, this.noInode)) {
      if (sameInode(st, log.id) || st.mtimeMs < log.mtimeMs || headOfPath(path, log.headLen) !== log.head) continue;
      // a copy of what was read: never to be read whole later as a rotated file
      this.remember(this.doneKeyOf(path, st));
      this.since = Math.max(this.since, st.mtimeMs);
      if (st.size > log.framer.consumed && (!best || st.mtimeMs > best.st.mtimeMs)) best = { path, st };
    }
    if (!best) return;
    const copy = openLog(best.path, log.framer.consumed, log.framer.lineNo, this.noInode, log.framer.skipping);
    if (!copy) return;
    copy.isNew = false;
    copy.header = undefined;
    yield* this.readToEnd(copy, buf);
    yield* this.finish(copy);
  }

  private *readToEnd(log: OpenLog, buf: Buffer): Generator<LogBatch> {
    for (let runs = log.readChunk(buf); runs !== null; runs = log.readChunk(buf)) {
      for (const run of runs) yield this.batchOf(log, run);
    }
  }

  /**
   * The live name no longer names the open file (renamed, deleted, replaced). Without inodes: the
   * live file's first bytes differ, or it is larger than the open file (stat of the path first, so
   * the same file, which only grows, cannot look larger than itself).
   */
  private liveMoved(log: OpenLog): boolean {
    const st = statPath(this.livePath, this.noInode);
    if (!st) return true;
    if (st.key !== null && log.id.key !== null) return !sameInode(st, log.id);
    const mine = statFd(log.fd, this.noInode);
    if (st.size > mine.size || st.size < log.headLen) return true;
    return log.headLen > 0 && headOfPath(this.livePath, log.headLen) !== log.head;
  }

  /** The rows after a rename come under the file's new name, so the reader gets its header again. */
  private renamed(log: OpenLog, path: string | null): void {
    if (path === null) return;
    log.path = path;
    if (!log.isNew) log.header = log.readHeader(log.framer.consumed);
  }

  /** The name the open file was rotated to (same inode, else same head and size), null when deleted. */
  private rotatedName(log: OpenLog): string | null {
    const mine = statFd(log.fd, this.noInode);
    for (const { path, st } of rotatedSiblings(this.dir, this.live, this.noInode)) {
      if (sameInode(st, log.id)) return path;
      if (log.id.key === null && st.size === mine.size && headOfPath(path, log.headLen) === log.head) return path;
    }
    return null;
  }

  /** Hands out a partial last line of a file that will not grow again, and remembers it as read. */
  private *finish(log: OpenLog): Generator<LogBatch> {
    const last = log.framer.flushPartial();
    log.refreshHead();
    if (last) yield this.batchOf(log, last);
    const st = statFd(log.fd, this.noInode);
    log.mtimeMs = st.mtimeMs;
    this.since = Math.max(this.since, st.mtimeMs);
    this.remember(doneKey(log.id, headSha256(log.fd, st.size), st.size));
    this.lastDone = this.cpOf(log);
    log.close();
  }

  /** The done-set key of a file by path (its inode, else its head hash and size). */
  private doneKeyOf(path: string, st: FileStat): string {
    return st.key !== null ? doneKey(st, '', 0) : doneKey(st, headOfPath(path, st.size), st.size);
  }

  /**
   * Files rotated away since the last one finished (several rotations between two polls, or while
   * the live name was absent), read whole, oldest first (modification time, then birth time).
   */
  private *readRotatedSince(buf: Buffer): Generator<LogBatch> {
    const found = rotatedSiblings(this.dir, this.live, this.noInode).filter(({ path, st }) => st.mtimeMs >= this.since && !this.done.has(this.doneKeyOf(path, st)));
    found.sort((a, b) => a.st.mtimeMs - b.st.mtimeMs || a.st.birthtimeMs - b.st.birthtimeMs);
    for (const f of found) {
      const log = openLog(f.path, 0, 0, this.noInode);
      if (!log) continue;
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
}
