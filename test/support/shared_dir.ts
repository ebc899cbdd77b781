/**
 * Where the project's `shared/` folder is (real-capture corpus, vendor seed): $FLOWAUDIT_SHARED,
 * else `shared/` beside this repository (how CI lays it out), else /work/shared. Tests that need it
 * skip with a reason when it is absent, except in CI (CI=true), where a missing corpus must fail.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const repo = new URL('../..', import.meta.url).pathname;

function locate(): string {
  const candidates = [process.env.FLOWAUDIT_SHARED, join(repo, '..', 'shared'), '/work/shared'];
  for (const c of candidates) if (c && existsSync(join(c, 'corpus', 'MANIFEST.tsv'))) return c;
  if (process.env.CI) throw new Error(`shared/ not found (looked in ${candidates.filter(Boolean).join(', ')}); CI must run with the corpus`);
  return join(repo, '..', 'shared');
}

export const SHARED_DIR = locate();
export const CORPUS_DIR = join(SHARED_DIR, 'corpus');
