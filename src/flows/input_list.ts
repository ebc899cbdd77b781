/**
 * The command line's inputs as a list of things to open: `-` (standard input), files, FIFOs and
 * devices as given, and each directory expanded recursively to the files inside it (sorted by
 * path; hidden entries included). Whether a file holds a capture is decided later by its content;
 * files found in a directory that are not captures are skipped with a note, while an input named
 * explicitly that is not a capture is an error.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors.js';

export interface InputSpec {
  path: string;
  /** Found by expanding this directory argument (null: named on the command line). */
  fromDirectory: string | null;
}

/** Bound on the files one directory argument may expand to (each stays open while inputs merge). */
export const MAX_DIRECTORY_FILES = 512;

export function expandInputs(paths: string[]): InputSpec[] {
  if (paths.length === 0) throw new CliError('no capture file given', 'usage');
  const out: InputSpec[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ path: p, fromDirectory: null });
      continue;
    }
    if (!existsSync(p)) throw new CliError(`${p}: no such file`, 'input');
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      throw new CliError(`${p}: cannot stat: ${(e as Error).message}`, 'input');
    }
    if (!isDir) {
      out.push({ path: p, fromDirectory: null });
      continue;
    }
    const files = walk(p);
    if (files.length === 0) throw new CliError(`${p}: directory holds no files`, 'input');
    if (files.length > MAX_DIRECTORY_FILES) {
      throw new CliError(`${p}: directory holds ${files.length} files, more than ${MAX_DIRECTORY_FILES}; merge them first (mergecap -w all.pcapng ${p}/*) or give fewer`, 'input');
    }
    for (const f of files) out.push({ path: f, fromDirectory: p });
  }
  if (out.filter((s) => s.path === '-').length > 1) throw new CliError('standard input (-) given more than once', 'usage');
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    throw new CliError(`${dir}: cannot list directory: ${(e as Error).message}`, 'input');
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
