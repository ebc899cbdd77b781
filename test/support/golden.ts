/**
 * Golden files (test/golden): a test's output must equal its committed golden file. A missing
 * golden fails the test (a test that writes what it then compares against cannot fail); after an
 * intended change, `UPDATE_GOLDEN=1 npx vitest run <test file>` writes them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const GOLDEN_DIR = 'test/golden';

export function expectGolden(name: string, actual: string): void {
  const p = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(p, actual);
  if (!existsSync(p)) {
    expect.fail(`golden file ${p} is missing: write it with UPDATE_GOLDEN=1 npx vitest run ${expect.getState().testPath ?? '<this test file>'}, then review and commit it`);
  }
  expect(actual).toBe(readFileSync(p, 'utf8'));
}
