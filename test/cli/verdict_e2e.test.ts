/**
 * Verdicts end to end (issue 8): the lab scenarios (fixtures/scenarios.ts), corpus captures with
 * no inventory, no packets or a corrupt header, every format's rendering of inconclusive and
 * partial, and every command's --output into a missing folder and with stdout closed early.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAmsNic, buildAmsNicWithEvil, buildMemberBlocked, SMALL_INVENTORY } from '../../fixtures/scenarios.js';
import { runCli } from '../support/run_cli.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-verdict-'));
const BLOCKED = join(dir, 'member-blocked.pcapng');
const NIC = join(dir, 'ams-nic.pcapng');
const EVIL = join(dir, 'ams-nic-evil.pcapng');
writeFileSync(BLOCKED, buildMemberBlocked());
writeFileSync(NIC, buildAmsNic());
writeFileSync(EVIL, buildAmsNicWithEvil());
const LAB = 'fixtures/ams-lab.pcapng';
const CORPUS = join(CORPUS_DIR, 'captures');
const BIN = 'bin/flowaudit.js';

const json = async (argv: string[]) => {
  const r = await runCli([...argv, '--format', 'json']);
  return { code: r.code, stderr: r.stderr, j: JSON.parse(r.stdout) };
};

describe('verdicts on the scenarios', () => {
  it('a member blocked: exit 1, partial rules with the member, the port and how', async () => {
    const { code, j } = await json(['audit', BLOCKED, '-i', SMALL_INVENTORY]);
    expect(code).toBe(1);
    expect(j.verdict).toBe('fail');
    expect(j.verdictReasons).toEqual([
      'required rule ams-global-catalog partial: dc2 (10.66.0.3) tcp/3268 refused',
      'required rule ams-rpc-epm partial: dc2 (10.66.0.3) tcp/135 unanswered',
    ]);
    const gc = j.rules.find((r: { id: string }) => r.id === 'ams-global-catalog');
    expect(gc).toMatchObject({ status: 'partial', enforced: true, memberFailures: [{ side: 'server', address: '10.66.0.3', name: 'dc2', port: '3268', how: 'refused' }] });
    expect(j.summary.partialRequired).toBe(2);
  });

  it('the same deployment seen on the AMS NIC: fail with a --vantage hint; --vantage ams-server passes with two rules not-visible', async () => {
    const plain = await json(['audit', NIC, '-i', SMALL_INVENTORY]);
    expect(plain.code).toBe(1);
    expect(plain.j.verdictReasons).toEqual(['required rule agent-ldap missing: no matching traffic', 'conditional rule web-oidc-login missing: no matching traffic']);
    expect(plain.j.nextSteps.at(-1)).toMatch(/^Every audited connection touches 10\.66\.0\.10 .*role ams-server: the capture looks taken on that host\. agent-ldap, web-oidc-login cannot cross it .* re-run with --vantage ams-server/);
    const v = await json(['audit', NIC, '-i', SMALL_INVENTORY, '--vantage', 'ams-server']);
    expect(v.code).toBe(0);
    expect(v.j.verdict).toBe('pass');
    expect(v.j.options.vantage).toEqual(['ams-server']);
    const nv = v.j.rules.filter((r: { status: string }) => r.status === 'not-visible').map((r: { id: string; enforced: boolean }) => [r.id, r.enforced]);
    expect(nv).toEqual([['agent-ldap', false], ['web-oidc-login', false]]);
    expect(v.j.nextSteps.join(' ')).not.toMatch(/--vantage/);
  });

  it('--require-all-members: a listed member never tried makes the rule partial', async () => {
    const { code, j } = await json(['audit', NIC, '-i', SMALL_INVENTORY, '--vantage', 'ams-server', '--require-all-members']);
    expect(code).toBe(1);
    expect(j.verdictReasons).toContain('required rule ams-rpc-dynamic partial: dc2 (10.66.0.3) never tried (--require-all-members)');
  });

  it('a --vantage role with no inventory member, or unknown, is a usage error', async () => {
    const r = await runCli(['audit', NIC, '-i', SMALL_INVENTORY, '--vantage', 'jit-target']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('flowaudit: --vantage jit-target: the inventory lists no member of role jit-target, so nothing says where the capture was taken\n');
    expect((await runCli(['audit', NIC, '-i', SMALL_INVENTORY, '--vantage', 'nope'])).stderr).toMatch(/^flowaudit: --vantage nope: not a role of matrix .*known roles: ams-server/);
  });

  it('a server the capture names evil.example.net is an unexpected destination with its name, never a near miss of a name-defined role', async () => {
    const { j } = await json(['audit', EVIL, '-i', SMALL_INVENTORY, '--vantage', 'ams-server']);
    expect(j.unexpected.map((g: { server: string }) => g.server)).toEqual(['10.66.9.8', '10.66.9.9']);
    expect(j.names.find((n: { address: string }) => n.address === '10.66.9.9').names.map((n: { name: string }) => n.name)).toContain('evil.example.net');
    const misses = j.nearMisses.map((m: { address: string; missingRole: string }) => `${m.address} ${m.missingRole}`);
    expect(misses.filter((m: string) => m.startsWith('10.66.9.9'))).toEqual([]);
    expect(misses).toContain('10.66.9.8 oidc-provider'); // its name is unknown: still a near miss
  });

  it('an inventory host name never seen: a warning in every format, and the rule says it never resolved', async () => {
    const inv = join(dir, 'names.json');
    writeFileSync(inv, JSON.stringify({ roles: { 'ams-server': ['10.66.0.10'], 'oidc-provider': ['login.idp.example.com'] }, features: ['oidc'] }));
    const { j } = await json(['audit', NIC, '-i', inv]);
    expect(j.warnings).toEqual([expect.objectContaining({ kind: 'unresolved-name', name: 'login.idp.example.com', roles: ['oidc-provider'], rules: ['ams-oidc-validation'] })]);
    expect(j.rules.find((r: { id: string }) => r.id === 'ams-oidc-validation').reason).toMatch(/login\.idp\.example\.com never resolved in the capture/);
    for (const f of ['text', 'csv', 'markdown', 'html']) {
      expect((await runCli(['audit', NIC, '-i', inv, '--format', f])).stdout, f).toContain('inventory host name login.idp.example.com (role oidc-provider) never resolved');
    }
  });
});

describeShared('inconclusive and input errors on corpus captures', () => {
  it('no inventory: exit 3, inconclusive with the reason', async () => {
    const { code, j } = await json(['audit', `${CORPUS}/zeek__ldap-simpleauth.pcap`]);
    expect(code).toBe(3);
    expect(j.verdict).toBe('inconclusive');
    expect(j.verdictReasons[0]).toBe("no inventory given: no rule can be checked without the roles' hosts (use --inventory FILE)");
  });

  it('an empty capture: exit 3, "the capture holds no packets"', async () => {
    const { code, j } = await json(['audit', `${CORPUS}/tcpdump__empty.pcap`, '-i', SMALL_INVENTORY]);
    expect(code).toBe(3);
    expect(j.verdictReasons).toContain('the capture holds no packets');
  });

  it('a capture that touches no inventory host: exit 3', async () => {
    const { code, j } = await json(['audit', `${CORPUS}/zeek__ldap-simpleauth.pcap`, '-i', SMALL_INVENTORY]);
    expect(code).toBe(3);
    expect(j.verdictReasons).toEqual(['no connection touches an inventory host: is this the right capture, or the right inventory?']);
  });

  it('a corrupt header alone: one line on stderr naming the file, exit 2, no report (issue 20)', async () => {
    const r = await runCli(['audit', `${CORPUS}/libpcap__pcap-invalid-version-1.pcap`, '-i', SMALL_INVENTORY, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^flowaudit: \S*pcap-invalid-version-1\.pcap: Cannot read pcap header: unsupported version 1\.4 .*\(at byte offset 4\)\n$/);
  });

  it('a corrupt capture beside a good one: exit 2 and the report still says inconclusive (never pass or fail)', async () => {
    const r = await runCli(['audit', `${CORPUS}/libpcap__pcap-invalid-version-1.pcap`, NIC, '-i', SMALL_INVENTORY, '--format', 'json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('inconclusive');
    expect(j.verdictReasons[0]).toMatch(/^input .*pcap-invalid-version-1\.pcap could not be read: /);
    expect(r.stderr).toMatch(/pcap-invalid-version-1\.pcap/);
  });
});

describe('every format shows inconclusive and partial', () => {
  it.each([
    ['text', /verdict: INCONCLUSIVE\n  • no inventory given/],
    ['csv', /^kind,.*\nverdict,,inconclusive,/],
    ['markdown', /^## flowaudit: INCONCLUSIVE ⚠️/],
    ['html', /<span class="badge" id="verdict" data-verdict="inconclusive">INCONCLUSIVE<\/span>/],
    ['json', /"verdict": "inconclusive"/],
  ])('%s: inconclusive', async (format, re) => {
    expect((await runCli(['audit', LAB, '--format', format])).stdout).toMatch(re);
  });

  it.each([
    ['text', /partial +ams-global-catalog/],
    ['csv', /\nrule,ams-global-catalog,partial,/],
    ['markdown', /\| partial \| ams-global-catalog \|/],
    ['html', /data-rule="ams-global-catalog" data-status="partial"/],
    ['json', /"status": "partial"/],
  ])('%s: partial', async (format, re) => {
    expect((await runCli(['audit', BLOCKED, '-i', SMALL_INVENTORY, '--format', format])).stdout).toMatch(re);
  });
});

/** Run the built CLI as a child; `closeEarly` closes our end of its stdout after the first bytes. */
function runChild(argv: string[], closeEarly: boolean): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.once('data', () => {
      if (closeEarly) child.stdout.destroy();
    });
    if (!closeEarly) child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('outputs: checked before any work, and a closed stdout ends quietly', () => {
  const missing = join(dir, 'no-such-folder', 'out.txt');
  it.each<[string, string[]]>([
    ['audit', ['audit', LAB, '-o', missing]],
    ['audit --emit-state', ['audit', LAB, '--emit-state', missing]],
    ['flows', ['flows', LAB, '-o', missing]],
    ['discover', ['discover', LAB, '-o', missing]],
    ['live', ['live', '-i', 'lo', '--duration', '1s', '-o', missing]],
    ['live --write', ['live', '-i', 'lo', '--duration', '1s', '--write', missing]],
  ])('%s into a missing folder: exit 2, one line, no stack', async (_name, argv) => {
    const r = await runChild(argv, false);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no-such-folder does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an output path that is a directory: exit 2, one line', async () => {
    const r = await runChild(['audit', LAB, '-o', dir], false);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`flowaudit: --output ${dir}: is a directory; give a file name\n`);
  });

  it.each<[string, string[], number]>([
    ['flows', ['flows', BLOCKED, LAB], 0],
    ['audit', ['audit', LAB], 3],
    ['matrix show', ['matrix', 'show'], 0],
    ['verify', ['verify', 'fixtures/ams-lab.inventory.json'], 2],
  ])('%s with stdout closed early: exit code in the contract, no stack trace', async (_name, argv, code) => {
    const r = await runChild(argv, true);
    expect(r.code).toBe(code);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at |internal error/);
  });
});
