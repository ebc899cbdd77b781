/**
 * Which flow log a file is, from its first lines (content, never the file name):
 *   Zeek ASCII      a `#separator` header line; `#path` (or, without it, the `#fields`) says conn, ssl or dns;
 *   Zeek JSON       an object with Zeek's fields (`_path`, or uid + id.orig_h + conn_state / server_name / query);
 *   Suricata eve    an object with `event_type`;
 *   flowaudit flows an object with protocol, client, clientPort, server, serverPort, state, outcome.
 * Anything else is not a flow log (the caller tries the capture readers); text that starts like a
 * log (`#` or `{`) but matches none of these gets a clear error instead of "unknown magic".
 */
import type { RecordLogFormat } from '../inputs/record_input.js';
import { FLOWAUDIT_FLOW_KEYS } from './flowaudit_flows.js';
import { flowauditFileKind } from './own_files.js';

export type Sniffed = { format: RecordLogFormat } | { error: string } | null;

const ZEEK_KIND: Record<string, 'conn' | 'ssl' | 'dns'> = { conn: 'conn', ssl: 'ssl', dns: 'dns' };

function kindOfFields(has: (k: string) => boolean): 'conn' | 'ssl' | 'dns' | null {
  if (has('conn_state') || has('orig_pkts') || has('orig_ip_bytes')) return 'conn';
  if (has('server_name') && (has('version') || has('cipher') || has('established'))) return 'ssl';
  if (has('query') && (has('answers') || has('qtype') || has('rcode'))) return 'dns';
  return null;
}

function zeekFormat(kind: 'conn' | 'ssl' | 'dns', json: boolean): RecordLogFormat {
  if (kind === 'conn') return json ? 'zeek-conn-json' : 'zeek-conn-tsv';
  return kind === 'ssl' ? 'zeek-ssl' : 'zeek-dns';
}

export function sniffRecordLog(head: string): Sniffed {
  const lines = head.split('\n', 64).map((l) => l.replace(/\r$/, ''));
  const first = lines.find((l) => l.trim() !== '');
  if (first === undefined) return null;
  if (lines.some((l) => l.startsWith('#separator '))) {
    const path = lines.find((l) => l.startsWith('#path'))?.slice(5).trim();
    const fields = lines.find((l) => l.startsWith('#fields'));
    const names = new Set(fields ? fields.slice(7).trim().split(/\s+/) : []);
    const kind = (path !== undefined ? ZEEK_KIND[path] : undefined) ?? kindOfFields((k) => names.has(k));
    if (kind) return { format: zeekFormat(kind, false) };
    return { error: `a Zeek log, but not conn, ssl or dns (#path ${path ?? 'missing'}): flowaudit reads conn.log (and ssl.log, dns.log for names)` };
  }
  const trimmed = first.trimStart();
  const own = flowauditFileKind(head);
  if (own !== null) return { error: own };
  if (!trimmed.startsWith('{')) return trimmed.startsWith('#') ? { error: 'text starting with "#" but no Zeek #separator header line' } : null;
  let obj: unknown;
  try {
    obj = JSON.parse(firstObject(head.slice(head.indexOf('{'))) ?? trimmed);
  } catch {
    // The first object may be longer than the sniffed head: judge by its start.
    if (/"event_type"\s*:/.test(head)) return { format: 'suricata-eve' };
    return { error: 'line 1 starts like JSON but is not a complete JSON object' };
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { error: 'line 1 is JSON but not an object' };
  const o = obj as Record<string, unknown>;
  if (typeof o.event_type === 'string') return { format: 'suricata-eve' };
  const has = (k: string): boolean => k in o || (k.includes('.') && typeof o[k.split('.')[0]!] === 'object');
  if (typeof o._path === 'string' && ZEEK_KIND[o._path]) return { format: zeekFormat(ZEEK_KIND[o._path]!, true) };
  if (has('uid') && (has('id.orig_h') || has('id_orig_h'))) {
    const kind = kindOfFields(has) ?? (has('proto') ? 'conn' : null);
    if (kind) return { format: zeekFormat(kind, true) };
  }
  if (FLOWAUDIT_FLOW_KEYS.every((k) => k in o)) return { format: 'flowaudit-flows' };
  return {
    error: 'line 1 is a JSON object, but neither a Suricata eve event (event_type), a Zeek conn/ssl/dns record (uid, id.orig_h) nor a flowaudit flows line (protocol, client, server, state)',
  };
}

/**
 * The first complete JSON object of `text` (which starts with `{`), by brace depth outside strings:
 * one per line, several on a line or pretty-printed over many lines alike. Null when it does not end
 * within the text.
 */
function firstObject(text: string): string | null {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return text.slice(0, i + 1);
  }
  return null;
}
