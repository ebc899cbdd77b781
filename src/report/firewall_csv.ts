/**
 * CSV rows of the firewall section (issue 21), in the audit CSV's columns: `firewall-file` (one
 * per host), `firewall-documented` (matrix rule × source member), `firewall-observed` (one per
 * observed flow to the host) and `firewall-finding`. Cells are neutralised by the CSV writer.
 */
import { decisionText, documentedSource, ruleLabel, runAddresses, statusText } from '../audit/firewall_refs.js';
import type { AuditResult } from '../audit/result.js';

type Cell = string | number;

export function firewallCsvRows(r: AuditResult): Record<string, Cell>[] {
  const s = r.firewall;
  if (!s) return [];
  const rows: Record<string, Cell>[] = [];
  for (const h of s.hosts) {
    rows.push({ kind: 'firewall-file', id: h.host, status: h.file.format, destination: h.roles.join(' '), server: h.address, description: h.file.path, evidence: `${h.file.rules} rules`, firstSeen: s.window.firstSeen ?? '', lastSeen: s.window.lastSeen ?? '', sha256: h.file.sha256 });
    for (const c of h.documented) {
      rows.push({
        kind: 'firewall-documented', id: c.ruleId, status: c.status, requirement: c.requirement, client: documentedSource(c), server: h.address, protocol: c.protocol,
        ports: c.decisions.map((d) => d.ports).join(' '), description: [c.status === statusText(c) ? '' : statusText(c), c.reason ?? ''].filter((x) => x).join('; '), evidence: c.decisions.map((d) => `${runAddresses(c, d)}${d.ports}: ${decisionText(d)}`).join('; '),
      });
    }
    for (const o of h.observed) {
      rows.push({
        kind: 'firewall-observed', id: o.decision.decidedBy, status: o.status, client: o.client, server: h.address, protocol: o.protocol, ports: String(o.port),
        connections: o.connections, answered: o.answered, refused: o.refused, unanswered: o.unanswered, evidence: decisionText(o.decision), description: o.note ?? '',
      });
    }
  }
  for (const f of s.findings) {
    rows.push({
      kind: 'firewall-finding', id: f.kind, status: f.verdictEffect ?? 'finding', client: f.sources.join(' '), server: f.address, protocol: f.protocol ?? '', ports: f.ports ?? '',
      description: f.text, evidence: f.rule ? ruleLabel(f.rule) : f.decidedBy, diagnosis: f.traffic ?? '', trigger: f.matrixRule ?? '',
    });
  }
  return rows;
}
