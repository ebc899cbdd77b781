/**
 * Audit CSV: one row per rule and one per unexpected flow group, in that order, with a `kind`
 * column. Written with csv-stringify; every string cell is neutralised against formula injection.
 */
import { stringify } from 'csv-stringify/sync';
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
] as const;

export function statesText(s: StateCounts): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
}

export function renderCsv(r: AuditResult): string {
  const rows: (string | number)[][] = [];
  for (const x of r.rules) {
    rows.push([
      'rule', x.id, x.status, x.requirement, x.feature ?? '', x.source, x.destination,
      x.clients.join(' '), x.servers.join(' '), x.protocol, x.ports.join(' '),
      x.connections, x.packets, x.bytes, x.outcomes.answered, x.outcomes.refused, x.outcomes.unanswered,
      statesText(x.states), x.description,
    ]);
  }
  for (const g of r.unexpected) {
    rows.push([
      'unexpected', '', 'unexpected', '', '', g.clientRoles.join(' '), g.serverRoles.join(' '),
      g.client, g.server, g.protocol, String(g.port),
      g.connections, g.packets, g.bytes, g.outcomes.answered, g.outcomes.refused, g.outcomes.unanswered,
      statesText(g.states), g.disabledRules.length ? `would match ${g.disabledRules.join(' ')} (feature off)` : '',
    ]);
  }
  return stringify(rows, { header: true, columns: [...COLUMNS], cast: safeCsvCast, record_delimiter: 'unix' });
}
