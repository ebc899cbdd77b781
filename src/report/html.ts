/**
 * `--format html`: one self-contained file for a change board or an auditor. No script at all, no
 * external fonts, styles or images; one <style> element allowed by its hash in a Content-Security-
 * Policy meta tag (`default-src 'none'`), so even injected markup could neither run nor load
 * anything. Every string from packets or user files passes through esc(). Print CSS makes it read
 * well as a PDF (A4 landscape, colours kept, table headers repeated, rows never split).
 *
 * Fields other engineers add to the result (per-rule `coverage` and `diagnosis`, top-level
 * `nearMisses`, `diagnosis`, `names`) are rendered when present, generically, and skipped when not.
 */
import { createHash } from 'node:crypto';
import type { AuditResult, InputResult, RuleResult } from '../audit/result.js';
import { statesText } from './csv.js';
import { esc, token } from './html_escape.js';
import { EDGE_STYLE, edgeKind, renderDiagram, type EdgeKind } from './svg_diagram.js';
import { humanBytes } from './table.js';
import { discoveredHeadline } from '../audit/discover/in_audit.js';
import { discoveredMemberLines, discoveredOf } from './discovered_lines.js';

export const HTML_STYLE = `
:root { color-scheme: light; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; margin: 24px auto; max-width: 1320px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 3px; }
header.verdict { border: 2px solid; border-radius: 8px; padding: 14px 18px; }
header.verdict-pass { border-color: #2e7d32; background: #f1f8f1; }
header.verdict-fail { border-color: #c62828; background: #fdf2f2; }
.badge { display: inline-block; font-weight: 700; font-size: 20px; padding: 2px 12px; border-radius: 4px; color: #fff; letter-spacing: 1px; }
.verdict-pass .badge { background: #2e7d32; }
.verdict-fail .badge { background: #c62828; }
.subtitle { color: #444; margin: 6px 0; }
ul.reasons { margin: 8px 0; padding-left: 22px; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; margin: 10px 0 0; }
dl.figures div { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; }
dl.figures dt { font-size: 11px; color: #555; text-transform: uppercase; letter-spacing: .5px; }
dl.figures dd { margin: 0; font-size: 17px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border: 1px solid #d5d5d5; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
td.mono, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.desc { font-size: 11.5px; color: #444; }
table { font-size: 12px; }
.status { font-weight: 600; white-space: nowrap; }
.s-observed { color: #2e7d32; } .s-failed { color: #c62828; } .s-missing { color: #e65100; }
.cov-reached { color: #2e7d32; font-weight: 600; } .cov-failed { color: #c62828; font-weight: 600; } .cov-never-tried { color: #e65100; font-weight: 600; }
.s-optional-not-seen { color: #546e7a; } .s-not-applicable { color: #757575; } .s-unexpected { color: #6a1b9a; }
.diagram-wrap { overflow-x: auto; border: 1px solid #ddd; border-radius: 6px; padding: 6px; background: #fff; }
svg.diagram { max-width: 100%; height: auto; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 14px; }
ul.legend svg { vertical-align: middle; margin-right: 4px; }
.muted { color: #666; }
.note { font-size: 12px; color: #555; }
.discovered { border: 2px solid #b45309; background: #fffbeb; padding: 4px 10px; margin: 8px 0; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 6px 0; }
dl.kv dt { font-weight: 600; }
dl.kv dd { margin: 0; }
ul.extra { margin: 0; padding-left: 16px; }
footer { margin-top: 30px; font-size: 11px; color: #666; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  tr, .node, dl.figures div, header.verdict { break-inside: avoid; }
  thead { display: table-header-group; }
  .diagram-wrap { overflow: visible; border: none; padding: 0; }
  section#diagram { break-inside: avoid; }
}
`;

const STYLE_HASH = `sha256-${createHash('sha256').update(HTML_STYLE).digest('base64')}`;

/** The report's Content-Security-Policy: nothing may load or run; only our own <style> applies. */
export const HTML_CSP = `default-src 'none'; style-src '${STYLE_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

export interface HtmlOptions {
  /** Nothing yet; reserved so the signature matches the other renderers. */
  readonly _?: never;
}

type Loose = Record<string, unknown>;

export function renderHtml(r: AuditResult, _opts: HtmlOptions = {}): string {
  const names = addressNames(r);
  const short = new Map([...names].map(([a, n]) => [a, n.split(', ')[0]!.replace(/ \([a-z-]+\)$/, '')]));
  const memberLabel = (m: string): string => (short.get(m) ? `${short.get(m)} (${m})` : m);
  const title = `flowaudit report — ${r.verdict.toUpperCase()} — ${r.matrix.name} ${r.matrix.version}`;
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>');
  parts.push('<html lang="en">');
  parts.push('<head>');
  parts.push('<meta charset="utf-8">');
  parts.push(`<meta http-equiv="Content-Security-Policy" content="${esc(HTML_CSP)}">`);
  parts.push('<meta name="referrer" content="no-referrer">');
  parts.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  parts.push(`<meta name="generator" content="flowaudit ${esc(r.tool.version)}">`);
  parts.push(`<title>${esc(title)}</title>`);
  parts.push(`<style>${HTML_STYLE}</style>`);
  parts.push('</head>');
  parts.push('<body>');
  parts.push(header(r));
  parts.push('<section id="diagram">');
  parts.push('<h2>Flow diagram</h2>');
  parts.push(legend());
  parts.push(`<div class="diagram-wrap">${renderDiagram(r, { memberLabel })}</div>`);
  parts.push('<p class="note">Nodes are the matrix roles with their inventory members; edges are the matrix rules (tooltips name each rule) and the unexpected flows.</p>');
  parts.push('</section>');
  parts.push(rulesSection(r));
  parts.push(unexpectedSection(r));
  parts.push(extraTopLevel(r));
  parts.push(captureSection(r));
  parts.push(nextStepsSection(r));
  parts.push(evidenceSection(r));
  parts.push(`<footer>Generated by flowaudit ${esc(r.tool.version)} at ${esc(r.generatedAt)} · report schema ${esc(r.schema)}</footer>`);
  parts.push('</body>');
  parts.push('</html>');
  return `${parts.join('\n')}\n`;
}

function header(r: AuditResult): string {
  const s = r.summary;
  const enforcedProblems = s.failedRequired + s.missingRequired;
  const figures: [string, string][] = [
    ['Packets', String(s.packets)],
    ['Bytes', humanBytes(s.bytes)],
    ['Connections', `${s.connections} (${s.connectionsInScope} in scope)`],
    ['Rules observed', `${s.rulesObserved} of ${r.rules.length}`],
    ['Required failed / missing', `${s.failedRequired} / ${s.missingRequired}`],
    ['Unexpected flows', `${s.unexpected} (${s.unexpectedConnections} conns)`],
    ['Captures', String(r.inputs.length)],
  ];
  const out: string[] = [];
  out.push(`<header class="verdict verdict-${token(r.verdict)}">`);
  out.push('<h1>flowaudit traffic audit</h1>');
  out.push(`<p><span class="badge" id="verdict" data-verdict="${esc(r.verdict)}">${r.verdict === 'pass' ? 'PASS' : 'FAIL'}</span></p>`);
  out.push(
    `<p class="subtitle">Matrix <strong>${esc(r.matrix.name)}</strong> version ${esc(r.matrix.version)} · inventory ${esc(r.inventory.origin)} · scope ${esc(r.options.scope)} · features ${esc(r.options.features.join(', ') || 'none')}</p>`,
  );
  const discovered = discoveredOf(r);
  if (discovered) {
    const { members, undecided } = discoveredMemberLines(discovered);
    out.push(`<div class="discovered" id="inventory-discovered"><p><strong>Warning:</strong> ${esc(discoveredHeadline(discovered))}</p>`);
    out.push(`<details><summary>Discovered members and their evidence</summary><ul>${members.map((m) => `<li>${esc(m)}</li>`).join('')}${undecided.map((u) => `<li>undecided: ${esc(u)}</li>`).join('')}</ul></details></div>`);
  }
  if (r.verdictReasons.length > 0) {
    out.push('<ul class="reasons">');
    for (const why of r.verdictReasons) out.push(`<li>${esc(why)}</li>`);
    out.push('</ul>');
  } else {
    out.push(`<p>The traffic matches the matrix: no unexpected flows${enforcedProblems === 0 ? ', every enforced rule observed' : ''}.</p>`);
  }
  out.push('<dl class="figures" id="figures">');
  for (const [k, v] of figures) out.push(`<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`);
  out.push('</dl>');
  out.push(`<p class="subtitle">Traffic from ${s.firstSeen ? `<span class="mono">${esc(s.firstSeen)}</span> to <span class="mono">${esc(s.lastSeen)}</span>` : '(no packets)'}</p>`);
  out.push('</header>');
  return out.join('\n');
}

function legend(): string {
  const items = (Object.keys(EDGE_STYLE) as EdgeKind[]).map((k) => {
    const s = EDGE_STYLE[k];
    const swatch = `<svg width="36" height="10" viewBox="0 0 36 10" aria-hidden="true"><line x1="1" y1="5" x2="35" y2="5" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/></svg>`;
    return `<li>${swatch}<span class="s-${k}">${esc(s.label)}</span></li>`;
  });
  return `<ul class="legend">${items.join('')}</ul>`;
}

function rulesSection(r: AuditResult): string {
  const loose = r.rules as unknown as Loose[];
  const hasCoverage = loose.some((x) => x.coverage !== undefined && x.coverage !== null);
  const hasDiagnosis = loose.some((x) => x.diagnosis !== undefined && x.diagnosis !== null);
  const hasNames = loose.some((x) => Array.isArray(x.evidence) && x.evidence.some((e) => Array.isArray((e as Loose).names) && ((e as Loose).names as unknown[]).length > 0));
  const out: string[] = [];
  out.push('<section id="rules">');
  out.push(`<h2>Rules (${r.rules.length})</h2>`);
  out.push('<table id="rules-table">');
  out.push(
    `<thead><tr><th>Status</th><th>Rule</th><th>Flow</th><th>Traffic</th>${hasCoverage ? '' : '<th>Clients → servers</th>'}${hasNames ? '<th>Names seen</th>' : ''}${hasCoverage ? '<th>Coverage (destination members)</th>' : ''}${hasDiagnosis ? '<th>Diagnosis</th>' : ''}</tr></thead>`,
  );
  out.push('<tbody>');
  r.rules.forEach((x, i) => {
    const kind = edgeKind(x);
    const extra = loose[i]!;
    out.push(
      `<tr data-rule="${esc(x.id)}" data-status="${esc(kind)}"><td class="status s-${token(kind)}">${esc(kind)}</td><td><span class="mono nowrap">${esc(x.id)}</span>${x.service ? `<br><strong>${esc(x.service)}</strong>` : ''}</td><td>${esc(x.source)} → ${esc(x.destination)}<br><span class="mono">${esc(`${x.protocol}/${x.ports.join(',')}`)}</span> · ${esc(requirement(x))}${x.row !== null ? ` · row ${x.row}` : ''}<br><span class="desc">${esc(x.description)}</span>${x.reason ? `<br><span class="muted">${esc(x.reason)}</span>` : ''}</td><td class="nowrap">${x.connections} conn${x.connections === 1 ? '' : 's'}, ${x.packets} pkts${x.connections ? `<br>${x.outcomes.answered} answered<br>${x.outcomes.refused} refused<br>${x.outcomes.unanswered} no reply${Object.keys(x.states).length ? `<br><span class="muted">${esc(statesText(x.states))}</span>` : ''}` : ''}</td>${hasCoverage ? '' : `<td class="mono">${esc(listed(x.clients))} → ${esc(listed(x.servers))}</td>`}${hasNames ? `<td>${ruleNames(extra.evidence)}</td>` : ''}${hasCoverage ? `<td>${coverage(extra.coverage)}</td>` : ''}${hasDiagnosis ? `<td>${diagnosis(extra.diagnosis)}</td>` : ''}</tr>`,
    );
  });
  out.push('</tbody></table>');
  out.push('</section>');
  return out.join('\n');
}

function unexpectedSection(r: AuditResult): string {
  const out: string[] = [];
  out.push('<section id="unexpected">');
  out.push(`<h2>Unexpected flows (${r.unexpected.length})</h2>`);
  if (r.unexpected.length === 0) {
    out.push('<p>None: every audited connection matched a rule.</p>');
  } else {
    out.push('<table id="unexpected-table">');
    out.push(
      '<thead><tr><th>Client</th><th>Server</th><th>Proto / port</th><th class="num">Conns</th><th class="num">Pkts</th><th class="num">Bytes</th><th>States</th><th>Roles</th><th>First → last seen</th><th>Note</th></tr></thead><tbody>',
    );
    for (const g of r.unexpected) {
      out.push(
        `<tr><td class="mono">${esc(g.client)}</td><td class="mono">${esc(g.server)}</td><td class="mono">${esc(`${g.protocol}/${g.port}`)}</td><td class="num">${g.connections}</td><td class="num">${g.packets}</td><td class="num">${g.bytes}</td><td>${esc(statesText(g.states))}</td><td>${esc(g.clientRoles.join(', ') || '-')} → ${esc(g.serverRoles.join(', ') || '-')}</td><td class="mono">${esc(g.firstSeen)} → ${esc(g.lastSeen)}</td><td>${g.disabledRules.length ? `would match ${esc(g.disabledRules.join(', '))} if its feature were enabled` : ''}${diagnosis((g as unknown as Loose).diagnosis)}${nearMissRefs((g as unknown as Loose).nearMisses)}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }
  out.push('</section>');
  return out.join('\n');
}

/** Top-level fields added by other features (near misses, diagnosis), rendered generically. */
function extraTopLevel(r: AuditResult): string {
  const loose = r as unknown as Loose;
  const out: string[] = [];
  for (const [key, title] of [['nearMisses', 'Near misses'], ['diagnosis', 'Diagnosis'], ['coverage', 'Coverage']] as const) {
    const v = loose[key];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out.push(`<section id="${key}"><h2>${title}</h2>${textList(v) ?? generic(v)}</section>`);
  }
  const names = addressNames(r);
  if (names.size > 0) {
    out.push('<section id="names"><h2>Host names seen</h2><table id="names-table"><thead><tr><th>Address</th><th>Names (source)</th></tr></thead><tbody>');
    for (const [addr, n] of names) out.push(`<tr><td class="mono">${esc(addr)}</td><td>${esc(n)}</td></tr>`);
    out.push('</tbody></table></section>');
  }
  return out.join('\n');
}

function captureSection(r: AuditResult): string {
  const s = r.summary;
  const clocks = r.inputs.some((i) => i.live !== undefined);
  const out: string[] = [];
  out.push('<section id="capture">');
  out.push('<h2>Capture facts</h2>');
  out.push('<table id="inputs-table">');
  out.push(
    `<thead><tr><th>File</th><th>Format</th><th>Link types</th><th class="num">Interfaces</th><th class="num">Packets</th><th class="num">Bytes</th><th>First → last packet</th><th>Drops</th>${clocks ? '<th>Clock</th>' : ''}<th>SHA-256</th></tr></thead><tbody>`,
  );
  for (const i of r.inputs) {
    out.push(
      `<tr><td class="mono">${esc(i.path)}</td><td>${esc(formatText(i))}</td><td>${esc(i.linkTypes.join(', ') || '-')}</td><td class="num">${i.interfaces}</td><td class="num">${i.packets}</td><td class="num">${i.bytes}</td><td class="mono">${i.firstSeen ? `${esc(i.firstSeen)} → ${esc(i.lastSeen)}` : 'no packets'}</td><td>${esc(dropsText(i))}</td>${clocks ? `<td>${esc(i.live ? `${i.live.clock.source} (${i.live.clock.precision})` : 'file timestamps')}</td>` : ''}<td class="mono">${esc(i.sha256 ?? 'unreadable')}</td></tr>`,
    );
    for (const w of i.warnings) out.push(`<tr><td colspan="${clocks ? 10 : 9}"><strong>warning</strong> (${esc(i.path)}, offset ${w.offset}): ${esc(w.message)}</td></tr>`);
    if (i.error) out.push(`<tr><td colspan="${clocks ? 10 : 9}"><strong>error</strong> (${esc(i.path)}, offset ${i.error.offset}): ${esc(i.error.message)}</td></tr>`);
  }
  out.push('</tbody></table>');
  const problems = Object.entries(s.decodeErrors);
  out.push('<dl class="kv" id="capture-facts">');
  out.push(`<dt>Decode problems</dt><dd>${problems.length ? esc(problems.map(([k, v]) => `${k}: ${v}`).join(', ')) : 'none'}</dd>`);
  out.push(`<dt>Non-IP frames</dt><dd>${s.nonIpFrames}</dd>`);
  out.push(`<dt>Control flows (ICMP errors, ND/MLD)</dt><dd>${s.controlFlows}</dd>`);
  out.push(`<dt>Connections out of scope</dt><dd>${s.connectionsOutOfScope}${r.options.scope === 'inventory' ? ' (touching no inventory host; not audited)' : ''}</dd>`);
  out.push(`<dt>Input errors</dt><dd>${s.inputErrors}</dd>`);
  out.push('</dl>');
  out.push('</section>');
  return out.join('\n');
}

function nextStepsSection(r: AuditResult): string {
  const items = r.nextSteps.length ? r.nextSteps.map((x) => `<li>${esc(x)}</li>`).join('') : '<li>Nothing to do: the traffic matches the matrix.</li>';
  return `<section id="next-steps"><h2>Next steps</h2><ul>${items}</ul></section>`;
}

function evidenceSection(r: AuditResult): string {
  const e = r.evidence;
  const out: string[] = ['<section id="evidence">', '<h2>Evidence</h2>'];
  if (!e) {
    out.push('<p>No evidence block in this result.</p></section>');
    return out.join('\n');
  }
  out.push('<dl class="kv">');
  out.push(`<dt>Tool</dt><dd>${esc(e.tool.name)} ${esc(e.tool.version)}</dd>`);
  out.push(`<dt>Command line</dt><dd class="mono">${esc(e.commandLine)}</dd>`);
  out.push(`<dt>Host</dt><dd>${e.host === null ? '<span class="muted">not recorded (capture files)</span>' : esc(e.host)}</dd>`);
  out.push(`<dt>Generated at</dt><dd class="mono">${esc(e.generatedAt)}</dd>`);
  for (const i of e.inputs) out.push(`<dt>Capture</dt><dd class="mono">${esc(i.path)}<br>sha256 ${esc(i.sha256 ?? 'unreadable')}</dd>`);
  out.push(`<dt>Matrix</dt><dd class="mono">${esc(e.matrix.name)} ${esc(e.matrix.version)} (${esc(e.matrix.origin)})<br>sha256 ${esc(e.matrix.sha256)}</dd>`);
  out.push(`<dt>Inventory</dt><dd class="mono">${esc(e.inventory.origin)}<br>sha256 ${esc(e.inventory.sha256 ?? 'none')}</dd>`);
  out.push(`<dt>Result SHA-256</dt><dd class="mono" id="result-sha256">${esc(e.resultSha256)}</dd>`);
  out.push('</dl>');
  out.push(`<p class="note">Result SHA-256: ${esc(e.resultHash)}. Check a JSON report against its captures with <span class="mono">flowaudit verify report.json</span>.</p>`);
  out.push('</section>');
  return out.join('\n');
}

function requirement(x: RuleResult): string {
  return x.requirement + (x.feature ? ` (${x.feature})` : '');
}

function listed(xs: string[]): string {
  if (xs.length === 0) return '-';
  return xs.length > 4 ? `${xs.slice(0, 4).join(', ')} +${xs.length - 4}` : xs.join(', ');
}

function formatText(i: InputResult): string {
  return [i.format, i.version, i.byteOrder].filter(Boolean).join(' ');
}

function dropsText(i: InputResult): string {
  if (!i.drops) return 'unavailable';
  return `interface ${i.drops.ifDrop ?? 'n/a'}, OS ${i.drops.osDrop ?? 'n/a'}`;
}

/** Address → friendly name, from a top-level `names` field if the result carries one. */
function addressNames(r: AuditResult): Map<string, string> {
  const out = new Map<string, string>();
  const names = (r as unknown as Loose).names;
  if (names && typeof names === 'object' && !Array.isArray(names)) {
    for (const [addr, v] of Object.entries(names as Loose)) {
      const n = typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(', ') : null;
      if (n) out.set(addr, n);
    }
  } else if (Array.isArray(names)) {
    for (const x of names as Loose[]) {
      const addr = x.address;
      const n =
        x.name ??
        (Array.isArray(x.names)
          ? (x.names as unknown[])
              .map((e) => (typeof e === 'string' ? e : e && typeof e === 'object' && typeof (e as Loose).name === 'string' ? `${(e as Loose).name as string}${typeof (e as Loose).source === 'string' ? ` (${(e as Loose).source as string})` : ''}` : ''))
              .filter(Boolean)
              .join(', ')
          : undefined);
      if (typeof addr === 'string' && typeof n === 'string') out.set(addr, n);
    }
  }
  return out;
}

/** Render an unknown JSON value readably: strings escaped, arrays as lists, objects as key: value. */
export function generic(v: unknown, depth = 0): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return esc(v);
  if (depth > 4) return esc(JSON.stringify(v));
  if (Array.isArray(v)) {
    if (v.length === 0) return '';
    const shown = v.slice(0, 50).map((x) => `<li>${generic(x, depth + 1)}</li>`);
    if (v.length > 50) shown.push(`<li>… ${v.length - 50} more</li>`);
    return `<ul class="extra">${shown.join('')}</ul>`;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Loose).filter(([, x]) => x !== undefined && x !== null && !(Array.isArray(x) && x.length === 0));
    return entries.map(([k, x]) => `<span class="muted">${esc(k)}:</span> ${generic(x, depth + 1)}`).join('; ');
  }
  return esc(String(v));
}

const isObj = (v: unknown): v is Loose => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An array of objects with a `text` (near misses, findings) as a plain list; null if not that shape. */
function textList(v: unknown): string | null {
  if (!Array.isArray(v) || !v.every((x) => isObj(x) && typeof x.text === 'string')) return null;
  return `<ul class="extra">${v.map((x) => `<li>${esc((x as Loose).text as string)}</li>`).join('')}</ul>`;
}

/** Per-member coverage: `status member (name): answered/connections`, else generic. */
function coverage(v: unknown): string {
  if (!Array.isArray(v) || !v.every((x) => isObj(x) && typeof x.member === 'string' && typeof x.status === 'string')) return generic(v);
  const items = (v as Loose[]).map((c) => {
    const name = typeof c.name === 'string' && c.name ? ` (${esc(c.name)})` : '';
    const conns = typeof c.connections === 'number' && c.connections > 0 ? `: ${esc(c.answered as number)}/${esc(c.connections)} answered` : '';
    return `<li><span class="cov-${token(c.status as string)}">${esc(c.status as string)}</span> <span class="mono">${esc(c.member as string)}</span>${name}${conns}</li>`;
  });
  return `<ul class="extra">${items.join('')}</ul>`;
}

/** A diagnosis: its summary, then the text of each finding; else generic. */
function diagnosis(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (!isObj(v) || typeof v.summary !== 'string') return generic(v);
  const findings = textList(v.findings) ?? '';
  return `${esc(v.summary)}${findings}`;
}

function nearMissRefs(v: unknown): string {
  if (!Array.isArray(v) || v.length === 0) return '';
  const items = v.map((x) =>
    isObj(x) && typeof x.rule === 'string'
      ? `<li>would match ${esc(x.rule)} if ${esc(x.address as string)} were in role ${esc(x.missingRole as string)}</li>`
      : `<li>${generic(x)}</li>`,
  );
  return `<ul class="extra">${items.join('')}</ul>`;
}

/** Rule evidence: which names gave each server the destination role. */
function ruleNames(v: unknown): string {
  if (!Array.isArray(v)) return generic(v);
  const items = (v as unknown[])
    .filter((e): e is Loose => isObj(e) && Array.isArray(e.names) && (e.names as unknown[]).length > 0)
    .map((e) => `<li><span class="mono">${esc(e.server as string)}</span>: ${esc((e.names as unknown[]).join(', '))}${Array.isArray(e.sources) ? ` <span class="muted">(${esc((e.sources as unknown[]).join(', '))})</span>` : ''}</li>`);
  return items.length ? `<ul class="extra">${items.join('')}</ul>` : '';
}
