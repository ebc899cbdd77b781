/** The firewall section of the Markdown report (issue 21); every string goes through md(). */
import type { AuditResult } from '../audit/result.js';
import { FINDING_TITLES, FIREWALL_HEADING, findingCounts, firewallHostViews, windowText } from './firewall_lines.js';
import { md } from './markdown_escape.js';

export function firewallMd(r: AuditResult): string[] {
  const s = r.firewall;
  if (!s) return [];
  const out = [`### ${FIREWALL_HEADING}`, '', `${md(findingCounts(s))}; ${md(windowText(s))}.`, ''];
  if (s.findings.length > 0) {
    out.push('| Finding | Changes the verdict | What |', '| --- | --- | --- |');
    for (const f of s.findings) out.push(`| ${md(FINDING_TITLES[f.kind])} | ${md(f.verdictEffect ?? 'no')} | ${md(f.text)} |`);
    out.push('');
  }
  for (const h of firewallHostViews(s)) {
    out.push(`#### ${md(h.title)}`, '', `- file ${md(h.file)}`);
    for (const l of h.documented) out.push(`- documented: ${md(l)}`);
    for (const l of h.observed) out.push(`- observed: ${md(l)}`);
    for (const n of h.notes) out.push(`- note: ${md(n)}`);
    out.push('');
  }
  for (const l of s.limits) out.push(`> ${md(l)}`, '>');
  if (s.limits.length > 0) out.pop();
  out.push('');
  return out;
}
