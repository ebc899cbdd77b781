/**
 * Ordered evaluation of a host firewall (FirewallRuleset) for one inbound packet, as the kernel
 * would: walk the input chain rule by rule, follow jumps and gotos into user chains, come back on
 * RETURN or when a user chain falls through, and apply the built-in chain's policy at its end.
 * Pure: facts in, a decision out. Fail safe: a rule that might match but uses a criterion flowaudit
 * does not evaluate (or whose interface the query does not name) makes the answer `inconclusive`,
 * naming the rule, never a guess.
 */
import { Address4, Address6 } from 'ip-address';
import type { FirewallRule, FirewallRuleset, Negatable, RuleMatch, Verdict } from '../firewall/ruleset.js';

export interface FirewallQuery {
  /** Source address (IPv4 or IPv6 text). */
  src: string;
  dstPort: number;
  proto: 'tcp' | 'udp';
  /** Input interface; when absent the packet arrives on some non-loopback interface. */
  iface?: string;
  /** Connection-tracking state of the packet; default NEW (a connection being opened). */
  state?: 'NEW' | 'ESTABLISHED' | 'RELATED';
}

export interface FirewallDecision {
  action: Verdict | 'inconclusive';
  /** The rule that decided (or made it inconclusive); null when the chain policy decided. */
  rule: FirewallRule | null;
  /** `INPUT policy DROP`, or the rule's chain and number (`INPUT #4`). */
  decidedBy: string;
  /** Chains walked, in order (`INPUT`, `WEB`, ...). */
  path: string[];
  /** Why the answer is inconclusive. */
  reason?: string;
}

type Tri = 'yes' | 'no' | 'unknown';
const MAX_DEPTH = 64;

const PROTO_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '0': 'all' };

function neg(t: Tri, n: boolean): Tri {
  if (!n || t === 'unknown') return t;
  return t === 'yes' ? 'no' : 'yes';
}

function parseAddr(text: string): Address4 | Address6 | null {
  try {
    return text.includes(':') ? new Address6(text) : new Address4(text);
  } catch {
    return null;
  }
}

/** An address or network as an interval of its family (what `isInSubnet` tests), or null when it does not parse. */
interface Net {
  v6: boolean;
  lo: bigint;
  hi: bigint;
}

function toNet(text: string): Net | null {
  const a = parseAddr(text);
  return a ? { v6: a instanceof Address6, lo: a.startAddress().bigInt(), hi: a.endAddress().bigInt() } : null;
}

/** Parsed once per rule criterion (range members evaluate one rule set thousands of times). */
const netsOf = new WeakMap<Negatable<string[]>, (Net | null)[]>();
/** Query addresses parsed, bounded (cleared when full). */
const queryNets = new Map<string, Net | null>();
const MAX_QUERY_NETS = 4096;

function queryNet(src: string): Net | null {
  let n = queryNets.get(src);
  if (n === undefined) {
    if (queryNets.size >= MAX_QUERY_NETS) queryNets.clear();
    n = toNet(src);
    queryNets.set(src, n);
  }
  return n;
}

function addrIn(src: string, c: Negatable<string[]>): Tri {
  const a = queryNet(src);
  if (!a) return 'unknown';
  let list = netsOf.get(c);
  if (list === undefined) netsOf.set(c, (list = c.value.map(toNet)));
  let any: Tri = 'no';
  for (const net of list) {
    if (!net) any = 'unknown';
    else if (a.v6 === net.v6 && a.lo >= net.lo && a.lo <= net.hi) return neg('yes', c.negate);
  }
  return neg(any, c.negate);
}

function protoIs(q: FirewallQuery, p: Negatable<string[]>): Tri {
  const hit = p.value.some((v) => {
    const name = PROTO_NUMBERS[v] ?? v;
    return name === 'all' || name === q.proto;
  });
  return neg(hit ? 'yes' : 'no', p.negate);
}

function ifaceIs(q: FirewallQuery, i: Negatable<string>): Tri {
  const want = i.value;
  if (q.iface === undefined) {
    // Not loopback, but which interface is unknown: only `lo` can be decided.
    return want === 'lo' ? neg('no', i.negate) : 'unknown';
  }
  const hit = want.endsWith('+') ? q.iface.startsWith(want.slice(0, -1)) : q.iface === want;
  return neg(hit ? 'yes' : 'no', i.negate);
}

/** Whether the rule's criteria hold for the query; `unknown` when one cannot be decided. */
export function ruleMatches(m: RuleMatch, q: FirewallQuery): Tri {
  const checks: Tri[] = [];
  if (m.proto) checks.push(protoIs(q, m.proto));
  if (m.src) checks.push(addrIn(q.src, m.src));
  if (m.dst) checks.push('unknown'); // the host's own address is not part of the query yet
  if (m.dports) checks.push(neg(m.dports.value.some((r) => q.dstPort >= r.from && q.dstPort <= r.to) ? 'yes' : 'no', m.dports.negate));
  if (m.inIface) checks.push(ifaceIs(q, m.inIface));
  if (m.ctState) checks.push(neg(m.ctState.value.includes(q.state ?? 'NEW') ? 'yes' : 'no', m.ctState.negate));
  if (m.unknown.length > 0) checks.push('unknown');
  if (checks.includes('no')) return 'no';
  return checks.includes('unknown') ? 'unknown' : 'yes';
}

type Walk = { end: 'return' } | { end: 'decided'; decision: Omit<FirewallDecision, 'path'> };

function label(rule: FirewallRule): string {
  return `${rule.chain} #${rule.number}`;
}

function inconclusive(rule: FirewallRule | null, reason: string): Walk {
  return { end: 'decided', decision: { action: 'inconclusive', rule, decidedBy: rule ? label(rule) : 'evaluation', reason } };
}

function walkChain(rs: FirewallRuleset, name: string, q: FirewallQuery, path: string[], depth: number): Walk {
  if (depth > MAX_DEPTH) return inconclusive(null, `jumps nested deeper than ${MAX_DEPTH} chains`);
  const chain = rs.chains.get(name);
  if (!chain) return inconclusive(null, `chain '${name}' is not defined`);
  path.push(name);
  for (const rule of chain.rules) {
    const hit = ruleMatches(rule.match, q);
    if (hit === 'no') continue;
    if (hit === 'unknown') {
      const what = rule.match.unknown.length > 0 ? rule.match.unknown.join(', ') : 'a criterion the query does not decide (-d, or an interface other than lo)';
      return inconclusive(rule, `${label(rule)} may match but uses ${what}`);
    }
    const t = rule.target;
    if (t.kind === 'verdict') return { end: 'decided', decision: { action: t.verdict, rule, decidedBy: label(rule) } };
    if (t.kind === 'return') return { end: 'return' };
    if (t.kind === 'unknown') return inconclusive(rule, `${label(rule)} jumps to '${t.name}', which flowaudit does not evaluate`);
    if (t.kind === 'jump' || t.kind === 'goto') {
      const sub = walkChain(rs, t.chain, q, path, depth + 1);
      if (sub.end === 'decided' || t.kind === 'goto') return sub;
    }
    // 'continue' (LOG...) and 'none' (counting rules) go on to the next rule.
  }
  return { end: 'return' };
}

function isIPv4(src: string): boolean {
  return !src.includes(':') || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(src);
}

/** Whether a base chain of this family sees the query's packet (nft: `ip6` tables never see IPv4). */
function familySees(family: string | undefined, q: FirewallQuery): boolean {
  if (family === undefined || family === 'inet') return true;
  if (family === 'ip') return isIPv4(q.src);
  if (family === 'ip6') return !isIPv4(q.src);
  return false; // arp, bridge, netdev: not on the inbound IP path evaluated here
}

/**
 * Decides what the host firewall does with one inbound packet. Each input base chain in order:
 * DROP, REJECT or inconclusive end the walk; ACCEPT (by rule or policy) goes on to the next.
 */
export function evaluate(rs: FirewallRuleset, q: FirewallQuery): FirewallDecision {
  const path: string[] = [];
  const fam = isIPv4(q.src) ? 'ipv4' : 'ipv6';
  if (rs.addressFamily !== undefined && rs.addressFamily !== fam) {
    const tool = rs.addressFamily === 'ipv4' ? 'iptables-save' : 'ip6tables-save';
    return { action: 'inconclusive', rule: null, decidedBy: 'evaluation', path, reason: `${rs.source} is ${tool} output (${rs.addressFamily} only); the host's ${fam} rules are not given` };
  }
  let last: FirewallDecision | null = null;
  for (const name of rs.inputChains) {
    const chain = rs.chains.get(name);
    if (!chain || !familySees(chain.family, q)) continue;
    const walk = walkChain(rs, name, q, path, 0);
    if (walk.end === 'decided') last = { ...walk.decision, path };
    else {
      const policy = chain.policy ?? 'ACCEPT';
      last = { action: policy, rule: null, decidedBy: `${name} policy ${policy}`, path };
    }
    if (last.action !== 'ACCEPT') return last;
  }
  return last ?? { action: 'ACCEPT', rule: null, decidedBy: 'no input chain (nothing filters inbound)', path };
}
