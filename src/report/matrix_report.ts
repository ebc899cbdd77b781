/**
 * `matrix show`: a matrix as an aligned text table, as the JSON file format (round-trips through
 * loadMatrix), or as CSV (one row per rule, formula-injection-safe cells).
 */
import { stringify } from 'csv-stringify/sync';
import { matrixToFile } from '../matrix/load_matrix.js';
import type { Matrix, MatrixRule } from '../matrix/types.js';
import { safeCsvCast } from './csv_cell.js';
import { renderTable } from './table.js';

export type MatrixFormat = 'text' | 'json' | 'csv';

export const MATRIX_CSV_COLUMNS = [
  'id',
  'source',
  'destination',
  'protocol',
  'ports',
  'requirement',
  'feature',
  'service',
  'row',
  'description',
  'note',
] as const;

function requirementCell(r: MatrixRule): string {
  return r.feature !== undefined ? `${r.requirement} (${r.feature})` : r.requirement;
}

function renderText(m: Matrix): string {
  const lines = [
    `Matrix:   ${m.name} (${m.origin})`,
    `Version:  ${m.version}`,
    `Source:   ${m.source}`,
    `SHA-256:  ${m.sha256}`,
  ];
  if (m.description !== undefined) lines.push(`About:    ${m.description}`);
  lines.push(`Rules:    ${m.rules.length}`);
  if (m.features.length > 0) {
    lines.push('', 'Features:');
    lines.push(
      ...renderTable(
        [{ title: 'FEATURE' }, { title: 'DESCRIPTION' }],
        m.features.map((f) => [f.name, f.description]),
      ),
    );
  }
  lines.push('', 'Roles:');
  lines.push(
    ...renderTable(
      [{ title: 'ROLE' }, { title: 'DEFAULT HOSTS' }, { title: 'DESCRIPTION' }],
      m.roles.map((r) => [r.name, (r.hosts ?? []).join(', '), r.description ?? '']),
    ),
  );
  lines.push('', 'Rules:');
  lines.push(
    ...renderTable(
      [
        { title: 'ID' },
        { title: 'SOURCE → DESTINATION' },
        { title: 'PROTO/PORTS' },
        { title: 'REQUIREMENT' },
        { title: 'SERVICE' },
        { title: 'ROW', align: 'right' },
      ],
      m.rules.map((r) => [
        r.id,
        `${r.source} → ${r.destination}`,
        `${r.protocol}/${r.ports.join(',')}`,
        requirementCell(r),
        r.service ?? '',
        r.row === undefined ? '' : String(r.row),
      ]),
    ),
  );
  return `${lines.join('\n')}\n`;
}

function renderCsv(m: Matrix): string {
  const rows = m.rules.map((r) => ({
    id: r.id,
    source: r.source,
    destination: r.destination,
    protocol: r.protocol,
    ports: r.ports.join(' '),
    requirement: r.requirement,
    feature: r.feature ?? '',
    service: r.service ?? '',
    row: r.row ?? '',
    description: r.description,
    note: r.note ?? '',
  }));
  return stringify(rows, { header: true, columns: [...MATRIX_CSV_COLUMNS], cast: safeCsvCast, record_delimiter: 'unix' });
}

export function renderMatrix(m: Matrix, format: MatrixFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(matrixToFile(m), null, 2)}\n`;
    case 'csv':
      return renderCsv(m);
    case 'text':
      return renderText(m);
  }
}
