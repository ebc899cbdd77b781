/** The probe report as plain text (terminal, optional colour). Untrusted text is made inert. */
import type { ProbeResult } from '../audit/probe_result.js';
import { type Style, painter } from './style.js';
import { renderTable } from './table.js';
import { inert } from './text.js';
import { PROBE_COLUMNS, PROBE_VERDICT_LABEL, evidenceLines, headline, memberGroups, notTriedLines, rowCells } from './probe_view.js';

const JUDGEMENT_STYLE: Record<string, Style> = { works: 'green', closed: 'green', fails: 'red', finding: 'red', unproven: 'yellow', 'not tried': 'yellow' };

export function renderProbeText(r: ProbeResult, opts: { color: boolean }): string {
  const p = painter(opts.color);
  const v = PROBE_VERDICT_LABEL[r.verdict];
  const out: string[] = [`flowaudit probe \u2014 verdict: ${p(r.verdict === 'pass' ? 'green' : r.verdict === 'fail' ? 'red' : 'yellow', v)}`, `  ${headline(r)}`];
  for (const reason of r.verdictReasons) out.push(`  - ${inert(reason)}`);
  out.push('', 'Segmentation test');
  for (const g of memberGroups(r)) {
    out.push(`  ${inert(g.member)}${g.member !== g.address ? ` ${g.address}` : ''} [${inert(g.roles)}]`);
    const rows = g.rows.map((row) => rowCells(row).map(inert));
    const cols = PROBE_COLUMNS.map((title, i) => ({
      title,
      ...(title === 'ms' ? { align: 'right' as const } : {}),
      ...(i === 3 ? { paint: (padded: string, raw: string) => p(JUDGEMENT_STYLE[g.rows.find((x) => rowCells(x)[3] === raw)?.judgement ?? ''] ?? 'bold', padded) } : {}),
    }));
    out.push(...renderTable(cols, rows, '    '));
  }
  const nt = notTriedLines(r);
  if (nt.length > 0) out.push('', 'Not tried (documented flows a probe cannot test)', ...nt.map((l) => `  - ${inert(l)}`));
  out.push('', 'What this evidence shows');
  for (const q of r.controls.requirements) out.push(`  ${q.id}: ${q.text}`);
  out.push('  Shows:', ...r.controls.shows.map((l) => `  - ${inert(l)}`), '  Does not show:', ...r.controls.doesNotShow.map((l) => `  - ${inert(l)}`));
  out.push('', 'Evidence', ...evidenceLines(r).map((l) => `  ${inert(l)}`));
  return `${out.join('\n')}\n`;
}
