/**
 * The discovered-inventory block of an audit report (issue 10), as plain lines shared by the text,
 * Markdown and HTML renderers (each escapes them its own way). Absent for a reviewed inventory.
 */
import { discoveredHeadline, type DiscoveredInventoryReport } from '../audit/discover/in_audit.js';
import type { AuditResult } from '../audit/result.js';

export function discoveredOf(r: AuditResult): DiscoveredInventoryReport | undefined {
  return r.inventory.discovered;
}

export function discoveredHeadlineOf(r: AuditResult): string | null {
  const d = discoveredOf(r);
  return d ? discoveredHeadline(d) : null;
}

/** One line per member ("role: member (name), confidence: evidence; evidence"), then the undecided. */
export function discoveredMemberLines(d: DiscoveredInventoryReport): { members: string[]; undecided: string[] } {
  const members = d.members.map(
    (m) => `${m.role}: ${m.member}${m.name ? ` (${m.name})` : ''}, ${m.confidence ?? 'no'} confidence${m.evidence.length ? `: ${m.evidence.join('; ')}` : ''}`,
  );
  const undecided = (d.undecided ?? []).map((u) => `${u.subject}${u.roles?.length && !(u.roles.length === 1 && u.roles[0] === u.subject) ? ` (${u.roles.join(' or ')}?)` : ''}: ${u.reason}${u.hint ? ` (${u.hint})` : ''}`);
  return { members, undecided };
}
