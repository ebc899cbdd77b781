#!/usr/bin/env node
'use strict';
// Thin launcher: all logic lives in src/cli/main.ts, which returns an exit code instead of exiting.
// It runs the bundle (dist/flowaudit.cjs, built by `npm run build`: scripts/bundle.mjs), one
// CommonJS file loaded with its V8 code cache (bin/load.js), for start-up time.
const { join } = require('node:path');
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
