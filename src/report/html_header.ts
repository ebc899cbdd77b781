/**
 * The report's first page: the verdict badge, what was audited, the verdict's reasons and the
 * headline figures. In print it is page 1 on its own (html_style.ts breaks before the diagram).
 */
import type { AuditResult } from '../audit/result.js';
import { discoveredHeadline } from '../audit/discover/in_audit.js';
import { discoveredMemberLines, discoveredOf } from './discovered_lines.js';
import { esc, token } from './html_escape.js';
import { serverGroups } from './labels.js';
import { humanBytes } from './table.js';
import { VERDICT_LABEL } from '../audit/verdict.js';

export function header(r: AuditResult): string {
  const s = r.summary;
  const enforcedProblems = s.failedRequired + s.missingRequired;
  const groups = serverGroups(r).length;
  const figures: [string, string][] = [
    ['Packets', String(s.packets)],
    ['Bytes', humanBytes(s.bytes)],
    ['Connections', `${s.connections} (${s.connectionsInScope} in scope)`],
    ['Rules observed', `${s.rulesObserved} of ${r.rules.length}`],
    ['Required failed / partial / missing', `${s.failedRequired} / ${s.partialRequired ?? 0} / ${s.missingRequired}`],
    ['Unexpected flows', `${groups} server/port${groups === 1 ? '' : 's'} · ${s.unexpectedConnections} conn${s.unexpectedConnections === 1 ? '' : 's'}`],
    ['Captures', String(r.inputs.length)],
  ];
  const out: string[] = [];
  out.push(`<header class="verdict verdict-${token(r.verdict)}" id="page-1">`);
  out.push('<h1>flowaudit traffic audit</h1>');
  const note = r.verdict === 'inconclusive' ? ' <span id="verdict-note">the audit could not judge: neither pass nor fail</span>' : '';
  out.push(`<p><span class="badge" id="verdict" data-verdict="${esc(r.verdict)}">${esc(VERDICT_LABEL[r.verdict] ?? String(r.verdict).toUpperCase())}</span>${note}</p>`);
  const vantage = r.options.vantage?.length ? ` · vantage ${esc(r.options.vantage.join(', '))}` : '';
  out.push(
    `<p class="subtitle">Matrix <strong>${esc(r.matrix.name)}</strong> version ${esc(r.matrix.version)} · inventory ${esc(r.inventory.origin)} · scope ${esc(r.options.scope)} · features ${esc(r.options.features.join(', ') || 'none')}${vantage}${r.options.requireAllMembers ? ' · all members required' : ''}</p>`,
  );
  // The figures first: with many reasons and warnings, page 1 of the print still carries them.
  out.push('<dl class="figures" id="figures">');
  for (const [k, v] of figures) out.push(`<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`);
  out.push('</dl>');
  out.push(`<p class="subtitle">Traffic from ${s.firstSeen ? `<span class="ts">${esc(s.firstSeen)}</span> to <span class="ts">${esc(s.lastSeen)}</span>` : '(no packets)'}</p>`);
  const discovered = discoveredOf(r);
  if (discovered) {
    const { members, undecided } = discoveredMemberLines(discovered);
    out.push(`<div class="discovered" id="inventory-discovered"><p><strong>Warning:</strong> ${esc(discoveredHeadline(discovered))}</p>`);
    out.push(`<details><summary>Discovered members and their evidence</summary><ul>${members.map((m) => `<li>${esc(m)}</li>`).join('')}${undecided.map((u) => `<li>undecided: ${esc(u)}</li>`).join('')}</ul></details></div>`);
  }
  if (r.verdictReasons.length > 0) {
    out.push('<ul class="reasons" id="verdict-reasons">');
    for (const why of r.verdictReasons) out.push(`<li>${esc(why)}</li>`);
    out.push('</ul>');
  } else {
    out.push(`<p>The traffic matches the matrix: no unexpected flows${enforcedProblems === 0 ? ', every enforced rule observed' : ''}.</p>`);
  }
  const warnings = r.warnings ?? [];
  if (warnings.length > 0) {
    out.push('<ul class="warnings" id="warnings">');
    for (const w of warnings) out.push(`<li><strong>Warning:</strong> ${esc(w.text)}</li>`);
    out.push('</ul>');
  }
  out.push('</header>');
  return out.join('\n');
}
