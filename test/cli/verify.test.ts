/**
 * flowaudit verify: an untouched report verifies; a changed capture byte, an edited report or a
 * changed inventory are named; unreadable inputs are exit 2.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';

async function labReport(): Promise<{ dir: string; capture: string; inventory: string; report: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fa-verify-'));
  const capture = join(dir, 'lab.pcapng');
  const inventory = join(dir, 'inv.json');
  copyFileSync(LAB, capture);
  copyFileSync(INV, inventory);
  const r = await runCli(['audit', capture, '--inventory', inventory, '--format', 'json']);
  expect(r.code).toBe(1);
  const report = join(dir, 'report.json');
  writeFileSync(report, r.stdout);
  return { dir, capture, inventory, report };
}

function flipByte(path: string, offset: number): void {
  const b = readFileSync(path);
  b[offset] = b[offset]! ^ 0x01;
  writeFileSync(path, b);
}

describe('flowaudit verify', () => {
  it('verifies an untouched report (recorded paths, and captures given explicitly)', async () => {
    const { report, capture } = await labReport();
    const v = await runCli(['verify', report]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.stdout).toContain(`capture    ok: ${capture}`);
    expect(v.stdout).toContain('re-run     ok');
    const copy = join(mkdtempSync(join(tmpdir(), 'fa-verify-copy-')), 'elsewhere.pcapng');
    copyFileSync(capture, copy);
    const w = await runCli(['verify', report, copy]);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain(`capture    ok: ${copy}`);
  });

  it('one changed byte in the capture fails verification and names the file', async () => {
    const { report, capture } = await labReport();
    flipByte(capture, 3000);
    const v = await runCli(['verify', report]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`capture    CHANGED: ${capture} sha256 is`);
    expect(v.stdout).toMatch(/NOT verified: capture .*lab\.pcapng does not match its recorded sha256/);
  });

  it('a changed packet count shows up in the re-run comparison', async () => {
    const { report, capture } = await labReport();
    // Cut the last record: the capture hash and the audit result both change.
    const b = readFileSync(capture);
    writeFileSync(capture, b.subarray(0, b.length - 40));
    const v = await runCli(['verify', report]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/summary\.packets: \d+ → \d+/);
  });

  it('an edited report fails its own integrity check', async () => {
    const { report } = await labReport();
    const j = JSON.parse(readFileSync(report, 'utf8'));
    j.verdict = 'pass';
    writeFileSync(report, JSON.stringify(j, null, 2));
    const v = await runCli(['verify', report]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('report     CHANGED');
    expect(v.stdout).toContain('verdict: "pass" → "fail"');
    expect(v.stdout).toContain('the report was modified after it was generated');
  });

  it('a changed inventory is named', async () => {
    const { report, inventory } = await labReport();
    writeFileSync(inventory, readFileSync(inventory, 'utf8').replace('"features"', '"features" ').trimEnd() + '\n\n');
    const v = await runCli(['verify', report]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`inventory  CHANGED: ${inventory}`);
  });

  it('input errors exit 2: missing report, not JSON, no evidence, missing capture, wrong count', async () => {
    const { dir, report, capture } = await labReport();
    expect((await runCli(['verify', join(dir, 'nope.json')])).code).toBe(2);
    const notJson = join(dir, 'r.html');
    writeFileSync(notJson, '<html>');
    const a = await runCli(['verify', notJson]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('not a flowaudit report');
    const old = join(dir, 'old.json');
    const j = JSON.parse(readFileSync(report, 'utf8'));
    delete j.evidence;
    writeFileSync(old, JSON.stringify(j));
    const b = await runCli(['verify', old]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('no evidence block');
    const c = await runCli(['verify', report, join(dir, 'missing.pcapng')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('missing.pcapng: no such file');
    const d = await runCli(['verify', report, capture, capture]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('records 1 capture(s), 2 given');
  });
});
