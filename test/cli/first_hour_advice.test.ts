/**
 * Issue 20, advice that is right: near misses and "add the host to the role" only when the host's
 * own evidence fits the role. The AD lab scenario (fixtures/scenarios.ts buildAdLab) reproduces
 * the new user's lab: two DCs that replicate and an agent doing DNS, once proposed as AMS servers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AD_LAB_INVENTORY, buildAdLab, buildAmsNicWithEvil } from '../../fixtures/scenarios.js';
import { rolesContradict } from '../../src/audit/role_fit.js';
import { runCli } from '../support/run_cli.js';
import { CORPUS_DIR, itShared } from '../support/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-advice-'));
const AD = join(dir, 'ad-lab.pcapng');
const AD_INV = join(dir, 'ad-lab.inventory.json');
const EVIL = join(dir, 'ams-nic-evil.pcapng');
writeFileSync(AD, buildAdLab());
writeFileSync(AD_INV, JSON.stringify(AD_LAB_INVENTORY));
writeFileSync(EVIL, buildAmsNicWithEvil());

const audit = async (argv: string[]) => JSON.parse((await runCli(['audit', ...argv, '-f', 'json'])).stdout);
const proposals = (j: { nearMisses: { address: string; missingRole: string }[] }) => j.nearMisses.map((m) => `${m.address} → ${m.missingRole}`);

describe('rolesContradict', () => {
  it.each([
    ['domain-controller', 'ams-server', true],
    ['ams-server', 'domain-controller', true],
    ['domain-joined-agent', 'ams-server', true],
    ['domain-joined-agent', 'non-domain-agent', true],
    ['global-catalog', 'jit-target', true],
    ['domain-controller', 'lithnet-updates', true],
    ['domain-controller', 'global-catalog', false],
    ['domain-controller', 'dns-server', false],
    ['jit-target', 'domain-joined-agent', false],
    ['web-user', 'jit-target', false],
    ['custom-role', 'ams-server', false],
  ])('%s / %s: %s', (a, b, want) => {
    expect(rolesContradict(a, b)).toBe(want);
  });
});

describe('near misses on the AD lab', () => {
  it('no DC or agent is proposed as the AMS server (or an agent): none of the 11 near misses of before', async () => {
    const j = await audit([AD, '-i', AD_INV]);
    expect(j.unexpected.length).toBeGreaterThan(10);
    expect(proposals(j)).toEqual([]);
    expect(j.nextSteps.join('\n')).not.toMatch(/add the host to the role/);
  });

  it('a DC the inventory does not list is proposed as a DC, never as the AMS server or an agent: it answered Kerberos', async () => {
    const inv = join(dir, 'no-dc2.json');
    const roles = { ...AD_LAB_INVENTORY.roles, 'domain-controller': ['10.77.0.2'], 'global-catalog': ['10.77.0.2'], 'dns-server': ['10.77.0.2'] };
    writeFileSync(inv, JSON.stringify({ roles }));
    const j = await audit([AD, '-i', inv]);
    const dc2 = new Set(proposals(j).filter((p: string) => p.startsWith('10.77.0.3 ')));
    expect([...dc2].sort()).toEqual(['10.77.0.3 → dns-server', '10.77.0.3 → domain-controller', '10.77.0.3 → global-catalog']);
  });

  it('a host without contrary evidence is still proposed (the bundled lab: 10.0.6.20 → web-user)', async () => {
    const j = await audit(['fixtures/ams-lab.pcapng', '-i', 'fixtures/ams-lab.inventory.json']);
    expect(proposals(j)).toEqual(['10.0.6.20 → non-domain-agent', '10.0.6.20 → web-user']); // dc1 → jit-target no more
    expect(j.nextSteps.join('\n')).toContain('add the host to the role in the inventory if it belongs there (10.0.6.20 → non-domain-agent, 10.0.6.20 → web-user)');
  });
});

describe('roles given by address whose members the capture names', () => {
  it('10.66.9.9 (evil.example.net) is an unexpected destination, not a near miss of oidc-provider given as 203.0.113.50', async () => {
    const inv = join(dir, 'by-address.json');
    writeFileSync(inv, JSON.stringify({
      roles: { 'ams-server': ['10.66.0.10'], 'domain-controller': ['10.66.0.2', '10.66.0.3'], 'global-catalog': ['10.66.0.2', '10.66.0.3'], 'dns-server': ['10.66.0.2'], 'web-user': ['10.66.3.0/24'], 'non-domain-agent': ['10.66.5.40'], 'oidc-provider': ['203.0.113.50'] },
      features: ['oidc'],
    }));
    const j = await audit([EVIL, '-i', inv, '--vantage', 'ams-server']);
    expect(j.unexpected.map((g: { server: string }) => g.server)).toContain('10.66.9.9');
    expect(j.names.find((n: { address: string }) => n.address === '203.0.113.50').names.map((n: { name: string }) => n.name)).toContain('idp.example.org');
    expect(proposals(j).filter((p: string) => p.startsWith('10.66.9.9 '))).toEqual([]);
    expect(proposals(j)).toContain('10.66.9.8 → oidc-provider'); // no name learned: still a near miss
  });
});

describe('the pointer to builtin:ad-infrastructure (item 2)', () => {
  it('the AD lab: every unexpected flow is AD traffic (DC replication, DNS between DCs, Kerberos, SMB, LDAPS, the agent); JSON says how many and what it would add', async () => {
    const j = await audit([AD, '-i', AD_INV]);
    expect(j.adInfrastructure).toMatchObject({ matrix: 'builtin:ad-infrastructure', flows: j.unexpected.length, of: j.unexpected.length });
    expect(j.adInfrastructure.rules.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(['ad-kerberos-tcp', 'ad-smb', 'ad-ldaps', 'ad-dc-ldap-tcp', 'ad-dc-rpc-dynamic', 'ad-dc-dns-udp', 'ad-agent-dns']));
    expect(j.nextSteps).toContain(j.adInfrastructure.text);
    // and with the matrix added, they are expected: the lab passes
    const both = await audit([AD, '-i', AD_INV, '-m', 'builtin:ams', '-m', 'builtin:ad-infrastructure']);
    expect(both.unexpected).toEqual([]);
    expect(both.verdict).toBe('pass');
    expect(both.adInfrastructure).toBeUndefined();
  });

  const LAB = ['fixtures/ams-lab.pcapng', '-i', 'fixtures/ams-lab.inventory.json'];
  const POINTER = /2 of the 6 unexpected flows \(2 connections\) are ordinary Active Directory traffic the vendor table omits \(Kerberos tcp\/88, SMB tcp\/445\): re-run with --matrix builtin:ams --matrix builtin:ad-infrastructure/;

  it.each(['text', 'markdown', 'html', 'csv'])('the bundled lab, %s: the pointer with its count and the option', async (format) => {
    const r = await runCli(['audit', ...LAB, '-f', format]);
    expect(r.stdout).toMatch(POINTER);
  });

  it('the bundled lab, json and ecs', async () => {
    const j = await audit(LAB);
    expect(j.adInfrastructure.rules.map((r: { id: string; flows: number }) => `${r.id}:${r.flows}`)).toEqual(['ad-kerberos-tcp:1', 'ad-smb:1']);
    const ecs = (await runCli(['audit', ...LAB, '-f', 'ecs'])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const verdict = ecs.find((e: { event: { action: string } }) => e.event.action === 'audit-verdict');
    expect(verdict.flowaudit.ad_infrastructure).toMatchObject({ matrix: 'builtin:ad-infrastructure', flows: 2, of: 6, rules: ['ad-kerberos-tcp', 'ad-smb'] });
    expect(verdict.flowaudit.ad_infrastructure.text).toMatch(POINTER);
  });

  it('no pointer when no unexpected flow is AD traffic (the NIC scenario with evil.example.net)', async () => {
    const j = await audit([EVIL, '-i', 'fixtures/ams-small.inventory.json', '--vantage', 'ams-server']);
    expect(j.unexpected.length).toBeGreaterThan(0);
    expect(j.adInfrastructure).toBeUndefined();
  });
});

describe('discover --as adds a role; --only-as replaces (item 3)', () => {
  const discover = async (argv: string[]) => JSON.parse((await runCli(['discover', ...argv, '-f', 'json'])).stdout);
  const rolesOf = (inv: { roles: Record<string, (string | { address: string })[]> }, who: string) =>
    Object.entries(inv.roles).filter(([, ms]) => ms.some((m) => (typeof m === 'string' ? m : m.address) === who)).map(([r]) => r).sort();

  it('the AD lab: --as jit-target=10.77.2.21 keeps domain-joined-agent, which the agent earned by its LDAP', async () => {
    expect(rolesOf(await discover([AD]), '10.77.2.21')).toEqual(['domain-joined-agent']);
    expect(rolesOf(await discover([AD, '--as', 'jit-target=10.77.2.21']), '10.77.2.21')).toEqual(['domain-joined-agent', 'jit-target']);
    expect(rolesOf(await discover([AD, '--only-as', 'jit-target=10.77.2.21']), '10.77.2.21')).toEqual(['jit-target']);
  });

  it('audited with that proposal, agent-ldap stays applicable and the agent\'s LDAP stays expected', async () => {
    const inv = join(dir, 'ad-as.json');
    writeFileSync(inv, JSON.stringify(await discover([AD, '--as', 'jit-target=10.77.2.21'])));
    const j = await audit([AD, '-i', inv]);
    expect(j.rules.find((r: { id: string }) => r.id === 'agent-ldap').status).toBe('observed');
    expect(j.unexpected.filter((g: { client: string; port: number }) => g.client === '10.77.2.21' && g.port === 389)).toEqual([]);
  });

  it('a decided host leaves "Could not decide" (text and the JSON undecided list)', async () => {
    const before = await runCli(['discover', 'fixtures/ams-lab.pcapng']);
    expect(before.stdout).toMatch(/- 10\.0\.6\.20 \(web-user or non-domain-agent\?\)/);
    const after = await runCli(['discover', 'fixtures/ams-lab.pcapng', '--as', 'non-domain-agent=10.0.6.20']);
    expect(after.stdout).not.toMatch(/- 10\.0\.6\.20 \(/);
    expect(after.stdout).toMatch(/non-domain-agent \(1\)\n {2}10\.0\.6\.20 {2}confidence high\n {4}- given on the command line \(--as non-domain-agent=10\.0\.6\.20\)/);
    const j = await discover(['fixtures/ams-lab.pcapng', '--as', 'non-domain-agent=10.0.6.20']);
    expect(j.discovered.undecided.map((u: { subject: string }) => u.subject)).not.toContain('10.0.6.20');
    expect(j.discovered.undecided.map((u: { subject: string }) => u.subject)).toContain('10.0.5.40');
  });

  it('--only-as is checked like --as', async () => {
    const r = await runCli(['discover', 'fixtures/ams-lab.pcapng', '--only-as', 'nope=10.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^flowaudit: --only-as "nope=10\.0\.0\.1": "nope" is not a role of the matrix/);
  });
});

describe('on a real capture from the corpus (a Windows client and its DC, zeek__ldap-aduser1.pcap)', () => {
  const capture = join(CORPUS_DIR, 'captures', 'zeek__ldap-aduser1.pcap');

  itShared('discover, then audit: the pointer names the agent\'s Kerberos and SMB; --as keeps the role the client earned', async () => {
    const inv = join(dir, 'aduser1.json');
    const r = await runCli(['discover', capture, '-o', inv]);
    expect(r.stderr).toBe(`flowaudit: wrote the proposed inventory to ${inv}: 2 members in 2 roles\n`);
    writeFileSync(inv, String(r.files.get(inv)));
    const j = await audit([capture, '-i', inv]);
    expect(j.adInfrastructure).toMatchObject({ flows: 2, of: 2, connections: 3 });
    expect(j.adInfrastructure.rules.map((x: { id: string }) => x.id)).toEqual(['ad-agent-kerberos-tcp', 'ad-agent-smb']);
    expect(j.nearMisses).toEqual([]);
    const as = JSON.parse((await runCli(['discover', capture, '--as', 'jit-target=192.168.226.131', '-f', 'json'])).stdout);
    const has = (role: string) => (as.roles[role] ?? []).some((m: string | { address: string }) => (typeof m === 'string' ? m : m.address) === '192.168.226.131');
    expect([has('jit-target'), has('domain-joined-agent')]).toEqual([true, true]);
  });
});
