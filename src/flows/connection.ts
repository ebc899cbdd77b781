/**
 * Connection records: the facts about one conversation, oriented client → server. Materialised
 * once, after ingest, from the connection table's typed arrays (one object per connection, never
 * per packet). This is what `flowaudit flows` prints and what the audit classifies.
 */
import { formatAddress } from '../decode/address.js';
import { ipProtocolName } from '../decode/enums.js';
import { datagramState, historyOf, outcomeOf, tcpState, type ConnState, type Outcome } from './conn_state.js';
import type { ConnectionTable } from './connection_table.js';
import { inferDirection, type DirectionBy, type ServerPorts } from './direction.js';

export interface Connection {
  /** Order of first packet (0-based), stable for a given input. */
  id: number;
  /** 'tcp', 'udp', 'icmp', 'icmpv6', or the IP protocol's name / number. */
  protocol: string;
  ipProto: number;
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  /** The same addresses as 4×uint32 (IPv4-mapped for IPv4), for inventory lookups. */
  clientAddr: Uint32Array;
  serverAddr: Uint32Array;
  packets: number;
  bytes: number;
  packetsToServer: number;
  packetsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  /** µs since the Unix epoch. */
  firstSeen: number;
  lastSeen: number;
  state: ConnState;
  outcome: Outcome;
  directionBy: DirectionBy;
  /** Zeek-style event letters (a set: upper = client, lower = server). */
  history: string;
  /** ICMP type/code of the first packet; -1 when not ICMP. */
  icmpType: number;
  icmpCode: number;
}

export function protocolLabel(ipProto: number): string {
  switch (ipProto) {
    case 6:
      return 'tcp';
    case 17:
      return 'udp';
    case 1:
      return 'icmp';
    case 58:
      return 'icmpv6';
    default:
      return ipProtocolName(ipProto).toLowerCase();
  }
}

/**
 * Formats addresses once per distinct address: a capture has far fewer hosts than connections,
 * and IPv4 (the common case) is keyed by its 32-bit value.
 */
export class AddressNames {
  private readonly v4 = new Map<number, string>();
  format(w: Uint32Array): string {
    if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) {
      const k = w[3]!;
      let s = this.v4.get(k);
      if (s === undefined) {
        s = formatAddress(w);
        this.v4.set(k, s);
      }
      return s;
    }
    return formatAddress(w);
  }
}

/** Orient and describe connection `id` of the table. */
export function connectionAt(t: ConnectionTable, id: number, serverPorts: ServerPorts, names = new AddressNames()): Connection {
  const proto = t.proto[id]!;
  const isTcp = proto === 6;
  const hasPorts = isTcp || proto === 17;
  const hs = t.handshake[id]!;
  const dirn = inferDirection(
    {
      isTcp,
      synFrom: (hs & 0x0f) as 0 | 1 | 2,
      synAckFrom: (hs >> 4) as 0 | 1 | 2,
      portA: t.portA[id]!,
      portB: t.portB[id]!,
      hasPorts,
      icmpTypeA: t.icmpType[id]!,
    },
    serverPorts,
  );
  const c = dirn.flipped ? 1 : 0; // index offset of the client side: 0 = A, 1 = B
  const s = 1 - c;
  const o = id << 3;
  const aAddr = t.addr.slice(o, o + 4); // copies: the table's arrays are replaced when it grows
  const bAddr = t.addr.slice(o + 4, o + 8);
  const clientAddr = c === 0 ? aAddr : bAddr;
  const serverAddr = c === 0 ? bAddr : aAddr;
  const evC = t.events[(id << 1) | c]!;
  const evS = t.events[(id << 1) | s]!;
  const bytesC = t.bytes[(id << 1) | c]!;
  const bytesS = t.bytes[(id << 1) | s]!;
  const state = isTcp ? tcpState(evC, evS, bytesC, bytesS) : datagramState(evS);
  return {
    id,
    protocol: protocolLabel(proto),
    ipProto: proto,
    client: names.format(clientAddr),
    clientPort: c === 0 ? t.portA[id]! : t.portB[id]!,
    server: names.format(serverAddr),
    serverPort: c === 0 ? t.portB[id]! : t.portA[id]!,
    clientAddr,
    serverAddr,
    packets: t.packets[id << 1]! + t.packets[(id << 1) | 1]!,
    bytes: t.bytes[id << 1]! + t.bytes[(id << 1) | 1]!,
    packetsToServer: t.packets[(id << 1) | c]!,
    packetsToClient: t.packets[(id << 1) | s]!,
    bytesToServer: bytesC,
    bytesToClient: bytesS,
    firstSeen: t.firstTs[id]!,
    lastSeen: t.lastTs[id]!,
    state,
    outcome: outcomeOf(isTcp, state, evS),
    directionBy: dirn.by,
    history: historyOf(evC, evS),
    icmpType: t.icmpType[id]!,
    icmpCode: t.icmpCode[id]!,
  };
}

/** All connections, in order of first packet. */
export function allConnections(t: ConnectionTable, serverPorts: ServerPorts): Connection[] {
  const out: Connection[] = new Array(t.size);
  const names = new AddressNames();
  for (let id = 0; id < t.size; id++) out[id] = connectionAt(t, id, serverPorts, names);
  return out;
}
