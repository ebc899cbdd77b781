/** "What this evidence shows" in the HTML report: scope, coverage, one row per control (issue 17). */
import type { AuditResult } from '../audit/result.js';
import { CONTROLS_HEADING, controlsFor } from './controls_lines.js';
import { esc } from './html_escape.js';

/** `text` → text with `code` spans (backticks in our own constant wording only). */
function withCode(s: string): string {
  return esc(s).replace(/`([^`]+)`/g, '<span class="mono">$1</span>');
}

export function controlsSection(r: AuditResult): string {
  const b = controlsFor(r);
  const out: string[] = ['<section id="controls">', `<h2>${CONTROLS_HEADING}</h2>`];
  out.push(`<p>${esc(b.scope)} <span class="muted" id="coverage">Its coverage (window, vantage, drops, damaged inputs, one-sided connections) is in the scope above.</span></p>`);
  out.push('<table id="controls-table"><thead><tr><th class="ctl">Control</th><th>This audit supports</th><th>It does not prove</th></tr></thead><tbody>');
  for (const s of b.statements) {
    out.push(
      `<tr data-control="${esc(s.control)}"><td class="ctl"><strong>${esc(s.framework)} ${esc(s.control)}</strong><br><span class="desc">${esc(s.title)}</span></td><td>${withCode(s.supports)}</td><td>${withCode(s.doesNotProve)}</td></tr>`,
    );
  }
  out.push('</tbody></table>', '</section>');
  return out.join('\n');
}
