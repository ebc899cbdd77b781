/**
 * The firewall section (issue 21) as plain lines, shared by the text, Markdown and HTML renderers
 * (each escapes them its own way: everything here may come from a firewall file, which is
 * attacker-controlled). One place decides the words; the renderers only lay them out.
 */
import { decisionText, documentedSource, hostLabel, runText, statusText } from '../audit/firewall_refs.js';
import type { FirewallFindingKind, FirewallHostResult, FirewallSection } from '../audit/firewall_types.js';

export const FIREWALL_HEADING = 'Host firewalls: matrix × rules × traffic';

export const FINDING_TITLES: Record<FirewallFindingKind, string> = {
  'documented-but-blocked': 'documented but blocked',
  'blocked-yet-seen': 'blocked yet seen (the capture contradicts the file)',
  'undocumented-but-permitted': 'undocumented but permitted',
  'permitted-never-seen': 'permitted, never seen',
  shadowed: 'shadowed',
};

export interface FirewallHostView {
  title: string;
  file: string;
  documented: string[];
  observed: string[];
  notes: string[];
}

function documentedLines(h: FirewallHostResult): string[] {
  return h.documented.map((c) => {
    const runs = c.decisions.map((d) => runText(c, d)).join('; ');
    const req = c.enforced ? c.requirement : `${c.requirement}, not enforced`;
    return `${c.ruleId} (${req}) from ${documentedSource(c)}: ${statusText(c)}${runs ? ` — ${runs}` : ''}${c.reason ? ` — ${c.reason}` : ''}`;
  });
}

function observedLines(h: FirewallHostResult): string[] {
  return h.observed.map((o) => {
    const counts = `${o.connections} conn, ${o.answered} answered, ${o.refused} refused, ${o.unanswered} no reply`;
    return `${o.client} → ${o.protocol}/${o.port} (${counts}): ${o.status} — ${decisionText(o.decision)}${o.note ? `; note: ${o.note}` : ''}`;
  });
}

export function firewallHostViews(s: FirewallSection): FirewallHostView[] {
  return s.hosts.map((h) => {
    const notes: string[] = [];
    if (h.observedOmitted > 0) notes.push(`${h.observedOmitted} further connections to this host are not listed one flow at a time (bound reached)`);
    for (const r of h.notFullyChecked) notes.push(`not fully checked for undocumented ports (range too large to enumerate): ${r.chain} #${r.number} ${r.text}`);
    if (h.file.skippedTables.length > 0) notes.push(`tables not evaluated: ${h.file.skippedTables.join(', ')}`);
    return {
      title: `${hostLabel(h.host, h.address)}, roles ${h.roles.join(', ') || 'none'}`,
      file: `${h.file.path}: ${h.file.format}, ${h.file.rules} rule${h.file.rules === 1 ? '' : 's'}, sha256 ${h.file.sha256}`,
      documented: documentedLines(h),
      observed: observedLines(h),
      notes,
    };
  });
}

/** One line summing the findings per kind (`2 documented but blocked, 6 undocumented but permitted, …`). */
export function findingCounts(s: FirewallSection): string {
  const kinds = Object.keys(FINDING_TITLES) as FirewallFindingKind[];
  const parts = kinds.map((k) => [k, s.findings.filter((f) => f.kind === k).length] as const).filter(([, n]) => n > 0);
  return parts.length === 0 ? 'no findings' : parts.map(([k, n]) => `${n} ${FINDING_TITLES[k]}`).join(', ');
}

export function windowText(s: FirewallSection): string {
  return s.window.firstSeen === null ? 'no traffic in the window' : `window ${s.window.firstSeen} → ${s.window.lastSeen} (${s.window.seconds} s)`;
}
