/**
 * Connection states, as Zeek's conn.log defines them (base/protocols/conn/main.zeek), derived
 * here from the per-endpoint event bits the connection table records. "Orig" is the initiator
 * decided by inferDirection(); "resp" the other side.
 *
 *   S0      Connection attempt seen, no reply.
 *   S1      Connection established, not terminated (no FIN/RST seen).
 *   SF      Normal establishment and termination (both sides sent FIN). For UDP: answered.
 *   REJ     Connection attempt rejected: the responder answered the SYN with a RST.
 *   S2      Established, the originator sent a FIN, nothing closing from the responder.
 *   S3      Established, the responder sent a FIN, nothing closing from the originator.
 *   RSTO    Established, the originator aborted (sent a RST).
 *   RSTR    Established, the responder sent a RST.
 *   RSTOS0  The originator sent a SYN then a RST; no SYN-ACK from the responder.
 *   RSTRH   The responder sent a SYN-ACK then a RST; no SYN from the originator seen.
 *   SH      The originator sent a SYN then a FIN; no SYN-ACK from the responder ("half open").
 *   SHR     The responder sent a SYN-ACK then a FIN; no SYN from the originator seen.
 *   OTH     No SYN seen, just midstream traffic (a partial connection that was not closed).
 *
 * For UDP (and other protocols without a handshake) only S0 (one side only) and SF (both sides)
 * are used, which is what "answered" means for a datagram flow.
 *
 * Limitation (documented in the README): the table keeps which events each side sent, not their
 * order, so sequences that Zeek tells apart only by order (e.g. a RST before or after data) are
 * classified by the set of events.
 */

/** Per-endpoint event bits, set by the connection table for the packets that endpoint sent. */
export const EV_SYN = 0x01; // SYN without ACK
export const EV_SYNACK = 0x02; // SYN with ACK
export const EV_ACK = 0x04; // ACK without SYN/RST (includes FIN+ACK and data packets)
export const EV_DATA = 0x08; // non-empty TCP payload / any UDP or other datagram
export const EV_FIN = 0x10;
export const EV_RST = 0x20;
export const EV_ANY = 0x40; // sent at least one packet

export type ConnState =
  | 'S0'
  | 'S1'
  | 'SF'
  | 'REJ'
  | 'S2'
  | 'S3'
  | 'RSTO'
  | 'RSTR'
  | 'RSTOS0'
  | 'RSTRH'
  | 'SH'
  | 'SHR'
  | 'OTH';

export const CONN_STATES: readonly ConnState[] = [
  'S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH',
];

/** What happened to the attempt, in an admin's words; drives observed/failed in the audit. */
export type Outcome = 'answered' | 'refused' | 'unanswered';

const enum Ep {
  Inactive,
  SynSent,
  SynAckSent,
  Partial, // traffic without a SYN seen from this side
  Established,
  Closed,
  Reset,
}

function endpoint(bits: number, isOrig: boolean): Ep {
  if (bits & EV_RST) return Ep.Reset;
  if (bits & EV_FIN) return Ep.Closed;
  const opened = isOrig ? bits & EV_SYN : bits & EV_SYNACK;
  const talked = bits & (EV_ACK | EV_DATA);
  if (opened && talked) return Ep.Established;
  if (opened) return isOrig ? Ep.SynSent : Ep.SynAckSent;
  if (talked || (bits & EV_ANY)) return Ep.Partial;
  return Ep.Inactive;
}

/** Zeek's conn_state() decision tree over endpoint states (see the table above). */
export function tcpState(orig: number, resp: number, origBytes: number, respBytes: number): ConnState {
  const os = endpoint(orig, true);
  const rs = endpoint(resp, false);
  const oInactive = os === Ep.Inactive || os === Ep.Partial;
  const rInactive = rs === Ep.Inactive || rs === Ep.Partial;
  if (rs === Ep.Reset) {
    if (os === Ep.SynSent || os === Ep.SynAckSent || (os === Ep.Reset && origBytes === 0 && respBytes === 0)) {
      // A responder that also sent a SYN-ACK accepted the connection: that is RSTR, not REJ.
      return resp & EV_SYNACK ? 'RSTR' : 'REJ';
    }
    if (oInactive) return resp & EV_SYNACK ? 'RSTRH' : 'RSTR';
    return 'RSTR';
  }
  if (os === Ep.Reset) {
    if (rInactive) {
      if (orig & EV_SYN && !(orig & (EV_ACK | EV_DATA | EV_FIN))) return 'RSTOS0';
      return 'OTH';
    }
    return 'RSTO';
  }
  if (rs === Ep.Closed && os === Ep.Closed) return 'SF';
  if (os === Ep.Closed) return rInactive ? 'SH' : 'S2';
  if (rs === Ep.Closed) return oInactive ? 'SHR' : 'S3';
  if (os === Ep.SynSent && rs === Ep.Inactive) return 'S0';
  if (os === Ep.Established && rs === Ep.Established) return 'S1';
  if (os === Ep.SynSent && rs === Ep.SynAckSent) return 'S1'; // handshake half seen: established
  if (os === Ep.Established && rs === Ep.SynAckSent) return 'S1';
  return 'OTH';
}

/** UDP and other datagram protocols: answered (SF) or not (S0). */
export function datagramState(resp: number): ConnState {
  return resp & EV_ANY ? 'SF' : 'S0';
}

/**
 * The outcome of a connection attempt. A TCP attempt is answered when the responder sent a
 * SYN-ACK or any non-RST traffic; refused when it answered only with a RST (REJ); unanswered
 * otherwise (S0, RSTOS0, SH). A datagram flow is answered when the responder sent anything.
 */
export function outcomeOf(isTcp: boolean, state: ConnState, resp: number): Outcome {
  if (!isTcp) return resp & EV_ANY ? 'answered' : 'unanswered';
  if (state === 'REJ') return 'refused';
  if (resp & (EV_SYNACK | EV_ACK | EV_DATA | EV_FIN)) return 'answered';
  return 'unanswered';
}

/**
 * Zeek-style history letters from the event bits: upper case for the originator, lower case
 * for the responder (S syn, H syn-ack, A ack, D data, F fin, R rst). A set, not a sequence.
 */
export function historyOf(orig: number, resp: number): string {
  // Event bits are one byte per side: the 65,536 possible histories are made once each, on first
  // use (one string per connection otherwise, for 300k connections at the end of an audit).
  const k = ((orig & 0xff) << 8) | (resp & 0xff);
  return (HISTORY[k] ??= letters(orig).toUpperCase() + letters(resp).toLowerCase());
}

const HISTORY: (string | undefined)[] = [];

function letters(bits: number): string {
  let s = '';
  if (bits & EV_SYN) s += 'S';
  if (bits & EV_SYNACK) s += 'H';
  if (bits & EV_ACK) s += 'A';
  if (bits & EV_DATA) s += 'D';
  if (bits & EV_FIN) s += 'F';
  if (bits & EV_RST) s += 'R';
  return s;
}
