#!/usr/bin/env node
// `npm test`: lint (scripts/lint.mjs: Biome, function and line length, import direction),
// type-check, build (tsc into dist, then the bundle that bin/ runs: scripts/bundle.mjs; some tests
// run the real bin/), run vitest, and end with the plain line "N passed, N failed[, N skipped]"
// counting tests, read from vitest's JSON report, so that an empty or partial run cannot pass
// unnoticed. A test file that fails to load (syntax error, a throw at import) has no tests to
// count: it is named on its own line before the closing one, and the run fails. A lint problem
// likewise fails the run with its own line. Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

const lintFailed = run(process.execPath, [join(root, 'scripts', 'lint.mjs')]) !== 0;

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
const notes = [];
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = r.numFailedTests ?? 0;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const suite of r.testResults ?? []) {
    const tests = suite.assertionResults ?? [];
    if (suite.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
      const why = String(suite.message ?? '').trim().split('\n')[0] || 'no message';
      notes.push(`test file failed to load or run: ${relative(root, suite.name)}: ${why}`);
    }
  }
} catch (e) {
  notes.push(`could not read the vitest JSON report: ${e.message}`);
}
if (status !== 0 && failed === 0 && notes.length === 0) notes.push(`vitest exited with status ${status} without a failed test`);
if (lintFailed) notes.push('lint failed: see its problems above (node scripts/lint.mjs)');
for (const n of notes) console.log(n);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && notes.length === 0 && passed > 0 ? 0 : 1);
