/**
 * `flowaudit discover` on the bundled lab: the proposal, its JSON as an inventory for `audit`, and
 * the round trip against the hand-written fixtures/ams-lab.inventory.json.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { discoverBytes, memberLines } from './helpers.js';

const LAB = 'fixtures/ams-lab.pcapng';
const dir = mkdtempSync(join(tmpdir(), 'fa-discover-'));

async function discoverJson(extra: string[] = []): Promise<string> {
  const r = await runCli(['discover', LAB, '-f', 'json', ...extra]);
  expect(r.code).toBe(0);
  const path = join(dir, `inv-${extra.join('_').replace(/[^\w.-]/g, '_') || 'plain'}.json`);
  writeFileSync(path, r.stdout);
  return path;
}

interface Summary { verdictReasons: string[]; statuses: string[]; unexpected: string[]; nearMisses: string[] }
async function auditSummary(inventory: string): Promise<Summary> {
  const r = await runCli(['audit', LAB, '-i', inventory, '-f', 'json', '--exit-zero']);
  expect(r.code).toBe(0);
  const j = JSON.parse(r.stdout);
  return {
    // Partial-rule reasons name members as "dc2 (10.0.0.3)" when the inventory names them; compare addresses only.
    verdictReasons: j.verdictReasons.map((x: string) => x.replace(/\S+ \(([0-9a-f.:]+)\)/g, '$1')),
    statuses: j.rules.map((x: { id: string; status: string }) => `${x.id} ${x.status}`),
    unexpected: j.unexpected.map((g: { client: string; server: string; protocol: string; port: number }) => `${g.client} → ${g.server} ${g.protocol}/${g.port}`),
    nearMisses: j.nearMisses.map((n: { rule: string; address: string; missingRole: string }) => `${n.rule} ${n.address} ${n.missingRole}`),
  };
}

describe('discover on the bundled lab', () => {
  it('proposes the lab roles with their confidence, and leaves the ambiguous hosts undecided', () => {
    const r = discoverBytes(readFileSync(LAB));
    expect(memberLines(r)).toEqual([
      'ams-server 10.0.0.10 high',
      'dns-server 10.0.0.2 high',
      'domain-controller 10.0.0.2 high',
      'domain-controller 10.0.0.3 medium',
      'domain-joined-agent 10.0.2.31 medium',
      'domain-joined-agent 10.0.2.32 medium',
      'domain-joined-agent 10.0.2.33 medium',
      'global-catalog 10.0.0.2 medium',
      'global-catalog 10.0.0.3 medium',
      'jit-target 10.0.2.31 medium',
      'lithnet-updates packages.lithnet.io high',
      'microsoft-graph graph.microsoft.com high',
      'microsoft-login login.microsoftonline.com high',
      'oidc-provider idp.example.org high',
      'web-user 10.0.3.15 high',
      'web-user 10.0.3.27 medium',
    ]);
    expect(r.undecided.map((u) => u.subject)).toEqual(['fd00:10::10', 'sql-server', '10.0.5.40', '10.0.6.20']);
    expect(r.features.filter((f) => f.on).map((f) => f.name)).toEqual(['azure-ad', 'oidc']);
    // The SSH target 10.0.9.5 and the out-of-scope NTP pair get no role.
    expect(JSON.stringify(r.members)).not.toMatch(/10\.0\.9\.5|10\.9\.9\./);
  });

  it('writes text for a person: roles with evidence, undecided, features, then the audit command', async () => {
    const r = await runCli(['discover', LAB]);
    expect(r.code).toBe(0);
    const t = r.stdout;
    const at = (s: string): number => t.indexOf(s);
    expect(at('ams-server (1)')).toBeGreaterThan(0);
    expect(t).toContain('    - answered Kerberos tcp/88 to 1 client (10.0.0.10)');
    expect(at('Could not decide (4)')).toBeGreaterThan(at('web-user (2)'));
    expect(at('Suggested features')).toBeGreaterThan(at('Could not decide'));
    expect(t).toContain('  external-sql  off  no SQL traffic seen: AMS may use SQL Express; leave external-sql off');
    expect(t.trimEnd().split('\n').slice(-2)).toEqual([
      '  flowaudit discover fixtures/ams-lab.pcapng --format json --output inventory.json',
      '  flowaudit audit fixtures/ams-lab.pcapng --inventory inventory.json',
    ]);
  });

  it('round trip: with the one ambiguity it reports decided (--as non-domain-agent), the audit gives the same statuses and violations as the hand-written inventory', async () => {
    const hand = await auditSummary('fixtures/ams-lab.inventory.json');
    const disc = await auditSummary(await discoverJson(['--as', 'non-domain-agent=10.0.5.40']));
    expect(disc).toEqual(hand);
    expect(hand.unexpected).toHaveLength(6);
  });

  it('round trip without --as: the differences are exactly the undecided kiosk (fail safe: more reported, nothing hidden)', async () => {
    const hand = await auditSummary('fixtures/ams-lab.inventory.json');
    const disc = await auditSummary(await discoverJson());
    expect(disc.statuses.filter((s) => !hand.statuses.includes(s))).toEqual(['agent-ams-api not-applicable']);
    expect(disc.unexpected.filter((u) => !hand.unexpected.includes(u))).toEqual(['10.0.5.40 → 10.0.0.10 tcp/443']);
    expect(hand.unexpected.filter((u) => !disc.unexpected.includes(u))).toEqual([]);
  });

  it('its JSON is an inventory file; the audit report says it was discovered and carries the evidence', async () => {
    const path = await discoverJson();
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file.discovered).toMatchObject({ tool: 'flowaudit discover 0.1.0', matrix: ['builtin:ams'], inputs: [{ path: LAB, packets: 228 }] });
    expect(file.discovered.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(file.features).toEqual(['azure-ad', 'oidc']);
    expect(file.roles['domain-controller'][0]).toEqual({
      address: '10.0.0.2',
      name: 'dc1.corp.example',
      evidence: ['answered Kerberos tcp/88 to 1 client (10.0.0.10)', 'answered LDAP tcp/389 to 3 clients (10.0.0.10, 10.0.2.31, 10.0.2.33)', 'answered CLDAP udp/389 to 1 client (10.0.0.10)'],
      confidence: 'high',
    });
    const audit = JSON.parse((await runCli(['audit', LAB, '-i', path, '-f', 'json', '--exit-zero'])).stdout);
    expect(audit.inventory.discovered.members.find((m: { role: string }) => m.role === 'ams-server')).toMatchObject({ member: '10.0.0.10', confidence: 'high' });
    expect(audit.inventory.discovered.undecided.map((u: { subject: string }) => u.subject)).toContain('10.0.5.40');
  });

  it('--group-clients /24 folds client roles into CIDRs, and the file still audits', async () => {
    const path = await discoverJson(['--group-clients', '/24']);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file.roles['web-user'].map((m: { address: string }) => m.address)).toEqual(['10.0.3.0/24']);
    expect(file.roles['domain-joined-agent'].map((m: { address: string }) => m.address)).toEqual(['10.0.2.0/24']);
    expect(file.roles['web-user'][0].confidence).toBe('medium');
    expect(file.roles['ams-server'].map((m: { address: string }) => m.address)).toEqual(['10.0.0.10']);
    expect((await runCli(['audit', LAB, '-i', path, '--exit-zero'])).code).toBe(0);
  });

  it.each([
    [['--as', 'dc=10.0.0.2'], /"dc" is not a role of the matrix/],
    [['--as', 'ams-server'], /expected ROLE=ADDRESS/],
    [['--as', 'ams-server=10.0.0.300'], /"10\.0\.0\.300" is not an IPv4/],
    [['--group-clients', '/99'], /expected an IPv4 prefix length/],
    [['-f', 'csv'], /unknown format "csv"/],
  ])('usage error %j exits 2 with a message', async (extra, msg) => {
    const r = await runCli(['discover', LAB, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('reads every input audit reads: a gzip file and a directory give the same proposal', async () => {
    const { gzipSync } = await import('node:zlib');
    const { mkdirSync } = await import('node:fs');
    const gz = join(dir, 'lab.pcapng.gz');
    writeFileSync(gz, gzipSync(readFileSync(LAB)));
    const sub = join(dir, 'captures');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'lab.pcapng'), readFileSync(LAB));
    const roles = async (input: string) => JSON.parse((await runCli(['discover', input, '-f', 'json'])).stdout).roles;
    const plain = await roles(LAB);
    expect(await roles(gz)).toEqual(plain);
    expect(await roles(sub)).toEqual(plain);
  });

  it('a missing capture is an input error', async () => {
    const r = await runCli(['discover', 'nope.pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.pcap: no such file/);
  });
});
