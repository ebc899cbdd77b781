/**
 * Files watch rewrites while it runs (the follow checkpoint, the learned state): written beside
 * and renamed over, so a reader never sees half a file. A process killed between the two leaves
 * its `FILE.tmp-PID` behind; the next start removes those whose process is gone.
 */
import { readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `text` to `path` atomically (write beside, then rename over). Throws what fs throws. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Whether process `pid` exists (signal 0: a permission error still means it does). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `path`'s leftovers `path.tmp-PID` of processes that no longer run; returns their names. */
export function removeStaleTemps(path: string): string[] {
  const prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length));
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    try {
      unlinkSync(join(dirname(path), n));
      removed.push(n);
    } catch {
      // another process took it meanwhile: nothing to do
    }
  }
  return removed;
}
