/**
 * The command line's inputs as a list of things to open: `-` (standard input), files, FIFOs and
 * devices as given, and each directory expanded recursively to the files inside it (sorted by
 * path; hidden entries included). Whether a file holds a capture is decided later by its content;
 * files found in a directory that are not captures are skipped with a note, while an input named
 * explicitly that is not a capture is an error.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, InputError, messageOf } from '../errors.js';

export interface InputSpec {
  path: string;
  /** Found by expanding this directory argument (null: named on the command line). */
  fromDirectory: string | null;
}

/** Bound on the files one directory argument may expand to (each stays open while inputs merge). */
export const MAX_DIRECTORY_FILES = 512;

export function expandInputs(paths: string[]): InputSpec[] {
  if (paths.length === 0) throw new UsageError('no capture file given');
  const out: InputSpec[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ path: p, fromDirectory: null });
      continue;
    }
    if (!existsSync(p)) throw new InputError(`${p}: no such file`);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      throw new InputError(`${p}: cannot stat: ${messageOf(e)}`);
    }
    if (!isDir) {
      out.push({ path: p, fromDirectory: null });
      continue;
    }
    const files = walk(p);
    if (files.length === 0) throw new InputError(`${p}: directory holds no files`);
    if (files.length > MAX_DIRECTORY_FILES) {
      throw new InputError(`${p}: directory holds ${files.length} files, more than ${MAX_DIRECTORY_FILES}; merge them first (mergecap -w all.pcapng ${p}/*) or give fewer`);
    }
    for (const f of files) out.push({ path: f, fromDirectory: p });
  }
  if (out.filter((s) => s.path === '-').length > 1) throw new UsageError('standard input (-) given more than once');
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    throw new InputError(`${dir}: cannot list directory: ${messageOf(e)}`);
  }
  for (const name of entries) {
    const p = join(dir, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      continue; // dangling link
    }
    if (st.isDirectory()) out.push(...walk(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}
