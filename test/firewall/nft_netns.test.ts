/**
 * The nft JSON parser on the output of the real tool: a ruleset loaded with `nft -f` in a network
 * namespace this test creates (nothing is sent anywhere), listed with `nft -j list ruleset`, parsed
 * and evaluated. Skipped with the reason when not root or nft is missing; fails instead when
 * FLOWAUDIT_REQUIRE_LIVE=1.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseNftJson } from '../../src/firewall/nft_json.js';
import { evaluate, type FirewallQuery } from '../../src/audit/firewall_evaluate.js';
import type { FirewallRuleset } from '../../src/firewall/ruleset.js';
import { TestNetns, describeNetns, toolsUnavailable } from './netns_support.js';

const reason = toolsUnavailable([
  ['ip', ['-V'], 'iproute2'],
  ['nft', ['--version'], 'nftables'],
]);

// The same lab dc2 as iptables_netns.test.ts, in nft syntax, with a named set and an ip6 table.
const RULESET = `
table inet filter {
  set admins { type ipv4_addr; flags interval; elements = { 10.66.0.0/16 } }
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport 135 drop
    ip saddr 10.66.0.10 tcp dport 3268 reject with tcp reset
    ip saddr 10.66.0.0/16 tcp dport { 88, 389, 445, 3268-3269 } accept
    udp dport { 53, 88, 389 } accept
    meta l4proto tcp jump mgmt comment "admin box"
  }
  chain mgmt {
    tcp dport 3389 accept
    ip saddr != @admins return
    tcp dport 22 counter accept
    ip saddr { 10.1.1.1, 10.2.0.0/16 } tcp dport 9 accept
    tcp dport 5000 limit rate 1/second accept
  }
}
table ip6 early {
  chain in6 {
    type filter hook input priority -10; policy accept;
    tcp dport 3389 drop
  }
}
`;

describeNetns('nft -j list ruleset from the real tool in a namespace', reason, () => {
  let ns: TestNetns | undefined;
  let rs: FirewallRuleset;

  beforeAll(() => {
    ns = new TestNetns('nft');
    execFileSync('ip', ['netns', 'exec', ns.name, 'nft', '-f', '-'], { input: RULESET });
    rs = parseNftJson(ns.exec('nft', ['-j', 'list', 'ruleset']), `nft in ${ns.name}`);
  });
  afterAll(() => ns?.delete());

  it('finds the input base chains by priority, and their rules', () => {
    expect(rs.inputChains).toEqual(['ip6 early/in6', 'inet filter/input']);
    expect(rs.chains.get('inet filter/input')!.policy).toBe('DROP');
    expect(rs.chains.get('inet filter/input')!.rules).toHaveLength(7);
    expect(rs.chains.get('inet filter/mgmt')!.rules).toHaveLength(5);
    expect(rs.chains.get('inet filter/mgmt')!.rules[4]!.match.unknown).toEqual(['limit {"rate":1,"burst":5,"per":"second"}']);
  });

  const q = (src: string, dstPort: number, proto: 'tcp' | 'udp' = 'tcp', state?: 'ESTABLISHED'): FirewallQuery => ({ src, dstPort, proto, ...(state ? { state } : {}) });
  it.each([
    ['tcp/135 dropped', q('10.66.0.10', 135), 'DROP', 'inet filter/input #3', 'tcp dport 135 drop'],
    ['established accepted', q('192.0.2.1', 135, 'tcp', 'ESTABLISHED'), 'ACCEPT', 'inet filter/input #2', 'ct state established,related accept'],
    ['tcp/3268 from AMS rejected', q('10.66.0.10', 3268), 'REJECT', 'inet filter/input #4', 'ip saddr 10.66.0.10 tcp dport 3268 reject'],
    ['tcp/3268 from another client accepted', q('10.66.0.11', 3268), 'ACCEPT', 'inet filter/input #5', 'tcp dport { 88, 389, 445, 3268-3269 } accept'],
    ['udp/389 accepted', q('10.99.0.1', 389, 'udp'), 'ACCEPT', 'inet filter/input #6', 'udp dport { 53, 88, 389 } accept'],
    ['RDP from anywhere accepted in mgmt', q('203.0.113.7', 3389), 'ACCEPT', 'inet filter/mgmt #1', 'tcp dport 3389 accept'],
    ['RDP over IPv6 dropped by the earlier ip6 chain', q('2001:db8::7', 3389), 'DROP', 'ip6 early/in6 #1', 'tcp dport 3389 drop'],
    ['SSH from the @admins set accepted', q('10.66.4.4', 22), 'ACCEPT', 'inet filter/mgmt #3', 'tcp dport 22 counter accept'],
    ['SSH from outside the set returns, policy drops', q('10.67.0.1', 22), 'DROP', 'inet filter/input policy DROP', null],
    ['limit is not evaluated: inconclusive', q('10.66.4.4', 5000), 'inconclusive', 'inet filter/mgmt #5', 'limit'],
  ] as const)('%s', (_what, query, action, decidedBy, textPart) => {
    const d = evaluate(rs, query);
    expect(d.action).toBe(action);
    expect(d.decidedBy).toBe(decidedBy);
    if (textPart === null) expect(d.rule).toBeNull();
    else expect(d.rule?.text).toContain(textPart);
  });
});
