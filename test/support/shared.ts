/**
 * The project's `shared/` folder (real-capture corpus, flow-log corpus, bench, vendor seed): it is
 * `../shared` beside the repository (how CI and the project lay it out), or $FLOWAUDIT_SHARED. A
 * user's fresh clone has none, so every test that needs it goes through describeShared/itShared:
 * skipped with the reason when it is absent, or, with FLOWAUDIT_REQUIRE_SHARED=1 (.ci/run sets
 * it), a failing test saying it is missing — as FLOWAUDIT_REQUIRE_LIVE and _BROWSER do.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';

const repo = new URL('../..', import.meta.url).pathname;

export const REQUIRE_SHARED = process.env.FLOWAUDIT_REQUIRE_SHARED === '1';

/** $FLOWAUDIT_SHARED, else `shared/` beside this repository (even when absent: then sharedMissing says so). */
export const SHARED_DIR: string = process.env.FLOWAUDIT_SHARED || join(repo, '..', 'shared');
export const CORPUS_DIR = join(SHARED_DIR, 'corpus');

/** Why a test needing `shared/<part>` cannot run here (null when it can). */
export function sharedMissing(part = 'corpus/MANIFEST.tsv'): string | null {
  const path = join(SHARED_DIR, part);
  return existsSync(path) ? null : `needs the shared corpus: ${path} not found (clone with ../shared beside it, or set FLOWAUDIT_SHARED)`;
}

/** null when the shared corpus is present. */
export const SHARED_MISSING: string | null = sharedMissing();

/** The reason to skip, or null: the first non-null of the shared check and any extra reasons. */
function firstReason(reasons: (string | null | false | undefined)[]): string | null {
  for (const r of reasons) if (r) return r;
  return null;
}

/**
 * describe() when `shared/<part>` is present; otherwise one skipped test with the reason in the
 * suite's name (the body, which may read the corpus, is not run), or, under
 * FLOWAUDIT_REQUIRE_SHARED=1, one failing test. `part` defaults to the corpus manifest.
 */
export function describeShared(name: string, body: () => void, part?: string): void {
  const reason = sharedMissing(part);
  if (reason === null) describe(name, body);
  else if (REQUIRE_SHARED) {
    describe(name, () => {
      it('can run (FLOWAUDIT_REQUIRE_SHARED=1 turns this skip into a failure)', () => {
        throw new Error(`shared test could not run: ${reason}`);
      });
    });
  } else {
    // The body is not run: it may read the corpus while collecting its tests.
    describe.skip(`${name} — skipped: ${reason}`, () => {
      it('needs the shared corpus', () => {});
    });
  }
}

/** it() likewise, for one test in a file that otherwise needs no shared corpus. */
export function itShared(name: string, body: () => unknown, part?: string): void {
  const reason = sharedMissing(part);
  if (reason === null) it(name, body);
  else if (REQUIRE_SHARED) {
    it(`${name} (FLOWAUDIT_REQUIRE_SHARED=1 turns this skip into a failure)`, () => {
      throw new Error(`shared test could not run: ${reason}`);
    });
  } else it.skip(`${name} — skipped: ${reason}`, body);
}

/** Skip reason for tests that also need something else (tshark, …): shared first, then the others. */
export function skipReason(...others: (string | null | false | undefined)[]): string | null {
  return firstReason([SHARED_MISSING, ...others]);
}
