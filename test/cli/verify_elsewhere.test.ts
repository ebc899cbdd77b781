/**
 * Issue 23: `verify` of a report made elsewhere (another folder, machine or OS): inputs and policy
 * files are found beside the report by name, then by sha256, before the recorded path; verify says
 * where it found each. A report made on Windows records `C:\captures\lab.pcapng`: read on Linux,
 * the capture beside it is used.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultSha256 } from '../../src/audit/evidence.js';
import { baseName } from '../../src/evidence/locate_input.js';
import { renderJson } from '../../src/report/json.js';
import { runCli } from '../support/run_cli.js';

async function madeThenMoved(): Promise<{ made: string; away: string }> {
  const made = mkdtempSync(join(tmpdir(), 'fa-made-'));
  copyFileSync('fixtures/ams-lab.pcapng', join(made, 'lab.pcapng'));
  copyFileSync('fixtures/ams-lab.inventory.json', join(made, 'inv.json'));
  const report = join(made, 'report.json');
  const r = await runCli(['audit', join(made, 'lab.pcapng'), '-i', join(made, 'inv.json'), '-f', 'json', '-o', report]);
  writeFileSync(report, r.files.get(report) as string);
  const away = mkdtempSync(join(tmpdir(), 'fa-away-'));
  for (const f of ['lab.pcapng', 'inv.json', 'report.json']) renameSync(join(made, f), join(away, f));
  return { made, away };
}

describe('verify a report made elsewhere', () => {
  it.each([
    ['C:\\captures\\lab.pcapng', 'lab.pcapng'],
    ['\\\\server\\share\\lab.pcapng', 'lab.pcapng'],
    ['/var/tmp/x/lab.pcapng', 'lab.pcapng'],
    ['lab.pcapng', 'lab.pcapng'],
  ])('the name of %s is %s', (p, name) => {
    expect(baseName(p)).toBe(name);
  });

  it('moved to another folder: inputs and inventory found beside the report by name, and said so', async () => {
    const { made, away } = await madeThenMoved();
    const v = await runCli(['verify', join(away, 'report.json')]);
    expect(v.stdout).toContain(`note: ${join(made, 'lab.pcapng')}: found beside the report by name: ${join(away, 'lab.pcapng')}`);
    expect(v.stdout).toContain(`note: ${join(made, 'inv.json')}: found beside the report by name: ${join(away, 'inv.json')}`);
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.code).toBe(0);
  });

  it('renamed beside the report: found by its sha256', async () => {
    const { away } = await madeThenMoved();
    renameSync(join(away, 'lab.pcapng'), join(away, 'evidence-2026-03-02.pcapng'));
    const v = await runCli(['verify', join(away, 'report.json')]);
    expect(v.stdout).toMatch(/found beside the report by its sha256 \(recorded as .*lab\.pcapng\): .*evidence-2026-03-02\.pcapng/);
    expect(v.code).toBe(0);
  });

  it('a report made on Windows (C:\\captures\\…) verifies on Linux with its files beside it', async () => {
    const { away } = await madeThenMoved();
    const path = join(away, 'report.json');
    const j = JSON.parse(readFileSync(path, 'utf8'));
    const onLinux = [j.inputs[0].path, j.inventory.origin] as string[];
    const win = (p: string): string => `C:\\captures\\${p.split('/').pop()}`;
    // What the same audit records on Windows: the paths, everywhere they appear, with its backslashes.
    const text = onLinux.reduce((t, p) => t.split(JSON.stringify(p).slice(1, -1)).join(JSON.stringify(win(p)).slice(1, -1)), readFileSync(path, 'utf8'));
    const w = JSON.parse(text);
    w.evidence.resultSha256 = resultSha256(w);
    writeFileSync(path, renderJson(w));
    const v = await runCli(['verify', path]);
    expect(v.stdout).toContain(`note: C:\\captures\\lab.pcapng: found beside the report by name: ${join(away, 'lab.pcapng')}`);
    expect(v.stdout).toContain(`note: C:\\captures\\inv.json: found beside the report by name: ${join(away, 'inv.json')}`);
    expect(v.stdout).toContain('re-run     ok');
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.code).toBe(0);
  });

  it('nothing beside the report nor at the recorded path: one line saying where it looked (exit 2)', async () => {
    const { away } = await madeThenMoved();
    mkdirSync(join(away, 'sub'));
    renameSync(join(away, 'lab.pcapng'), join(away, 'sub', 'lab.pcapng'));
    const v = await runCli(['verify', join(away, 'report.json')]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/lab\.pcapng: no such file \(input 1 of the report; looked beside the report by name and by sha256, then at the recorded path\)/);
    expect(v.stderr.trim().split('\n')).toHaveLength(1);
    // The checks made before the missing input are printed, not lost.
    expect(v.stdout).toMatch(/^verify .*report\.json \(json report\)\n  report     ok: .*\n  visible    ok: /);
  });
});
