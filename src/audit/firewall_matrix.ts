/**
 * Matrix × host firewall, the first half of issue 21's three-way check: for every matrix rule whose
 * destination role includes the host, and every source member that is a single address, what the
 * host's firewall does with each documented port: `permitted`, `blocked` (by which rule),
 * `partly-blocked`, or `inconclusive` (with why). Pure; not wired into audit or the reports yet.
 * Ports are evaluated one by one (a matrix range is at most 65536 ports) and reported as runs of
 * consecutive ports decided the same way.
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

function runsFor(rs: FirewallRuleset, src: string, rule: MatrixRule): PortRun[] {
  const runs: PortRun[] = [];
  for (const r of rule.portRanges) {
    for (let p = r.from; p <= r.to; p++) {
      const d = evaluate(rs, { src, dstPort: p, proto: rule.protocol });
      const last = runs[runs.length - 1];
      if (last && last.ports.to === p - 1 && last.decision.decidedBy === d.decidedBy && last.decision.action === d.action) last.ports.to = p;
      else runs.push({ ports: { from: p, to: p }, decision: d });
    }
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
  for (const rule of matrix.rules) {
    if (!hostRoles.has(rule.destination)) continue;
    const sources = inventory.roles.find((r) => r.name === rule.source)?.members ?? [];
    for (const m of sources) {
      const base = { ruleId: rule.id, requirement: rule.requirement, source: m.text, protocol: rule.protocol };
      if (m.kind !== 'ipv4' && m.kind !== 'ipv6') {
        out.push({ ...base, status: 'inconclusive', runs: [], reason: `source member ${m.text} is a ${m.kind}; only single addresses are evaluated yet` });
        continue;
      }
      const runs = runsFor(rs, m.text, rule);
      out.push({ ...base, status: statusOf(runs), runs });
    }
  }
  return out;
}
