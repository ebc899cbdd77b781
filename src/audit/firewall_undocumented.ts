/**
 * The "undocumented but permitted" finding of issue 21: ports the host firewall admits from
 * inventory members that no matrix rule allows for their roles towards the host's roles. Pure and
 * bounded: candidate ports are the common admin and lateral-movement ports plus the ports named by
 * the firewall's own ACCEPT rules (ranges of at most MAX_PORTS_PER_RANGE ports; a rule with a
 * larger range is reported as not fully checked); candidate sources are the inventory's single-address members.
 * Grouped by the admitting firewall rule.
 */
import type { Inventory, Matrix, Protocol } from '../matrix/index.js';
import { addressWords } from '../matrix/inventory.js';
import { formatAddress } from '../ip_text.js';
import type { FirewallRule, FirewallRuleset } from '../firewall/ruleset.js';
import { evaluate, type FirewallDecision } from './firewall_evaluate.js';
import { portBreaks } from './firewall_matrix.js';

export const ADMIN_PORTS: readonly number[] = [22, 23, 135, 139, 445, 3389, 5985, 5986];
export const MAX_PORTS_PER_RANGE = 4096;

export interface UndocumentedPermit {
  /** The firewall rule that admits, or null when the chain policy does. */
  rule: FirewallRule | null;
  decidedBy: string;
  protocol: Protocol;
  /** Sorted ports admitted by it that no matrix rule documents. */
  ports: number[];
  /** Source members (as written) it admits them from. */
  sources: string[];
  /** Per port, the sources it is admitted from (in `sources` order): not every source gets every port. */
  sourcesByPort: Record<number, string[]>;
}

export interface UndocumentedResult {
  permits: UndocumentedPermit[];
  /** ACCEPT rules with a port range too large to check port by port. */
  notFullyChecked: FirewallRule[];
}

function candidatePorts(rs: FirewallRuleset, notFully: FirewallRule[]): Map<Protocol, Set<number>> {
  const c = new Map<Protocol, Set<number>>([['tcp', new Set(ADMIN_PORTS)], ['udp', new Set<number>()]]);
  for (const chain of rs.chains.values()) {
    for (const rule of chain.rules) {
      if (rule.target.kind !== 'verdict' || rule.target.verdict !== 'ACCEPT' || !rule.match.dports || rule.match.dports.negate) continue;
      const protos = (rule.match.proto?.value ?? ['tcp', 'udp']).filter((p): p is Protocol => p === 'tcp' || p === 'udp');
      for (const r of rule.match.dports.value) {
        if (r.to - r.from + 1 > MAX_PORTS_PER_RANGE) {
          if (!notFully.includes(rule)) notFully.push(rule);
          continue;
        }
        for (const p of protos) for (let port = r.from; port <= r.to; port++) c.get(p)!.add(port);
      }
    }
  }
  return c;
}

function documented(matrix: Matrix, srcRoles: readonly string[], dstRoles: Set<string>, proto: Protocol, port: number): boolean {
  return matrix.rules.some(
    (r) => r.protocol === proto && srcRoles.includes(r.source) && dstRoles.has(r.destination) && r.portRanges.some((pr) => port >= pr.from && port <= pr.to),
  );
}

/** Documentation addresses (RFC 5737) tried as "a source outside the inventory"; the first no role lists is used. */
const OUTSIDE_CANDIDATES = ['192.0.2.1', '198.51.100.1', '203.0.113.1'];

/** Label of the outside source in `sources` (never an inventory member's text). */
export function outsideLabel(address: string): string {
  return `any (outside the inventory, e.g. ${address})`;
}

function outsideSource(inventory: Inventory): { text: string; label: string } | null {
  const a = OUTSIDE_CANDIDATES.find((c) => !inventory.hasAddress(addressWords(c)));
  return a === undefined ? null : { text: a, label: outsideLabel(a) };
}

/**
 * Ports the host's firewall admits from inventory members that the matrix does not document, and
 * (`any`) from a source no inventory role lists: no matrix rule can document those.
 */
export function undocumentedPermits(matrix: Matrix, inventory: Inventory, hostAddress: string, rs: FirewallRuleset): UndocumentedResult {
  const notFullyChecked: FirewallRule[] = [];
  const cands = candidatePorts(rs, notFullyChecked);
  const dstRoles = new Set(inventory.rolesForAddress(addressWords(hostAddress)));
  const groups = new Map<string, UndocumentedPermit>();
  const self = formatAddress(addressWords(hostAddress));
  const sources = inventory.roles.flatMap((r) => r.members).filter((m) => (m.kind === 'ipv4' || m.kind === 'ipv6') && formatAddress(addressWords(m.text)) !== self);
  const tried = [...new Map(sources.map((s) => [s.text, { text: s.text, label: s.text }])).values()];
  const outside = outsideSource(inventory);
  if (outside) tried.push(outside);
  const breaks = portBreaks(rs);
  const sorted = [...cands].map(([proto, ports]) => [proto, [...ports].sort((a, b) => a - b)] as const);
  for (const m of tried) {
    const srcRoles = m === outside ? [] : inventory.rolesForAddress(addressWords(m.text));
    for (const [proto, ports] of sorted) {
      // One evaluation per stretch of ports no rule's port criterion splits (ports ascend, so does the stretch).
      let b = 0;
      let cached: { start: number; d: FirewallDecision } | null = null;
      for (const port of ports) {
        while (b < breaks.length && breaks[b]! <= port) b++;
        const start = b === 0 ? -1 : breaks[b - 1]!;
        if (cached === null || cached.start !== start) cached = { start, d: evaluate(rs, { src: m.text, dstPort: port, proto }) };
        const d = cached.d;
        if (d.action !== 'ACCEPT' || documented(matrix, srcRoles, dstRoles, proto, port)) continue;
        const key = `${d.decidedBy}|${proto}`;
        const g = groups.get(key) ?? { rule: d.rule, decidedBy: d.decidedBy, protocol: proto, ports: [], sources: [], sourcesByPort: {} };
        groups.set(key, g);
        const from = (g.sourcesByPort[port] ??= []);
        if (from.length === 0) g.ports.push(port);
        from.push(m.label);
        if (!g.sources.includes(m.label)) g.sources.push(m.label);
      }
    }
  }
  for (const g of groups.values()) g.ports.sort((a, b) => a - b);
  const order = (g: UndocumentedPermit) => [g.rule?.chain ?? '\uffff', g.rule?.number ?? Number.MAX_SAFE_INTEGER] as const;
  const permits = [...groups.values()].sort((a, b) => order(a)[0].localeCompare(order(b)[0]) || order(a)[1] - order(b)[1] || a.protocol.localeCompare(b.protocol));
  return { permits, notFullyChecked };
}
