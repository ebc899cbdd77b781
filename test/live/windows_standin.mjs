#!/usr/bin/env node
// A stand-in for Windows' pktmon and netsh (test/live/windows_trace.test.ts): records its arguments
// (one JSON line per run in $STANDIN_LOG), and on start copies $STANDIN_SOURCE (a real ETL, or a
// pcapng) to the trace file named on its command line. $STANDIN_FAIL=<first argument> makes that
// command fail the way pktmon does when not elevated.
import { appendFileSync, copyFileSync } from 'node:fs';
import { basename } from 'node:path';

const name = basename(process.argv[1]).replace(/\.(mjs|exe)$/, '');
const args = process.argv.slice(2);
appendFileSync(process.env.STANDIN_LOG, `${JSON.stringify({ program: name, args })}\n`);
const verb = name === 'netsh' ? args[1] : args[0];
if (process.env.STANDIN_FAIL === verb) {
  process.stdout.write('Error: Access is denied.\r\n');
  process.exit(5);
}
if (verb === 'start') {
  const file = name === 'netsh' ? args.find((a) => a.startsWith('tracefile='))?.slice('tracefile='.length) : args[args.indexOf('--file-name') + 1];
  copyFileSync(process.env.STANDIN_SOURCE, file);
  process.stdout.write(name === 'netsh' ? 'Trace configuration:\r\n' : 'Logger Parameters:\r\n');
}
