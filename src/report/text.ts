/**
 * The terminal summary: verdict first, then the rules, the unexpected flows, the capture facts and
 * what to check next. Strings from packets or user files are printed through `inert()` so control
 * characters cannot drive the terminal.
 */
import type { Evidence } from '../audit/evidence.js';
import type { AuditResult, RuleResult } from '../audit/result.js';
import { VERDICT_LABEL } from '../audit/verdict.js';
import { painter, type Style } from './style.js';
import { humanBytes, renderTable } from './table.js';
import { discoveredHeadlineOf, discoveredMemberLines, discoveredOf } from './discovered_lines.js';
import { plural } from './labels.js';
import { namesLines, ruleDetailLines, unexpectedExtraLines, unexpectedLines } from './text_insight.js';

export interface TextOptions {
  color: boolean;
}

/** Replace C0/C1 control characters (ESC, CR, …) with visible escapes. */
export function inert(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const STATUS_STYLE: Record<RuleResult['status'], Style> = {
  observed: 'green',
  partial: 'red',
  failed: 'red',
  missing: 'yellow',
  'not-applicable': 'gray',
  'not-visible': 'gray',
};

export function renderText(r: AuditResult, opts: TextOptions): string {
  const p = painter(opts.color);
  const out: string[] = [];
  const s = r.summary;
  const colour: Style = r.verdict === 'pass' ? 'green' : r.verdict === 'fail' ? 'red' : 'yellow';
  const verdict = p(colour, p('bold', VERDICT_LABEL[r.verdict]));
  out.push(`flowaudit ${r.tool.version} — verdict: ${verdict}`);
  for (const why of r.verdictReasons) out.push(`  • ${inert(why)}`);
  const vantage = r.options.vantage?.length ? ` · vantage ${r.options.vantage.map(inert).join(',')}` : '';
  const all = r.options.requireAllMembers ? ' · all members required' : '';
  out.push(
    `  matrix ${inert(r.matrix.origin)} (version ${inert(r.matrix.version)}) · inventory ${inert(r.inventory.origin)} · scope ${r.options.scope} · features ${r.options.features.join(',') || 'none'}${vantage}${all}`,
  );
  out.push(
    `  ${plural(s.packets, 'packet')}, ${humanBytes(s.bytes)}, ${plural(s.connections, 'connection')} (${s.connectionsInScope} in scope), ${s.firstSeen ?? '-'} → ${s.lastSeen ?? '-'}`,
  );
  const discovered = discoveredHeadlineOf(r);
  if (discovered) out.push(`  ${p('yellow', '!')} ${inert(discovered)}`);
  out.push('');

  out.push(p('bold', `Rules (${r.rules.length})`));
  out.push(
    ...renderTable(
      [
        { title: 'STATUS', paint: (t, raw) => p(STATUS_STYLE[raw as RuleResult['status']] ?? 'bold', t) },
        { title: 'RULE' },
        { title: 'FLOW' },
        { title: 'PORTS' },
        { title: 'REQUIREMENT' },
        { title: 'CONNS', align: 'right' },
        { title: 'PKTS', align: 'right' },
        { title: 'ANSWERED/REFUSED/NO REPLY' },
      ],
      r.rules.map((x) => [
        x.status,
        x.id,
        `${x.source} → ${x.destination}`,
        `${x.protocol}/${x.ports.join(',')}`,
        x.requirement + (x.feature ? ` (${x.feature})` : ''),
        String(x.connections),
        String(x.packets),
        x.connections ? `${x.outcomes.answered}/${x.outcomes.refused}/${x.outcomes.unanswered}` : '',
      ]),
    ),
  );
  const notes = r.rules.filter((x) => x.reason);
  if (notes.length > 0) {
    out.push('  why:');
    for (const x of notes) out.push(`    ${x.id} ${x.status}: ${inert(x.reason ?? '')}`);
  }
  out.push('');
  const warnings = r.warnings ?? [];
  if (warnings.length > 0) {
    out.push(p('bold', `Warnings (${warnings.length})`));
    for (const w of warnings) out.push(`  ${p('yellow', 'warning')}: ${inert(w.text)}`);
    out.push('');
  }
  out.push(...ruleDetailLines(r, p, inert), ...namesLines(r, p, inert));
  out.push(...unexpectedLines(r, p, inert));
  out.push(...unexpectedExtraLines(r, p, inert));
  out.push('');
  // Scan summary (issue 13; minimal here, issue 12 owns the polished rendering).
  if (r.floods && r.floods.length > 0) {
    out.push(p('bold', `Floods (${r.floods.length}, folded beyond the budget)`));
    for (const f of r.floods) out.push(`  ${inert(f.text)}`);
  }
  if (r.scans && r.scans.length > 0) {
    out.push(p('bold', `Scans (${r.scans.length})`));
    for (const f of r.scans) out.push(`  ${inert(f.text)}`);
    out.push('');
  }

  const d = discoveredOf(r);
  if (d) {
    const { members, undecided } = discoveredMemberLines(d);
    out.push(p('bold', `Discovered inventory (${members.length} member${members.length === 1 ? '' : 's'}; review before relying on this audit)`));
    for (const m of members) out.push(`  ${inert(m)}`);
    if (undecided.length) out.push('  undecided (not in the inventory, so their flows show above as unexpected or out of scope):');
    for (const u of undecided) out.push(`    ${inert(u)}`);
    out.push('');
  }
  out.push(p('bold', 'Capture'));
  for (const i of r.inputs) {
    const span = i.firstSeen ? `${i.firstSeen} → ${i.lastSeen}` : 'no packets';
    if (i.records) {
      // A flow log (issue 11): connections from records, and what its byte counts count.
      const rec = i.records;
      out.push(`  ${inert(i.path)}: ${i.format}, ${rec.connections} connection${rec.connections === 1 ? '' : 's'} from ${rec.lines} line${rec.lines === 1 ? '' : 's'}, ${i.packets} packets, ${i.bytes} bytes (${i.byteBasis ?? '-'} basis), ${i.firstSeen ? span : 'time unknown'}`);
    } else
    out.push(`  ${inert(i.path)}: ${i.format}${i.version ? ` ${i.version}` : ''}${i.origin === 'stream' ? ' (read once from a stream)' : ''}${i.compression ? `, ${i.compression}-compressed` : ''}, ${i.linkTypes.join('+') || '-'}, ${plural(i.packets, 'packet')}, ${span}`);
    if (i.live) {
      const ev = i.live.evidence;
      out.push(`    interface ${inert(i.live.interface)}${i.live.filter ? `, filter ${inert(JSON.stringify(i.live.filter))}` : ''}, ${i.live.startedAt} → ${i.live.stoppedAt ?? '-'}, stopped by ${i.live.stopReason ?? '-'}`);
      out.push(`    evidence ${ev ? `${inert(ev.path)} (${ev.packets} packets, sha256 ${ev.sha256 ?? '-'})` : 'not written (use --write FILE.pcapng)'}`);
      out.push(
        i.live.engine && i.live.engine !== 'cap'
          ? `    captured by ${inert(i.live.engine)}; timestamps: ${inert(i.live.engine)}'s (kernel capture time); kernel drop counts: ${i.live.dropsAvailable ? 'from its statistics block' : 'not available'}`
          : `    timestamps: host clock at delivery (monotonic, ns), not kernel capture time; kernel drop counts: not available`,
      );
    } else out.push(`    sha256 ${i.sha256 ?? '-'}`);
    if (i.drops) out.push(`    drops: interface ${i.drops.ifDrop ?? 'n/a'}, OS ${i.drops.osDrop ?? 'n/a'}`);
    for (const w of i.warnings) out.push(`    ${p('yellow', 'warning')}: ${inert(w.message)}`);
    if (i.error) out.push(`    ${p('red', 'error')}: ${inert(i.error.message)}`);
  }
  const problems = Object.entries(s.decodeErrors);
  out.push(`  decode problems: ${problems.length ? problems.map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}`);
  out.push(`  non-IP frames: ${s.nonIpFrames}; control (ICMP errors, ND/MLD): ${s.controlFlows}; out of scope: ${s.connectionsOutOfScope} connection${s.connectionsOutOfScope === 1 ? '' : 's'}`);
  out.push('');

  out.push(p('bold', 'Next steps'));
  if (r.nextSteps.length === 0) out.push(r.verdict === 'pass' ? '  nothing to do: the traffic matches the matrix.' : '  see the verdict reasons above.');
  for (const step of r.nextSteps) out.push(`  - ${inert(step)}`);
  if (r.evidence) out.push('', ...evidenceLines(r.evidence, p));
  return `${out.join('\n')}\n`;
}

/** The evidence footer (audit/evidence.ts): what `flowaudit verify` checks. */
function evidenceLines(e: Evidence, p: ReturnType<typeof painter>): string[] {
  const lines = [p('bold', 'Evidence')];
  lines.push(`  flowaudit ${inert(e.tool.version)}: ${inert(e.commandLine)}`);
  lines.push(`  generated ${inert(e.generatedAt)}${e.host === null ? '' : ` on host ${inert(e.host)}`}`);
  for (const i of e.inputs) lines.push(`  capture   ${i.sha256 ?? '(unreadable)'}  ${inert(i.path)}`);
  lines.push(`  matrix    ${e.matrix.sha256}  ${inert(e.matrix.origin)} (${inert(e.matrix.name)} ${inert(e.matrix.version)})`);
  lines.push(`  inventory ${e.inventory.sha256 ?? '(none)'}  ${inert(e.inventory.origin)}`);
  lines.push(`  result    ${e.resultSha256}  (canonical JSON of the report without this hash; see flowaudit verify)`);
  return lines;
}
