/**
 * A Zeek conn.log row (TSV or JSON, any version since Bro 2.0) → FlowRecord.
 *
 *   id.orig_h/p, id.resp_h/p   originator and responder (also src_ip/src_port/dst_ip/dst_port);
 *                              for ICMP orig_p is the type and resp_p the code;
 *   proto, ip_proto            tcp/udp/icmp, or unknown_transport with the number in ip_proto;
 *   ts, duration               first packet, and last = ts + duration;
 *   orig_pkts, resp_pkts       packets each way;
 *   orig_ip_bytes, resp_ip_bytes  IP bytes each way (basis `ip`); without them (unset or no such
 *                              column) orig_bytes/resp_bytes, payload bytes (basis `payload`);
 *   conn_state                 the state (Zeek's own letters, the same the engine uses);
 *   history                    who sent SYN / SYN-ACK / FIN / RST (upper case originator), and `^`
 *                              when Zeek flipped the roles (the first packet came from the responder).
 */
import { CONN_STATES, type ConnState } from '../flows/conn_state.js';
import { emptyRecord, historyEvents, type FlowRecord } from './flow_record.js';
import { parseLogTime, parseSeconds } from './log_time.js';
import type { ZeekRow } from './zeek_row.js';

const PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

function count(row: ZeekRow, name: string): number | null {
  const v = row.get(name);
  if (v === null || v === '') return null;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : NaN;
}

export function zeekConnRecord(row: ZeekRow): FlowRecord | string {
  const r = emptyRecord();
  const orig = row.get('id.orig_h');
  const resp = row.get('id.resp_h');
  if (orig === null || resp === null) return 'no id.orig_h / id.resp_h';
  r.orig = orig;
  r.resp = resp;
  const proto = row.get('proto');
  let ipProto = proto === null ? undefined : PROTO[proto.toLowerCase()];
  const ipProtoField = count(row, 'ip_proto');
  if (ipProtoField !== null && !Number.isNaN(ipProtoField) && ipProtoField <= 255) ipProto = ipProtoField;
  if (ipProto === undefined) return `unknown proto "${proto ?? '-'}"`;
  if (ipProto === 1 && orig.includes(':')) ipProto = 58; // Zeek logs ICMPv6 as proto icmp
  r.ipProto = ipProto;
  const op = count(row, 'id.orig_p');
  const rp = count(row, 'id.resp_p');
  if (Number.isNaN(op) || Number.isNaN(rp) || (op ?? 0) > 65535 || (rp ?? 0) > 65535) return 'bad port';
  if (ipProto === 1 || ipProto === 58) {
    r.icmpType = op ?? -1;
    r.icmpCode = rp ?? -1;
  } else {
    r.origPort = op ?? 0;
    r.respPort = rp ?? 0;
  }
  const tsText = row.get('ts');
  r.firstSeen = parseLogTime(tsText);
  const dur = parseSeconds(row.get('duration'));
  r.lastSeen = Number.isNaN(dur) ? r.firstSeen : r.firstSeen + dur;
  const pk = [count(row, 'orig_pkts'), count(row, 'resp_pkts')];
  if (pk.some((x) => Number.isNaN(x))) return 'bad orig_pkts / resp_pkts';
  r.origPkts = pk[0] ?? 0;
  r.respPkts = pk[1] ?? 0;
  const ipb = [count(row, 'orig_ip_bytes'), count(row, 'resp_ip_bytes')];
  if (ipb[0] !== null && ipb[1] !== null) {
    if (ipb.some((x) => Number.isNaN(x))) return 'bad orig_ip_bytes / resp_ip_bytes';
    r.origBytes = ipb[0]!;
    r.respBytes = ipb[1]!;
    r.byteBasis = 'ip';
  } else {
    const pb = [count(row, 'orig_bytes'), count(row, 'resp_bytes')];
    if (pb.some((x) => Number.isNaN(x))) return 'bad orig_bytes / resp_bytes';
    r.origBytes = pb[0] ?? 0;
    r.respBytes = pb[1] ?? 0;
    r.byteBasis = 'payload';
  }
  const st = row.get('conn_state');
  r.state = st !== null && (CONN_STATES as readonly string[]).includes(st) ? (st as ConnState) : null;
  const history = row.get('history');
  if (history !== null) {
    r.history = history;
    r.respSentFirst = history.includes('^');
    const [o, s] = historyEvents(history);
    r.origEvents = o;
    r.respEvents = s;
  }
  const uid = row.get('uid');
  if (uid !== null) r.uid = uid;
  return r;
}

/** Time text of a row when it could not be read (for the "time unknown" count), else null. */
export function unreadableTime(row: ZeekRow, r: FlowRecord): string | null {
  return Number.isNaN(r.firstSeen) ? (row.get('ts') ?? '-') : null;
}
