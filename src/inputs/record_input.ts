/**
 * Facts about an input that is a flow log (records, not packets): which format, what its byte
 * counts mean, what it could not carry. Written by src/records, read by the audit and the reports.
 * Defined here (facts), not in records/, so flows/ and audit/ need nothing from records/.
 */

/**
 * What a byte count counts:
 *   frame    whole link-layer frames, as captured (flowaudit's own counts, Suricata bytes_to*);
 *   ip       IP packets from the IP header on (Zeek orig_ip_bytes / resp_ip_bytes);
 *   payload  transport payload only (Zeek orig_bytes / resp_bytes, from TCP sequence numbers).
 */
export type ByteBasis = 'frame' | 'ip' | 'payload';

export const BYTE_BASIS_TEXT: Record<ByteBasis | 'mixed', string> = {
  frame: 'frame bytes (link layer included)',
  ip: 'IP bytes (from the IP header on)',
  payload: 'payload bytes (transport payload only)',
  mixed: 'mixed bases (frame, IP or payload bytes: totals add unlike counts)',
};

export type RecordLogFormat =
  | 'zeek-conn-tsv'
  | 'zeek-conn-json'
  | 'zeek-ssl'
  | 'zeek-dns'
  | 'suricata-eve'
  | 'flowaudit-flows'
  | 'nfdump'
  | 'clickhouse';

/**
 * Facts a packet capture yields and a flow record cannot carry. Reported as unavailable (not
 * looked for), never as absent (looked for and not there).
 */
export type UnavailableFact = 'tls-sni' | 'http-host' | 'dns-answers' | 'epm-handouts' | 'icmp-quotes' | 'tcp-state';

export const UNAVAILABLE_TEXT: Record<UnavailableFact, string> = {
  'tls-sni': 'TLS server names (SNI)',
  'http-host': 'HTTP Host names',
  'dns-answers': 'DNS answers',
  'epm-handouts': 'endpoint-mapper (RPC) port hand-outs',
  'icmp-quotes': 'ICMP errors tied to the connection they answer',
  'tcp-state': 'TCP connection states (NetFlow keeps flags of both directions together: outcomes come from packet counts, and a one-packet RST reply is taken as a refusal)',
};

/** One problem line of a flow log, for messages: `path:line: message`. */
export interface RecordProblem {
  line: number;
  message: string;
}

export interface RecordInputInfo {
  /** Data lines read (records, comments and headers excluded). */
  lines: number;
  /** Connections taken from this log. */
  connections: number;
  /** Lines that could not be read as a record: counted, skipped, never fatal. */
  malformed: number;
  /** The first few malformed lines (line number and why). */
  problems: RecordProblem[];
  /** Records read but not used, by kind (e.g. `eve event_type dns`: 13). */
  ignored: Record<string, number>;
  /** Records whose time could not be read (e.g. masked `XXXXXXXXXX.XXXXXX`): kept, time unknown. */
  untimed: number;
  /** Zeek ssl.log / dns.log read with this conn.log for names (paths). */
  companions: string[];
  /** What this log cannot tell (see UnavailableFact). */
  unavailable: UnavailableFact[];
  /** A query input (ClickHouse): what ran, where, and the hash of what came back (verify re-runs it). */
  query?: QueryEvidence;
}

/**
 * A query input's evidence as one line, the same in every report format (not a warning: it is what
 * the report's facts came from): where, which server, how many rows in how many tuples, the hash of
 * the tuples received, and the SQL (whitespace folded).
 */
export function queryEvidenceText(q: QueryEvidence): string {
  return `query: ${q.source}, ClickHouse server ${q.serverVersion}, ${q.rows} rows in ${q.tuples} tuples, tuples sha256 ${q.tuplesSha256}; SQL: ${q.sql.replace(/\s+/g, ' ').trim()}`;
}

export interface QueryEvidence {
  /** The source without its password, e.g. clickhouse://127.0.0.1:8123/flows.conn. */
  source: string;
  sql: string;
  serverVersion: string;
  /** Groups (tuples) returned, and the connections (rows) they stand for. */
  tuples: number;
  rows: number;
  /** SHA-256 of the returned tuples as received (one JSON line each, in the query's order). */
  tuplesSha256: string;
}
