/**
 * The one aggregation query flowaudit runs in ClickHouse: conn.log-like rows grouped by what the
 * audit looks at (originator, responder, protocol, responder port, state, history, whether each side
 * sent packets, and the originator's port only where it can decide who the server is), filtered to
 * rows touching the inventory's addresses and to the time window. ClickHouse does the heavy part (on
 * every shard of a Distributed table); flowaudit audits the groups with the same code as log rows.
 *
 * Grouping keeps everything orientation needs (records/orient.ts): the history (SYN, SYN-ACK, `^`),
 * the state, whether the responder sent packets, and the originator's port when it is a likely
 * server port, when `^` is in the history, when a TCP history does not start with the
 * originator's SYN, or for ICMP (type). Otherwise the originator's port only names a client port, and
 * the group keeps its smallest (which is a non-server port of the same class: same orientation).
 *
 * SQL kept to what ClickHouse 18.16 runs. Nothing untrusted is interpolated: column names come from
 * the columns file and are checked against a strict identifier pattern and back-quoted; addresses
 * are numbers (IPv4) or hex (IPv6) computed from parsed inventory members; ports are integers;
 * times are numbers. Facts only: the address intervals come in as numbers, never from matrix/.
 */
import type { ServerPorts } from '../../flows/direction.js';

/** The columns flowaudit reads, named as in Zeek's conn.log with dots as underscores. */
export const COLUMN_KEYS = [
  'ts', 'duration', 'id_orig_h', 'id_orig_p', 'id_resp_h', 'id_resp_p', 'proto', 'conn_state', 'history',
  'orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes',
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

/**
 * Where each fact lives in the table: a column name, or null when the schema lacks it (NetFlow
 * tables have no state or history: reported unavailable, not absent). `ts` is epoch seconds
 * (a number or a DateTime); `proto` is 'tcp'/'udp'/'icmp' text or an IP protocol number.
 */
export type ColumnMap = Record<ColumnKey, string | null>;

export const ZEEK_COLUMNS: ColumnMap = Object.fromEntries(COLUMN_KEYS.map((k) => [k, k])) as ColumnMap;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REQUIRED: ColumnKey[] = ['id_orig_h', 'id_resp_h', 'id_resp_p', 'proto'];

/** A columns file (JSON: fact → column name or null) over the Zeek defaults; an error text when invalid. */
export function parseColumnMap(json: unknown): ColumnMap | string {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'the columns file must be a JSON object (fact → column name or null)';
  const out: ColumnMap = { ...ZEEK_COLUMNS };
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (!(COLUMN_KEYS as readonly string[]).includes(k)) return `unknown fact "${k}" (known: ${COLUMN_KEYS.join(', ')})`;
    if (v !== null && (typeof v !== 'string' || !IDENT.test(v))) return `column for "${k}" must be an identifier ([A-Za-z_][A-Za-z0-9_]*) or null`;
    out[k as ColumnKey] = v as string | null;
  }
  for (const k of REQUIRED) if (out[k] === null) return `the table needs a column for "${k}"`;
  return out;
}

/** Inventory address intervals: IPv4 as numbers, IPv6 as 32 hex digits (inclusive). */
export interface AddressScope {
  v4: [number, number][];
  v6: [string, string][];
}

export interface QueryOptions {
  database: string;
  table: string;
  columns: ColumnMap;
  serverPorts: ServerPorts;
  /** Null: every row (scope all). */
  scope: AddressScope | null;
  /** Epoch seconds. */
  since?: number;
  until?: number;
}

const q = (name: string): string => {
  if (!IDENT.test(name)) throw new Error(`not an identifier: ${name}`);
  return `\`${name}\``;
};

/** Port-bitmap → `(p BETWEEN a AND b OR …)` over ranges. */
function portTest(col: string, bitmap: Uint8Array): string {
  const parts: string[] = [];
  for (let p = 0; p < 65536; p++) {
    if (!bitmap[p]) continue;
    let e = p;
    while (e + 1 < 65536 && bitmap[e + 1]) e++;
    parts.push(p === e ? `${col} = ${p}` : `${col} BETWEEN ${p} AND ${e}`);
    p = e;
  }
  return parts.length > 0 ? `(${parts.join(' OR ')})` : '0';
}

function scopeTest(c: ColumnMap, s: AddressScope): string {
  const one = (col: string): string[] => [
    ...s.v4.map(([lo, hi]) => (lo === hi ? `IPv4StringToNum(${col}) = ${lo}` : `IPv4StringToNum(${col}) BETWEEN ${lo} AND ${hi}`)),
    ...s.v6.map(([lo, hi]) => `IPv6StringToNum(${col}) BETWEEN toFixedString(unhex('${lo}'), 16) AND toFixedString(unhex('${hi}'), 16)`),
  ];
  const all = [...one(`toString(${q(c.id_orig_h!)})`), ...one(`toString(${q(c.id_resp_h!)})`)];
  return all.length > 0 ? `(${all.join(' OR ')})` : '0';
}

/** The query text: one row per group, named like conn.log fields plus `n` and `last_start`. */
export function buildQuery(o: QueryOptions): string {
  const c = o.columns;
  const col = (k: ColumnKey, fallback: string): string => (c[k] === null ? fallback : q(c[k]!));
  const proto = `lower(toString(${q(c.proto!)}))`;
  const protoName = `multiIf(${proto} IN ('6', 'tcp'), 'tcp', ${proto} IN ('17', 'udp'), 'udp', ${proto} IN ('1', 'icmp'), 'icmp', ${proto} IN ('58', 'icmp6', 'ipv6-icmp'), 'icmp', ${proto})`;
  const origP = `toUInt16(${q(c.id_orig_p ?? c.id_resp_p!)})`;
  const history = c.history === null ? `''` : `toString(${q(c.history)})`;
  const ts = c.ts === null ? 'toFloat64(0)' : `toFloat64(${q(c.ts)})`;
  // Without a history column orientation goes by server ports only (no SYN, no `^`), as for UDP.
  const exactOrigPort = [
    `pn NOT IN ('tcp', 'udp')`,
    ...(c.history === null ? [] : [`position(hist, '^') > 0`, `(pn = 'tcp' AND NOT startsWith(hist, 'S'))`]),
    `(pn = 'tcp' AND ${portTest('op', o.serverPorts.tcp)})`,
    `(pn = 'udp' AND ${portTest('op', o.serverPorts.udp)})`,
  ].join(' OR ');
  const where: string[] = [];
  if (o.scope) where.push(scopeTest(c, o.scope));
  if (o.since !== undefined && c.ts !== null) where.push(`${ts} >= ${Number(o.since)}`);
  if (o.until !== undefined && c.ts !== null) where.push(`${ts} < ${Number(o.until)}`);
  const zero = 'toUInt64(0)';
  return [
    'SELECT h_o AS id_orig_h, h_r AS id_resp_h, pn AS proto, rp AS id_resp_p, okey AS orig_port_key, st AS conn_state, hist AS history,',
    '  count() AS n, min(op) AS id_orig_p, min(ts_v) AS ts, max(end_v) - min(ts_v) AS duration, max(ts_v) AS last_start,',
    '  sum(opk) AS orig_pkts, sum(rpk) AS resp_pkts, sum(oby) AS orig_ip_bytes, sum(rby) AS resp_ip_bytes',
    'FROM (',
    `  SELECT toString(${q(c.id_orig_h!)}) AS h_o, toString(${q(c.id_resp_h!)}) AS h_r, ${protoName} AS pn,`,
    `    toUInt16(${q(c.id_resp_p!)}) AS rp, ${origP} AS op, ${history} AS hist,`,
    `    ${c.conn_state === null ? `''` : `toString(${q(c.conn_state)})`} AS st,`,
    `    ${ts} AS ts_v, ts_v + ${c.duration === null ? '0' : `ifNull(toFloat64(${q(c.duration)}), 0)`} AS end_v,`,
    `    toUInt64(${col('orig_pkts', zero)}) AS opk, toUInt64(${col('resp_pkts', zero)}) AS rpk,`,
    `    toUInt64(${col('orig_ip_bytes', zero)}) AS oby, toUInt64(${col('resp_ip_bytes', zero)}) AS rby,`,
    `    toInt32(if(${exactOrigPort}, toInt32(op), -1)) AS okey`,
    `  FROM ${q(o.database)}.${q(o.table)}`,
    where.length > 0 ? `  WHERE ${where.join(' AND ')}` : '',
    ')',
    'GROUP BY h_o, h_r, pn, rp, okey, st, hist, opk > 0, rpk > 0',
    'ORDER BY id_orig_h, id_resp_h, proto, id_resp_p, orig_port_key, conn_state, history, orig_pkts, resp_pkts',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
