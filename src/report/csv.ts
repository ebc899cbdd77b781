/**
 * Audit CSV: one row per rule and one per unexpected flow group, in that order, with a `kind`
 * column. Written with csv-stringify; every string cell is neutralised against formula injection.
 */
import { stringify } from 'csv-stringify/sync';
import type { Diagnosis } from '../audit/diagnosis.js';
import type { AuditResult, StateCounts } from '../audit/result.js';
import { safeCsvCast } from './csv_cell.js';

const COLUMNS = [
  'kind',
  'id',
  'status',
  'requirement',
  'feature',
  'source',
  'destination',
  'client',
  'server',
  'protocol',
  'ports',
  'connections',
  'packets',
  'bytes',
  'answered',
  'refused',
  'unanswered',
  'states',
  'description',
  'evidence',
  'diagnosis',
] as const;

export function statesText(s: StateCounts): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
}

/** A diagnosis in one cell: the findings when any, else the summary. */
function diagnosisText(d: Diagnosis | undefined): string {
  if (!d || d.attempts === d.answered) return '';
  return d.findings.length ? d.findings.map((f) => f.text).join('; ') : d.summary;
}

export function renderCsv(r: AuditResult): string {
  const rows: (string | number)[][] = [];
  // First row: the verdict and its reasons (issue 8), then one row per warning.
  rows.push(['verdict', '', r.verdict, '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', r.verdictReasons.join('; '), '', '']);
  for (const w of r.warnings ?? []) rows.push(['warning', w.name, 'warning', '', '', w.roles.join(' '), '', '', '', '', '', '', '', '', '', '', '', '', w.text, '', '']);
  const names = new Map((r.names ?? []).map((e) => [e.address, e.names.map((n) => n.name).filter((n, i, a) => a.indexOf(n) === i).join(' ')]));
  for (const x of r.rules) {
    rows.push([
      'rule', x.id, x.status, x.requirement, x.feature ?? '', x.source, x.destination,
      x.clients.join(' '), x.servers.join(' '), x.protocol, x.ports.join(' '),
      x.connections, x.packets, x.bytes, x.outcomes.answered, x.outcomes.refused, x.outcomes.unanswered,
      statesText(x.states), x.reason ? `${x.description} [${x.status}: ${x.reason}]` : x.description,
      (x.evidence ?? []).map((e) => `${e.server}${e.names.length ? ` ${e.names.join(' ')}` : ''} [${e.sources.join(' ')}]`).join('; '),
      diagnosisText(x.diagnosis),
    ]);
  }
  for (const g of r.unexpected) {
    rows.push([
      'unexpected', '', 'unexpected', '', '', g.clientRoles.join(' '), g.serverRoles.join(' '),
      g.client, g.server, g.protocol, String(g.port),
      g.connections, g.packets, g.bytes, g.outcomes.answered, g.outcomes.refused, g.outcomes.unanswered,
      statesText(g.states), g.disabledRules.length ? `would match ${g.disabledRules.join(' ')} (feature off)` : '',
      [g.client, g.server].map((a) => `${a}${names.get(a) ? ` ${names.get(a)}` : ''}`).join(' → '),
      diagnosisText(g.diagnosis),
    ]);
  }
  // Near misses (issue 4): unexpected connections that would match `id` but for one side's role.
  for (const m of r.nearMisses ?? []) {
    rows.push([
      'near-miss', m.rule, 'unexpected', '', '', m.side === 'source' ? m.missingRole : '', m.side === 'destination' ? m.missingRole : '',
      m.client, m.server, m.protocol, String(m.port), m.connections, '', '', '', '', '', '', m.text, '', '',
    ]);
  }
  // A discovered inventory (issue 10): one row per proposed member, with its evidence and confidence.
  for (const m of r.inventory.discovered?.members ?? []) {
    rows.push([
      'discovered-member', '', m.confidence ?? '', '', '', '', m.role, '', m.member, '', '', '', '', '', '', '', '', '',
      `inventory DISCOVERED by ${r.inventory.discovered?.tool ?? 'flowaudit discover'}, not reviewed${m.name ? `; name ${m.name}` : ''}`, m.evidence.join('; '), '',
    ]);
  }
  return stringify(rows, { header: true, columns: [...COLUMNS], cast: safeCsvCast, record_delimiter: 'unix' });
}
