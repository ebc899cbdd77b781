/**
 * A query input's evidence (ClickHouse: source, server version, rows, tuples, tuples SHA-256, SQL)
 * is its own line in every human format, never a warning, and attacker-shaped text in it is escaped.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/result.js';
import { recordInputWarnings } from '../../src/audit/record_inputs.js';
import { newRecordInfo } from '../../src/records/read_log.js';
import { queryEvidenceText, type QueryEvidence } from '../../src/inputs/record_input.js';
import { renderCsv } from '../../src/report/csv.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';

const lab = JSON.parse(readFileSync(new URL('../golden/ams-lab.audit.json', import.meta.url), 'utf8')) as AuditResult;
const SHA = 'ab'.repeat(32);
const query: QueryEvidence = {
  source: 'clickhouse://127.0.0.1:8123/flows.conn',
  sql: 'SELECT a,\n  b FROM `flows`.`conn` <script>',
  serverVersion: '18.16.1',
  tuples: 125,
  rows: 100001,
  tuplesSha256: SHA,
};
const records = { ...newRecordInfo('clickhouse'), lines: 125, connections: 100001, query };
const withQuery: AuditResult = {
  ...lab,
  inputs: [{ ...lab.inputs[0]!, path: query.source, format: 'clickhouse', sha256: SHA, records, warnings: recordInputWarnings(query.source, records) }],
};
const LINE = `query: clickhouse://127.0.0.1:8123/flows.conn, ClickHouse server 18.16.1, 100001 rows in 125 tuples, tuples sha256 ${SHA}; SQL: SELECT a, b FROM \`flows\`.\`conn\` <script>`;

describe('query evidence', () => {
  it('is one line: source, server version, rows in tuples, tuples sha256, SQL with whitespace folded', () => {
    expect(queryEvidenceText(query)).toBe(LINE);
  });

  it('is not an input warning', () => {
    expect(withQuery.inputs[0]!.warnings.map((w) => w.message).join('\n')).not.toMatch(/query|18\.16/);
  });

  it.each([
    ['text', (r: AuditResult) => renderText(r, { color: false }), `    ${LINE}`],
    ['markdown', renderMarkdown, '- query: clickhouse\\://127.0.0.1:8123/flows.conn, ClickHouse server 18.16.1, 100001 rows in 125 tuples'],
    ['html', renderHtml, '<strong>query</strong>: clickhouse://127.0.0.1:8123/flows.conn, ClickHouse server 18.16.1, 100001 rows in 125 tuples'],
    ['csv', renderCsv, 'ClickHouse server 18.16.1, 100001 rows in 125 tuples'],
  ] as const)('%s shows it, not as a warning', (_f, render, expected) => {
    const out = render(withQuery);
    expect(out).toContain(expected);
    expect(out).toContain(SHA);
    expect(out).toMatch(/18\.16\.1/);
    // Wherever it shows, nothing before it on its line calls it a warning.
    for (const line of out.split('\n').filter((l) => l.includes('18.16.1'))) expect(line.slice(0, line.indexOf('18.16.1'))).not.toMatch(/warning/i);
  });

  it('escapes what came from the server in HTML (no raw tag)', () => {
    expect(renderHtml(withQuery)).not.toContain('<script>');
  });
});
