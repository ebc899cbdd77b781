/**
 * Orientation of a flow record: the one direction function of the packet engine
 * (flows/direction.ts, inferDirection), fed with the evidence a record carries, so a record and
 * the packets it summarises get the same client and server.
 *
 *   endpoint A     the first packet's sender: the log's originator, or its responder when Zeek's
 *                  history has `^` (Zeek flipped the roles because the first packet looked like a reply);
 *   syn / syn-ack  who sent the SYN and the SYN-ACK (Zeek history S/s, H/h; Suricata TCP flags);
 *   server-port    the same likely-server-port table the engine uses (matrix ports included);
 *   icmp-type      an ICMP echo reply's sender is the responder;
 *   first-packet   otherwise endpoint A is the client.
 *
 * So the log's originator is the client unless that evidence says otherwise (a record of a
 * connection whose SYN was missed, logged from a server's port, turns round like the engine's).
 * Then state and outcome follow the chosen ends: Zeek's conn_state is kept (mirrored when the ends
 * swap); without one, the engine's own tcpState() runs over the record's event bits; datagram
 * flows are answered (SF) when the server sent anything, as in the engine.
 */
import { EV_ANY, EV_SYN, EV_SYNACK, datagramState, outcomeOf, tcpState, type ConnState, type Outcome } from '../flows/conn_state.js';
import { inferDirection, type DirectionBy, type ServerPorts } from '../flows/direction.js';
import { mirrorState, type FlowRecord } from './flow_record.js';

export interface Oriented {
  /** True when the client is the record's responder. */
  swapped: boolean;
  by: DirectionBy;
  state: ConnState;
  outcome: Outcome;
  /** History letters with upper case = client (the log's letters, case-swapped when the ends swap). */
  history: string;
}

export function orientRecord(r: FlowRecord, serverPorts: ServerPorts): Oriented {
  if (r.oriented) {
    return { swapped: false, by: r.oriented.directionBy, state: r.state ?? 'OTH', outcome: r.oriented.outcome, history: r.history };
  }
  const isTcp = r.ipProto === 6;
  const hasPorts = isTcp || r.ipProto === 17;
  // A: the first packet's sender. In A/B terms, 1 = A, 2 = B.
  const aIsOrig = !r.respSentFirst;
  const side = (isOrig: boolean): 1 | 2 => (isOrig === aIsOrig ? 1 : 2);
  const oe = r.origEvents ?? 0;
  const re = r.respEvents ?? 0;
  const synFrom = oe & EV_SYN ? side(true) : re & EV_SYN ? side(false) : 0;
  const synAckFrom = re & EV_SYNACK ? side(false) : oe & EV_SYNACK ? side(true) : 0;
  const dir = inferDirection(
    {
      isTcp,
      synFrom,
      synAckFrom,
      portA: aIsOrig ? r.origPort : r.respPort,
      portB: aIsOrig ? r.respPort : r.origPort,
      hasPorts,
      icmpTypeA: aIsOrig ? r.icmpType : -1,
    },
    serverPorts,
  );
  const clientIsA = !dir.flipped;
  const swapped = clientIsA !== aIsOrig;
  const evC = swapped ? r.respEvents : r.origEvents;
  const evS = swapped ? r.origEvents : r.respEvents;
  const pktsS = swapped ? r.origPkts : r.respPkts;
  const bytesC = swapped ? r.respBytes : r.origBytes;
  const bytesS = swapped ? r.origBytes : r.respBytes;
  let state: ConnState;
  let outcome: Outcome;
  if (isTcp) {
    if (r.state !== null) state = swapped ? mirrorState(r.state) : r.state;
    else if (evC !== null && evS !== null) state = tcpState(evC, evS, bytesC, bytesS);
    else state = 'OTH';
    if (evS !== null && (evS !== 0 || pktsS === 0)) outcome = outcomeOf(true, state, evS);
    else outcome = outcomeFromState(state, pktsS);
  } else {
    const serverSent = pktsS > 0 || ((evS ?? 0) & EV_ANY) !== 0;
    state = datagramState(serverSent ? EV_ANY : 0);
    outcome = serverSent ? 'answered' : 'unanswered';
  }
  return { swapped, by: dir.by, state, outcome, history: swapped ? swapCase(r.history) : r.history };
}

/** Outcome of a TCP connection known only by its state (no history, no flags). */
function outcomeFromState(state: ConnState, serverPkts: number): Outcome {
  switch (state) {
    case 'REJ':
      return 'refused';
    case 'S0':
    case 'SH':
    case 'RSTOS0':
      return 'unanswered';
    case 'OTH':
      return serverPkts > 0 ? 'answered' : 'unanswered';
    default:
      return 'answered';
  }
}

function swapCase(s: string): string {
  let out = '';
  for (const ch of s) {
    const l = ch.toLowerCase();
    out += ch === l ? ch.toUpperCase() : l;
  }
  return out;
}
