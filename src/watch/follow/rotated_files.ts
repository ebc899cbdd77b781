/**
 * The files a live log was rotated to, in its directory: listing them, and finding among them (or
 * the live file) the one a checkpoint names.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type FileStat, headOfPath, isRotatedName, statPath } from './file_identity.js';
import type { FollowCheckpoint } from './follow_logs.js';

export interface DirFile {
  path: string;
  st: FileStat;
}

/** The rotated siblings of `live` in `dir` (regular files; see isRotatedName). */
export function rotatedSiblings(dir: string, live: string, noInode: boolean): DirFile[] {
  const out: DirFile[] = [];
  for (const name of safeList(dir)) {
    if (!isRotatedName(name, live)) continue;
    const path = join(dir, name);
    const st = statPath(path, noInode);
    if (st?.isFile) out.push({ path, st });
  }
  return out;
}

/**
 * The live file or a rotated sibling that is the checkpointed file: its first min(offset, 1024)
 * bytes must hash to the checkpoint's head; the same device and inode decide among several; else
 * the oldest (reading rows again is safer than skipping them). null when none matches.
 */
export function findCheckpointed(dir: string, live: string, cp: FollowCheckpoint, noInode: boolean): string | null {
  const livePath = join(dir, live);
  const st0 = statPath(livePath, noInode);
  const candidates = [...(st0 ? [{ path: livePath, st: st0 }] : []), ...rotatedSiblings(dir, live, noInode)];
  let byHead: { path: string; mtimeMs: number } | null = null;
  for (const { path, st } of candidates) {
    if (st.size < cp.offset || headOfPath(path, cp.offset) !== cp.headSha256) continue;
    if (!noInode && cp.ino !== 0 && st.dev === cp.dev && st.ino === cp.ino) return path;
    if (!byHead || st.mtimeMs < byHead.mtimeMs) byHead = { path, mtimeMs: st.mtimeMs };
  }
  return byHead?.path ?? null;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
