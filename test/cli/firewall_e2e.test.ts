/**
 * End to end (issue 21): the bundled lab audited with dc2's iptables-save rules and dc1's Windows
 * Firewall export, in every report format, against golden files; verify passes on the reports and
 * fails when a firewall file is edited; bad firewall files and hosts exit 2 with one line.
 * Regenerate the goldens after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/cli/firewall_e2e.test.ts
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../support/golden.js';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';
const DC2 = 'fixtures/ams-lab.dc2.iptables';
const DC1 = 'fixtures/ams-lab.dc1.windows-firewall.json';
const ARGS = ['audit', LAB, '--inventory', INV, '--firewall', `dc2=${DC2}`, '--firewall', `dc1=${DC1}`];

describe('audit --firewall on the bundled lab', () => {
  it.each([
    ['json', 'ams-lab.firewall.audit.json'],
    ['text', 'ams-lab.firewall.audit.txt'],
    ['markdown', 'ams-lab.firewall.audit.md'],
    ['html', 'ams-lab.firewall.audit.html'],
    ['csv', 'ams-lab.firewall.audit.csv'],
    ['ecs', 'ams-lab.firewall.audit.ecs.ndjson'],
  ])('--format %s matches its golden', async (format, name) => {
    const r = await runCli([...ARGS, '--format', format]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expectGolden(name, r.stdout);
  });

  it('names the rules that block dc2\'s required flows, and the undocumented RDP/SSH permits', async () => {
    const j = JSON.parse((await runCli([...ARGS, '--format', 'json'])).stdout);
    const f = j.firewall.findings as { kind: string; host: string; decidedBy: string; ports: string | null; rule: { line: number } | null; verdictEffect: string | null }[];
    const blocked = f.filter((x) => x.kind === 'documented-but-blocked').map((x) => `${x.host} ${x.decidedBy} line ${x.rule?.line} ${x.ports} ${x.verdictEffect}`);
    // ams.corp.example is evaluated at 10.0.0.10 (its HTTP Host in the capture), which is a member of
    // the role itself: judged as that member, so its blocks are not found twice.
    expect(blocked).toEqual(['dc2 INPUT #4 line 10 3268 fail', 'dc2 INPUT #3 line 9 135 fail']);
    const byName = j.firewall.hosts[0].documented.find((c: { ruleId: string; source: string }) => c.ruleId === 'ams-rpc-epm' && c.source === 'ams.corp.example');
    expect(byName).toMatchObject({ status: 'blocked', resolved: '10.0.0.10 by HTTP Host in the capture', listedAs: ['10.0.0.10'] });
    const agent = j.firewall.hosts[0].documented.find((c: { ruleId: string }) => c.ruleId === 'agent-ldap');
    expect(agent).toMatchObject({ source: '10.0.2.31-10.0.2.39', status: 'permitted', decisions: [{ ports: '389', addresses: ['10.0.2.31-10.0.2.39'], decidedBy: 'INPUT #6' }] });
    const permits = f.filter((x) => x.kind === 'undocumented-but-permitted').map((x) => `${x.host} ${x.decidedBy} ${x.ports}`);
    expect(permits).toContain('dc2 MGMT #1 3389');
    expect(permits).toContain('dc2 MGMT #3 22');
    expect(permits).toContain('dc1 Windows inbound (Block rules first) #10 3389');
    expect(f.filter((x) => x.kind === 'shadowed').map((x) => x.decidedBy)).toEqual(['INPUT #5']);
    expect(j.verdictReasons).toContain("dc2 (10.0.0.3)'s firewall blocks ams-rpc-epm tcp/135 from 10.0.0.10 (INPUT #3, line 9; failed)");
    const obs = j.firewall.hosts[0].observed.map((o: { port: number; status: string; decision: { decidedBy: string } }) => `${o.port} ${o.status} ${o.decision.decidedBy}`);
    expect(obs).toContain('135 blocked INPUT #3');
    expect(obs).toContain('389 admitted INPUT #6');
    expect(j.controls.statements.find((s: { control: string }) => s.control === '1.2.7').doesNotProve).toContain('rules in a file are not proof the host runs them');
  });

  it('verify passes on the JSON, HTML and Markdown reports, and fails when a firewall file is edited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-fw-e2e-'));
    for (const [format, ext] of [['json', 'json'], ['html', 'html'], ['markdown', 'md']]) {
      const p = join(dir, `report.${ext}`);
      writeFileSync(p, (await runCli([...ARGS, '--format', format!])).stdout);
      const v = await runCli(['verify', p]);
      expect(v.stdout).toContain(`firewall   ok: ${DC2} (dc2) sha256`);
      expect(v.stdout.trim().split('\n').pop()).toBe('verified');
      expect(v.code).toBe(0);
    }
    const edited = join(dir, 'dc2.edited');
    writeFileSync(edited, readFileSync(DC2, 'utf8').replace('--dport 135 -m comment', '--dport 136 -m comment'));
    const v = await runCli(['verify', join(dir, 'report.json'), '--firewall', `dc2=${edited}`]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`firewall   CHANGED: ${edited} (dc2) sha256 is`);
    expect(v.stdout).toMatch(/re-run {5}DIFFERS/);
  });

  it('verify finds a firewall file beside the report by name when it is gone from its recorded path', async () => {
    const a = mkdtempSync(join(tmpdir(), 'fa-fw-a-'));
    const b = mkdtempSync(join(tmpdir(), 'fa-fw-b-'));
    const rules = join(a, 'dc2.rules');
    copyFileSync(DC2, rules);
    const r = await runCli(['audit', LAB, '--inventory', INV, '--firewall', `dc2=${rules}`, '--format', 'json']);
    writeFileSync(join(b, 'report.json'), r.stdout);
    copyFileSync(rules, join(b, 'dc2.rules'));
    rmSync(rules);
    const v = await runCli(['verify', join(b, 'report.json')]);
    expect(v.stdout).toContain(`note: ${rules}: found beside the report by name: ${join(b, 'dc2.rules')}`);
    expect(v.code).toBe(0);
    rmSync(join(b, 'dc2.rules'));
    const gone = await runCli(['verify', join(b, 'report.json')]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`${rules}: no such file (firewall file of dc2`);
  }, 60_000);

  it('a bad firewall file: one line naming the file and line, exit 2; an unknown host: exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-fw-bad-'));
    const bad = join(dir, 'bad.rules');
    writeFileSync(bad, '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n');
    const r = await runCli(['audit', LAB, '--inventory', INV, '--firewall', `dc2=${bad}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([`flowaudit: ${bad}:3: bad port '99999'`]);
    const u = await runCli(['audit', LAB, '--inventory', INV, '--firewall', `dc9=${DC2}`]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/dc9 is neither an address nor a member name of the inventory/);
    const twice = await runCli(['audit', LAB, '--inventory', INV, '--firewall', `dc2=${DC2}`, '--firewall', `10.0.0.3=${DC2}`]);
    expect(twice.code).toBe(2);
  });
});

describe('a hostile firewall file (attacker-controlled rule names and comments)', () => {
  const SCRIPT = '<script>alert(1)</script>';
  const FORMULA = '=HYPERLINK("http://x","y")';
  it('is escaped in HTML and Markdown, neutralised in CSV, inert in text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-fw-hostile-'));
    const win = join(dir, 'dc1.json');
    const rule = { Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Any', Protocol: 'TCP', RemoteAddress: 'Any' };
    writeFileSync(win, JSON.stringify([
      { ...rule, Name: FORMULA, DisplayName: `${SCRIPT}\u001b[31m`, LocalPort: '3389' },
      { ...rule, Name: 'x', DisplayName: FORMULA, LocalPort: '22' },
    ]));
    const ipt = join(dir, 'dc2.rules');
    writeFileSync(ipt, `*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -m comment --comment "${SCRIPT}" -j ACCEPT\nCOMMIT\n`);
    const args = ['audit', LAB, '--inventory', INV, '--firewall', `dc1=${win}`, '--firewall', `dc2=${ipt}`];
    const html = (await runCli([...args, '--format', 'html'])).stdout;
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain(SCRIPT);
    const mdOut = (await runCli([...args, '--format', 'markdown'])).stdout;
    expect(mdOut.split('<!-- flowaudit-result')[0]).not.toContain('<script>');
    const csv = (await runCli([...args, '--format', 'csv'])).stdout;
    expect(csv).toContain('firewall-finding');
    expect(csv).not.toMatch(/(^|,)"?=HYPERLINK/m);
    const text = (await runCli(args)).stdout;
    expect(text).toContain(SCRIPT); // text is not markup: shown as is, but control characters are made visible
    expect(text).not.toContain('\u001b');
    expect(text).toContain('\\x1b[31m');
  });
});

describe('merge --firewall', () => {
  it('the merged report has the same firewall findings, and verify re-runs them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-fw-merge-'));
    const state = join(dir, 'lab.state.json');
    const a = await runCli(['audit', LAB, '--inventory', INV, '--emit-state', state, '--sensor', 'tap1', '--format', 'json']);
    writeFileSync(state, String(a.files.get(state)));
    const m = await runCli(['merge', state, '--firewall', `dc2=${DC2}`, '--format', 'json']);
    expect(m.code).toBe(1);
    const j = JSON.parse(m.stdout);
    const direct = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--firewall', `dc2=${DC2}`, '--format', 'json'])).stdout);
    expect(j.firewall.findings).toEqual(direct.firewall.findings);
    const report = join(dir, 'merged.json');
    writeFileSync(report, m.stdout);
    const v = await runCli(['verify', report]);
    expect(v.stdout).toContain(`firewall   ok: ${DC2} (dc2)`);
    expect(v.code).toBe(0);
  });
});

describe('--evidence-dir with --firewall', () => {
  it('copies each firewall file into DIR/firewall/, lists it in the manifest, and verify DIR re-runs from the copy', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-fw-evd-')), 'evidence');
    const a = await runCli([...ARGS, '--evidence-dir', dir, '--copy-inputs']);
    expect(a.code).toBe(1);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.policy.firewall).toEqual([
      { host: 'dc2', path: DC2, copy: 'firewall/ams-lab.dc2.iptables' },
      { host: 'dc1', path: DC1, copy: 'firewall/ams-lab.dc1.windows-firewall.json' },
    ]);
    expect(manifest.files.map((f: { path: string }) => f.path)).toContain('firewall/ams-lab.dc2.iptables');
    const v = await runCli(['verify', dir]);
    expect(v.stdout).toContain(`firewall   ok: ${join(dir, 'firewall/ams-lab.dc2.iptables')} (dc2)`);
    expect(v.code).toBe(0);
  }, 60_000);
});
