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
import { orientRecord, type Oriented } from './orient.js';
import { EV_SYN, EV_SYNACK } from '../flows/conn_state.js';

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
  const o = orientMemo(r, serverPorts);
  const s = o.swapped;
  t.ipProto = r.ipProto;
  copy4(t.clientAddr, s ? resp : orig);
  copy4(t.serverAddr, s ? orig : resp);
  const ports = r.ipProto === 6 || r.ipProto === 17;
  t.serverPort = ports ? (s ? r.origPort : r.respPort) : 0;
  t.clientPort = ports ? (s ? r.respPort : r.origPort) : 0;
  t.icmpType = r.icmpType;
  t.icmpCode = r.icmpCode;
  t.state = idx.state;
  t.outcome = idx.outcome;
  const b = r.byteBasis;
  t.basis = b === BASES[1] ? 1 : b === BASES[2] ? 2 : BASIS_INDEX.get(b)!;
  t.directionBy = idx.by;
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

const indexOf = <T>(xs: readonly T[]): Map<T, number> => new Map(xs.map((x, i) => [x, i]));
const STATE_INDEX = indexOf(CONN_STATES);
const OUTCOME_INDEX = indexOf(OUTCOMES);
const BASIS_INDEX = indexOf(BASES);
const BY_INDEX = indexOf(DIRECTION_BYS);

/**
 * orientRecord, remembered for the common shape of a log row: TCP with the log's state and a
 * SYN or SYN-ACK in its history. Then the direction comes from the SYN / SYN-ACK alone (never the
 * ports), and the state, outcome and history follow from (state, both sides' event bits, who sent
 * first, which side sent packets): that is the memo's key. A day of AMS traffic has a few dozen such
 * keys, so a row costs one Map lookup instead of the orientation and its objects. Any other record
 * is oriented in full. The history of a swapped record is case-swapped once per distinct history.
 */
interface MemoEntry {
  o: Oriented;
  state: number;
  outcome: number;
  by: number;
}
const memo = new Map<number, MemoEntry>();
/** The indices of the last orientation's state, outcome and direction evidence (set by orientMemo, read by recordTuple). */
const idx = { state: 0, outcome: 0, by: 0 };

function indicesOf(o: Oriented): Oriented {
  idx.state = STATE_INDEX.get(o.state)!;
  idx.outcome = OUTCOME_INDEX.get(o.outcome)!;
  idx.by = BY_INDEX.get(o.by)!;
  return o;
}

const swappedHistory = new Map<string, string>();
const MEMO_MAX = 4096;
const out: Oriented = { swapped: false, by: 'syn', state: 'OTH', outcome: 'answered', history: '' };

function orientMemo(r: FlowRecord, serverPorts: ServerPorts): Oriented {
  const oe = r.origEvents;
  const re = r.respEvents;
  if (r.oriented || r.ipProto !== 6 || r.state === null || oe === null || re === null || ((oe | re) & (EV_SYN | EV_SYNACK)) === 0) {
    return indicesOf(orientRecord(r, serverPorts));
  }
  const key = STATE_INDEX.get(r.state)! | ((oe & 0xff) << 4) | ((re & 0xff) << 12) | (r.respSentFirst ? 1 << 20 : 0) | (r.origPkts > 0 ? 1 << 21 : 0) | (r.respPkts > 0 ? 1 << 22 : 0);
  const m = memo.get(key);
  if (m === undefined) {
    const o = indicesOf(orientRecord(r, serverPorts));
    if (memo.size < MEMO_MAX) memo.set(key, { o: { ...o, history: '' }, ...idx });
    return o;
  }
  const o = m.o;
  idx.state = m.state;
  idx.outcome = m.outcome;
  idx.by = m.by;
  let h = r.history;
  if (o.swapped) {
    const known = swappedHistory.get(h);
    if (known !== undefined) h = known;
    else {
      h = orientRecord(r, serverPorts).history;
      if (swappedHistory.size < MEMO_MAX) swappedHistory.set(r.history, h);
    }
  }
  // One reused result: recordTuple copies what it needs before the next row.
  out.swapped = o.swapped;
  out.by = o.by;
  out.state = o.state;
  out.outcome = o.outcome;
  out.history = h;
  return out;
}
