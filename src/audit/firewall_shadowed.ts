/**
 * The "shadowed" finding of issue 21: a rule no packet can reach because an earlier rule of the
 * same chain matches every packet it would and decides first (ACCEPT, DROP or REJECT). Pure and
 * conservative: a rule is reported only when the cover is certain from criteria flowaudit
 * evaluates; an earlier rule with unknown criteria never shadows anything.
 */
import { Address4, Address6 } from 'ip-address';
import type { FirewallRule, FirewallRuleset, Negatable, PortRange, RuleMatch } from '../firewall/ruleset.js';

export interface ShadowedRule {
  rule: FirewallRule;
  /** The earlier rule that decides every packet `rule` would match. */
  by: FirewallRule;
}

/** Whether criterion `e` (earlier) admits everything `l` (later) does; absent means "any". */
function covers<T>(e: Negatable<T[]> | undefined, l: Negatable<T[]> | undefined, inside: (x: T, y: T) => boolean): boolean {
  if (!e) return true;
  if (!l || e.negate !== l.negate) return false;
  // Positive: each later value inside some earlier one. Negated: each earlier exclusion is excluded later too.
  const [small, big] = e.negate ? [e.value, l.value] : [l.value, e.value];
  return small.every((x) => big.some((y) => inside(x, y)));
}

function parseNet(text: string): Address4 | Address6 | null {
  try {
    return text.includes(':') ? new Address6(text) : new Address4(text);
  } catch {
    return null;
  }
}

function netInside(x: string, y: string): boolean {
  const a = parseNet(x);
  const b = parseNet(y);
  if (!a || !b || a instanceof Address4 !== b instanceof Address4) return false;
  return a.isInSubnet(b as never);
}

const same = <T>(x: T, y: T): boolean => x === y;
const rangeInside = (x: PortRange, y: PortRange): boolean => x.from >= y.from && x.to <= y.to;
const protoInside = (x: string, y: string): boolean => x === y || y === 'all' || y === '0';
const exact = (e: Negatable<unknown> | undefined, l: Negatable<unknown> | undefined): boolean =>
  !e || (l !== undefined && JSON.stringify(e) === JSON.stringify(l));

/** Whether every packet matching `later` also matches `earlier`. */
export function matchCovers(earlier: RuleMatch, later: RuleMatch): boolean {
  if (earlier.unknown.length > 0) return false;
  return (
    covers(earlier.proto, later.proto, protoInside) &&
    covers(earlier.src, later.src, netInside) &&
    covers(earlier.dst, later.dst, netInside) &&
    covers(earlier.dports, later.dports, rangeInside) &&
    covers(earlier.ctState, later.ctState, same) &&
    exact(earlier.inIface, later.inIface)
  );
}

/** Every shadowed rule of every chain, with the first earlier rule that shadows it. */
export function shadowedRules(rs: FirewallRuleset): ShadowedRule[] {
  const out: ShadowedRule[] = [];
  for (const chain of rs.chains.values()) {
    const deciders: FirewallRule[] = [];
    for (const rule of chain.rules) {
      const by = deciders.find((d) => matchCovers(d.match, rule.match));
      if (by) out.push({ rule, by });
      if (rule.target.kind === 'verdict') deciders.push(rule);
    }
  }
  return out;
}
