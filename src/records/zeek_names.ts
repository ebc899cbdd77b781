/**
 * Names from Zeek's ssl.log and dns.log, read next to a conn.log so host-name roles still work from
 * Zeek logs: ssl.log `server_name` is the TLS SNI of the connection with the same uid and 5-tuple;
 * dns.log `answers` give addresses the name in `query` (and the CNAMEs on the way) with `TTLs`.
 * Facts only, in the engine's own shapes (flows/hints.ts): which role a name gives is policy.
 */
import { parseAddressWords } from '../ip_text.js';
import type { DnsNameFact } from '../flows/hints.js';
import { parseLogTime } from './log_time.js';
import type { ZeekRow } from './zeek_row.js';

/** Key joining an ssl.log row to its conn.log row (uids alone repeat across unrelated logs). */
export function connKey(uid: string, orig: string, origPort: number, resp: string, respPort: number): string {
  return `${uid}|${orig}|${origPort}|${resp}|${respPort}`;
}

export interface SslName {
  key: string;
  serverName: string;
}

export function zeekSslName(row: ZeekRow): SslName | null | string {
  const uid = row.get('uid');
  const o = row.get('id.orig_h');
  const r = row.get('id.resp_h');
  if (uid === null || o === null || r === null) return 'no uid / id.orig_h / id.resp_h';
  const name = row.get('server_name');
  if (name === null || name === '') return null;
  return { key: connKey(uid, o, Number(row.get('id.orig_p')), r, Number(row.get('id.resp_p'))), serverName: name };
}

export interface DnsAnswer {
  address: string;
  fact: DnsNameFact;
}

const w = new Uint32Array(4);

/** Address answers of one dns.log row, each named by the query and the CNAMEs before it. */
export function zeekDnsAnswers(row: ZeekRow): DnsAnswer[] | string {
  const query = row.get('query');
  const answers = row.list('answers');
  if (query === null || answers === null || answers.length === 0) return [];
  const client = row.get('id.orig_h');
  const resolver = row.get('id.resp_h');
  if (client === null || resolver === null) return 'no id.orig_h / id.resp_h';
  const ttls = (row.list('TTLs') ?? []).map(Number).filter((n) => Number.isFinite(n) && n >= 0);
  const ttl = ttls.length > 0 ? Math.round(Math.min(...ttls)) : 0;
  const ts = parseLogTime(row.get('ts'));
  const names = [query.toLowerCase()];
  const out: DnsAnswer[] = [];
  for (const a of answers) {
    if (parseAddressWords(a, w)) out.push({ address: a, fact: { name: '', ttl, ts, client, resolver } });
    else if (/^[A-Za-z0-9_.-]+$/.test(a) && !names.includes(a.toLowerCase())) names.push(a.toLowerCase());
  }
  // Every name on the chain names each address (as the engine's addressAnswers does for CNAMEs).
  return out.flatMap((x) => names.map((name) => ({ address: x.address, fact: { ...x.fact, name } })));
}
