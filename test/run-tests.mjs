#!/usr/bin/env node
// `npm test`: type-check, build (tsc into dist, then the bundle that bin/ runs: scripts/bundle.mjs;
// some tests run the real bin/), run vitest, and end with the
// plain line "N passed, N failed[, N skipped]" read from vitest's JSON report, so that an
// empty or partial run cannot pass unnoticed. Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']) !== 0) {
  console.log('type check failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
if (run(bin('tsc'), ['-p', 'tsconfig.build.json']) !== 0 || run(process.execPath, [join(root, 'scripts', 'bundle.mjs')]) !== 0) {
  console.log('build failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const out = join(root, 'test-results.json');
rmSync(out, { force: true });
const status = run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${out}`,
  ...process.argv.slice(2),
]);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0);
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
} catch (e) {
  console.log(`could not read the vitest JSON report: ${e.message}`);
  failed += 1;
}
if (status !== 0 && failed === 0) failed = 1; // vitest failed without a counted test failure
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
