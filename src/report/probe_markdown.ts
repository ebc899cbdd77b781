/** The probe report as Markdown; it embeds its whole result (base64 JSON in a comment) for `verify`. */
import type { ProbeResult } from '../audit/probe_result.js';
import { EMBEDDED_RESULT_MARK } from './markdown.js';
import { md } from './markdown_escape.js';
import { PROBE_COLUMNS, PROBE_VERDICT_LABEL, evidenceLines, headline, memberGroups, notTriedLines, rowCells } from './probe_view.js';

export function renderProbeMarkdown(r: ProbeResult): string {
  const mark = r.verdict === 'pass' ? ' ✅' : r.verdict === 'fail' ? ' ❌' : ' ⚠️ (could not judge: neither pass nor fail)';
  const out: string[] = [`## flowaudit probe: ${PROBE_VERDICT_LABEL[r.verdict]}${mark}`, '', md(headline(r))];
  if (r.verdictReasons.length > 0) out.push('', ...r.verdictReasons.map((x) => `- ${md(x)}`));
  out.push('', '### Segmentation test');
  for (const g of memberGroups(r)) {
    out.push('', `**${md(g.member)}**${g.member !== g.address ? ` \`${g.address}\`` : ''} (${md(g.roles)})`, '');
    out.push(`| ${PROBE_COLUMNS.join(' | ')} |`, `|${PROBE_COLUMNS.map((c) => (c === 'ms' ? '---:' : '---')).join('|')}|`);
    for (const row of g.rows) out.push(`| ${rowCells(row).map(md).join(' | ')} |`);
  }
  const nt = notTriedLines(r);
  if (nt.length > 0) out.push('', '### Not tried (documented flows a probe cannot test)', '', ...nt.map((l) => `- ${md(l)}`));
  out.push('', '### What this evidence shows', '', ...r.controls.requirements.map((q) => `- **${md(q.id)}**: ${md(q.text)}`));
  out.push('', '**Shows**', '', ...r.controls.shows.map((l) => `- ${md(l)}`), '', '**Does not show**', '', ...r.controls.doesNotShow.map((l) => `- ${md(l)}`));
  out.push('', '### Evidence', '', ...evidenceLines(r).map((l) => `- ${md(l)}`));
  out.push('', `<!-- ${EMBEDDED_RESULT_MARK} ${Buffer.from(JSON.stringify(r), 'utf8').toString('base64')} -->`);
  return `${out.join('\n')}\n`;
}
