/**
 * `watch -i nics --engine pktmon`, orchestrated on Linux with the stand-in pktmon on PATH
 * (windows_standin.mjs copies the lab capture into place as the trace): pktmon hands its packets
 * over when the trace stops, so watch says so at start, and at SIGTERM every connection of the
 * trace is spooled once (as many rows as `flowaudit flows` gives for the lab capture), its events
 * come out, the final report is written and verifies, and the trace is stopped. Not run on Windows.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { waitFor } from './support.js';

const BIN = resolve('bin/flowaudit.js');
const LAB = resolve('fixtures/ams-lab.pcapng');
const INV = resolve('fixtures/ams-lab.inventory.json');
const STANDIN = resolve('test/live/windows_standin.mjs');

describe('watch -i --engine pktmon (stand-in pktmon on Linux)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-watch-pktmon-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says packets come when the trace stops; at SIGTERM every connection is spooled once, and the report verifies', async () => {
    const binDir = join(dir, 'bin');
    mkdirSync(binDir);
    for (const p of ['pktmon', 'netsh']) symlinkSync(STANDIN, join(binDir, p));
    const log = join(dir, 'standin.jsonl');
    writeFileSync(log, '');
    const reports = join(dir, 'reports');
    const events = join(dir, 'events.ndjson');
    const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, STANDIN_LOG: log, STANDIN_SOURCE: LAB, SOURCE_DATE_EPOCH: '1700000000' };
    const child = spawn(process.execPath, [BIN, 'watch', '-i', 'nics', '--engine', 'pktmon', '--inventory', INV, '--report-dir', reports, '--output', events], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      await waitFor(() => stderr.includes('capturing on nics'), 10_000, () => `watch did not start: ${stderr}`);
      // The note is its own write, right after: a pipe may hand it over in a later chunk.
      await waitFor(() => stderr.includes('pktmon hands its packets over when its trace stops'), 5_000, () => `no pktmon note after start: ${stderr}`);
      expect(stderr.indexOf('pktmon hands its packets over')).toBeGreaterThan(stderr.indexOf('capturing on nics'));
      child.kill('SIGTERM');
      expect(await closed).toBe(0);
    } finally {
      clearTimeout(kill);
      child.kill('SIGKILL');
    }
    const programs = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { args: string[] }).args.join(' '));
    expect(programs.some((a) => a.startsWith('stop'))).toBe(true); // the trace was stopped
    const flows = spawnSync(process.execPath, [BIN, 'flows', LAB], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
    const jsons = readdirSync(reports).filter((n) => /^watch-.*Z\.json$/.test(n));
    let rows = 0;
    for (const r of jsons) {
      rows += readFileSync(join(reports, r.replace(/\.json$/, '.flows.jsonl')), 'utf8').split('\n').filter(Boolean).length;
      const v = await runCli(['verify', join(reports, r)]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
    expect(flows).toBeGreaterThan(0);
    expect(rows).toBe(flows);
    expect(stderr).toMatch(new RegExp(`watch: nics: [1-9]\\d* packets captured, ${flows} connections spooled\\n`));
    const actions = readFileSync(events, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: { action: string } }).event.action);
    expect(actions[0]).toBe('watch-started');
    expect(actions.at(-1)).toBe('watch-stopped');
  }, 40_000);
});
