/** The scope (inputs, window, vantage, matrix, inventory, signer) and "What this evidence shows" in Markdown (issue 17). */
import type { AuditResult } from '../audit/result.js';
import { CONTROLS_HEADING, controlsFor } from './controls_lines.js';
import { md } from './markdown_escape.js';
import { matrixVersionNote, scopeItems } from './scope_lines.js';

/** md(), keeping our own `code` spans (backticks appear only in flowaudit's constant wording). */
function mdCode(s: string): string {
  return s
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `\`${part}\`` : md(part)))
    .join('');
}

export function scopeMd(r: AuditResult): string[] {
  const out = ['| Scope | |', '|---|---|'];
  for (const it of scopeItems(r)) out.push(`| ${md(it.key)} | ${it.lines.map(md).join('<br>')} |`);
  out.push('');
  const note = matrixVersionNote(r.matrix.version);
  if (note) out.push(`_${md(note)}_`, '');
  return out;
}

export function controlsMd(r: AuditResult): string[] {
  const b = controlsFor(r);
  const out = [`### ${CONTROLS_HEADING}`, '', md(b.scope), '', `Coverage: ${md(b.coverage.text)}`, ''];
  out.push('| Control | This audit supports | It does not prove |', '|---|---|---|');
  for (const s of b.statements) out.push(`| **${md(s.framework)} ${md(s.control)}** ${md(s.title)} | ${mdCode(s.supports)} | ${mdCode(s.doesNotProve)} |`);
  out.push('');
  return out;
}
