/** Capture facts, next steps and the evidence block of the HTML report. */
import { queryEvidenceText } from '../inputs/record_input.js';
import type { AuditResult, InputResult } from '../audit/result.js';
import { esc } from './html_escape.js';
import { MAX_SCOPE_INPUTS } from './scope_lines.js';

function formatText(i: InputResult): string {
  return [i.format, i.version, i.byteOrder].filter(Boolean).join(' ');
}

function dropsText(i: InputResult): string {
  if (!i.drops) return 'unavailable';
  return `interface ${i.drops.ifDrop ?? 'n/a'}, OS ${i.drops.osDrop ?? 'n/a'}`;
}

export function captureSection(r: AuditResult): string {
  const s = r.summary;
  const clocks = r.inputs.some((i) => i.live !== undefined);
  const out: string[] = [];
  out.push('<section id="capture">');
  out.push('<h2>Capture facts</h2>');
  // Up to MAX_SCOPE_INPUTS inputs carry their SHA-256 in the scope on page 1; with more, every one is here.
  const hashes = r.inputs.length > MAX_SCOPE_INPUTS;
  if (!hashes) out.push('<p class="note">Each input\'s SHA-256 is on the first page (scope).</p>');
  out.push('<table id="inputs-table">');
  out.push(
    `<thead><tr><th>File</th><th>Format</th><th>Link types</th><th class="num">Interfaces</th><th class="num">Packets</th><th class="num">Bytes</th><th>First / last packet</th><th>Drops</th>${clocks ? '<th>Clock</th>' : ''}${hashes ? '<th>SHA-256</th>' : ''}</tr></thead><tbody>`,
  );
  for (const i of r.inputs) {
    out.push(
      `<tr><td class="mono">${esc(i.path)}</td><td>${esc(formatText(i))}</td><td>${esc(i.linkTypes.join(', ') || '-')}</td><td class="num">${i.interfaces}</td><td class="num">${i.packets}</td><td class="num">${i.bytes}</td><td>${i.firstSeen ? `<span class="ts">${esc(i.firstSeen)}</span><br><span class="ts">${esc(i.lastSeen)}</span>` : 'no packets'}</td><td>${esc(dropsText(i))}</td>${clocks ? `<td>${esc(i.live ? `${i.live.clock.source} (${i.live.clock.precision})` : 'file timestamps')}</td>` : ''}${hashes ? `<td class="mono">${esc(i.sha256 ?? 'unreadable')}</td>` : ''}</tr>`,
    );
    if (i.records?.query) out.push(`<tr class="query"><td colspan="${8 + (clocks ? 1 : 0) + (hashes ? 1 : 0)}"><strong>query</strong>: ${esc(queryEvidenceText(i.records.query).replace(/^query: /, ''))}</td></tr>`);
    for (const w of i.warnings) out.push(`<tr><td colspan="${8 + (clocks ? 1 : 0) + (hashes ? 1 : 0)}"><strong>warning</strong> (${esc(i.path)}, offset ${w.offset}): ${esc(w.message)}</td></tr>`);
    if (i.error) out.push(`<tr><td colspan="${8 + (clocks ? 1 : 0) + (hashes ? 1 : 0)}"><strong>error</strong> (${esc(i.path)}, offset ${i.error.offset}): ${esc(i.error.message)}</td></tr>`);
  }
  out.push('</tbody></table>');
  const problems = Object.entries(s.decodeErrors);
  const facts: [string, string][] = [
    ['Decode problems', problems.length ? problems.map(([k, v]) => `${k}: ${v}`).join(', ') : 'none'],
    ['Non-IP frames', String(s.nonIpFrames)],
    ['Control flows (ICMP errors, ND/MLD)', String(s.controlFlows)],
    ['Connections out of scope', `${s.connectionsOutOfScope}${r.options.scope === 'inventory' ? ' (touching no inventory host; not audited)' : ''}`],
    ['Input errors', String(s.inputErrors)],
  ];
  out.push(`<p id="capture-facts">${facts.map(([k, v]) => `<strong>${esc(k)}:</strong> ${esc(v)}`).join(' · ')}</p>`);
  out.push('</section>');
  return out.join('\n');
}

export function nextStepsSection(r: AuditResult): string {
  const items = r.nextSteps.length ? r.nextSteps.map((x) => `<li>${esc(x)}</li>`).join('') : '<li>Nothing to do: the traffic matches the matrix.</li>';
  return `<section id="next-steps"><h2>Next steps</h2><ul>${items}</ul></section>`;
}

export function evidenceSection(r: AuditResult): string {
  const e = r.evidence;
  const out: string[] = ['<section id="evidence">', '<h2>Evidence</h2>'];
  if (!e) {
    out.push('<p>No evidence block in this result.</p></section>');
    return out.join('\n');
  }
  out.push('<dl class="kv" id="evidence-facts">');
  out.push(`<dt>Tool</dt><dd>${esc(e.tool.name)} ${esc(e.tool.version)} (report schema ${esc(r.schema)}), generated at <span class="mono">${esc(e.generatedAt)}</span>, host ${e.host === null ? '<span class="muted">not recorded (capture files)</span>' : esc(e.host)}</dd>`);
  out.push(`<dt>Command line</dt><dd class="mono">${esc(e.commandLine)}</dd>`);
  out.push(`<dt>Result SHA-256</dt><dd class="mono" id="result-sha256">${esc(e.resultSha256)}</dd>`);
  out.push('</dl>');
  out.push(`<p class="note">Inputs, matrix and inventory: their SHA-256 are in the scope on the first page${r.inputs.length > MAX_SCOPE_INPUTS ? ' (every input\'s in the capture facts)' : ''}. The result SHA-256 covers the result without its time and command line (JSON <span class="mono">evidence.resultHash</span>). Check with <span class="mono">flowaudit verify REPORT</span>.</p>`);
  out.push('</section>');
  return out.join('\n');
}
