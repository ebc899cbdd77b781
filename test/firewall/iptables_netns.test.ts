/**
 * The iptables-save parser on the output of the real tools: rules built with `iptables` in a network
 * namespace this test creates (nothing is sent anywhere), saved with `iptables-save`, parsed, and
 * evaluated. Skipped with the reason when not root or iptables is missing; fails instead when
 * FLOWAUDIT_REQUIRE_LIVE=1.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/firewall/iptables_save.js';
import { evaluate, type FirewallQuery } from '../../src/audit/firewall_evaluate.js';
import type { FirewallRuleset } from '../../src/firewall/ruleset.js';
import { TestNetns, describeNetns, toolsUnavailable } from './netns_support.js';

const reason = toolsUnavailable([
  ['ip', ['-V'], 'iproute2'],
  ['iptables', ['--version'], 'iptables'],
  ['iptables-save', ['--version'], 'iptables'],
]);

// The lab's dc2, as issue 21 describes it: drops tcp/135, rejects tcp/3268 from the AMS server,
// admits RDP from anywhere and SSH from 10.66.0.0/16 that no matrix rule documents.
const RULES: string[][] = [
  ['-N', 'MGMT'],
  ['-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT'],
  ['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ['-A', 'INPUT', '-p', 'tcp', '--dport', '135', '-j', 'DROP'],
  ['-A', 'INPUT', '-s', '10.66.0.10/32', '-p', 'tcp', '--dport', '3268', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  ['-A', 'INPUT', '-s', '10.66.0.0/16', '-p', 'tcp', '-m', 'multiport', '--dports', '88,389,445,3268:3269', '-j', 'ACCEPT'],
  ['-A', 'INPUT', '-p', 'udp', '-m', 'multiport', '--dports', '53,88,389', '-j', 'ACCEPT'],
  ['-A', 'INPUT', '-p', 'tcp', '-m', 'comment', '--comment', 'admin "jump" box', '-j', 'MGMT'],
  ['-A', 'MGMT', '-p', 'tcp', '--dport', '3389', '-j', 'ACCEPT'],
  ['-A', 'MGMT', '!', '-s', '10.66.0.0/16', '-j', 'RETURN'],
  ['-A', 'MGMT', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT'],
  ['-P', 'INPUT', 'DROP'],
];

describeNetns('iptables-save from the real tools in a namespace', reason, () => {
  let ns: TestNetns | undefined;
  let saved = '';
  let rs: FirewallRuleset;

  beforeAll(() => {
    ns = new TestNetns('ipt');
    for (const args of RULES) ns.exec('iptables', args);
    saved = ns.exec('iptables-save', []);
    rs = parseIptablesSave(saved, `iptables-save in ${ns.name}`);
  });
  afterAll(() => ns?.delete());

  it('parses every rule the tool wrote, with its line', () => {
    expect(rs.chains.get('INPUT')!.policy).toBe('DROP');
    expect(rs.chains.get('INPUT')!.rules).toHaveLength(7);
    expect(rs.chains.get('MGMT')!.rules).toHaveLength(3);
    const lines = saved.split('\n');
    for (const chain of rs.chains.values()) for (const r of chain.rules) expect(lines[r.line - 1]).toBe(r.text);
    expect(rs.chains.get('INPUT')!.rules[6]!.comment).toBe('admin "jump" box');
    for (const chain of rs.chains.values()) for (const r of chain.rules) expect(r.match.unknown).toEqual([]);
  });

  const q = (src: string, dstPort: number, proto: 'tcp' | 'udp' = 'tcp'): FirewallQuery => ({ src, dstPort, proto });
  it.each([
    ['tcp/135 dropped', q('10.66.0.10', 135), 'DROP', 'INPUT #3', '-p tcp -m tcp --dport 135 -j DROP'],
    ['tcp/3268 from AMS rejected', q('10.66.0.10', 3268), 'REJECT', 'INPUT #4', '--reject-with tcp-reset'],
    ['tcp/3268 from another client accepted', q('10.66.0.11', 3268), 'ACCEPT', 'INPUT #5', '--dports 88,389,445,3268:3269'],
    ['udp/389 accepted', q('10.99.0.1', 389, 'udp'), 'ACCEPT', 'INPUT #6', '--dports 53,88,389'],
    ['RDP from anywhere accepted in MGMT', q('203.0.113.7', 3389), 'ACCEPT', 'MGMT #1', '--dport 3389'],
    ['SSH from 10.66/16 accepted in MGMT', q('10.66.4.4', 22), 'ACCEPT', 'MGMT #3', '--dport 22'],
    ['SSH from outside RETURNs, policy drops', q('10.67.0.1', 22), 'DROP', 'INPUT policy DROP', null],
    ['tcp/445 from outside 10.66/16: policy', q('192.0.2.1', 445), 'DROP', 'INPUT policy DROP', null],
  ] as const)('%s', (_what, query, action, decidedBy, textPart) => {
    const d = evaluate(rs, query);
    expect(d.action).toBe(action);
    expect(d.decidedBy).toBe(decidedBy);
    if (textPart === null) expect(d.rule).toBeNull();
    else expect(d.rule?.text).toContain(textPart);
  });
});
