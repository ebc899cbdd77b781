#!/usr/bin/env node
'use strict';
// Thin launcher: all logic lives in src/cli/main.ts, which returns an exit code instead of exiting.
// It runs the bundle (dist/flowaudit.cjs, built by `npm run build`: scripts/bundle.mjs), one
// CommonJS file loaded with its V8 code cache (bin/load.js), for start-up time.
const { join } = require('node:path');
// An audit of large inputs starts its hash worker first thing, so that the worker boots while the
// bundle loads (src/cli/prestart.ts). Best effort: without it the audit starts the worker itself.
if (process.argv[2] === 'audit') {
  try {
    require('../dist/prestart.cjs').prestartFor(process.argv.slice(2));
  } catch {
    // no dist/prestart.cjs (an old build): the audit command starts the worker
  }
}
const { loadBundle } = require('./load.js');

const bundle = join(__dirname, '..', 'dist', 'flowaudit.cjs');
const { main, nodeIo, canExitNow } = loadBundle(bundle, `${bundle}.cache`).exports;
const io = nodeIo();
main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
  // Everything written and nothing pending: end now, without Node's teardown of the heap and of
  // the finished hash worker (tens of milliseconds after a large audit; see canExitNow).
  if (canExitNow(io, process.getActiveResourcesInfo())) process.exit(code);
});
