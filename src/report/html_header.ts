/**
 * The report's first page (issue 17): the verdict badge, the scope (inputs, window, vantage,
 * matrix and inventory with their hashes, signer), the headline figures, the verdict's reasons and
 * one line per rule. In print it is page 1 on its own (html_style.ts breaks after it).
 */
import type { AuditResult } from '../audit/result.js';
import { discoveredHeadline } from '../audit/discover/in_audit.js';
import { discoveredMemberLines, discoveredOf } from './discovered_lines.js';
import { esc, token } from './html_escape.js';
import { ruleSummaryNote, unexpectedCount } from './labels.js';
import { matrixVersionNote, scopeItems } from './scope_lines.js';
import { humanBytes } from './table.js';
import { VERDICT_LABEL } from '../audit/verdict.js';

function figures(r: AuditResult): string {
  const s = r.summary;
  const list: [string, string][] = [
    ['Packets', String(s.packets)],
    ['Bytes', humanBytes(s.bytes)],
    ['Connections', `${s.connections} (${s.connectionsInScope} in scope)`],
    ['Rules observed', `${s.rulesObserved} of ${r.rules.length}`],
    ['Required failed / partial / missing', `${s.failedRequired} / ${s.partialRequired ?? 0} / ${s.missingRequired}`],
    ['Unexpected flows', unexpectedCount(r)],
  ];
  return `<dl class="figures" id="figures">${list.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`;
}

function scope(r: AuditResult): string {
  const rows = scopeItems(r).map((it) => {
    const value = it.lines.map((l, k) => (k === 0 ? esc(l) : `<br><span class="mono hash">${esc(l)}</span>`)).join('');
    return `<dt>${esc(it.key)}</dt><dd${it.key === 'Signer' ? ' id="signer"' : ''}>${value}</dd>`;
  });
  const note = matrixVersionNote(r.matrix.version);
  return `<dl class="kv scope" id="scope">${rows.join('')}</dl>${note ? `<p class="note" id="jargon">${esc(note)}</p>` : ''}`;
}

function reasons(r: AuditResult): string {
  const s = r.summary;
  if (r.verdictReasons.length === 0) {
    return `<p>The traffic matches the matrix: no unexpected flows${s.failedRequired + s.missingRequired === 0 ? ', every enforced rule observed' : ''}.</p>`;
  }
  return `<ul class="reasons${r.verdictReasons.length > 6 ? ' many' : ''}" id="verdict-reasons">${r.verdictReasons.map((why) => `<li>${esc(why)}</li>`).join('')}</ul>`;
}

/** One line per rule: status, rule, flow, ports, requirement, connections and a short note. */
function statusTable(r: AuditResult): string {
  const rows = r.rules.map((x) => {
    const note = ruleSummaryNote(r, x);
    return `<tr data-rule="${esc(x.id)}" data-status="${esc(x.status)}"><td class="status s-${token(x.status)}">${esc(x.status)}</td><td class="mono nowrap">${esc(x.id)}</td><td class="nowrap">${esc(x.source)} → ${esc(x.destination)}</td><td class="mono nowrap">${esc(`${x.protocol}/${x.ports.join(',')}`)}</td><td class="nowrap">${esc(x.requirement + (x.feature ? ` (${x.feature})` : ''))}</td><td class="num">${x.connections}</td><td class="rnote">${esc(note)}</td></tr>`;
  });
  return `<table id="rule-status"><thead><tr><th>Status</th><th>Rule</th><th>Flow</th><th>Ports</th><th>Requirement</th><th class="num">Conns</th><th>Note</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function header(r: AuditResult): string {
  const out: string[] = [];
  out.push(`<header class="verdict verdict-${token(r.verdict)}" id="page-1">`);
  const note = r.verdict === 'inconclusive' ? ' <span id="verdict-note">the audit could not judge: neither pass nor fail</span>' : '';
  out.push(`<h1>flowaudit traffic audit <span class="badge" id="verdict" data-verdict="${esc(r.verdict)}">${esc(VERDICT_LABEL[r.verdict] ?? String(r.verdict).toUpperCase())}</span>${note}</h1>`);
  out.push(reasons(r));
  const discovered = discoveredOf(r);
  if (discovered) {
    const { members, undecided } = discoveredMemberLines(discovered);
    out.push(`<div class="discovered" id="inventory-discovered"><p><strong>Warning:</strong> ${esc(discoveredHeadline(discovered))}</p>`);
    out.push(`<details><summary>Discovered members and their evidence</summary><ul>${members.map((m) => `<li>${esc(m)}</li>`).join('')}${undecided.map((u) => `<li>undecided: ${esc(u)}</li>`).join('')}</ul></details></div>`);
  }
  out.push(figures(r));
  out.push(scope(r));
  out.push(`<h2 class="p1">Rules at a glance (${r.rules.length})</h2>`);
  out.push(statusTable(r));
  const warnings = r.warnings ?? [];
  if (warnings.length > 0) {
    out.push('<ul class="warnings" id="warnings">');
    for (const w of warnings) out.push(`<li><strong>Warning:</strong> ${esc(w.text)}</li>`);
    out.push('</ul>');
  }
  out.push('</header>');
  return out.join('\n');
}
