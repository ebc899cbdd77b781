/**
 * A line of flowaudit's own `flows` JSON Lines output → FlowRecord, kept as written: the writer
 * already oriented it client → server (so its directionBy, state and outcome are facts, not
 * re-derived). Sensors ship these lines; a central audit reads them like a capture.
 * Byte counts are frame bytes unless the line says otherwise (`byteBasis`, written since issue 11).
 */
import { CONN_STATES, type ConnState, type Outcome } from '../flows/conn_state.js';
import { protocolLabel } from '../flows/connection.js';
import type { DirectionBy } from '../flows/direction.js';
import type { ByteBasis } from '../inputs/record_input.js';
import { emptyRecord, historyEvents, type FlowRecord } from './flow_record.js';
import { parseLogTime } from './log_time.js';

const OUTCOMES = ['answered', 'refused', 'unanswered'];
const DIRECTION_BYS = ['syn', 'syn-ack', 'server-port', 'icmp-type', 'first-packet'];
const BASES = ['frame', 'ip', 'payload'];

/** Fields that mark a line as flowaudit's own (sniffing). */
export const FLOWAUDIT_FLOW_KEYS = ['protocol', 'client', 'clientPort', 'server', 'serverPort', 'state', 'outcome'] as const;

let labels: Map<string, number> | null = null;
function ipProtoOf(label: string): number | undefined {
  if (labels === null) {
    labels = new Map();
    for (let n = 255; n >= 0; n--) labels.set(protocolLabel(n), n);
  }
  return labels.get(label);
}

function count(o: Record<string, unknown>, k: string, max = Number.MAX_SAFE_INTEGER): number | null {
  const v = o[k];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : null;
}

export function flowauditFlowRecord(o: Record<string, unknown>): FlowRecord | string {
  const r = emptyRecord();
  const proto = typeof o.protocol === 'string' ? ipProtoOf(o.protocol) : undefined;
  if (proto === undefined) return `unknown protocol ${JSON.stringify(o.protocol ?? null)}`;
  r.ipProto = proto;
  if (typeof o.client !== 'string' || typeof o.server !== 'string') return 'no client / server';
  r.orig = o.client;
  r.resp = o.server;
  const cp = count(o, 'clientPort', 65535);
  const sp = count(o, 'serverPort', 65535);
  if (cp === null || sp === null) return 'bad clientPort / serverPort';
  r.origPort = cp;
  r.respPort = sp;
  const n = ['packetsToServer', 'packetsToClient', 'bytesToServer', 'bytesToClient'].map((k) => count(o, k));
  if (n.some((x) => x === null)) return 'bad packetsToServer / packetsToClient / bytesToServer / bytesToClient';
  [r.origPkts, r.respPkts, r.origBytes, r.respBytes] = n as [number, number, number, number];
  const basis = o.byteBasis;
  if (basis !== undefined && !BASES.includes(String(basis))) return `unknown byteBasis ${JSON.stringify(basis)}`;
  r.byteBasis = (basis ?? 'frame') as ByteBasis;
  r.firstSeen = parseLogTime(typeof o.firstSeen === 'string' ? o.firstSeen : null);
  r.lastSeen = parseLogTime(typeof o.lastSeen === 'string' ? o.lastSeen : null);
  if (!(CONN_STATES as readonly string[]).includes(String(o.state))) return `unknown state ${JSON.stringify(o.state ?? null)}`;
  r.state = o.state as ConnState;
  if (!OUTCOMES.includes(String(o.outcome))) return `unknown outcome ${JSON.stringify(o.outcome ?? null)}`;
  const by = DIRECTION_BYS.includes(String(o.directionBy)) ? (o.directionBy as DirectionBy) : 'first-packet';
  r.oriented = { directionBy: by, outcome: o.outcome as Outcome };
  if (typeof o.history === 'string') {
    r.history = o.history;
    [r.origEvents, r.respEvents] = historyEvents(o.history);
  }
  if (typeof o.sni === 'string' && o.sni !== '') r.sni = o.sni;
  if (typeof o.httpHost === 'string' && o.httpHost !== '') r.httpHost = o.httpHost;
  const it = o.icmpType;
  const ic = o.icmpCode;
  if (typeof it === 'number' && Number.isInteger(it)) r.icmpType = it;
  if (typeof ic === 'number' && Number.isInteger(ic)) r.icmpCode = ic;
  return r;
}
