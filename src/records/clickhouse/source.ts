/**
 * A ClickHouse table as an input: `clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE.TABLE` (the
 * HTTP interface, through the official client @clickhouse/client). The one aggregation query
 * (query.ts) runs in ClickHouse; each returned group is read as a Zeek conn.log row standing for
 * `n` rows (the same row parser as conn.log files, records/zeek_conn.ts) and added to the tuples
 * with its count. The returned groups are hashed as received, and the query text, server version
 * and counts are kept as the input's evidence (`verify` can re-run the query and compare).
 * User and password: from the URL, else CLICKHOUSE_USER / CLICKHOUSE_PASSWORD.
 */
import { createHash } from 'node:crypto';
import type { InputSummary } from '../../capture/ingest.js';
import { messageOf } from '../../errors.js';
import type { RecordCollector } from '../collector.js';
import { RecordLogReader } from '../read_log.js';
import { zeekConnRecord } from '../zeek_conn.js';
import { JsonRow } from '../zeek_row.js';
import { buildQuery, type QueryOptions } from './query.js';

export interface ClickhouseTarget {
  /** http://HOST:PORT */
  url: string;
  database: string;
  table: string;
  username: string;
  password: string;
  /** The source as shown in reports (no password). */
  shown: string;
}

export function isClickhouseUrl(s: string): boolean {
  return /^clickhouse:\/\//i.test(s);
}

/** Parse the input; an error text when it is not `clickhouse://HOST:PORT/DATABASE.TABLE`. */
export function parseClickhouseUrl(text: string, env: Record<string, string | undefined> = process.env): ClickhouseTarget | string {
  let u: URL;
  try {
    u = new URL(text.replace(/^clickhouse:/i, 'http:'));
  } catch {
    return `${text}: not a URL (expected clickhouse://HOST:PORT/DATABASE.TABLE)`;
  }
  const m = /^\/([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(u.pathname);
  if (!m || u.search !== '' || u.hash !== '') return `${text}: expected clickhouse://HOST:PORT/DATABASE.TABLE (identifiers only)`;
  const username = u.username !== '' ? decodeURIComponent(u.username) : (env.CLICKHOUSE_USER ?? 'default');
  const password = u.password !== '' ? decodeURIComponent(u.password) : (env.CLICKHOUSE_PASSWORD ?? '');
  const host = `${u.hostname.includes(':') ? `[${u.hostname.replace(/^\[|\]$/g, '')}]` : u.hostname}:${u.port || '8123'}`;
  return { url: `http://${host}`, database: m[1]!, table: m[2]!, username, password, shown: `clickhouse://${host}/${m[1]}.${m[2]}` };
}

/** Dotted Zeek names for the query's columns (the conn.log row parser reads these). */
const DOTTED: Record<string, string> = { id_orig_h: 'id.orig_h', id_orig_p: 'id.orig_p', id_resp_h: 'id.resp_h', id_resp_p: 'id.resp_p' };

export type QuerySpec = Omit<QueryOptions, 'database' | 'table'> & {
  /** Run this SQL as recorded (verify re-runs a report's query) instead of building it. */
  sql?: string;
};

export interface QueryRun {
  sql: string;
  serverVersion: string;
  tuples: number;
  rows: number;
  tuplesSha256: string;
}

/**
 * Run the query and hand each returned group (parsed JSON, raw text) to `onRow`. Throws with a
 * one-line message on connection or server errors.
 */
export async function runGroupQuery(t: ClickhouseTarget, spec: QuerySpec, onRow: (row: Record<string, unknown>, no: number) => void): Promise<QueryRun> {
  const { createClient, ClickHouseLogLevel } = await import('@clickhouse/client');
  // The client's own log lines would land in the report on stdout: off (errors come back as exceptions).
  const client = createClient({ url: t.url, username: t.username, password: t.password, compression: { response: false, request: false }, log: { level: ClickHouseLogLevel.OFF } });
  try {
    const v = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    const serverVersion = String(((await v.json()) as { v: string }[])[0]?.v ?? 'unknown');
    const sql = spec.sql ?? buildQuery({ ...spec, database: t.database, table: t.table });
    const rs = await client.query({ query: sql, format: 'JSONEachRow' });
    const hash = createHash('sha256');
    let tuples = 0;
    let rows = 0;
    for await (const batch of rs.stream()) {
      for (const row of batch as { text: string }[]) {
        hash.update(`${row.text}\n`);
        const o = JSON.parse(row.text) as Record<string, unknown>;
        tuples++;
        rows += Number(o.n);
        onRow(o, tuples);
      }
    }
    return { sql, serverVersion, tuples, rows, tuplesSha256: hash.digest('hex') };
  } finally {
    await client.close();
  }
}

/** One returned group → the conn.log-style row the file reader would have seen (unset when empty). */
export function groupRow(o: Record<string, unknown>): JsonRow {
  const z: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if ((k === 'history' || k === 'conn_state') && v === '') continue;
    z[DOTTED[k] ?? k] = v;
  }
  return new JsonRow(z);
}

/** Read the groups of a ClickHouse table into the collector: an input summary like a log's. */
export async function readClickhouse(text: string, spec: QuerySpec, collector: RecordCollector, env?: Record<string, string | undefined>): Promise<InputSummary> {
  const t = parseClickhouseUrl(text, env);
  const shown = typeof t === 'string' ? text.replace(/\/\/[^@/]*@/, '//') : t.shown;
  const reader = new RecordLogReader(shown, 'clickhouse', collector);
  if (typeof t === 'string') {
    reader.fail(new Error(t));
    return reader.finish();
  }
  try {
    const run = await runGroupQuery(t, spec, (o, no) => {
      const r = zeekConnRecord(groupRow(o));
      if (typeof r === 'string') return reader.malformed(no, r);
      reader.record(r, no, { count: Number(o.n), lastStart: o.last_start === null || o.last_start === undefined ? NaN : Number(o.last_start) * 1e6 });
    });
    reader.recordInfo.query = { source: t.shown, ...run };
    if (spec.columns.conn_state === null && spec.columns.history === null) reader.recordInfo.unavailable.unshift('tcp-state');
    reader.summary.sha256 = run.tuplesSha256;
  } catch (e) {
    reader.fail(new Error(messageOf(e).split('\n')[0])); // the reader names the source
  }
  return reader.finish();
}
