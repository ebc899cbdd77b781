/** The firewall section of the text report (issue 21); every string goes through `inert`. */
import type { AuditResult } from '../audit/result.js';
import { FINDING_TITLES, FIREWALL_HEADING, findingCounts, firewallHostViews, windowText } from './firewall_lines.js';

type Paint = (style: 'bold' | 'red' | 'yellow' | 'green' | 'gray', text: string) => string;

export function firewallTextLines(r: AuditResult, p: Paint, inert: (s: string) => string): string[] {
  const s = r.firewall;
  if (!s) return [];
  const out = [p('bold', `${FIREWALL_HEADING} (${s.hosts.length} file${s.hosts.length === 1 ? '' : 's'}; ${findingCounts(s)})`)];
  out.push(`  ${inert(windowText(s))}`);
  for (const h of firewallHostViews(s)) {
    out.push(`  ${inert(h.title)}`, `    file ${inert(h.file)}`);
    if (h.documented.length > 0) out.push('    documented flows:', ...h.documented.map((l) => `      ${inert(l)}`));
    if (h.observed.length > 0) out.push('    observed flows:', ...h.observed.map((l) => `      ${inert(l)}`));
    for (const n of h.notes) out.push(`    note: ${inert(n)}`);
  }
  out.push(`  findings (${s.findings.length}):`);
  for (const f of s.findings) {
    const mark = f.verdictEffect === 'fail' ? p('red', '!') : f.verdictEffect === 'inconclusive' ? p('yellow', '?') : '-';
    out.push(`    ${mark} ${FINDING_TITLES[f.kind]}: ${inert(f.text)}`);
  }
  out.push('  limits:', ...s.limits.map((l) => `    ${inert(l)}`), '');
  return out;
}
