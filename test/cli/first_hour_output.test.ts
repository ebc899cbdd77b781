/**
 * Issue 20, the small things a new user trips over: the format follows the -o extension when -f is
 * not given, formats in any case, one stderr line for every file written, plurals, and discover's
 * next step only when there is a proposal.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseFormat, formatForPath } from '../../src/cli/options.js';
import { REPORT_FORMATS } from '../../src/report/render.js';
import { CORPUS_DIR, itShared } from '../support/shared.js';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';
const CAPTURES = join(CORPUS_DIR, 'captures');
const dir = mkdtempSync(join(tmpdir(), 'fa-first-hour-'));

describe('format from the -o extension', () => {
  it.each([
    ['r.json', 'json'],
    ['r.HTML', 'html'],
    ['r.htm', 'html'],
    ['r.md', 'markdown'],
    ['r.csv', 'csv'],
    ['r.txt', 'text'],
    ['r.ndjson', 'ecs'],
    ['r.report', undefined],
    ['noext', undefined],
  ])('%s → %s', (path, want) => {
    expect(formatForPath(path, REPORT_FORMATS)).toBe(want);
  });

  it('a command offers its own formats: flows -o x.json is jsonl, discover -o x.html falls back to text', () => {
    expect(chooseFormat(undefined, ['jsonl', 'csv'] as const, 'jsonl', 'x.json')).toBe('jsonl');
    expect(chooseFormat(undefined, ['text', 'json'] as const, 'text', 'x.html')).toBe('text');
  });

  it('-f wins over the extension, in any case; an unknown -f is still a usage error', () => {
    expect(chooseFormat('TEXT', REPORT_FORMATS, 'text', 'x.html')).toBe('text');
    expect(chooseFormat('Json', REPORT_FORMATS, 'text')).toBe('json');
    expect(() => chooseFormat('yaml', REPORT_FORMATS, 'text')).toThrow(/unknown format "yaml"/);
  });

  it('audit -o report.html writes HTML and says so', async () => {
    const out = join(dir, 'report.html');
    const r = await runCli(['audit', LAB, '-i', INV, '-o', out]);
    expect(String(r.files.get(out))).toMatch(/^<!DOCTYPE html>/);
    expect(r.stderr).toMatch(/^flowaudit: wrote the html report to .*report\.html: verdict FAIL/);
  });

  it('audit -f JSON is accepted', async () => {
    const r = await runCli(['audit', LAB, '-i', INV, '-f', 'JSON']);
    expect(JSON.parse(r.stdout).verdict).toBe('fail');
  });
});

describe('one stderr line for every file written', () => {
  it('discover -o inventory.json writes the inventory (JSON from the extension) and confirms', async () => {
    const out = join(dir, 'inventory.json');
    const r = await runCli(['discover', LAB, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(String(r.files.get(out))).roles['ams-server']).toBeDefined();
    expect(r.stderr).toMatch(/^flowaudit: wrote the proposed inventory to .*inventory\.json: \d+ members in \d+ roles\n$/);
  });

  it('flows -o and audit --emit-state confirm', async () => {
    const out = join(dir, 'flows.csv');
    const f = await runCli(['flows', LAB, '-o', out]);
    expect(String(f.files.get(out))).toMatch(/^protocol,client,/);
    expect(f.stderr).toBe(`flowaudit: wrote 39 connections (csv) to ${out}\n`);
    const st = join(dir, 'state.json');
    const a = await runCli(['audit', LAB, '-i', INV, '--emit-state', st, '--sensor', 's1']);
    expect(a.stderr).toBe(`flowaudit: wrote the mergeable state (sensor s1) to ${st}\n`);
  });
});

describe('plurals and discover with nothing to propose', () => {
  itShared('a capture of one connection says "1 connection", "1 packet" never "1 packets"', async () => {
    const r = await runCli(['audit', join(CAPTURES, 'zeek__tcp-truncated-header.pcap'), '-i', INV, '--scope', 'all']);
    expect(r.stdout).toContain(', 1 connection (1 in scope)');
    expect(r.stdout).not.toMatch(/\b1 (connections|packets)\b/);
  });

  itShared('discover says "Next: save the proposal" only when something was proposed', async () => {
    const lab = await runCli(['discover', LAB]);
    expect(lab.stdout).toContain('Next: save the proposal as an inventory');
    const none = await runCli(['discover', join(CAPTURES, 'tcpdump__pptp.pcap')]);
    expect(none.stdout).toContain('No role could be proposed from this capture.');
    expect(none.stdout).not.toContain('save the proposal');
    expect(none.stdout).toContain('Next: nothing to save yet');
  });
});

describe('an input that cannot be read is one line, exit 2, no report (item 4)', () => {
  const text = join(dir, 'notes.pcap');
  writeFileSync(text, 'hello, this is not a capture\n');

  it.each([
    ['audit', ['audit', text, '-i', INV]],
    ['audit -o', ['audit', text, '-i', INV, '-o', join(dir, 'never.html')]],
    ['discover', ['discover', text]],
    ['flows', ['flows', text]],
  ])('%s: a text file given as a capture', async (_name, argv) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.files.size).toBe(0);
    expect(r.stderr).toBe(`flowaudit: ${text}: Cannot read pcap header: unknown magic 0x68656c6c (neither pcap, pcapng nor ETL) (at byte offset 0)\n`);
  });

  it('several inputs, one bad: the inconclusive report stays, the bad one named on stderr', async () => {
    const r = await runCli(['audit', text, LAB, '-i', INV, '-f', 'json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('inconclusive');
    expect(j.verdictReasons[0]).toMatch(/^input .*notes\.pcap could not be read/);
    expect(r.stderr).toContain('notes.pcap: Cannot read pcap header');
  });
});

describe('a directory that is an evidence folder (item 5)', () => {
  it('captures beside the inventory, old reports and notes: the audit runs, each other file skipped with a note saying what it is', async () => {
    const ev = mkdtempSync(join(tmpdir(), 'fa-evidence-'));
    copyFileSync(LAB, join(ev, 'ams-lab.pcapng'));
    copyFileSync(INV, join(ev, 'inventory.json'));
    const json = await runCli(['audit', LAB, '-i', INV, '-f', 'json']);
    writeFileSync(join(ev, 'old-report.json'), json.stdout);
    writeFileSync(join(ev, 'old-report.html'), (await runCli(['audit', LAB, '-i', INV, '-f', 'html'])).stdout);
    writeFileSync(join(ev, 'notes.json'), '{"ticket": 42}\n');
    writeFileSync(join(ev, 'readme.txt'), 'captured on the AMS NIC\n');
    const r = await runCli(['audit', ev, '-i', INV, '-f', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('fail');
    expect(j.inputs.map((i: { path: string }) => i.path)).toEqual([join(ev, 'ams-lab.pcapng')]);
    const notes = r.stderr.trim().split('\n');
    expect(notes).toEqual([
      `flowaudit: note: ${join(ev, 'inventory.json')}: skipped, not a capture or flow log: a flowaudit inventory; give it with --inventory`,
      expect.stringMatching(/notes\.json: skipped, not a capture or flow log: line 1 is a JSON object, but neither/),
      `flowaudit: note: ${join(ev, 'old-report.html')}: skipped, not a capture or flow log: a flowaudit report (HTML), not evidence`,
      `flowaudit: note: ${join(ev, 'old-report.json')}: skipped, not a capture or flow log: a flowaudit report (JSON), not evidence`,
      expect.stringMatching(/readme\.txt: skipped, not a capture or flow log \(unknown magic/),
    ]);
  });

  it('the inventory named as a capture: one line that says what it is and where it belongs', async () => {
    const r = await runCli(['audit', INV, '-i', INV]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`flowaudit: ${INV}: not a capture or a flow log: a flowaudit inventory; give it with --inventory\n`);
  });
});

describe('matrix files: errors in words, one line each with the prefix; add-on matrices (item 7)', () => {
  const site = (rules: object[], roles?: object): string => {
    const p = join(dir, `site-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(p, JSON.stringify({ name: 'site', version: '1', source: 'us', ...(roles ? { roles } : {}), rules }));
    return p;
  };
  const rule = { id: 'site-backup', source: 'ams-server', destination: 'backup', protocol: 'tcp', ports: ['8443'], requirement: 'optional', description: 'backup' };

  it('several problems: one line each, each with flowaudit: and the place in words', async () => {
    const p = site([{ ...rule, ports: ['tcp/8443'] }, { ...rule, id: 'Two', protocol: 'TCP' }], { backup: {} });
    const r = await runCli(['matrix', 'show', '-m', p]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `flowaudit: ${p}: rule 1 ("site-backup"), ports[0]: "tcp/8443" is not a port; write "8443" with "protocol": "tcp" (one protocol per rule)`,
      `flowaudit: ${p}: rule 2 ("Two"), id: "Two" is not a name in lower case with dashes, e.g. "ams-ldap"`,
      `flowaudit: ${p}: rule 2 ("Two"), protocol: "TCP" is not one of "tcp", "udp"`,
    ]);
  });

  it('an add-on without ams-server in its roles audits with builtin:ams', async () => {
    const p = site([rule], { backup: { description: 'the backup server' } });
    const r = await runCli(['audit', LAB, '-i', INV, '-m', 'builtin:ams', '-m', p, '-f', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).rules.map((x: { id: string }) => x.id)).toContain('site-backup');
  });
});

describe('docs/matrix-format.md shows the real one-line matrix errors', () => {
  it('the add-on example with two mistakes', async () => {
    const doc = readFileSync('docs/matrix-format.md', 'utf8');
    const cmd = '$ flowaudit audit fixtures/ams-lab.pcapng -i ams-lab.inventory.json -m builtin:ams -m site-backup.json\n';
    const at = doc.indexOf(cmd);
    expect(at).toBeGreaterThan(0);
    const shown = doc.slice(at + cmd.length, doc.indexOf('```', at));
    const d = mkdtempSync(join(tmpdir(), 'fa-docs-'));
    writeFileSync(join(d, 'site-backup.json'), JSON.stringify({
      name: 'site', version: '1', source: 'our firewall review', roles: { 'backup-server': { description: 'the backup server' } },
      rules: [
        { id: 'site-backup', source: 'ams-server', destination: 'backup-server', protocol: 'tcp', ports: ['tcp/8443'], requirement: 'optional', description: 'backup agent' },
        { id: 'site-monitor', source: 'web-user', destination: 'ams-server', protocol: 'tcp', ports: [443], requirement: 'optional', description: 'monitoring' },
      ],
    }));
    const r = await runCli(['audit', LAB, '-i', INV, '-m', 'builtin:ams', '-m', join(d, 'site-backup.json')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split(`${d}/`).join('')).toBe(shown);
  });
});
