/**
 * The examples of docs/verify-and-sign.md stay true: each documented line below is produced again
 * (same fixtures, SOURCE_DATE_EPOCH as the page) and must appear in the page as written.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAmsNicLastRdpSyn, SMALL_INVENTORY } from '../../fixtures/scenarios.js';
import { runCli } from '../support/run_cli.js';

const PAGE = readFileSync('docs/verify-and-sign.md', 'utf8');
const env = { SOURCE_DATE_EPOCH: '1772445600' };

/** Runs in a fresh folder and shows paths relative to it, as the page does. */
async function inDir(dir: string, argv: string[]): Promise<{ code: number; out: string; files: Map<string, string | Uint8Array> }> {
  const r = await runCli(argv.map((a) => (a.startsWith('@') ? join(dir, a.slice(1)) : a)), env);
  return { code: r.code, out: `${r.stdout}${r.stderr}`.split(`${dir}/`).join(''), files: r.files };
}

describe('docs/verify-and-sign.md', () => {
  it('the cut capture: inconclusive, exit 3, the reason as documented', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-doc-'));
    const whole = buildAmsNicLastRdpSyn();
    writeFileSync(join(dir, 'cut.pcapng'), whole.subarray(0, whole.length - 12));
    const r = await inDir(dir, ['audit', '@cut.pcapng', '-i', SMALL_INVENTORY, '--vantage', 'ams-server']);
    expect(r.code).toBe(3);
    const lines = r.out.split('\n').slice(0, 2);
    for (const l of lines) expect(PAGE).toContain(l);
  });

  it('the forged Markdown report and the refused text report, as documented', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-doc-'));
    copyFileSync('fixtures/ams-lab.pcapng', join(dir, 'lab.pcapng'));
    copyFileSync('fixtures/ams-lab.inventory.json', join(dir, 'inventory.json'));
    const md = await inDir(dir, ['audit', '@lab.pcapng', '-i', '@inventory.json', '-f', 'markdown', '-o', '@report.md']);
    const text = String(md.files.get(join(dir, 'report.md')));
    writeFileSync(join(dir, 'forged.md'), text.replace(/^## flowaudit: FAIL/m, '## flowaudit: PASS'));
    const v = await inDir(dir, ['verify', '@forged.md']);
    expect(v.code).toBe(1);
    const visible = v.out.split('\n').find((l) => l.includes('visible'))!;
    expect(PAGE).toContain(visible);
    writeFileSync(join(dir, 'report.txt'), 'flowaudit 0.1.0 — verdict: FAIL\n');
    const t = await inDir(dir, ['verify', '@report.txt']);
    expect(t.code).toBe(2);
    expect(PAGE).toContain(t.out.trim());
  });
});
