/**
 * Where `verify` finds an input recorded in a report, which may have been made on another machine
 * or OS (`C:\captures\lab.pcapng` in a report read on Linux). In order:
 *   1. beside the report by name (the recorded path relative to the report's folder, then its last
 *      component, with either kind of slash, then that name in `inputs/` as an evidence directory
 *      keeps copies) when that file has the recorded sha256;
 *   2. beside the report by hash: a file in the report's folder with the recorded size (when
 *      known) and sha256;
 *   3. the recorded path as written (absolute, or relative to the current directory);
 *   4. the name beside the report even though its hash differs (verify then reports it changed).
 * Only the report's own folder is searched (no recursion), and a file is hashed only when its
 * size matches (or the size was not recorded): bounded work for a folder of large captures.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { sha256File } from '../inputs/file_hash.js';

export interface Located {
  path: string;
  /** How it was found, for verify's output. */
  how: string;
}

/** The last component of a path written on any OS. */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

const windowsAbsolute = (p: string): boolean => /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');

function hashOf(p: string, cache: Map<string, string | null>): string | null {
  if (!cache.has(p)) {
    try {
      cache.set(p, sha256File(p));
    } catch {
      cache.set(p, null);
    }
  }
  return cache.get(p) ?? null;
}

/** Finds the input recorded as `recorded` with `sha256` (and `size` bytes when known) for the report at `reportPath`. */
export function locateInput(reportPath: string, recorded: string, sha256: string | null, size: number | null, cache = new Map<string, string | null>()): Located {
  const dir = dirname(reportPath);
  const relative = isAbsolute(recorded) || windowsAbsolute(recorded) ? [] : [join(dir, recorded)];
  const names = [...new Set([...relative, join(dir, baseName(recorded)), join(dir, 'inputs', baseName(recorded))])].filter(isFile);
  for (const n of names) if (sha256 !== null && hashOf(n, cache) === sha256) return { path: n, how: 'found beside the report by name' };
  if (sha256 !== null) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      entries = [];
    }
    for (const e of entries.sort()) {
      const p = join(dir, e);
      if (p === reportPath || !isFile(p)) continue;
      if (size !== null && statSync(p).size !== size) continue;
      if (hashOf(p, cache) === sha256) return { path: p, how: `found beside the report by its sha256 (recorded as ${recorded})` };
    }
  }
  if (!windowsAbsolute(recorded) || process.platform === 'win32') {
    if (existsSync(recorded)) return { path: recorded, how: 'at its recorded path' };
  }
  if (names[0] !== undefined) return { path: names[0], how: 'found beside the report by name' };
  return { path: recorded, how: 'not found beside the report, nor at its recorded path' };
}
