/**
 * The firewall section joined to an audit (issue 21), and what it does to the verdict:
 *   - a documented flow the audit enforces, blocked by the host's firewall file (and not answered
 *     in the traffic) is a violation: the verdict becomes FAIL (a pass never stands on a policy
 *     that blocks a required flow);
 *   - an observed flow that was answered although the file blocks it (blocked-yet-seen) means the
 *     file is not what the host ran: a PASS becomes INCONCLUSIVE (the three-way check cannot be
 *     trusted);
 *   - undocumented-but-permitted, permitted-never-seen and shadowed are rule-review findings
 *     (PCI DSS 1.2.7, 1.3.1, 1.3.2): listed, they do not change the verdict, which judges traffic.
 * A FAIL or INCONCLUSIVE verdict stays as it is, with the firewall's reasons added.
 */
import type { Inventory, Matrix } from '../matrix/index.js';
import { firewallFindings, type FirewallHostInput } from './firewall_findings.js';
import { observedFlowsTo, type ConnectionVisitor } from './firewall_observed.js';
import { addressesText, hostLabel } from './firewall_refs.js';
import type { FirewallFinding, FirewallSection } from './firewall_types.js';
import type { AuditResult } from './result.js';

function reasonOf(f: FirewallFinding): string {
  const where = f.rule ? `${f.decidedBy}${f.rule.line > 0 ? `, line ${f.rule.line}` : ''}` : f.decidedBy;
  const who = hostLabel(f.host, f.address);
  const part = f.addresses ? ` (${addressesText(f.addresses)})` : '';
  if (f.kind === 'documented-but-blocked') return `${who}'s firewall blocks ${f.matrixRule} ${f.protocol}/${f.ports} from ${f.sources.join(', ')}${part} (${where}; ${f.traffic})`;
  return `${who}'s firewall file contradicts the capture: ${f.sources.join(', ')} → ${f.protocol}/${f.ports} answered, blocked by ${where}`;
}

/** The result with `firewall` set and the verdict adjusted as the header says. */
export function withFirewall(result: AuditResult, section: FirewallSection): AuditResult {
  const fails = section.findings.filter((f) => f.verdictEffect === 'fail').map(reasonOf);
  const doubts = section.findings.filter((f) => f.verdictEffect === 'inconclusive').map(reasonOf);
  let verdict = result.verdict;
  if (verdict === 'pass') verdict = fails.length > 0 ? 'fail' : doubts.length > 0 ? 'inconclusive' : 'pass';
  const { evidence: _e, controls: _c, ...bare } = result;
  return { ...bare, verdict, verdictReasons: [...result.verdictReasons, ...fails, ...doubts], firewall: section };
}

/** Observed flows to the hosts, the three-way check, and its effect on the verdict, in one call. */
export function auditFirewalls(result: AuditResult, connections: ConnectionVisitor, matrix: Matrix, inventory: Inventory, hosts: readonly FirewallHostInput[]): AuditResult {
  if (hosts.length === 0) return result;
  const observed = observedFlowsTo(connections, new Set(hosts.map((h) => h.address)));
  const section = firewallFindings(matrix, inventory, hosts, observed, {
    features: result.options.features,
    window: { firstSeen: result.summary.firstSeen, lastSeen: result.summary.lastSeen },
    names: result.names ?? [],
  });
  return withFirewall(result, section);
}
