#!/usr/bin/env node
// Thin launcher: all logic lives in src/cli/main.ts, which returns an exit code instead of exiting.
import { main, nodeIo } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2), nodeIo());
process.exitCode = code;
