/**
 * CIDR, range and host-name source members against tiny rule sets (iptables-save text, nft JSON):
 * every address of a range is judged exactly (the runs are checked against a per-address
 * evaluation), and a host name is evaluated at the addresses the audit's names evidence gave it.
 */
import { describe, expect, it } from 'vitest';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { compileInventory } from '../../src/matrix/inventory.js';
import { parseIptablesSave } from '../../src/firewall/iptables_save.js';
import { parseNftJson } from '../../src/firewall/nft_json.js';
import { checkDocumentedFlows, type DocumentedFlowCheck } from '../../src/audit/firewall_matrix.js';
import { evaluate } from '../../src/audit/firewall_evaluate.js';
import { MAX_PIECES, addressBreaks, pieceText, splitMember, type NameFacts } from '../../src/audit/firewall_members.js';
import type { FirewallRuleset } from '../../src/firewall/ruleset.js';

const ams = loadMatrix('builtin:ams');
const DC = '10.66.0.2';

function inventoryWith(members: string[]) {
  return compileInventory({ roles: { 'ams-server': members, 'domain-controller': [DC], 'global-catalog': [DC], 'dns-server': [DC] } }, 'inv.json', ams);
}

function iptables(rules: string[], policy = 'DROP'): FirewallRuleset {
  return parseIptablesSave(`*filter\n:INPUT ${policy} [0:0]\n${rules.join('\n')}\nCOMMIT\n`, 'dc.rules');
}

/** The ams-ldap (tcp/389) check of `member` against `rs`. */
function ldap(rs: FirewallRuleset, member: string, names: NameFacts = []): DocumentedFlowCheck {
  const c = checkDocumentedFlows(ams, inventoryWith([member]), DC, rs, names).find((x) => x.ruleId === 'ams-ldap' && x.source === member);
  if (!c) throw new Error(`no ams-ldap check for ${member}`);
  return c;
}

const runsText = (c: DocumentedFlowCheck) => c.runs.map((r) => `${(r.addresses ?? []).join(',')} ${r.ports.from} ${r.decision.action} ${r.decision.decidedBy}`);

describe('CIDR and range members (iptables-save)', () => {
  it.each([
    ['fully admitted', ['-A INPUT -s 10.66.0.0/16 -p tcp --dport 389 -j ACCEPT'], '10.66.9.0/24', 'permitted', ['10.66.9.0/24 389 ACCEPT INPUT #1'], undefined],
    [
      'partly admitted',
      ['-A INPUT -s 10.66.9.0/25 -p tcp --dport 389 -j ACCEPT'],
      '10.66.9.0/24',
      'partly-blocked',
      ['10.66.9.0/25 389 ACCEPT INPUT #1', '10.66.9.128/25 389 DROP INPUT policy DROP'],
      { admitted: '10.66.9.0 tcp/389', blocked: '10.66.9.128 tcp/389' },
    ],
    ['admitted for none', ['-A INPUT -s 10.77.0.0/16 -p tcp --dport 389 -j ACCEPT'], '10.66.9.0/24', 'blocked', ['10.66.9.0/24 389 DROP INPUT policy DROP'], undefined],
    [
      'a range split by two rules',
      ['-A INPUT -s 10.66.9.20/30 -j REJECT', '-A INPUT -s 10.66.9.32/28 -p tcp --dport 389 -j ACCEPT'],
      '10.66.9.10-10.66.9.50',
      'partly-blocked',
      ['10.66.9.10-10.66.9.19,10.66.9.24/29,10.66.9.48-10.66.9.50 389 DROP INPUT policy DROP', '10.66.9.20/30 389 REJECT INPUT #1', '10.66.9.32/28 389 ACCEPT INPUT #2'],
      { admitted: '10.66.9.32 tcp/389', blocked: '10.66.9.10 tcp/389' },
    ],
    ['a rule the evaluator cannot decide', ['-A INPUT -s 10.66.9.0/25 -m recent --rcheck -j DROP', '-A INPUT -p tcp --dport 389 -j ACCEPT'], '10.66.9.0/24', 'inconclusive', ['10.66.9.0/25 389 inconclusive INPUT #1', '10.66.9.128/25 389 ACCEPT INPUT #2'], undefined],
  ])('%s', (_what, rules, member, status, runs, examples) => {
    const c = ldap(iptables(rules), member);
    expect(c.status).toBe(status);
    expect(runsText(c)).toEqual(runs);
    expect(c.examples).toEqual(examples);
  });

  it('every address of the range is decided as its run says (exact, not sampled)', () => {
    const rs = iptables(['-A INPUT -s 10.66.9.20/30 -j REJECT', '-A INPUT ! -s 10.66.9.32/28 -p tcp --dport 389 -j DROP', '-A INPUT -p tcp -m multiport --dports 389,3268 -j ACCEPT']);
    const c = ldap(rs, '10.66.9.0-10.66.9.63');
    for (let last = 0; last < 64; last++) {
      const a = `10.66.9.${last}`;
      const d = evaluate(rs, { src: a, dstPort: 389, proto: 'tcp' });
      const run = c.runs.filter((r) => r.addresses!.some((t) => covers(t, last)));
      expect(run.length, a).toBe(1);
      expect(`${run[0]!.decision.action} ${run[0]!.decision.decidedBy}`, a).toBe(`${d.action} ${d.decidedBy}`);
    }
  });

  it('an IPv6 range against an iptables-save (IPv4) file stays inconclusive with why', () => {
    const c = ldap(iptables(['-A INPUT -p tcp --dport 389 -j ACCEPT']), 'fd00:9::/64');
    expect(c.status).toBe('inconclusive');
    expect(c.runs[0]!.decision.reason).toBe("dc.rules is iptables-save output (ipv4 only); the host's ipv6 rules are not given");
  });

  it(`more than ${MAX_PIECES} stretches: inconclusive, not evaluated (bounded)`, () => {
    const rules = Array.from({ length: 2100 }, (_, k) => `-A INPUT -s 10.66.${k >> 7}.${(k & 127) * 2}/32 -j DROP`);
    const c = ldap(iptables(rules), '10.66.0.0/16');
    expect(c).toMatchObject({ status: 'inconclusive', runs: [], reason: `the rules' source addresses split 10.66.0.0/16 into more than ${MAX_PIECES} stretches; not evaluated` });
  });
});

/** Whether `text` (`10.66.9.24/29`, `a-b`, an address) covers 10.66.9.`last`. */
function covers(text: string, last: number): boolean {
  const pieces = splitMember(text.includes('/') || text.includes('-') ? text : `${text}/32`, []);
  const v = 0xffff0a420900n + BigInt(last);
  return pieces!.some((p) => v >= p.lo && v <= p.hi);
}

// nft JSON, inet table: IPv6 source prefixes.
const nft = (saddr: string, len: number) =>
  parseNftJson(
    JSON.stringify({
      nftables: [
        { table: { family: 'inet', name: 'f', handle: 1 } },
        { chain: { family: 'inet', table: 'f', name: 'in', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
        {
          rule: {
            family: 'inet', table: 'f', chain: 'in', handle: 4,
            expr: [
              { match: { op: '==', left: { payload: { protocol: 'ip6', field: 'saddr' } }, right: { prefix: { addr: saddr, len } } } },
              { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 389 } },
              { accept: null },
            ],
          },
        },
      ],
    }),
    'dc.json',
  );

describe('IPv6 members (nft JSON, inet table)', () => {
  it.each([
    ['fd00:9::/64 inside the admitted /48', 'fd00::', 16, 'fd00:9::/64', 'permitted', ['fd00:9::/64 389 ACCEPT inet f/in #1']],
    ['fd00:9::/64 half admitted', 'fd00:9::', 65, 'fd00:9::/64', 'partly-blocked', ['fd00:9::/65 389 ACCEPT inet f/in #1', 'fd00:9:0:0:8000::/65 389 DROP inet f/in policy DROP']],
    ['a range outside the prefix', 'fd00:1::', 64, 'fd00:9::1-fd00:9::ff', 'blocked', ['fd00:9::1-fd00:9::ff 389 DROP inet f/in policy DROP']],
  ])('%s', (_what, addr, len, member, status, runs) => {
    const c = ldap(nft(addr, len), member);
    expect(c.status).toBe(status);
    expect(runsText(c)).toEqual(runs);
  });
});

describe('host-name members', () => {
  const rs = iptables(['-A INPUT -s 10.66.0.10/32 -p tcp --dport 389 -j ACCEPT', '-A INPUT -s 10.66.0.0/16 -p tcp --dport 389 -j REJECT']);
  const seen = (address: string, name: string, source: 'dns' | 'sni' | 'http-host' | 'inventory'): NameFacts[number] => ({ address, names: [{ name, source, firstSeen: source === 'inventory' ? null : '2026-03-02T09:00:00.000000Z' }] });

  it.each([
    ['one address by DNS', [seen('10.66.0.10', 'ams.corp.example', 'dns')], 'permitted', '10.66.0.10 by DNS in the capture', ['10.66.0.10 389 ACCEPT INPUT #1'], undefined],
    [
      'two addresses, one blocked (names compared without case or final dot)',
      [seen('10.66.0.10', 'AMS.corp.example.', 'sni'), { address: '10.66.0.11', names: [{ name: 'ams.corp.example', source: 'dns' as const, firstSeen: null, ttl: 60 }, { name: 'ams.corp.example', source: 'http-host' as const, firstSeen: null }] }],
      'partly-blocked',
      '10.66.0.10 by TLS SNI, 10.66.0.11 by DNS and HTTP Host in the capture',
      ['10.66.0.10 389 ACCEPT INPUT #1', '10.66.0.11 389 REJECT INPUT #2'],
      { admitted: '10.66.0.10 tcp/389', blocked: '10.66.0.11 tcp/389' },
    ],
  ])('%s', (_what, names, status, resolved, runs, examples) => {
    const c = ldap(rs, 'ams.corp.example', names);
    expect(c.status).toBe(status);
    expect(c.resolved).toBe(resolved);
    expect(runsText(c)).toEqual(runs);
    expect(c.examples).toEqual(examples);
  });

  it.each([
    ['no names at all', []],
    ['another name for the address', [seen('10.66.0.10', 'other.corp.example', 'dns')]],
    ["the inventory's own label (not evidence of an address)", [seen('10.66.0.10', 'ams.corp.example', 'inventory')]],
  ])('no address seen (%s): inconclusive with the reason', (_what, names) => {
    expect(ldap(rs, 'ams.corp.example', names as NameFacts)).toMatchObject({ status: 'inconclusive', runs: [], reason: 'no address seen for ams.corp.example in the window' });
  });

  it('a *.suffix pattern stays inconclusive', () => {
    expect(ldap(rs, '*.corp.example', [seen('10.66.0.10', 'ams.corp.example', 'dns')])).toMatchObject({ status: 'inconclusive', reason: 'source member *.corp.example is a name pattern; the addresses it covers are not known' });
  });
});

describe('address stretches', () => {
  it.each([
    ['10.66.9.0/24', ['10.66.9.0/24']],
    ['10.66.9.5-10.66.9.9', ['10.66.9.5-10.66.9.9']],
    ['fd00::/127', ['fd00::/127']],
  ])('%s prints back as itself when no rule splits it', (member, want) => {
    expect(splitMember(member, [])!.map(pieceText)).toEqual(want);
  });

  it('breaks are where source sets start and stop, skipping what does not parse', () => {
    const rs = iptables(['-A INPUT -s 10.66.9.0/25 -j ACCEPT', '-A INPUT -s not-an-address -j DROP']);
    expect(addressBreaks(rs)).toEqual([0xffff0a420900n, 0xffff0a420980n]);
  });
});
