/** The firewall section of the HTML report (issue 21); every string goes through esc(). */
import type { AuditResult } from '../audit/result.js';
import { FINDING_TITLES, FIREWALL_HEADING, findingCounts, firewallHostViews, windowText } from './firewall_lines.js';
import { esc } from './html_escape.js';

const list = (items: string[]): string => (items.length === 0 ? '' : `<ul class="extra">${items.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>`);

export function firewallSection(r: AuditResult): string {
  const s = r.firewall;
  if (!s) return '';
  const out = [`<section id="firewall"><h2>${esc(FIREWALL_HEADING)}</h2>`, `<p>${esc(findingCounts(s))}; ${esc(windowText(s))}.</p>`];
  if (s.findings.length > 0) {
    out.push('<table id="firewall-findings"><thead><tr><th>Finding</th><th>Changes the verdict</th><th>What</th></tr></thead><tbody>');
    for (const f of s.findings) out.push(`<tr class="fw-${esc(f.kind)}"><td>${esc(FINDING_TITLES[f.kind])}</td><td>${esc(f.verdictEffect ?? 'no')}</td><td>${esc(f.text)}</td></tr>`);
    out.push('</tbody></table>');
  }
  for (const h of firewallHostViews(s)) {
    out.push(`<h3>${esc(h.title)}</h3>`, `<p>file ${esc(h.file)}</p>`);
    if (h.documented.length > 0) out.push('<h4>Documented flows</h4>', list(h.documented));
    if (h.observed.length > 0) out.push('<h4>Observed flows</h4>', list(h.observed));
    out.push(list(h.notes));
  }
  out.push(`<p class="note">${s.limits.map(esc).join(' ')}</p>`, '</section>');
  return out.join('\n');
}
