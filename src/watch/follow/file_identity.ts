/**
 * Which file is which while a sensor renames, recreates and truncates its logs: a file is known by
 * its device and inode (fs.stat) and, where there is no inode (ino 0: some Windows file systems,
 * Wine), or to guard against an inode reused after a delete, by the SHA-256 of its first bytes
 * (`HEAD_BYTES`, or fewer while the file is shorter). A Zeek log's head holds its `#open`
 * timestamp and a Suricata eve.json's first event its timestamp, so two logs differ there.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync, type BigIntStats } from 'node:fs';

/** How many leading bytes identify a file. */
export const HEAD_BYTES = 1024;

/**
 * A file's identity. `dev` and `ino` are what a checkpoint records (numbers); `key` is the exact
 * device:inode from bigint stats (an NTFS file index passes 2^53 once its sequence number is high,
 * so two neighbouring files could round to the same number), null where there is no inode.
 */
export interface FileId {
  dev: number;
  ino: number;
  key: string | null;
}

/** What the follower needs of a stat: identity, size, modification time (ms, sub-ms precision). */
export interface FileStat extends FileId {
  size: number;
  mtimeMs: number;
  birthtimeMs: number;
  isFile: boolean;
}

function fromBig(st: BigIntStats, noInode: boolean): FileStat {
  const ino = noInode ? 0n : st.ino;
  return {
    dev: Number(st.dev),
    ino: Number(ino),
    key: ino === 0n ? null : `${st.dev}:${ino}`,
    size: Number(st.size),
    mtimeMs: Number(st.mtimeNs) / 1e6,
    birthtimeMs: Number(st.birthtimeNs) / 1e6,
    isFile: st.isFile(),
  };
}

/** Stat of a path, or null when it is absent (or vanished between listing and stat). */
export function statPath(path: string, noInode: boolean): FileStat | null {
  try {
    return fromBig(statSync(path, { bigint: true }), noInode);
  } catch {
    return null;
  }
}

/** Stat of an open file. */
export function statFd(fd: number, noInode: boolean): FileStat {
  return fromBig(fstatSync(fd, { bigint: true }), noInode);
}

/** True when both have a real inode and they are the same file. */
export function sameInode(a: FileId, b: FileId): boolean {
  return a.key !== null && a.key === b.key;
}

/** SHA-256 (hex) of the first min(len, HEAD_BYTES) bytes of an open file (fewer if it is shorter). */
export function headSha256(fd: number, len: number): string {
  const n = Math.min(len, HEAD_BYTES);
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, got);
    if (r === 0) break;
    got += r;
  }
  return createHash('sha256').update(buf.subarray(0, got)).digest('hex');
}

/** A key for a set of files already read: dev:ino, or the head hash and size where there is no inode. */
export function doneKey(id: FileId, head: string, size: number): string {
  return id.key !== null ? `i:${id.key}` : `h:${head}:${size}`;
}

/** Compressed rotated logs are not followed (logrotate's `compress`: use `delaycompress`). */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|zip)$/i;

/**
 * Whether `name` is a rotated sibling of the live log `live`: Zeek's `conn.2026-12-07-19-00-00.log`
 * for `conn.log`, logrotate's `eve.json.1` (or dated `eve.json-20261207`) and Suricata's own
 * `eve.2026-12-07.json` / `eve-2026-12-07.json` for `eve.json`. Compressed files are not.
 */
export function isRotatedName(name: string, live: string): boolean {
  if (name === live || COMPRESSED.test(name)) return false;
  if (name.startsWith(`${live}.`) || name.startsWith(`${live}-`)) return true;
  const dot = live.lastIndexOf('.');
  if (dot <= 0) return false;
  const stem = live.slice(0, dot);
  const ext = live.slice(dot);
  return (name.startsWith(`${stem}.`) || name.startsWith(`${stem}-`)) && name.endsWith(ext);
}

/** SHA-256 of the first min(len, HEAD_BYTES) bytes of a path ('' when it cannot be read). */
export function headOfPath(path: string, len: number): string {
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
