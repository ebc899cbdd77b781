/**
 * The rules table of the HTML report: status, rule, flow, traffic with first/last seen, the names
 * that put servers in the destination role, per-member coverage, the diagnosis, and for a missing
 * rule what to do in a test window to exercise it (the matrix's `trigger`).
 */
import type { AuditResult, RuleResult } from '../audit/result.js';
import { statesText } from './csv.js';
import { coverage, diagnosis, ruleNames, type AddrHtml } from './html_fields.js';
import { esc, token } from './html_escape.js';
import { edgeKind } from './svg_diagram.js';

function requirement(x: RuleResult): string {
  return x.requirement + (x.feature ? ` (${x.feature})` : '');
}

function listed(xs: string[], addr: AddrHtml): string {
  if (xs.length === 0) return '-';
  const shown = xs.slice(0, 4).map(addr).join(', ');
  return xs.length > 4 ? `${shown} +${xs.length - 4}` : shown;
}

function traffic(x: RuleResult): string {
  const conns = `${x.connections} conn${x.connections === 1 ? '' : 's'}, ${x.packets} pkt${x.packets === 1 ? '' : 's'}`;
  if (!x.connections) return conns;
  const states = Object.keys(x.states).length ? `<br><span class="muted">${esc(statesText(x.states))}</span>` : '';
  const seen = x.firstSeen ? `<br><span class="muted">first</span> <span class="ts">${esc(x.firstSeen)}</span><br><span class="muted">last</span> <span class="ts">${esc(x.lastSeen)}</span>` : '';
  return `${conns}<br>${x.outcomes.answered} answered<br>${x.outcomes.refused} refused<br>${x.outcomes.unanswered} no reply${states}${seen}`;
}

export function rulesSection(r: AuditResult, addr: AddrHtml): string {
  const hasCoverage = r.rules.some((x) => x.coverage !== null);
  const hasDiagnosis = r.rules.some((x) => x.diagnosis !== null);
  const hasNames = r.rules.some((x) => x.evidence.some((e) => e.names.length > 0));
  const out: string[] = [];
  out.push('<section id="rules">');
  out.push(`<h2>Rules (${r.rules.length})</h2>`);
  out.push('<table id="rules-table">');
  out.push(
    `<thead><tr><th>Status</th><th>Rule</th><th>Flow</th><th>Traffic</th>${hasCoverage ? '' : '<th>Clients → servers</th>'}${hasNames ? '<th>Names seen</th>' : ''}${hasCoverage ? '<th>Coverage (destination members)</th>' : ''}${hasDiagnosis ? '<th>Diagnosis</th>' : ''}</tr></thead>`,
  );
  out.push('<tbody>');
  r.rules.forEach((x) => {
    const kind = edgeKind(x);
    const trigger = x.status === 'missing' && x.trigger ? `<br><strong>To test it:</strong> ${esc(x.trigger)}` : '';
    out.push(
      `<tr data-rule="${esc(x.id)}" data-status="${esc(kind)}"><td class="status s-${token(kind)}">${esc(kind)}</td><td><span class="mono nowrap">${esc(x.id)}</span>${x.service ? `<br><strong>${esc(x.service)}</strong>` : ''}</td><td>${esc(x.source)} → ${esc(x.destination)}<br><span class="mono">${esc(`${x.protocol}/${x.ports.join(',')}`)}</span> · ${esc(requirement(x))}${x.row !== null ? ` · row ${x.row}` : ''}<br><span class="desc">${esc(x.description)}</span>${x.reason ? `<br><span class="muted">${esc(x.reason)}</span>` : ''}${trigger}</td><td class="nowrap">${traffic(x)}</td>${hasCoverage ? '' : `<td>${listed(x.clients, addr)} → ${listed(x.servers, addr)}</td>`}${hasNames ? `<td>${ruleNames(x.evidence, addr)}</td>` : ''}${hasCoverage ? `<td class="coverage">${coverage(x.coverage, addr)}</td>` : ''}${hasDiagnosis ? `<td>${diagnosis(x.diagnosis)}</td>` : ''}</tr>`,
    );
  });
  out.push('</tbody></table>');
  out.push('</section>');
  return out.join('\n');
}
