/**
 * The rules detail of the HTML report (after page 1's one-line-per-rule table): per rule, in three
 * columns wide enough to read in print — the rule (status, flow, requirement, description, why,
 * the coverage of a negative result, what to do in a test window to exercise a missing rule), its
 * traffic (connections, outcomes, states, first/last seen), and its evidence (the names that put
 * servers in the destination role, per-member coverage, the diagnosis).
 */
import type { AuditResult, RuleResult } from '../audit/result.js';
import { ruleCoverage } from './controls_lines.js';
import { statesText } from './csv.js';
import { coverage, diagnosis, ruleNames, type AddrHtml } from './html_fields.js';
import { esc, token } from './html_escape.js';

function requirement(x: RuleResult): string {
  return x.requirement + (x.feature ? ` (${x.feature})` : '') + (x.enforced ? '' : ', not enforced');
}

function listed(xs: string[], addr: AddrHtml): string {
  if (xs.length === 0) return '';
  const shown = xs.slice(0, 4).map(addr).join(', ');
  return xs.length > 4 ? `${shown} +${xs.length - 4}` : shown;
}

/** The last time without its date when both fall on the same day ("09:00:06.154000Z"). */
function sameDayTail(first: string, last: string): string {
  return first.slice(0, 11) === last.slice(0, 11) && last.length > 11 ? last.slice(11) : last;
}

function traffic(x: RuleResult): string {
  const conns = `${x.connections} conn${x.connections === 1 ? '' : 's'}, ${x.packets} pkt${x.packets === 1 ? '' : 's'}`;
  if (!x.connections) return conns;
  const states = Object.keys(x.states).length ? ` · ${esc(statesText(x.states))}` : '';
  const seen = x.firstSeen ? `<br><span class="ts">${esc(x.firstSeen)} → ${esc(sameDayTail(x.firstSeen, x.lastSeen ?? ''))}</span>` : '';
  return `${conns}${states}<br>${x.outcomes.answered} answered, ${x.outcomes.refused} refused, ${x.outcomes.unanswered} no reply${seen}`;
}

function ruleCell(r: AuditResult, x: RuleResult): string {
  const cov = ruleCoverage(r, x);
  const parts = [
    `<span class="status s-${token(x.status)}">${esc(x.status)}</span> <span class="mono nowrap">${esc(x.id)}</span>${x.service ? ` <strong>${esc(x.service)}</strong>` : ''}`,
    `${esc(x.source)} → ${esc(x.destination)} <span class="mono">${esc(`${x.protocol}/${x.ports.join(',')}`)}</span> · ${esc(requirement(x))}${x.row !== null ? ` · row ${x.row}` : ''}`,
    `<span class="desc">${esc(x.description)}</span>`,
  ];
  if (x.reason) parts.push(`<span class="muted">${esc(x.reason)}</span>`);
  if (cov) parts.push(`<span class="cov-note">${esc(x.status)}: ${esc(cov)}</span>`);
  if (x.status === 'missing' && x.trigger) parts.push(`<strong>To test it:</strong> ${esc(x.trigger)}`);
  return parts.join('<br>');
}

function evidenceCell(x: RuleResult, addr: AddrHtml): string {
  const parts: string[] = [];
  const names = ruleNames(x.evidence, addr);
  if (names) parts.push(`<span class="muted">names:</span> ${names}`);
  if (x.coverage && x.coverage.length) parts.push(`<span class="muted">members:</span> ${coverage(x.coverage, addr)}`);
  else if (x.connections) parts.push(`<span class="muted">clients → servers:</span> ${listed(x.clients, addr)} → ${listed(x.servers, addr)}`);
  const diag = x.diagnosis && x.connections ? diagnosis(x.diagnosis) : '';
  if (diag) parts.push(`<span class="muted">diagnosis:</span> ${diag}`);
  return parts.map((p) => `<div>${p}</div>`).join('');
}

export function rulesSection(r: AuditResult, addr: AddrHtml): string {
  const out: string[] = [];
  out.push('<section id="rules">');
  out.push(`<h2>Rules in detail (${r.rules.length})</h2>`);
  out.push('<table id="rules-table">');
  out.push('<colgroup><col class="c-rule"><col class="c-traffic"><col class="c-evidence"></colgroup>');
  out.push('<thead><tr><th>Rule</th><th>Traffic</th><th>Names, members and diagnosis</th></tr></thead>');
  out.push('<tbody>');
  for (const x of r.rules) {
    out.push(`<tr data-rule="${esc(x.id)}" data-status="${esc(x.status)}"><td>${ruleCell(r, x)}</td><td>${traffic(x)}</td><td>${evidenceCell(x, addr)}</td></tr>`);
  }
  out.push('</tbody></table>');
  out.push('</section>');
  return out.join('\n');
}
