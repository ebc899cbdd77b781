/**
 * The terminal summary: verdict and scope first, then the rules, the unexpected flows, the capture
 * facts, what to check next, what this evidence shows and the evidence block. Strings from packets
 * or user files are printed through `inert()` so control characters cannot drive the terminal.
 * Each section is its own function; renderText only strings them together.
 */
import { queryEvidenceText } from '../inputs/record_input.js';
import type { Evidence } from '../audit/evidence.js';
import type { AuditResult, InputResult, RuleResult } from '../audit/result.js';
import { VERDICT_LABEL } from '../audit/verdict.js';
import { CONTROLS_HEADING, controlsFor, controlsPlainLines, coverageFor, ruleCoverage } from './controls_lines.js';
import { discoveredHeadlineOf, discoveredMemberLines, discoveredOf } from './discovered_lines.js';
import { matrixVersionNote, signerText } from './scope_lines.js';
import { painter, type Style } from './style.js';
import { humanBytes, renderTable } from './table.js';
import { plural } from './labels.js';
import { namesLines, ruleDetailLines, unexpectedExtraLines, unexpectedLines } from './text_insight.js';
import { livePaths, shaText } from './sha_text.js';
import { firewallTextLines } from './firewall_text.js';

export interface TextOptions {
  color: boolean;
}

type Paint = ReturnType<typeof painter>;

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

function headerLines(r: AuditResult, p: Paint): string[] {
  const s = r.summary;
  const colour: Style = r.verdict === 'pass' ? 'green' : r.verdict === 'fail' ? 'red' : 'yellow';
  const out = [`flowaudit ${r.tool.version} — verdict: ${p(colour, p('bold', VERDICT_LABEL[r.verdict]))}`];
  for (const why of r.verdictReasons) out.push(`  • ${inert(why)}`);
  const vantage = r.options.vantage?.length ? ` · vantage ${r.options.vantage.map(inert).join(',')}` : '';
  const all = r.options.requireAllMembers ? ' · all members required' : '';
  out.push(
    `  matrix ${inert(r.matrix.origin)} (version ${inert(r.matrix.version)}) · inventory ${inert(r.inventory.origin)} · scope ${r.options.scope} · features ${r.options.features.join(',') || 'none'}${vantage}${all}`,
  );
  const jargon = matrixVersionNote(r.matrix.version);
  if (jargon) out.push(`    (${inert(jargon)})`);
  out.push(`  ${plural(s.packets, 'packet')}, ${humanBytes(s.bytes)}, ${plural(s.connections, 'connection')} (${s.connectionsInScope} in scope), ${s.firstSeen ?? '-'} → ${s.lastSeen ?? '-'}`);
  out.push(`  coverage: ${inert(coverageFor(r).text)}`);
  out.push(`  signer: ${inert(signerText(r))}`);
  const discovered = discoveredHeadlineOf(r);
  if (discovered) out.push(`  ${p('yellow', '!')} ${inert(discovered)}`);
  out.push('');
  return out;
}

function rulesLines(r: AuditResult, p: Paint): string[] {
  const out = [p('bold', `Rules (${r.rules.length})`)];
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
  const notes = r.rules.flatMap((x) => {
    const cov = ruleCoverage(r, x);
    const why = [x.reason, cov].filter((t): t is string => !!t);
    return why.length ? [`${x.id} ${x.status}: ${why.join('; ')}`] : [];
  });
  if (notes.length > 0) out.push('  why:', ...notes.map((n) => `    ${inert(n)}`));
  out.push('');
  const warnings = r.warnings ?? [];
  if (warnings.length > 0) {
    out.push(p('bold', `Warnings (${warnings.length})`));
    for (const w of warnings) out.push(`  ${p('yellow', 'warning')}: ${inert(w.text)}`);
    out.push('');
  }
  return out;
}

function scanAndDiscoveryLines(r: AuditResult, p: Paint): string[] {
  const out: string[] = [];
  if (r.floods && r.floods.length > 0) {
    out.push(p('bold', `Floods (${r.floods.length}, folded beyond the budget)`));
    for (const f of r.floods) out.push(`  ${inert(f.text)}`);
    out.push('');
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
  return out;
}

function liveLines(i: InputResult): string[] {
  if (!i.live) return [`    sha256 ${i.sha256 ?? '-'}`];
  const ev = i.live.evidence;
  return [
    `    interface ${inert(i.live.interface)}${i.live.filter ? `, filter ${inert(JSON.stringify(i.live.filter))}` : ''}, ${i.live.startedAt} → ${i.live.stoppedAt ?? '-'}, stopped by ${i.live.stopReason ?? '-'}`,
    `    evidence ${ev ? `${inert(ev.path)} (${plural(ev.packets, 'packet')}, sha256 ${ev.sha256 ?? '-'})` : 'not written (use --write FILE.pcapng)'}`,
    i.live.engine && i.live.engine !== 'cap'
      ? `    captured by ${inert(i.live.engine)}; timestamps: ${inert(i.live.engine)}'s (kernel capture time); kernel drop counts: ${i.live.dropsAvailable ? 'from its statistics block' : 'not available'}`
      : `    timestamps: host clock at delivery (monotonic, ns), not kernel capture time; kernel drop counts: not available`,
  ];
}

function inputLines(i: InputResult, p: Paint): string[] {
  const span = i.firstSeen ? `${i.firstSeen} → ${i.lastSeen}` : 'no packets';
  const out: string[] = [];
  if (i.records) {
    // A flow log (issue 11): connections from records, and what its byte counts count.
    const rec = i.records;
    out.push(`  ${inert(i.path)}: ${i.format}, ${rec.connections} connection${rec.connections === 1 ? '' : 's'} from ${rec.lines} line${rec.lines === 1 ? '' : 's'}, ${i.packets} packets, ${i.bytes} bytes (${i.byteBasis ?? '-'} basis), ${i.firstSeen ? span : 'time unknown'}`);
  } else {
    out.push(`  ${inert(i.path)}: ${i.format}${i.version ? ` ${i.version}` : ''}${i.origin === 'stream' ? ' (read once from a stream)' : ''}${i.compression ? `, ${i.compression}-compressed` : ''}, ${i.linkTypes.join('+') || '-'}, ${plural(i.packets, 'packet')}, ${span}`);
  }
  out.push(...liveLines(i));
  if (i.records?.query) out.push(`    ${inert(queryEvidenceText(i.records.query))}`);
  if (i.drops) out.push(`    drops: interface ${i.drops.ifDrop ?? 'n/a'}, OS ${i.drops.osDrop ?? 'n/a'}`);
  for (const w of i.warnings) out.push(`    ${p('yellow', 'warning')}: ${inert(w.message)}`);
  if (i.error) out.push(`    ${p('red', 'error')}: ${inert(i.error.message)}`);
  return out;
}

function captureLines(r: AuditResult, p: Paint): string[] {
  const s = r.summary;
  const out = [p('bold', 'Capture'), ...r.inputs.flatMap((i) => inputLines(i, p))];
  const problems = Object.entries(s.decodeErrors);
  out.push(`  decode problems: ${problems.length ? problems.map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}`);
  out.push(`  non-IP frames: ${s.nonIpFrames}; control (ICMP errors, ND/MLD): ${s.controlFlows}; out of scope: ${s.connectionsOutOfScope} connection${s.connectionsOutOfScope === 1 ? '' : 's'}`);
  out.push('');
  return out;
}

function nextStepLines(r: AuditResult, p: Paint): string[] {
  const out = [p('bold', 'Next steps')];
  if (r.nextSteps.length === 0) out.push(r.verdict === 'pass' ? '  nothing to do: the traffic matches the matrix.' : '  see the verdict reasons above.');
  for (const step of r.nextSteps) out.push(`  - ${inert(step)}`);
  out.push('', p('bold', CONTROLS_HEADING), ...controlsPlainLines(controlsFor(r)).map(inert));
  return out;
}

/** The evidence footer (audit/evidence.ts): what `flowaudit verify` checks. */
function evidenceLines(e: Evidence, p: Paint, live: Set<string>, fw: NonNullable<AuditResult['firewall']>['hosts'] = []): string[] {
  const lines = ['', p('bold', 'Evidence')];
  lines.push(`  flowaudit ${inert(e.tool.version)}: ${inert(e.commandLine)}`);
  lines.push(`  generated ${inert(e.generatedAt)}${e.host === null ? '' : ` on host ${inert(e.host)}`}`);
  for (const i of e.inputs) lines.push(`  capture   ${i.sha256 ?? `(${shaText(null, live.has(i.path))})`}  ${inert(i.path)}`);
  lines.push(`  matrix    ${e.matrix.sha256}  ${inert(e.matrix.origin)} (${inert(e.matrix.name)} ${inert(e.matrix.version)})`);
  lines.push(`  inventory ${e.inventory.sha256 ?? '(none)'}  ${inert(e.inventory.origin)}`);
  for (const h of fw) lines.push(`  firewall  ${h.file.sha256}  ${inert(h.file.path)} (${inert(h.host)})`);
  lines.push(`  result    ${e.resultSha256}  (canonical JSON of the report without this hash; see flowaudit verify)`);
  return lines;
}

export function renderText(r: AuditResult, opts: TextOptions): string {
  const p = painter(opts.color);
  const out = [
    ...headerLines(r, p),
    ...rulesLines(r, p),
    ...ruleDetailLines(r, p, inert),
    ...namesLines(r, p, inert),
    ...unexpectedLines(r, p, inert),
    ...unexpectedExtraLines(r, p, inert),
    '',
    ...scanAndDiscoveryLines(r, p),
    ...firewallTextLines(r, p, inert),
    ...captureLines(r, p),
    ...nextStepLines(r, p),
    ...(r.evidence ? evidenceLines(r.evidence, p, livePaths(r), r.firewall?.hosts) : []),
  ];
  return `${out.join('\n')}\n`;
}
