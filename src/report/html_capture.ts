/** Capture facts, next steps and the evidence block of the HTML report. */
import type { AuditResult, InputResult } from '../audit/result.js';
import { esc } from './html_escape.js';
import { livePaths, shaText } from './sha_text.js';

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
  out.push('<table id="inputs-table">');
  out.push(
    `<thead><tr><th>File</th><th>Format</th><th>Link types</th><th class="num">Interfaces</th><th class="num">Packets</th><th class="num">Bytes</th><th>First / last packet</th><th>Drops</th>${clocks ? '<th>Clock</th>' : ''}<th>SHA-256</th></tr></thead><tbody>`,
  );
  for (const i of r.inputs) {
    out.push(
      `<tr><td class="mono">${esc(i.path)}</td><td>${esc(formatText(i))}</td><td>${esc(i.linkTypes.join(', ') || '-')}</td><td class="num">${i.interfaces}</td><td class="num">${i.packets}</td><td class="num">${i.bytes}</td><td>${i.firstSeen ? `<span class="ts">${esc(i.firstSeen)}</span><br><span class="ts">${esc(i.lastSeen)}</span>` : 'no packets'}</td><td>${esc(dropsText(i))}</td>${clocks ? `<td>${esc(i.live ? `${i.live.clock.source} (${i.live.clock.precision})` : 'file timestamps')}</td>` : ''}<td class="mono">${esc(shaText(i.sha256, i.format === 'live'))}</td></tr>`,
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
  out.push('<dl class="kv">');
  out.push(`<dt>Tool</dt><dd>${esc(e.tool.name)} ${esc(e.tool.version)}</dd>`);
  out.push(`<dt>Command line</dt><dd class="mono">${esc(e.commandLine)}</dd>`);
  out.push(`<dt>Host</dt><dd>${e.host === null ? '<span class="muted">not recorded (capture files)</span>' : esc(e.host)}</dd>`);
  out.push(`<dt>Generated at</dt><dd class="mono">${esc(e.generatedAt)}</dd>`);
  const live = livePaths(r);
  for (const i of e.inputs) out.push(`<dt>Capture</dt><dd class="mono">${esc(i.path)}<br>sha256 ${esc(shaText(i.sha256, live.has(i.path)))}</dd>`);
  out.push(`<dt>Matrix</dt><dd class="mono">${esc(e.matrix.name)} ${esc(e.matrix.version)} (${esc(e.matrix.origin)})<br>sha256 ${esc(e.matrix.sha256)}</dd>`);
  out.push(`<dt>Inventory</dt><dd class="mono">${esc(e.inventory.origin)}<br>sha256 ${esc(e.inventory.sha256 ?? 'none')}</dd>`);
  out.push(`<dt>Result SHA-256</dt><dd class="mono" id="result-sha256">${esc(e.resultSha256)}</dd>`);
  out.push('</dl>');
  out.push(`<p class="note">Result SHA-256: ${esc(e.resultHash)}. Check this report (HTML, JSON or Markdown) against its captures with <span class="mono">flowaudit verify REPORT</span>.</p>`);
  out.push('</section>');
  return out.join('\n');
}
