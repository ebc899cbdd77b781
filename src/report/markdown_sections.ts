/**
 * The sections of `--format markdown`, the same tables and diagnosis as the text report: rules,
 * rule details (first/last seen, servers and the names that made them, coverage, diagnosis, what to
 * do to exercise a missing rule), unexpected flows grouped by server and port with their top
 * clients and diagnosis, near misses, scans, host names with evidence, capture facts. Every
 * untrusted string goes through md(); addresses are followed by their best name [evidence].
 */
import { queryEvidenceText } from '../inputs/record_input.js';
import type { CoverageEntry } from '../audit/coverage.js';
import type { AuditResult } from '../audit/result.js';
import { statesText } from './csv.js';
import { byWeight, clientsSummary, groupDiagnosisLines, groupedRowsText, groupNote, labeller, namesWithEvidence, nearMissLines, serverGroups, topClientsText, unexpectedCount, type Labeller } from './labels.js';
import { absenceText } from '../audit/observation.js';
import { coverageFor, ruleCoverage } from './controls_lines.js';
import { md } from './markdown_escape.js';
import { MAX_GROUP_ROWS } from './text_insight.js';

const cell = (s: string): string => md(s);

export function rulesMd(r: AuditResult): string[] {
  const out = [`### Rules (${r.rules.length})`, ''];
  out.push('| Status | Rule | Flow | Ports | Requirement | Conns | Answered/refused/no reply | First → last seen |');
  out.push('|---|---|---|---|---|--:|---|---|');
  for (const x of r.rules) {
    out.push(
      `| ${md(x.status)} | ${md(x.id)} | ${md(x.source)} → ${md(x.destination)} | ${md(`${x.protocol}/${x.ports.join(',')}`)} | ${md(x.requirement + (x.feature ? ` (${x.feature})` : ''))} | ${x.connections} | ${x.connections ? `${x.outcomes.answered}/${x.outcomes.refused}/${x.outcomes.unanswered}` : ''} | ${x.firstSeen ? `${md(x.firstSeen)} → ${md(x.lastSeen)}` : ''} |`,
    );
  }
  out.push('');
  const notes = r.rules.flatMap((x) => {
    const cov = ruleCoverage(r, x);
    const why = [x.reason, cov].filter((t): t is string => !!t);
    return why.length ? [`${x.id} ${x.status}: ${why.join('; ')}`] : [];
  });
  for (const n of notes) out.push(`- ${md(n)}`);
  if (notes.length) out.push('');
  out.push(...ruleDetailsMd(r, labeller(r)));
  return out;
}

function coverageMd(c: CoverageEntry, label: Labeller): string {
  if (c.kind === 'ipv4' || c.kind === 'ipv6') return `${md(label(c.member))} ${md(c.status)}`;
  if (c.kind === 'host') return `${md(c.member)} ${md(c.status)}${c.servers.length ? ` (${c.servers.map((a) => md(label(a))).join(', ')})` : ''}`;
  if (c.serverCount === 0) return `${md(c.member)} never tried`;
  const list = c.servers.slice(0, 5).map((a) => md(label(a))).join(', ') + (c.serverCount > 5 ? ', …' : '');
  return `${md(c.member)} ${md(c.status)}: ${c.serverCount} address${c.serverCount === 1 ? '' : 'es'} (${list})`;
}

function ruleDetailsMd(r: AuditResult, label: Labeller): string[] {
  const rules = r.rules.filter((x) => x.status !== 'not-applicable' && (x.connections > 0 || (x.coverage?.length ?? 0) > 0 || !!x.trigger));
  if (rules.length === 0) return [];
  const out = ['#### Rule details', ''];
  for (const x of rules) {
    out.push(`- **${md(x.id)}** ${md(x.source)} → ${md(x.destination)} ${md(`${x.protocol}/${x.ports.join(',')}`)}: ${md(x.status)}`);
    if (x.firstSeen) out.push(`  - seen ${md(x.firstSeen)} → ${md(x.lastSeen)}`);
    if (x.status === 'missing' && x.trigger) out.push(`  - to test it: ${md(x.trigger)}`);
    const ev = x.evidence ?? [];
    if (ev.length) out.push(`  - servers: ${ev.map((e) => `${md(label(e.server))}${e.names.length ? ` as ${e.names.map(md).join(', ')} \\[${md(e.sources.join(', '))}\\]` : ''}`).join('; ')}`);
    const cov = x.coverage ?? [];
    if (cov.length) out.push(`  - coverage: ${cov.map((c) => coverageMd(c, label)).join(' · ')}`);
    const d = x.diagnosis;
    if (d && (d.findings.length > 0 || d.attempts > d.answered)) {
      out.push(`  - diagnosis: ${md(d.summary)}`);
      for (const f of d.findings) out.push(`    - ${md(f.text)}`);
    }
    const dyn = x.dynamicRpc;
    if (dyn && dyn.connections.length > 0) out.push(`  - dynamic RPC: ${dyn.viaEpm} via the endpoint mapper, ${dyn.withoutEpm} not preceded by an EPM lookup`);
  }
  out.push('');
  return out;
}

export function unexpectedMd(r: AuditResult): string[] {
  const label = labeller(r);
  const groups = byWeight(serverGroups(r));
  const rows = groupedRowsText(r);
  const out = [`### Unexpected flows: ${md(unexpectedCount(r))}${rows ? `, ${md(rows)}` : ''}`, ''];
  if (groups.length === 0) return [...out, `None: ${md(absenceText(coverageFor(r), 'no unexpected flow'))}.`, ''];
  out.push('| Server | Proto/port | Clients | Conns | States | Roles | Note |');
  out.push('|---|---|---|--:|---|---|---|');
  const shown = groups.slice(0, MAX_GROUP_ROWS);
  for (const g of shown) {
    const top = topClientsText(g, label);
    out.push(
      `| ${cell(label(g.server))} | ${md(`${g.protocol}/${g.port}`)} | ${cell(clientsSummary(g, label))}${top ? `<br>${cell(top)}` : ''} | ${g.connections} | ${md(statesText(g.states))} | ${md(g.clientRoles.join('+') || '-')} → ${md(g.serverRoles.join('+') || '-')} | ${md(groupNote(g))} |`,
    );
  }
  if (groups.length > shown.length) out.push('', `… ${groups.length - shown.length} more groups: every one is in the JSON and CSV reports.`);
  if (rows) out.push('', 'Per-client detail: the JSON report (`unexpected[]`), the CSV report, or `flowaudit flows`.');
  const findings = groupDiagnosisLines(r, shown, label);
  if (findings.length) {
    out.push('', '**Diagnosis**', '');
    for (const f of findings) out.push(`- ${md(f.text)}`);
  }
  out.push('');
  return out;
}

export function nearMissesMd(r: AuditResult): string[] {
  const out: string[] = [];
  const misses = r.nearMisses ?? [];
  out.push(`### Near misses (${misses.length})`, '');
  if (misses.length === 0) out.push('None.');
  const lines = nearMissLines(r, labeller(r));
  for (const line of lines.slice(0, 100)) out.push(`- ${md(line)}`);
  if (lines.length > 100) out.push(`- … ${lines.length - 100} more in the JSON and CSV reports`);
  out.push('');
  const floods = r.floods ?? [];
  if (floods.length) {
    out.push(`### Floods (${floods.length}, folded beyond the budget)`, '');
    for (const f of floods) out.push(`- ${md(f.text)}`);
    out.push('');
  }
  const scans = (r as { scans?: { text: string }[] }).scans ?? [];
  if (scans.length) {
    out.push(`### Scans (${scans.length})`, '');
    for (const f of scans) out.push(`- ${md(f.text)}`);
    out.push('');
  }
  return out;
}

export function namesMd(r: AuditResult): string[] {
  const entries = r.names ?? [];
  if (entries.length === 0) return [];
  const out = [`### Names (${entries.length})`, '', '| Address | Names \\[evidence\\] |', '|---|---|'];
  for (const e of entries) {
    out.push(`| ${md(e.address)} | ${namesWithEvidence(e).map(([n, src]) => `${md(n)} \\[${md(src.join(', '))}\\]`).join(', ')} |`);
  }
  out.push('');
  return out;
}

export function captureMd(r: AuditResult): string[] {
  const s = r.summary;
  const out = ['### Capture', ''];
  out.push('| File | Format | Packets | First → last packet | Drops |', '|---|---|--:|---|---|');
  for (const i of r.inputs) {
    const drops = i.drops ? `interface ${i.drops.ifDrop ?? 'n/a'}, OS ${i.drops.osDrop ?? 'n/a'}` : 'unavailable';
    out.push(`| ${md(i.path)} | ${md([i.format, i.version].filter(Boolean).join(' '))} | ${i.packets} | ${i.firstSeen ? `${md(i.firstSeen)} → ${md(i.lastSeen)}` : 'no packets'} | ${md(drops)} |`);
  }
  out.push('');
  for (const i of r.inputs) {
    if (i.records?.query) out.push(`- ${md(queryEvidenceText(i.records.query))}`);
    for (const w of i.warnings) out.push(`- warning (${md(i.path)}, offset ${w.offset}): ${md(w.message)}`);
    if (i.error) out.push(`- error (${md(i.path)}, offset ${i.error.offset}): ${md(i.error.message)}`);
  }
  const problems = Object.entries(s.decodeErrors);
  out.push(`- decode problems: ${problems.length ? md(problems.map(([k, v]) => `${k} ${v}`).join(', ')) : 'none'}`);
  out.push(`- non-IP frames: ${s.nonIpFrames}; control (ICMP errors, ND/MLD): ${s.controlFlows}; out of scope: ${s.connectionsOutOfScope} connection${s.connectionsOutOfScope === 1 ? '' : 's'}`);
  out.push('');
  return out;
}
