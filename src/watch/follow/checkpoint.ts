/**
 * The follower's checkpoint file: where every followed log stands, written after each batch is
 * consumed, atomically (a temporary file beside it, then rename, which replaces the old one on
 * POSIX and on Windows), so a crash leaves either the old or the new checkpoint, never half of one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InputError, messageOf } from '../../errors.js';
import { removeStaleTemps, writeAtomic } from './atomic_file.js';
import type { FollowCheckpoint } from './follow_logs.js';

const VERSION = 1;

interface CheckpointFile {
  flowauditFollow: number;
  files: FollowCheckpoint[];
}

/** Reads a checkpoint file; [] when it does not exist yet. A broken one is an InputError naming it. */
export function readCheckpoint(path: string): FollowCheckpoint[] {
  removeStaleTemps(path);
  if (!existsSync(path)) return [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: cannot read the follow checkpoint: ${messageOf(e)}`);
  }
  const file = data as Partial<CheckpointFile>;
  if (!file || file.flowauditFollow !== VERSION || !Array.isArray(file.files)) {
    throw new InputError(`${path}: not a flowaudit follow checkpoint (version ${VERSION}); delete it to start over`);
  }
  return file.files.filter(validEntry);
}

function validEntry(e: unknown): e is FollowCheckpoint {
  const c = e as FollowCheckpoint;
  return (
    !!c &&
    typeof c.file === 'string' &&
    Number.isSafeInteger(c.offset) &&
    c.offset >= 0 &&
    Number.isSafeInteger(c.lineNo) &&
    c.lineNo >= 0 &&
    typeof c.dev === 'number' &&
    typeof c.ino === 'number' &&
    typeof c.headSha256 === 'string'
  );
}

/** Writes the checkpoint atomically (write beside, then rename over). */
export function writeCheckpoint(path: string, files: FollowCheckpoint[]): void {
  const body: CheckpointFile = { flowauditFollow: VERSION, files };
  try {
    writeAtomic(path, `${JSON.stringify(body, null, 1)}\n`);
  } catch (e) {
    throw new InputError(`${path}: cannot write the follow checkpoint: ${messageOf(e)}`);
  }
}
