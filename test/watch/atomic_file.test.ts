/** Leftovers of a write interrupted between write and rename are removed at the next start, unless their process still runs. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTemps, writeAtomic } from '../../src/watch/follow/atomic_file.js';
import { readCheckpoint } from '../../src/watch/follow/checkpoint.js';
import { readState } from '../../src/watch/watch_state.js';

/** The pid of a process that has exited (and so no longer runs). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('atomic watch files', () => {
  it('writeAtomic leaves no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-atomic-'));
    const f = join(dir, 'cp.json');
    writeAtomic(f, 'x\n');
    expect(readFileSync(f, 'utf8')).toBe('x\n');
    expect(existsSync(`${f}.tmp-${process.pid}`)).toBe(false);
  });

  it.each([
    ['the follow checkpoint', (f: string) => readCheckpoint(f)],
    ['the learned state', (f: string) => readState(f)],
  ])('reading %s removes the leftovers of dead processes only', (_what, read) => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-atomic-'));
    const f = join(dir, 'file.json');
    const dead = `${f}.tmp-${deadPid()}`;
    const live = `${f}.tmp-${process.pid === 1 ? 2 : 1}`; // pid 1 always runs
    const other = join(dir, 'other.json.tmp-999999999');
    for (const p of [dead, live, other]) writeFileSync(p, '{');
    read(f);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true); // another file's leftover: not ours to remove
  });

  it('removeStaleTemps names what it removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-atomic-'));
    const f = join(dir, 's.json');
    const pid = deadPid();
    writeFileSync(`${f}.tmp-${pid}`, '');
    expect(removeStaleTemps(f)).toEqual([`s.json.tmp-${pid}`]);
  });
});
