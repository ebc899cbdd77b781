/**
 * Issue 17, "verify what is read": verify renders the report again from its own result and requires
 * the file to be that, byte for byte. A forged report (the visible verdict changed, the embedded
 * result untouched) never verifies, in any format, on the lab and on a corpus capture; an untouched
 * one does. Text and CSV reports alone carry no result: refused in one line naming what verify
 * checks (inside an evidence directory they are checked: evidence_dir.test.ts). A report of another
 * flowaudit version is never called verified on its embedded data alone (exit 3).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultSha256 } from '../../src/audit/evidence.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';
import { runCli } from '../support/run_cli.js';

const CORPUS_CAPTURE = join(CORPUS_DIR, 'captures', 'zeek__ldap-aduser1.pcap');

interface Made {
  dir: string;
  files: Record<string, string>;
}

/** The capture (and inventory) copied into a fresh folder, and the report in each format written beside them. */
async function reports(capture: string, inventory: string | null, extra: string[] = []): Promise<Made> {
  const dir = mkdtempSync(join(tmpdir(), 'fa-visible-'));
  copyFileSync(capture, join(dir, 'capture.pcap'));
  const args = [join(dir, 'capture.pcap'), ...extra];
  if (inventory) {
    copyFileSync(inventory, join(dir, 'inv.json'));
    args.push('-i', join(dir, 'inv.json'));
  }
  const files: Record<string, string> = {};
  for (const [format, ext] of [['json', 'json'], ['html', 'html'], ['markdown', 'md'], ['text', 'txt'], ['csv', 'csv']]) {
    const path = join(dir, `report.${ext}`);
    const r = await runCli(['audit', ...args, '-f', format!, '-o', path]);
    writeFileSync(path, r.files.get(path) as string);
    files[format!] = path;
  }
  return { dir, files };
}

const forge: Record<string, (text: string, from: string) => string> = {
  html: (t, from) => t.replace(`data-verdict="${from.toLowerCase()}">${from}<`, 'data-verdict="pass">PASS<'),
  markdown: (t, from) => t.replace(`## flowaudit: ${from}`, '## flowaudit: PASS'),
  text: (t, from) => t.replace(`verdict: ${from}`, 'verdict: PASS'),
  csv: (t, from) => t.replace(`verdict,,${from.toLowerCase()},`, 'verdict,,pass,'),
};

function checkForgeries(made: () => Promise<Made>, verdict: string): void {
  it.each(['json', 'html', 'markdown'])('an untouched %s report verifies', async (format) => {
    const { files } = await made();
    const v = await runCli(['verify', files[format]!]);
    expect(v.stderr).toBe('');
    expect(v.stdout).toMatch(/visible\s+ok: .* is byte for byte the \w+ report flowaudit writes/);
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.code).toBe(0);
  });

  it.each(['html', 'markdown'])('a forged %s report (visible verdict PASS) fails, naming the first differing line', async (format) => {
    const { files } = await made();
    const path = files[format]!;
    const forged = forge[format]!(readFileSync(path, 'utf8'), verdict);
    expect(forged).not.toBe(readFileSync(path, 'utf8'));
    writeFileSync(path, forged);
    const v = await runCli(['verify', path]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/visible\s+CHANGED: .* first difference at line \d+( column \d+)?: the file has ".*PASS.*", flowaudit writes ".*"/);
    expect(v.stdout).toContain('report     ok'); // the embedded result itself was not touched
    expect(v.stdout.trim().split('\n').at(-1)).toMatch(/^NOT verified: what the reader sees is not what flowaudit wrote/);
  });

  it.each(['text', 'csv'])('a %s report, untouched or forged, is refused in one line naming what verify checks', async (format) => {
    const { files } = await made();
    const path = files[format]!;
    const before = await runCli(['verify', path]);
    writeFileSync(path, forge[format]!(readFileSync(path, 'utf8'), verdict));
    const after = await runCli(['verify', path]);
    for (const v of [before, after]) {
      expect(v.code).toBe(2);
      expect(v.stdout).toBe('');
      expect(v.stderr.trim().split('\n')).toHaveLength(1);
      expect(v.stderr).toContain('flowaudit verify checks JSON, HTML and Markdown reports');
      expect(v.stderr).toContain('evidence directory');
    }
  });
}

describe('verify what is read: the lab', () => {
  const made = (): Promise<Made> => reports('fixtures/ams-lab.pcapng', 'fixtures/ams-lab.inventory.json');
  checkForgeries(made, 'FAIL');

  // Found by mutating report bytes: a result edited into a shape flowaudit never writes (here with its
  // hash recomputed, as a forger would) used to crash the renderer with an internal error (exit 70).
  it.each([
    ['a rule without its outcomes', (j: Record<string, any>) => delete j.rules[0].outcomes],
    ['rules that are not a list', (j: Record<string, any>) => { j.rules = { length: 1 }; }],
    ['a summary that is null', (j: Record<string, any>) => { j.summary = null; }],
  ])('a forged result with %s is a finding (exit 1, MALFORMED), not a crash', async (_name, edit) => {
    const { files } = await made();
    const j = JSON.parse(readFileSync(files.json!, 'utf8'));
    edit(j);
    j.evidence.resultSha256 = resultSha256(j);
    const md = readFileSync(files.markdown!, 'utf8');
    const embedded = /flowaudit-result:base64 ([A-Za-z0-9+/=]+)/;
    expect(md).toMatch(embedded);
    writeFileSync(files.markdown!, md.replace(embedded, `flowaudit-result:base64 ${Buffer.from(JSON.stringify(j)).toString('base64')}`));
    const v = await runCli(['verify', files.markdown!]);
    expect(v.stderr).toBe('');
    expect(v.stdout).toMatch(/content\s+MALFORMED: the report's result is not one flowaudit writes \(.+\); the rest was not checked/);
    expect(v.stdout.trim().split('\n').at(-1)).toMatch(/^NOT verified: .*its result is malformed/);
    expect(v.code).toBe(1);
  });

  it('one changed character anywhere in the visible HTML (an address in a table) fails', async () => {
    const { files } = await made();
    const html = readFileSync(files.html!, 'utf8');
    const at = html.indexOf('10.0.0.3<');
    expect(at).toBeGreaterThan(0);
    writeFileSync(files.html!, `${html.slice(0, at)}10.0.0.4${html.slice(at + 8)}`);
    const v = await runCli(['verify', files.html!]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/visible\s+CHANGED: .*line \d+ column \d+: the file has ".*10\.0\.0\.4/);
  });

  it('CRLF line ends (a copy through Windows tools) are not a visible change; a changed word still is', async () => {
    const { files } = await made();
    const md = readFileSync(files.markdown!, 'utf8');
    writeFileSync(files.markdown!, md.replace(/\n/g, '\r\n'));
    const v = await runCli(['verify', files.markdown!]);
    expect(v.stdout).toMatch(/visible\s+ok: .* with CRLF line ends/);
    expect(v.code).toBe(0);
    writeFileSync(files.markdown!, md.replace(/\n/g, '\r\n').replace('## flowaudit: FAIL', '## flowaudit: PASS'));
    expect((await runCli(['verify', files.markdown!])).code).toBe(1);
  });

  it('a report of another flowaudit version is not called verified: what was checked, and that the visible text could not be (exit 3)', async () => {
    const { files } = await made();
    const j = JSON.parse(readFileSync(files.json!, 'utf8'));
    j.tool.version = '0.0.9';
    j.evidence.tool.version = '0.0.9';
    j.evidence.resultSha256 = resultSha256(j);
    writeFileSync(files.markdown!, renderMarkdown(j));
    const v = await runCli(['verify', files.markdown!]);
    expect(v.stdout).toContain('report     ok');
    expect(v.stdout).toMatch(/visible\s+NOT CHECKED: written by flowaudit 0\.0\.9, this is .*could not be checked \(the embedded result was\)/);
    expect(v.stdout).toContain('re-run     ok');
    expect(v.stdout.trim().split('\n').at(-1)).toMatch(/^NOT verified as a whole \(nothing found wrong in what was checked\): the visible text \(written by flowaudit 0\.0\.9/);
    expect(v.code).toBe(3);
  });
});

describeShared('verify what is read: a corpus capture', () => {
  const made = (): Promise<Made> => reports(CORPUS_CAPTURE, null, ['--scope', 'all']);
  checkForgeries(made, 'INCONCLUSIVE');
}, 'corpus/captures/zeek__ldap-aduser1.pcap');
