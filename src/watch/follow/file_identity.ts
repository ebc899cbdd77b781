/**
 * Which file is which while a sensor renames, recreates and truncates its logs: a file is known by
 * its device and inode (fs.stat) and, where there is no inode (ino 0: some Windows file systems,
 * Wine), or to guard against an inode reused after a delete, by the SHA-256 of its first bytes
 * (`HEAD_BYTES`, or fewer while the file is shorter). A Zeek log's head holds its `#open`
 * timestamp and a Suricata eve.json's first event its timestamp, so two logs differ there.
 */
import { createHash } from 'node:crypto';
import { fstatSync, readSync, type Stats } from 'node:fs';

/** How many leading bytes identify a file. */
export const HEAD_BYTES = 1024;

export interface FileId {
  dev: number;
  ino: number;
}

/** True when both have a real inode and they are the same file. */
export function sameInode(a: FileId, b: FileId): boolean {
  return a.ino !== 0 && b.ino !== 0 && a.dev === b.dev && a.ino === b.ino;
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

/** The identity of an open file. */
export function fdId(fd: number): FileId & { size: number; mtimeMs: number } {
  const st = fstatSync(fd);
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

/** A key for a set of files already read: dev:ino, or the head hash and size where there is no inode. */
export function doneKey(id: FileId, head: string, size: number): string {
  return id.ino !== 0 ? `i:${id.dev}:${id.ino}` : `h:${head}:${size}`;
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

/** Stats of a path, or null when it is absent (or vanished between listing and stat). */
export function statOrNull(stat: (p: string) => Stats, path: string): Stats | null {
  try {
    return stat(path);
  } catch {
    return null;
  }
}
