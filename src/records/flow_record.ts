/**
 * One connection as a flow log states it, before orientation: the log's originator ("orig") and
 * responder ("resp"), counts each way, times, and what the log says about TCP (Zeek conn_state and
 * history letters, or Suricata's per-direction TCP flags). Every record source fills this; then
 * `orientRecord` turns it into the same connection facts the packet engine produces.
 */
import type { ConnState } from '../flows/conn_state.js';
import { EV_ACK, EV_ANY, EV_DATA, EV_FIN, EV_RST, EV_SYN, EV_SYNACK } from '../flows/conn_state.js';
import type { DirectionBy } from '../flows/direction.js';
import type { Outcome } from '../flows/conn_state.js';
import type { ByteBasis } from '../inputs/record_input.js';

export interface FlowRecord {
  ipProto: number;
  orig: string;
  origPort: number;
  resp: string;
  respPort: number;
  origPkts: number;
  respPkts: number;
  origBytes: number;
  respBytes: number;
  byteBasis: ByteBasis;
  /** µs since the epoch; NaN when the log's time is unreadable (masked, unset). */
  firstSeen: number;
  lastSeen: number;
  /** The log's own state (Zeek conn_state), or null: then derived from `events` like the engine does. */
  state: ConnState | null;
  /** Event bits (EV_*) each side sent, from Zeek history letters or Suricata TCP flags; null if unknown. */
  origEvents: number | null;
  respEvents: number | null;
  /** The first packet came from the responder (Zeek history `^`: Zeek flipped the roles). */
  respSentFirst: boolean;
  /** Zeek-style history letters as logged (kept for `flows`), '' when unset. */
  history: string;
  /** ICMP type/code (Zeek orig_p/resp_p, Suricata icmp_type/icmp_code), -1 otherwise. */
  icmpType: number;
  icmpCode: number;
  /**
   * Already oriented client → server (flowaudit's own `flows` lines): kept as written, with the
   * direction rule and outcome the writer recorded.
   */
  oriented?: { directionBy: DirectionBy; outcome: Outcome };
  /** Zeek uid (joins ssl.log), when the log has one. */
  uid?: string;
  /** TLS SNI / HTTP Host the client sent, when the log carries them (flowaudit flows lines). */
  sni?: string;
  httpHost?: string;
}

export function emptyRecord(): FlowRecord {
  return {
    ipProto: 0, orig: '', origPort: 0, resp: '', respPort: 0, origPkts: 0, respPkts: 0, origBytes: 0, respBytes: 0,
    byteBasis: 'frame', firstSeen: NaN, lastSeen: NaN, state: null, origEvents: null, respEvents: null,
    respSentFirst: false, history: '', icmpType: -1, icmpCode: -1,
  };
}

/**
 * Zeek history letters → event bits per side (upper case: originator, lower: responder).
 * S SYN, H SYN-ACK, A ACK, D data, F FIN, R RST; other letters (C bad checksum, G gap,
 * I inconsistent, Q multi-flag, T retransmission, W zero window, ^ flipped) say the side sent
 * something. Returns [orig, resp].
 */
export function historyEvents(history: string): [number, number] {
  let o = 0;
  let r = 0;
  for (let i = 0; i < history.length; i++) {
    const ch = history[i]!;
    if (ch === '^') continue;
    const lower = ch.toLowerCase();
    const isOrig = ch !== lower;
    let bit = EV_ANY;
    switch (lower) {
      case 's': bit |= EV_SYN; break;
      case 'h': bit |= EV_SYNACK; break;
      case 'a': bit |= EV_ACK; break;
      case 'd': bit |= EV_DATA; break;
      case 'f': bit |= EV_FIN; break;
      case 'r': bit |= EV_RST; break;
      default:
        if (!/[a-z]/.test(lower)) continue;
    }
    if (isOrig) o |= bit;
    else r |= bit;
  }
  return [o, r];
}

/**
 * TCP flags OR-ed over one direction (Suricata tcp_flags_ts / tcp_flags_tc) → event bits.
 * `opener`: this side sent the connection's SYN (the to-server side when it has SYN), so its SYN
 * counts as a SYN; the other side's SYN with ACK counts as a SYN-ACK. Any packet sent sets EV_ANY;
 * PSH stands for data (flags alone cannot say whether a segment carried payload).
 */
export function tcpFlagsEvents(flags: number, opener: boolean, sentPackets: boolean): number {
  let ev = sentPackets || flags !== 0 ? EV_ANY : 0;
  if (flags & 0x02) ev |= opener || !(flags & 0x10) ? EV_SYN : EV_SYNACK;
  if (flags & 0x10) ev |= EV_ACK;
  if (flags & 0x08) ev |= EV_DATA;
  if (flags & 0x01) ev |= EV_FIN;
  if (flags & 0x04) ev |= EV_RST;
  return ev;
}

/** The same state seen from the other side (used when orientation swaps a record's ends). */
const MIRRORED: Partial<Record<ConnState, ConnState>> = {
  SH: 'SHR', SHR: 'SH', S2: 'S3', S3: 'S2', RSTO: 'RSTR', RSTR: 'RSTO', RSTOS0: 'RSTRH', RSTRH: 'RSTOS0',
  // An attempt with no reply, turned round, is a responder talking to a silent client: partial.
  S0: 'OTH',
};

export function mirrorState(s: ConnState): ConnState {
  return MIRRORED[s] ?? s;
}
