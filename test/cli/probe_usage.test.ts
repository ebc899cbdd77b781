/**
 * `flowaudit probe` refuses bad options in one line, exit 2, before anything is sent. These run
 * in-process on the host, outside any namespace, so the inventory lists no member a probe could
 * target (only the probing role itself): even a check that regressed could send nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-probe-usage-'));
const inv = join(dir, 'inventory.json');
writeFileSync(inv, JSON.stringify({ roles: { 'ams-server': ['10.0.0.1'] } }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.each([
  [['--inventory', join(dir, 'none.json'), '--as', 'ams-server'], /none\.json: cannot read inventory: no such file/],
  [['--inventory', inv, '--as', 'nobody'], /--as: "nobody" is not a role of the matrix ams/],
  [['--inventory', inv, '--as', 'ams-server', '--rate', '0'], /--rate: "0" is not a number/],
  [['--inventory', inv, '--as', 'ams-server', '--rate', '5000'], /--rate: "5000" is not a number between 0 and 1000/],
  [['--inventory', inv, '--as', 'ams-server', '--timeout', 'soon'], /--timeout: "soon" is not a duration/],
  [['--inventory', inv, '--as', 'ams-server', '--timeout', '5m'], /--timeout: 5m is not between 1 ms and 60 s/],
  [['--inventory', inv, '--as', 'ams-server', '--ports', '1-65535'], /never a range/],
  [['--inventory', inv, '--as', 'ams-server', '-f', 'csv'], /unknown format "csv"/],
  [['--inventory', inv, '--as', 'ams-server', '--sign-key', inv], /--sign-key needs -o FILE \(a report on standard output/],
])('probe %j: exit 2, one line', async (args, re) => {
  const r = await runCli(['probe', ...args]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(re);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
});
