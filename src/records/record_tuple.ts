/**
 * A flow record → the oriented tuple FlowAggregates keeps (client → server, state, outcome), with
 * the same orientation as RecordTable.add (records/orient.ts), so per-row and aggregated audits
 * see the same connections.
 */
import { CONN_STATES } from '../flows/conn_state.js';
import type { ServerPorts } from '../flows/direction.js';
import { parseAddressWords } from '../ip_text.js';
import { BASES, DIRECTION_BYS, OUTCOMES, type FlowTuple } from './flow_aggregate.js';
import type { FlowRecord } from './flow_record.js';
import { orientRecord } from './orient.js';

const origW = new Uint32Array(4);
const respW = new Uint32Array(4);

/**
 * Orient `r` into `t` (reused). The addresses come as words (`orig`, `resp`) when the caller parsed
 * them already (the byte-level reader), else from r.orig / r.resp. Returns an error text when an
 * address does not parse.
 */
export function recordTuple(r: FlowRecord, serverPorts: ServerPorts, t: FlowTuple, orig?: Uint32Array, resp?: Uint32Array): FlowTuple | string {
  if (orig === undefined || resp === undefined) {
    if (!parseAddressWords(r.orig, origW)) return `bad address "${r.orig}"`;
    if (!parseAddressWords(r.resp, respW)) return `bad address "${r.resp}"`;
    orig = origW;
    resp = respW;
  }
  const o = orientRecord(r, serverPorts);
  const s = o.swapped;
  t.ipProto = r.ipProto;
  copy4(t.clientAddr, s ? resp : orig);
  copy4(t.serverAddr, s ? orig : resp);
  const ports = r.ipProto === 6 || r.ipProto === 17;
  t.serverPort = ports ? (s ? r.origPort : r.respPort) : 0;
  t.clientPort = ports ? (s ? r.respPort : r.origPort) : 0;
  t.icmpType = r.icmpType;
  t.icmpCode = r.icmpCode;
  t.state = CONN_STATES.indexOf(o.state);
  t.outcome = OUTCOMES.indexOf(o.outcome);
  t.basis = BASES.indexOf(r.byteBasis);
  t.directionBy = DIRECTION_BYS.indexOf(o.by);
  t.count = 1;
  t.packetsToServer = s ? r.respPkts : r.origPkts;
  t.packetsToClient = s ? r.origPkts : r.respPkts;
  t.bytesToServer = s ? r.respBytes : r.origBytes;
  t.bytesToClient = s ? r.origBytes : r.respBytes;
  t.firstSeen = r.firstSeen;
  t.lastStart = r.firstSeen;
  t.lastSeen = r.lastSeen;
  t.history = o.history;
  return t;
}

/** Four address words (a loop: TypedArray.set costs a native call per row). */
function copy4(to: Uint32Array, from: Uint32Array): void {
  to[0] = from[0]!;
  to[1] = from[1]!;
  to[2] = from[2]!;
  to[3] = from[3]!;
}
