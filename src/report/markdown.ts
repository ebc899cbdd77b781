/**
 * `--format markdown`: a summary to paste into a change ticket (GitHub, GitLab, Jira with a
 * Markdown renderer). Untrusted strings (paths, descriptions, role names, host names) go through
 * md(), which turns HTML metacharacters into entities and backslash-escapes the Markdown ones, so
 * a string can neither open a tag, nor a link, nor break out of a table cell.
 */
import { queryEvidenceText } from '../inputs/record_input.js';
import type { AuditResult } from '../audit/result.js';
import { VERDICT_LABEL } from '../audit/verdict.js';
import { plural, unexpectedCount } from './labels.js';
import { controlsMd, scopeMd } from './markdown_controls.js';
import { captureMd, namesMd, nearMissesMd, rulesMd, unexpectedMd } from './markdown_sections.js';
import { humanBytes } from './table.js';
import { md } from './markdown_escape.js';
import { discoveredHeadlineOf, discoveredMemberLines, discoveredOf } from './discovered_lines.js';
import { shaText } from './sha_text.js';
import { firewallMd } from './firewall_markdown.js';

export const EMBEDDED_RESULT_MARK = 'flowaudit-result:base64';

export function renderMarkdown(r: AuditResult): string {
  const s = r.summary;
  const out: string[] = [];
  const mark = r.verdict === 'pass' ? ' ✅' : r.verdict === 'fail' ? ' ❌' : ' ⚠️ (could not judge: neither pass nor fail)';
  out.push(`## flowaudit: ${VERDICT_LABEL[r.verdict] ?? 'INCONCLUSIVE'}${mark}`);
  out.push('');
  const vantage = r.options.vantage?.length ? ` · vantage ${md(r.options.vantage.join(', '))}` : '';
  out.push(
    `Matrix **${md(r.matrix.name)}** version ${md(r.matrix.version)} · inventory ${md(r.inventory.origin)} · scope ${md(r.options.scope)} · features ${md(r.options.features.join(', ') || 'none')}${vantage}${r.options.requireAllMembers ? ' · all members required' : ''}`,
  );
  out.push('');
  const discovered = discoveredHeadlineOf(r);
  if (discovered) out.push(`> **Warning:** ${md(discovered)}`, '');
  for (const why of r.verdictReasons) out.push(`- ${md(why)}`);
  if (r.verdictReasons.length) out.push('');
  for (const w of r.warnings ?? []) out.push(`- **warning:** ${md(w.text)}`);
  if (r.warnings?.length) out.push('');
  out.push(
    `${plural(s.packets, 'packet')}, ${humanBytes(s.bytes)}, ${plural(s.connections, 'connection')} (${s.connectionsInScope} in scope); ${s.rulesObserved} of ${r.rules.length} rules observed; ${md(unexpectedCount(r))}.`,
  );
  out.push('');
  out.push(...scopeMd(r));
  out.push(...rulesMd(r));
  out.push(...unexpectedMd(r));
  out.push(...nearMissesMd(r));
  out.push(...namesMd(r));
  out.push(...captureMd(r));
  out.push(...firewallMd(r));
  const d = discoveredOf(r);
  if (d) {
    const { members, undecided } = discoveredMemberLines(d);
    out.push('### Discovered inventory (review before relying on this audit)', '');
    for (const m of members) out.push(`- ${md(m)}`);
    for (const u of undecided) out.push(`- undecided: ${md(u)}`);
    out.push('');
  }
  if (r.nextSteps.length) {
    out.push('### Next steps');
    out.push('');
    for (const step of r.nextSteps) out.push(`- ${md(step)}`);
    out.push('');
  }
  out.push(...controlsMd(r));
  out.push('### Evidence');
  out.push('');
  const e = r.evidence;
  for (const i of r.inputs) {
    out.push(`- capture ${md(i.path)}: ${i.format}, ${plural(i.packets, 'packet')}, sha256 ${md(shaText(i.sha256, i.format === 'live'))}`);
    if (i.records?.query) out.push(`  - ${md(queryEvidenceText(i.records.query))}`);
  }
  out.push(`- matrix ${md(r.matrix.origin)} (${md(r.matrix.name)} ${md(r.matrix.version)}): sha256 ${md(r.matrix.sha256)}`);
  out.push(`- inventory ${md(r.inventory.origin)}: sha256 ${md(r.inventory.sha256 ?? 'none')}`);
  for (const h of r.firewall?.hosts ?? []) out.push(`- firewall ${md(h.file.path)} (${md(h.host)}): sha256 ${md(h.file.sha256)}`);
  if (e) {
    out.push(`- flowaudit ${md(e.tool.version)}, command: ${md(e.commandLine)}`);
    if (e.host !== null) out.push(`- host: ${md(e.host)}`);
    out.push(`- generated ${md(e.generatedAt)}; result sha256 ${md(e.resultSha256)} (check with flowaudit verify REPORT)`);
  } else out.push(`- generated ${md(r.generatedAt)}`);
  // The whole result for `flowaudit verify report.md`, base64 in a comment (renderers hide it; no "--" inside).
  out.push('');
  out.push(`<!-- ${EMBEDDED_RESULT_MARK} ${Buffer.from(JSON.stringify(r), 'utf8').toString('base64')} -->`);
  return `${out.join('\n')}\n`;
}
