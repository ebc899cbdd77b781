/**
 * A Suricata eve.json line → FlowRecord, for `event_type: "flow"` only: the final per-flow counts.
 * Other event types (alerts, dns, http, stats, ...) may carry a `flow{}` block with the counts at
 * that moment; they are not connections and are counted as ignored.
 *
 *   src_ip/src_port → dest_ip/dest_port   the flow's direction as Suricata kept it (first packet);
 *   proto                                 TCP, UDP, ICMP, IPv6-ICMP, SCTP or a number;
 *   flow.pkts_toserver / pkts_toclient    packets each way;
 *   flow.bytes_toserver / bytes_toclient  frame bytes each way (basis `frame`, as flowaudit counts);
 *   flow.start / flow.end                 first and last packet;
 *   tcp.tcp_flags_ts / tcp_flags_tc       TCP flags OR-ed per direction (hex) → the engine's state
 *                                         rules (tcpState); without them, flow.state/tcp.state;
 *   icmp_type / icmp_code                 the ICMP type and code.
 */
import { historyOf, type ConnState } from '../flows/conn_state.js';
import { emptyRecord, tcpFlagsEvents, type FlowRecord } from './flow_record.js';
import { parseLogTime } from './log_time.js';

const PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, gre: 47, esp: 50 };

type Obj = Record<string, unknown>;

function num(o: Obj | undefined, k: string): number | null {
  const v = o?.[k];
  if (v === undefined || v === null) return null;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : NaN;
}

export type EveResult = { kind: 'flow'; record: FlowRecord } | { kind: 'ignored'; eventType: string } | { kind: 'bad'; message: string };

export function suricataEveRecord(obj: Obj): EveResult {
  const et = obj.event_type;
  if (typeof et !== 'string') return { kind: 'bad', message: 'no event_type' };
  if (et !== 'flow') return { kind: 'ignored', eventType: et };
  const r = emptyRecord();
  const src = obj.src_ip;
  const dst = obj.dest_ip;
  if (typeof src !== 'string' || typeof dst !== 'string') return { kind: 'bad', message: 'flow event without src_ip / dest_ip' };
  r.orig = src;
  r.resp = dst;
  const p = obj.proto;
  const ipProto = typeof p === 'number' ? p : typeof p === 'string' ? (PROTO[p.toLowerCase()] ?? (/^\d{1,3}$/.test(p) ? Number(p) : undefined)) : undefined;
  if (ipProto === undefined || ipProto > 255) return { kind: 'bad', message: `unknown proto ${JSON.stringify(p ?? null)}` };
  r.ipProto = ipProto;
  if (ipProto === 6 || ipProto === 17) {
    const sp = num(obj, 'src_port');
    const dp = num(obj, 'dest_port');
    if (sp === null || dp === null || Number.isNaN(sp) || Number.isNaN(dp) || sp > 65535 || dp > 65535) {
      return { kind: 'bad', message: 'TCP/UDP flow without valid src_port / dest_port' };
    }
    r.origPort = sp;
    r.respPort = dp;
  } else if (ipProto === 1 || ipProto === 58) {
    r.icmpType = num(obj, 'icmp_type') ?? -1;
    r.icmpCode = num(obj, 'icmp_code') ?? -1;
    if (Number.isNaN(r.icmpType) || Number.isNaN(r.icmpCode)) return { kind: 'bad', message: 'bad icmp_type / icmp_code' };
  }
  const flow = obj.flow as Obj | undefined;
  if (!flow || typeof flow !== 'object') return { kind: 'bad', message: 'flow event without a flow{} block' };
  const counts = [num(flow, 'pkts_toserver'), num(flow, 'pkts_toclient'), num(flow, 'bytes_toserver'), num(flow, 'bytes_toclient')];
  if (counts.some((x) => x === null || Number.isNaN(x))) return { kind: 'bad', message: 'flow{} without pkts_/bytes_toserver / toclient counts' };
  [r.origPkts, r.respPkts, r.origBytes, r.respBytes] = counts as [number, number, number, number];
  r.byteBasis = 'frame';
  r.firstSeen = parseLogTime(flow.start as string | undefined);
  r.lastSeen = parseLogTime(flow.end as string | undefined);
  if (Number.isNaN(r.lastSeen)) r.lastSeen = r.firstSeen;
  if (ipProto === 6) {
    const tcp = obj.tcp as Obj | undefined;
    const ts = hexFlags(tcp?.tcp_flags_ts);
    const tc = hexFlags(tcp?.tcp_flags_tc);
    if (ts !== null && tc !== null) {
      const opener = (ts & 0x02) !== 0 || (tc & 0x02) === 0;
      r.origEvents = tcpFlagsEvents(ts, opener, r.origPkts > 0);
      r.respEvents = tcpFlagsEvents(tc, !opener, r.respPkts > 0);
      r.history = historyOf(r.origEvents, r.respEvents);
    } else {
      r.state = stateWithoutFlags(String(flow.state ?? ''), String(tcp?.state ?? ''), r.respPkts);
    }
  }
  return { kind: 'flow', record: r };
}

function hexFlags(v: unknown): number | null {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{1,2}$/.test(v)) return null;
  return parseInt(v, 16);
}

/** Without per-direction flags: Suricata's flow state (new, established, closed) and TCP state. */
function stateWithoutFlags(flowState: string, tcpStateName: string, respPkts: number): ConnState {
  if (flowState === 'new' || tcpStateName === 'syn_sent') return respPkts > 0 ? 'OTH' : 'S0';
  if (flowState === 'established') return 'S1';
  if (flowState === 'closed' && tcpStateName === 'closed') return 'SF';
  return 'OTH';
}
