/**
 * Output paths are checked before any capture or audit starts (issue 8): a report that cannot be
 * written must not cost a 30-minute live capture. One line, exit 2, naming the option and the path.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError, InputError, messageOf } from '../errors.js';

/** Throws a UsageError when `path` cannot be written as a file (missing folder, a directory, no permission). */
export function checkOutputPath(path: string, option = '--output'): void {
  const abs = resolve(path);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(abs);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new UsageError(`${option} ${path}: is a directory; give a file name`);
  const dir = dirname(abs);
  let d: ReturnType<typeof statSync>;
  try {
    d = statSync(dir);
  } catch {
    throw new UsageError(`${option} ${path}: the folder ${dirname(path)} does not exist`);
  }
  if (!d.isDirectory()) throw new UsageError(`${option} ${path}: ${dirname(path)} is not a folder`);
  try {
    accessSync(st ? abs : dir, constants.W_OK);
  } catch {
    throw new UsageError(`${option} ${path}: not writable (permission denied)`);
  }
}

/** Write through `io`, turning a late failure (disk full, removed folder) into one line and exit 2. */
export function writeOutput(write: () => void, path: string, option = '--output'): void {
  try {
    write();
  } catch (e) {
    throw new InputError(`${option} ${path}: cannot write: ${messageOf(e)}`);
  }
}
