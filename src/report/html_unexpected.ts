/**
 * Unexpected flows in the HTML report, grouped for people: one row per server, protocol and port,
 * the clients as a count with their common role or prefix and the top few by connections (the
 * per-client entries stay in JSON, CSV and `flowaudit flows`). Then the near misses, scans when the
 * result has them, and the table of host names with their evidence.
 */
import type { UnexpectedServerGroup } from '../audit/grouping.js';
import type { AuditResult } from '../audit/result.js';
import { statesText } from './csv.js';
import { generic, textList, type AddrHtml } from './html_fields.js';
import { esc } from './html_escape.js';
import { clientsText } from '../audit/grouping.js';
import { byWeight, groupDiagnosisLines, groupedRowsText, groupNote, labeller, namesWithEvidence, nearMissLines, serverGroups, unexpectedCount, type Labeller } from './labels.js';
import { absenceText } from '../audit/observation.js';
import { coverageFor } from './controls_lines.js';

/** Most groups drawn as rows (every group is in the JSON and CSV reports). */
export const MAX_HTML_GROUP_ROWS = 200;
const MAX_FINDINGS = 3;

function clientsCell(g: UnexpectedServerGroup, addr: AddrHtml): string {
  if (g.clients === 1 && g.topClients[0]) return addr(g.topClients[0].client);
  const summary = esc(clientsText({ ...g, clientPrefix: null })) + (g.clientPrefix ? ` in <span class="addr">${esc(g.clientPrefix)}</span>` : '');
  const more = g.clients - g.topClients.length;
  const items = g.topClients.map((c) => `<li>${addr(c.client)} <span class="muted">${c.connections} conn${c.connections === 1 ? '' : 's'}</span></li>`);
  if (more > 0) items.push(`<li class="muted">+${more} more</li>`);
  return `<strong>${summary}</strong><ul class="clients">${items.join('')}</ul>`;
}

function findings(r: AuditResult, g: UnexpectedServerGroup, label: Labeller): string {
  const texts = groupDiagnosisLines(r, [g], label).slice(0, MAX_FINDINGS).map((f) => f.text);
  return texts.length ? `<ul class="extra">${texts.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>` : '';
}

export function unexpectedSection(r: AuditResult, addr: AddrHtml): string {
  const groups = byWeight(serverGroups(r));
  const label = labeller(r);
  const out: string[] = [];
  out.push('<section id="unexpected">');
  const rows = groupedRowsText(r);
  out.push('<h2>Unexpected flows</h2>');
  if (groups.length === 0) {
    out.push(`<p id="unexpected-count">None: every audited connection matched a rule (${esc(absenceText(coverageFor(r), 'no unexpected flow'))}).</p>`);
    out.push('</section>');
    return out.join('\n');
  }
  out.push(`<p id="unexpected-count"><strong>${esc(unexpectedCount(r))}</strong>${rows ? `, ${esc(rows)}` : ''}.</p>`);
  const shown = groups.slice(0, MAX_HTML_GROUP_ROWS);
  out.push('<table id="unexpected-table">');
  out.push(
    '<thead><tr><th>Server</th><th>Proto / port</th><th>Clients</th><th class="num">Conns</th><th class="num">Pkts</th><th class="num">Bytes</th><th>States</th><th>Roles</th><th>First / last seen</th><th>Note</th></tr></thead><tbody>',
  );
  for (const g of shown) {
    const note = groupNote(g);
    out.push(
      `<tr data-clients="${g.clients}"><td>${addr(g.server)}</td><td class="mono nowrap">${esc(`${g.protocol}/${g.port}`)}</td><td>${clientsCell(g, addr)}</td><td class="num">${g.connections}</td><td class="num">${g.packets}</td><td class="num">${g.bytes}</td><td>${esc(statesText(g.states))}</td><td class="roles">${esc(g.clientRoles.join(', ') || '-')} → ${esc(g.serverRoles.join(', ') || '-')}</td><td><span class="ts">${esc(g.firstSeen)}</span><br><span class="ts">${esc(g.lastSeen)}</span></td><td>${esc(note)}${findings(r, g, label)}</td></tr>`,
    );
  }
  out.push('</tbody></table>');
  if (groups.length > shown.length) out.push(`<p class="note" id="unexpected-more">${groups.length - shown.length} more groups are not drawn here; every group is in the JSON (<span class="mono">unexpectedByServer</span>) and CSV reports.</p>`);
  if (rows) out.push('<p class="note">Per-client detail: the JSON report (<span class="mono">unexpected[]</span>, with names), the CSV report, or <span class="mono">flowaudit flows</span>.</p>');
  out.push('</section>');
  return out.join('\n');
}

/** Near misses, scans and other top-level fields added by other features, then the names table. */
export function extraSections(r: AuditResult, _addr: AddrHtml): string {
  const out: string[] = [];
  const misses = nearMissLines(r, labeller(r));
  if (misses.length > 0) out.push(`<section id="nearMisses"><h2>Near misses (${r.nearMisses?.length ?? 0})</h2><ul class="extra">${misses.map((t) => `<li>${esc(t)}</li>`).join('')}</ul></section>`);
  if (r.scans.length > 0) out.push(`<section id="scans"><h2>Scans</h2>${textList(r.scans) ?? generic(r.scans)}</section>`);
  if (r.floods !== undefined && r.floods.length > 0) out.push(`<section id="floods"><h2>Floods (folded beyond the budget)</h2>${textList(r.floods) ?? generic(r.floods)}</section>`);
  const names = r.names ?? [];
  if (names.length > 0) {
    out.push('<section id="names"><h2>Host names seen</h2><table id="names-table"><thead><tr><th>Address</th><th>Names [evidence]</th></tr></thead><tbody>');
    for (const e of names) {
      const list = namesWithEvidence(e).map(([n, src]) => `<span class="nm">${esc(n)}</span> <span class="src">[${esc(src.join(', '))}]</span>`).join(', ');
      out.push(`<tr><td><span class="addr">${esc(e.address)}</span></td><td>${list}</td></tr>`);
    }
    out.push('</tbody></table></section>');
  }
  return out.join('\n');
}
