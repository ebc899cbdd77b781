/**
 * firewallFindings (issue 21): the three-way check over tiny rulesets and hand-built observed
 * flows. Table-driven: each case is a ruleset, the traffic, and the findings it must give
 * (kind, rule, ports, traffic, verdict effect).
 */
import { describe, expect, it } from 'vitest';
import { documentedSource } from '../../src/audit/firewall_refs.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { compileInventory } from '../../src/matrix/inventory.js';
import { parseIptablesSave } from '../../src/firewall/iptables_save.js';
import { parseWindowsFirewallJson } from '../../src/firewall/windows_json.js';
import { firewallFindings, type FirewallHostInput } from '../../src/audit/firewall_findings.js';
import { observedFlowsTo, type ObservedFlow } from '../../src/audit/firewall_observed.js';
import { withFirewall } from '../../src/audit/firewall_verdict.js';
import type { FirewallRuleset } from '../../src/firewall/ruleset.js';
import type { AuditResult } from '../../src/audit/result.js';
import type { Connection } from '../../src/flows/connection.js';

const ams = loadMatrix('builtin:ams');
const inventory = compileInventory(
  { roles: { 'ams-server': ['10.66.0.10'], 'domain-controller': ['10.66.0.2'], 'global-catalog': ['10.66.0.2'], 'dns-server': ['10.66.0.2'] }, names: { '10.66.0.2': 'dc2' } },
  'inv.json',
  ams,
);
const WINDOW = { firstSeen: '2026-03-02T09:00:00.000000Z', lastSeen: '2026-03-02T09:10:00.000000Z' };

const ipt = (rules: string): FirewallRuleset => parseIptablesSave(`*filter\n:INPUT DROP [0:0]\n${rules}\nCOMMIT\n`, 'dc2.rules');
// Everything the matrix documents from the AMS server to a DC, so only what a case adds shows.
const DOCUMENTED = '-A INPUT -s 10.66.0.10 -p tcp -m multiport --dports 389,3268,135,49152:65535 -j ACCEPT\n-A INPUT -s 10.66.0.10 -p udp -m multiport --dports 53,389 -j ACCEPT';

function flow(port: number, outcome: 'answered' | 'refused' | 'unanswered', proto: 'tcp' | 'udp' = 'tcp', client = '10.66.0.10'): ObservedFlow {
  return { client, server: '10.66.0.2', protocol: proto, port, connections: 1, answered: outcome === 'answered' ? 1 : 0, refused: outcome === 'refused' ? 1 : 0, unanswered: outcome === 'unanswered' ? 1 : 0 };
}

function run(rs: FirewallRuleset, flows: ObservedFlow[]) {
  const host: FirewallHostInput = { host: 'dc2', address: '10.66.0.2', file: { path: 'dc2.rules', sha256: 'x'.repeat(64) }, ruleset: rs };
  return firewallFindings(ams, inventory, [host], { flows, omitted: {} }, { features: [], window: WINDOW });
}

type Row = [kind: string, decidedBy: string, ports: string | null, traffic: string | null, effect: string | null];

describe('findings', () => {
  it.each<[string, string, ObservedFlow[], Row[]]>([
    ['documented flow dropped, failing in the traffic: fail', `-A INPUT -p tcp --dport 135 -j DROP\n${DOCUMENTED}`, [flow(135, 'unanswered')], [['documented-but-blocked', 'INPUT #1', '135', 'failed', 'fail']]],
    // (only another client, outside the inventory, tried tcp/3268: the AMS server never did)
    ['documented flow rejected, nobody tried: still fail', `-A INPUT -s 10.66.0.10 -p tcp --dport 3268 -j REJECT\n${DOCUMENTED}`, [flow(3268, 'refused', 'tcp', '10.66.0.99')], [['documented-but-blocked', 'INPUT #1', '3268', 'not tried', 'fail']]],
    [
      'blocked yet answered: the file contradicts the capture (inconclusive), not a fail',
      `-A INPUT -p tcp --dport 135 -j DROP\n${DOCUMENTED}`,
      [flow(135, 'answered')],
      [['documented-but-blocked', 'INPUT #1', '135', 'answered', null], ['blocked-yet-seen', 'INPUT #1', '135', 'answered', 'inconclusive']],
    ],
    ['the policy blocks the top of a documented range', '-A INPUT -s 10.66.0.10 -p tcp -m multiport --dports 389,3268,135,49152:60000 -j ACCEPT\n-A INPUT -s 10.66.0.10 -p udp -m multiport --dports 53,389 -j ACCEPT', [], [['documented-but-blocked', 'INPUT policy DROP', '60001-65535', 'not tried', 'fail']]],
    ['RDP from anywhere: undocumented, from an outside source too', `${DOCUMENTED}\n-A INPUT -p tcp --dport 3389 -j ACCEPT`, [flow(3389, 'answered')], [['undocumented-but-permitted', 'INPUT #3', '3389', null, null]]],
    ['SSH from the AMS subnet only: undocumented, inventory source only', `${DOCUMENTED}\n-A INPUT -s 10.66.0.0/16 -p tcp --dport 22 -j ACCEPT`, [], [['undocumented-but-permitted', 'INPUT #3', '22', null, null], ['permitted-never-seen', 'INPUT #3', null, null, null]]],
    ['a later rule no packet reaches is shadowed', `${DOCUMENTED}\n-A INPUT -s 10.66.0.10/32 -p tcp --dport 389 -j DROP`, [], [['shadowed', 'INPUT #3', null, null, null]]],
    ['loopback and ESTABLISHED rules are never "never seen"', `-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n${DOCUMENTED}`, [], []],
  ])('%s', (_what, rules, flows, want) => {
    // Every case sees traffic on the documented ports, so the documented ACCEPT rules are used.
    const used = [flow(389, 'answered'), flow(389, 'answered', 'udp'), flow(53, 'answered', 'udp'), flow(3268, 'answered'), flow(135, 'answered'), flow(49700, 'answered')];
    const all = [...flows, ...used.filter((u) => !flows.some((f) => f.port === u.port && f.protocol === u.protocol))];
    const s = run(ipt(rules), all);
    const got = s.findings.map((f): Row => [f.kind, f.decidedBy, f.ports, f.traffic, f.verdictEffect]);
    expect(got).toEqual(want);
    for (const f of s.findings) expect(f.text).toContain('dc2 (10.66.0.2)');
  });

  it('an undocumented permit from anywhere names the outside source; its text names the rule line', () => {
    const s = run(ipt(`${DOCUMENTED}\n-A INPUT -p tcp --dport 3389 -j ACCEPT`), []);
    const u = s.findings.find((f) => f.kind === 'undocumented-but-permitted')!;
    expect(u.sources).toEqual(['10.66.0.10', 'any (outside the inventory, e.g. 192.0.2.1)']);
    expect(u.sourcesByPort).toEqual({ '3389': ['10.66.0.10', 'any (outside the inventory, e.g. 192.0.2.1)'] });
    expect(u.rule).toMatchObject({ chain: 'INPUT', number: 3, line: 5, target: 'ACCEPT', text: '-A INPUT -p tcp --dport 3389 -j ACCEPT' });
    expect(u.text).toContain('INPUT #3 (line 5: -A INPUT -p tcp --dport 3389 -j ACCEPT) admits tcp/3389 from 10.66.0.10, any (outside the inventory');
  });

  it('observed flows say which rule admitted them, and "never seen" states the window', () => {
    const s = run(ipt(`${DOCUMENTED}\n-A INPUT -p tcp --dport 445 -j ACCEPT`), [flow(389, 'answered')]);
    expect(s.hosts[0]!.observed.map((o) => [o.port, o.status, o.decision.decidedBy])).toEqual([[389, 'admitted', 'INPUT #1']]);
    const never = s.findings.filter((f) => f.kind === 'permitted-never-seen').map((f) => f.decidedBy);
    expect(never).toEqual(['INPUT #2', 'INPUT #3']);
    expect(s.findings.find((f) => f.kind === 'permitted-never-seen')!.text).toContain('in the 600 s window');
    expect(s.window.seconds).toBe(600);
  });

  it.each([
    ['a REJECT never answered', '-A INPUT -p tcp --dport 3268 -j REJECT', flow(3268, 'unanswered'), /REJECTs .* yet no answer was seen/],
    ['a DROP refused', '-A INPUT -p tcp --dport 3268 -j DROP', flow(3268, 'refused'), /DROPs silently, yet the attempt was refused/],
    ['a DROP unanswered: consistent, no note', '-A INPUT -p tcp --dport 3268 -j DROP', flow(3268, 'unanswered'), null],
  ] as const)('observed blocked flow, %s', (_w, rule, f, note) => {
    const o = run(ipt(`${rule}\n${DOCUMENTED}`), [f]).hosts[0]!.observed[0]!;
    expect(o.status).toBe('blocked');
    if (note === null) expect(o.note).toBeNull();
    else expect(o.note).toMatch(note);
  });

  it('"never seen" says so when no connection to the host was seen at all (the capture point may not see it)', () => {
    const s = run(ipt(DOCUMENTED), []);
    const texts = s.findings.filter((f) => f.kind === 'permitted-never-seen').map((f) => f.text);
    expect(texts).toHaveLength(2);
    for (const t of texts) expect(t).toContain('no connection to this host was seen at all');
  });

  it('a Windows export: Block beats Allow; the finding names the Windows rule', () => {
    const rs = parseWindowsFirewallJson(
      JSON.stringify([
        { Name: 'AD-All', DisplayName: 'AD', Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Any', Protocol: 'TCP', LocalPort: ['389', '3268', '135', '49152-65535'], RemoteAddress: 'Any' },
        { Name: 'Block-EPM', DisplayName: 'Block EPM', Direction: 'Inbound', Action: 'Block', Enabled: 'True', Profile: 'Any', Protocol: 'TCP', LocalPort: 'RPCEPMap', RemoteAddress: 'Any' },
        { Name: 'AD-UDP', DisplayName: 'AD UDP', Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Any', Protocol: 'UDP', LocalPort: ['53', '389'], RemoteAddress: '10.66.0.10' },
      ]),
      'dc2-fw.json',
    );
    const s = run(rs, [flow(135, 'unanswered')]);
    const b = s.findings.filter((f) => f.kind === 'documented-but-blocked');
    expect(b.map((f) => [f.matrixRule, f.ports, f.traffic, f.verdictEffect])).toEqual([['ams-rpc-epm', '135', 'failed', 'fail']]);
    expect(b[0]!.rule?.text).toContain('[Block-EPM]');
  });

  it('IPv6 members against an iptables-save file are inconclusive, never blocked', () => {
    const inv6 = compileInventory({ roles: { 'ams-server': ['fd00::10'], 'domain-controller': ['10.66.0.2'] } }, 'inv.json', ams);
    const host: FirewallHostInput = { host: '10.66.0.2', address: '10.66.0.2', file: { path: 'dc2.rules', sha256: 'x' }, ruleset: ipt('') };
    const s = firewallFindings(ams, inv6, [host], { flows: [], omitted: {} }, { features: [], window: WINDOW });
    expect(s.hosts[0]!.documented.every((c) => c.status === 'inconclusive')).toBe(true);
    expect(s.findings.filter((f) => f.kind === 'documented-but-blocked')).toEqual([]);
  });
});

describe('verdict', () => {
  const base = { verdict: 'pass', verdictReasons: [] } as unknown as AuditResult;
  it.each([
    ['a documented-but-blocked required flow turns a pass into fail', `-A INPUT -p tcp --dport 135 -j DROP\n${DOCUMENTED}`, [], 'fail'],
    ['blocked-yet-seen turns a pass into inconclusive', `-A INPUT -p tcp --dport 135 -j DROP\n${DOCUMENTED}`, [flow(135, 'answered')], 'inconclusive'],
    ['undocumented permits and unused rules leave the verdict alone', `${DOCUMENTED}\n-A INPUT -p tcp --dport 3389 -j ACCEPT`, [], 'pass'],
  ] as const)('%s', (_w, rules, flows, verdict) => {
    const r = withFirewall(base, run(ipt(rules), [...flows]));
    expect(r.verdict).toBe(verdict);
    if (verdict !== 'pass') expect(r.verdictReasons.join('\n')).toMatch(/dc2 \(10\.66\.0\.2\)'s firewall/);
  });
});

describe('observed flows', () => {
  const conn = (server: string, port: number, outcome: Connection['outcome'], protocol = 'tcp'): Connection => ({ protocol, client: '10.66.0.10', server, serverPort: port, outcome, count: 1 }) as Connection;
  it('groups TCP/UDP connections to the given hosts by client, protocol and port, and bounds them', () => {
    const conns = [conn('10.66.0.2', 389, 'answered'), conn('10.66.0.2', 389, 'refused'), conn('10.66.0.3', 389, 'answered'), conn('10.66.0.2', 0, 'answered', 'icmp')];
    const o = observedFlowsTo({ forEach: (v) => conns.forEach(v) }, new Set(['10.66.0.2']));
    expect(o.flows).toEqual([{ client: '10.66.0.10', server: '10.66.0.2', protocol: 'tcp', port: 389, connections: 2, answered: 1, refused: 1, unanswered: 0 }]);
    const many = Array.from({ length: 5002 }, (_, i) => conn('10.66.0.2', 1 + i, 'unanswered'));
    const b = observedFlowsTo({ forEach: (v) => many.forEach(v) }, new Set(['10.66.0.2']));
    expect(b.flows.length).toBe(5000);
    expect(b.omitted).toEqual({ '10.66.0.2': 2 });
  });
});

describe('documented-but-blocked from a range or host-name member', () => {
  const inv = compileInventory(
    { roles: { 'ams-server': ['10.66.9.0/24', 'ams.corp.example', 'alias.corp.example'], 'domain-controller': ['10.66.0.2'], 'global-catalog': ['10.66.0.2'], 'dns-server': ['10.66.0.2'] } },
    'inv.json',
    ams,
  );
  const rs = ipt('-A INPUT -s 10.66.9.0/25 -p tcp --dport 389 -j ACCEPT\n-A INPUT -s 10.66.9.128/25 -p tcp --dport 389 -j REJECT\n-A INPUT -s 10.66.10.0/24 -p tcp --dport 389 -j REJECT');
  const dns = (name: string) => ({ name, source: 'dns' as const, firstSeen: WINDOW.firstSeen, ttl: 300 });
  // ams.corp.example resolves outside every listed member; alias.corp.example to an address of the listed CIDR.
  const names = [
    { address: '10.66.10.200', names: [dns('ams.corp.example')] },
    { address: '10.66.9.200', names: [dns('alias.corp.example')] },
  ];
  const host: FirewallHostInput = { host: 'dc2', address: '10.66.0.2', file: { path: 'dc2.rules', sha256: 'x'.repeat(64) }, ruleset: rs };
  const ldap = (s: ReturnType<typeof firewallFindings>) => s.findings.filter((f) => f.kind === 'documented-but-blocked' && f.matrixRule === 'ams-ldap');

  it.each<[string, ObservedFlow[], string[]]>([
    ['clients inside the blocked stretches failed', [flow(389, 'refused', 'tcp', '10.66.9.200'), flow(389, 'refused', 'tcp', '10.66.10.200')], ['10.66.9.0/24 10.66.9.128/25 failed', 'ams.corp.example 10.66.10.200 failed']],
    ['a client in the admitted stretch does not count', [flow(389, 'answered', 'tcp', '10.66.9.5')], ['10.66.9.0/24 10.66.9.128/25 not tried', 'ams.corp.example 10.66.10.200 not tried']],
  ])('%s', (_what, flows, want) => {
    const s = firewallFindings(ams, inv, [host], { flows, omitted: {} }, { features: [], window: WINDOW, names });
    expect(ldap(s).map((f) => `${f.sources.join(',')} ${(f.addresses ?? []).join(',')} ${f.traffic}`)).toEqual(want);
  });

  it('the finding and the verdict reason name the blocked stretch and the resolved address', () => {
    const s = firewallFindings(ams, inv, [host], { flows: [], omitted: {} }, { features: [], window: WINDOW, names });
    expect(ldap(s).map((f) => f.text)).toEqual([
      'dc2 (10.66.0.2): required flow ams-ldap tcp/389 from 10.66.9.0/24 (for 10.66.9.128/25) is blocked: REJECT by INPUT #2 (line 4: -A INPUT -s 10.66.9.128/25 -p tcp --dport 389 -j REJECT), and nobody tried it in the window',
      'dc2 (10.66.0.2): required flow ams-ldap tcp/389 from ams.corp.example (10.66.10.200 by DNS in the capture) is blocked: REJECT by INPUT #3 (line 5: -A INPUT -s 10.66.10.0/24 -p tcp --dport 389 -j REJECT), and nobody tried it in the window',
    ]);
    const r = withFirewall({ verdict: 'pass', verdictReasons: [] } as unknown as AuditResult, s);
    expect(r.verdict).toBe('fail');
    expect(r.verdictReasons).toContain("dc2 (10.66.0.2)'s firewall blocks ams-ldap tcp/389 from 10.66.9.0/24 (10.66.9.128/25) (INPUT #2, line 4; not tried)");
    expect(r.verdictReasons).toContain("dc2 (10.66.0.2)'s firewall blocks ams-ldap tcp/389 from ams.corp.example (10.66.10.200) (INPUT #3, line 5; not tried)");
  });

  it('a host name whose address is another member of the role is judged as that member: shown, no second finding', () => {
    const s = firewallFindings(ams, inv, [host], { flows: [], omitted: {} }, { features: [], window: WINDOW, names });
    const alias = s.hosts[0]!.documented.find((c) => c.ruleId === 'ams-ldap' && c.source === 'alias.corp.example')!;
    expect(alias).toMatchObject({ status: 'blocked', resolved: '10.66.9.200 by DNS in the capture', listedAs: ['10.66.9.0/24'] });
    expect(ldap(s).some((f) => f.sources.includes('alias.corp.example'))).toBe(false);
    expect(documentedSource(alias)).toBe('alias.corp.example (10.66.9.200 by DNS in the capture; as member 10.66.9.0/24)');
  });
});
