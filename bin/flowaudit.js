#!/usr/bin/env node
// Thin launcher: all logic lives in src/cli/main.ts, which returns an exit code instead of exiting.
// It runs the bundle (dist/flowaudit.js, built by `npm run build`: scripts/bundle.mjs), one file
// instead of ~100 modules, for start-up time.
import { main, nodeIo } from '../dist/flowaudit.js';

const code = await main(process.argv.slice(2), nodeIo());
process.exitCode = code;
