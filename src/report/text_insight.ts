/**
 * Text-report sections for names, per-rule evidence / coverage / diagnosis / dynamic RPC, unexpected
 * diagnoses and near misses (issue 4). Every string from packets or files goes through `inert()`.
 */
import type { AuditResult, RuleResult } from '../audit/result.js';
import type { CoverageEntry } from '../audit/coverage.js';
import type { Painter } from './style.js';
import { statesText } from './csv.js';
import { byWeight, clientsSummary, groupDiagnosisLines, groupedRowsText, labeller, namesWithEvidence, nearMissLines, serverGroups, topClientsText, unexpectedCount } from './labels.js';
import { absenceText } from '../audit/observation.js';
import { coverageFor } from './controls_lines.js';
import { renderTable } from './table.js';

type Inert = (s: string) => string;

/** "10.0.0.3 (dc2 [inventory])" or the bare address, made inert. */
export function withName(r: AuditResult, inert: Inert): (address: string) => string {
  const label = labeller(r);
  return (a) => inert(label(a));
}

/** Most server groups listed in the text and Markdown reports (all of them are in JSON and CSV). */
export const MAX_GROUP_ROWS = 100;

/** The unexpected flows grouped by server, protocol and port, with the top clients of each. */
export function unexpectedLines(r: AuditResult, p: Painter, inert: Inert): string[] {
  const label = withName(r, inert);
  const groups = byWeight(serverGroups(r));
  const out: string[] = [];
  const rows = groupedRowsText(r);
  out.push(p('bold', `Unexpected flows: ${unexpectedCount(r)}${rows ? `, ${rows}` : ''}`));
  if (groups.length === 0) return [...out, `  none: ${absenceText(coverageFor(r), 'no unexpected flow')}`];
  const shown = groups.slice(0, MAX_GROUP_ROWS);
  out.push(
    ...renderTable(
      [
        { title: 'SERVER' },
        { title: 'PROTO/PORT' },
        { title: 'CLIENTS' },
        { title: 'CONNS', align: 'right' },
        { title: 'PKTS', align: 'right' },
        { title: 'BYTES', align: 'right' },
        { title: 'STATES' },
        { title: 'ROLES' },
      ],
      shown.map((g) => [
        label(g.server),
        `${g.protocol}/${g.port}`,
        clientsSummary(g, label),
        String(g.connections),
        String(g.packets),
        String(g.bytes),
        statesText(g.states),
        `${g.clientRoles.join('+') || '-'} → ${g.serverRoles.join('+') || '-'}${g.disabledRules.length ? ` (matches ${g.disabledRules.join(',')} if enabled)` : ''}`,
      ]),
    ),
  );
  for (const g of shown) {
    const top = topClientsText(g, label);
    if (top) out.push(`  ${label(g.server)} ${g.protocol}/${g.port} — ${clientsSummary(g, label)}, ${top}`);
  }
  if (groups.length > shown.length) out.push(`  … ${groups.length - shown.length} more groups: every one is in --format json and csv`);
  if (rows) out.push(`  per-client detail: --format json (unexpected[]) or csv, or flowaudit flows`);
  return out;
}

export function namesLines(r: AuditResult, p: Painter, inert: Inert): string[] {
  const entries = r.names ?? [];
  if (entries.length === 0) return [];
  const rows = entries.map((e) => [inert(e.address), namesWithEvidence(e).map(([name, src]) => `${inert(name)} [${src.join(', ')}]`).join(', ')]);
  return [p('bold', `Names (${entries.length})`), ...renderTable([{ title: 'ADDRESS' }, { title: 'NAMES [EVIDENCE]' }], rows), ''];
}

function coverageText(c: CoverageEntry, label: (a: string) => string, inert: Inert): string {
  const single = c.kind === 'ipv4' || c.kind === 'ipv6';
  if (single) return `${label(c.member)} ${c.status}`;
  if (c.kind === 'host') return `${inert(c.member)} ${c.status}${c.servers.length ? ` (${c.servers.map(inert).join(', ')})` : ''}`;
  if (c.serverCount === 0) return `${inert(c.member)} never tried`;
  const list = c.servers.slice(0, 5).map(label).join(', ') + (c.serverCount > 5 ? ', …' : '');
  return `${inert(c.member)} ${c.status}: ${c.serverCount} address${c.serverCount === 1 ? '' : 'es'} (${list})`;
}

export function ruleDetailLines(r: AuditResult, p: Painter, inert: Inert): string[] {
  const label = withName(r, inert);
  const out: string[] = [];
  const rules = r.rules.filter((x: RuleResult) => x.status !== 'not-applicable' && (x.connections > 0 || (x.coverage?.length ?? 0) > 0 || !!x.trigger));
  if (rules.length === 0) return [];
  out.push(p('bold', 'Rule details (evidence, coverage, diagnosis)'));
  for (const x of rules) {
    out.push(`  ${x.id}  ${x.source} → ${x.destination} ${x.protocol}/${x.ports.join(',')}  ${x.status}`);
    if (x.firstSeen) out.push(`    seen:        ${x.firstSeen} → ${x.lastSeen}`);
    if (x.status === 'missing' && x.trigger) out.push(`    to test it:  ${inert(x.trigger)}`);
    const ev = x.evidence ?? [];
    if (ev.length > 0) {
      out.push(`    servers:     ${ev.map((e) => `${label(e.server)}${e.names.length ? ` as ${e.names.map(inert).join(', ')} [${e.sources.join(', ')}]` : label(e.server) === inert(e.server) ? ` [${e.sources.join(', ')}]` : ''}`).join('; ')}`);
    }
    const cov = x.coverage ?? [];
    if (cov.length > 0) out.push(`    coverage:    ${cov.map((c) => coverageText(c, label, inert)).join(' · ')}`);
    const d = x.diagnosis;
    if (d && (d.findings.length > 0 || d.attempts > d.answered)) {
      out.push(`    diagnosis:   ${d.summary}`);
      for (const f of d.findings) out.push(`      ${p(f.answered > 0 ? 'yellow' : 'red', '!')} ${inert(f.text)}`);
    }
    const dyn = x.dynamicRpc;
    if (dyn && dyn.connections.length > 0) {
      out.push(`    dynamic RPC: ${dyn.viaEpm} via-epm, ${dyn.withoutEpm} not preceded by an EPM lookup`);
      for (const c of dyn.connections) {
        const tag = c.viaEpm ? `via-epm (port handed out by the endpoint mapper on ${label(c.mapper ?? c.server)})` : p('yellow', 'not preceded by an EPM lookup');
        out.push(`      ${label(c.client)} → ${label(c.server)} tcp/${c.port}: ${tag}`);
      }
    }
  }
  out.push('');
  return out;
}

/** Diagnosis lines for unexpected groups with failures, then the near misses. */
export function unexpectedExtraLines(r: AuditResult, p: Painter, inert: Inert): string[] {
  const out: string[] = [];
  const findings = groupDiagnosisLines(r, byWeight(serverGroups(r)).slice(0, MAX_GROUP_ROWS), labeller(r));
  if (findings.length > 0) {
    out.push('  diagnosis:');
    for (const f of findings) out.push(`    ${p(f.answered > 0 ? 'yellow' : 'red', '!')} ${inert(f.text)}`);
  }
  const misses = r.nearMisses ?? [];
  out.push('', p('bold', `Near misses (${misses.length})`));
  if (misses.length === 0) out.push('  none');
  for (const line of nearMissLines(r, labeller(r))) out.push(`  - ${inert(line)}`);
  return out;
}
