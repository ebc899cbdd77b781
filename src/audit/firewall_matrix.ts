/**
 * Matrix × host firewall, the first half of issue 21's three-way check: for every matrix rule whose
 * destination role includes the host, and every source member that is a single address, what the
 * host's firewall does with each documented port: `permitted`, `blocked` (by which rule),
 * `partly-blocked`, or `inconclusive` (with why). Pure; not wired into audit or the reports yet.
 * A matrix range is evaluated once per stretch of ports no rule's port criterion splits, and
 * reported as runs of consecutive ports decided the same way.
 */
import type { Inventory, Matrix, MatrixRule, PortRange } from '../matrix/index.js';
import { addressWords } from '../matrix/inventory.js';
import type { FirewallRuleset } from '../firewall/ruleset.js';
import { evaluate, type FirewallDecision } from './firewall_evaluate.js';

export type DocumentedFlowStatus = 'permitted' | 'blocked' | 'partly-blocked' | 'inconclusive';

export interface PortRun {
  ports: PortRange;
  decision: FirewallDecision;
}

export interface DocumentedFlowCheck {
  ruleId: string;
  requirement: MatrixRule['requirement'];
  /** The source member as written in the inventory. */
  source: string;
  protocol: MatrixRule['protocol'];
  status: DocumentedFlowStatus;
  runs: PortRun[];
  /** Why the check could not be made (status inconclusive without runs). */
  reason?: string;
}

/**
 * Ports where some rule's port criterion starts or stops matching: between two of them every rule
 * matches or misses alike, so one evaluation decides the whole stretch (a 16384-port range costs
 * a handful of evaluations, not 16384).
 */
export function portBreaks(rs: FirewallRuleset): number[] {
  const breaks = new Set<number>();
  for (const chain of rs.chains.values()) {
    for (const rule of chain.rules) {
      for (const r of rule.match.dports?.value ?? []) {
        breaks.add(r.from);
        breaks.add(r.to + 1);
      }
    }
  }
  return [...breaks].sort((a, b) => a - b);
}

function runsFor(rs: FirewallRuleset, src: string, rule: MatrixRule, breaks: readonly number[]): PortRun[] {
  const runs: PortRun[] = [];
  for (const r of rule.portRanges) {
    const starts = [r.from, ...breaks.filter((b) => b > r.from && b <= r.to)];
    starts.forEach((from, k) => {
      const to = k + 1 < starts.length ? starts[k + 1]! - 1 : r.to;
      const d = evaluate(rs, { src, dstPort: from, proto: rule.protocol });
      const last = runs[runs.length - 1];
      if (last && last.ports.to === from - 1 && last.decision.decidedBy === d.decidedBy && last.decision.action === d.action) last.ports.to = to;
      else runs.push({ ports: { from, to }, decision: d });
    });
  }
  return runs;
}

function statusOf(runs: PortRun[]): DocumentedFlowStatus {
  if (runs.some((r) => r.decision.action === 'inconclusive')) return 'inconclusive';
  const accepted = runs.filter((r) => r.decision.action === 'ACCEPT').length;
  if (accepted === runs.length) return 'permitted';
  return accepted === 0 ? 'blocked' : 'partly-blocked';
}

/** Checks every documented flow towards `hostAddress` against that host's firewall. */
export function checkDocumentedFlows(matrix: Matrix, inventory: Inventory, hostAddress: string, rs: FirewallRuleset): DocumentedFlowCheck[] {
  const hostRoles = new Set(inventory.rolesForAddress(addressWords(hostAddress)));
  const out: DocumentedFlowCheck[] = [];
  const breaks = portBreaks(rs);
  for (const rule of matrix.rules) {
    if (!hostRoles.has(rule.destination)) continue;
    const sources = inventory.roles.find((r) => r.name === rule.source)?.members ?? [];
    for (const m of sources) {
      const base = { ruleId: rule.id, requirement: rule.requirement, source: m.text, protocol: rule.protocol };
      if (m.kind !== 'ipv4' && m.kind !== 'ipv6') {
        out.push({ ...base, status: 'inconclusive', runs: [], reason: `source member ${m.text} is a ${m.kind}; only single addresses are evaluated yet` });
        continue;
      }
      const runs = runsFor(rs, m.text, rule, breaks);
      out.push({ ...base, status: statusOf(runs), runs });
    }
  }
  return out;
}
