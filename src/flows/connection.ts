/**
 * Connection records: the facts about one conversation, oriented client → server. Materialised
 * once, after ingest, from the connection table's typed arrays (one object per connection, never
 * per packet). This is what `flowaudit flows` prints and what the audit classifies.
 */
import { formatAddress } from '../ip_text.js';
import { ipProtocolName } from '../decode/enums.js';
import { datagramState, historyOf, outcomeOf, tcpState, type ConnState, type Outcome } from './conn_state.js';
import type { ConnectionTable } from './connection_table.js';
import type { ByteBasis } from '../inputs/record_input.js';
import { inferDirection, type DirectionBy, type DirectionEvidence, type ServerPorts } from './direction.js';

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
  /**
   * Aggregates of folded connections only (id < 0): the latest start among the connections folded
   * into it (their earliest start is `firstSeen`). Unset, or stale, for table connections (id >= 0).
   */
  lastStart?: number;
  state: ConnState;
  outcome: Outcome;
  directionBy: DirectionBy;
  /** Zeek-style event letters (a set: upper = client, lower = server). */
  history: string;
  /** ICMP type/code of the first packet; -1 when not ICMP. */
  icmpType: number;
  icmpCode: number;
  /**
   * Connections this record stands for: 1 for a connection of the table; more for an aggregate of
   * idle connections folded together (live capture, see fold.ts), which share everything the audit
   * looks at (protocol, addresses, server port, ICMP type/code, state, outcome). An aggregate's
   * clientPort is 0 and its packets/bytes are sums.
   */
  count: number;
  /** Aggregates only (id < 0): Community IDs of the connections folded into it (a sample, see CommunityIdSample). */
  communityIds?: readonly string[];
  /** What bytes/bytesTo* count; absent means 'frame' (the packet engine). Flow logs set it (record_input.ts). */
  byteBasis?: ByteBasis;
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
const MAX_CACHED_NAMES = 65_536;

export class AddressNames {
  private readonly v4 = new Map<number, string>();
  format(w: Uint32Array): string {
    if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) {
      const k = w[3]! | 0; // as int32: a small-integer key (an address above 2^31 as a double hashes slowly)
      let s = this.v4.get(k);
      if (s === undefined) {
        s = formatAddress(w);
        // Bounded: a flood of spoofed sources must not keep a string per source.
        if (this.v4.size < MAX_CACHED_NAMES) this.v4.set(k, s);
      }
      return s;
    }
    return formatAddress(w);
  }
}

/** A Connection with every field set to a neutral value, to be filled by fillConnection. */
export function emptyConnection(): Connection {
  return {
    id: 0, protocol: '', ipProto: 0, client: '', clientPort: 0, server: '', serverPort: 0,
    clientAddr: new Uint32Array(4), serverAddr: new Uint32Array(4),
    packets: 0, bytes: 0, packetsToServer: 0, packetsToClient: 0, bytesToServer: 0, bytesToClient: 0,
    firstSeen: 0, lastSeen: 0, state: 'OTH', outcome: 'unanswered', directionBy: 'first-packet', history: '',
    icmpType: -1, icmpCode: -1, count: 1,
  };
}

const EVIDENCE: DirectionEvidence = { isTcp: false, synFrom: 0, synAckFrom: 0, portA: 0, portB: 0, hasPorts: false, icmpTypeA: -1 };

/** Orient connection `id` of the table and write its facts into `c` (reused: no allocation but strings). */
export function fillConnection(t: ConnectionTable, id: number, serverPorts: ServerPorts, names: AddressNames, c: Connection): Connection {
  const proto = t.proto[id]!;
  const isTcp = proto === 6;
  const hasPorts = isTcp || proto === 17;
  const hs = t.handshake[id]!;
  const e = EVIDENCE; // reused: inferDirection keeps nothing of it
  e.isTcp = isTcp;
  e.synFrom = (hs & 0x0f) as 0 | 1 | 2;
  e.synAckFrom = (hs >> 4) as 0 | 1 | 2;
  e.portA = t.portA[id]!;
  e.portB = t.portB[id]!;
  e.hasPorts = hasPorts;
  e.icmpTypeA = t.icmpType[id]!;
  const dirn = inferDirection(e, serverPorts);
  const ci = dirn.flipped ? 1 : 0; // which side is the client: 0 = A (first sender), 1 = B
  const si = 1 - ci;
  t.address(id, ci, c.clientAddr);
  t.address(id, si, c.serverAddr);
  const evC = t.events[(id << 1) | ci]!;
  const evS = t.events[(id << 1) | si]!;
  const bytesC = t.bytes[(id << 1) | ci]!;
  const bytesS = t.bytes[(id << 1) | si]!;
  const state = isTcp ? tcpState(evC, evS, bytesC, bytesS) : datagramState(evS);
  c.id = id;
  c.protocol = protocolLabel(proto);
  c.ipProto = proto;
  c.client = names.format(c.clientAddr);
  c.clientPort = ci === 0 ? t.portA[id]! : t.portB[id]!;
  c.server = names.format(c.serverAddr);
  c.serverPort = ci === 0 ? t.portB[id]! : t.portA[id]!;
  c.packetsToServer = t.packetCount((id << 1) | ci);
  c.packetsToClient = t.packetCount((id << 1) | si);
  c.packets = c.packetsToServer + c.packetsToClient;
  c.bytesToServer = bytesC;
  c.bytesToClient = bytesS;
  c.bytes = bytesC + bytesS;
  c.firstSeen = t.firstTs[id]!;
  c.lastSeen = t.lastTs[id]!;
  c.state = state;
  c.outcome = outcomeOf(isTcp, state, evS);
  c.directionBy = dirn.by;
  c.history = historyOf(evC, evS);
  c.icmpType = t.icmpType[id]!;
  c.icmpCode = t.icmpCode[id]!;
  c.count = 1;
  if (c.communityIds !== undefined) c.communityIds = undefined;
  return c;
}

/** What TableConnections needs of the idle-connection aggregates (implemented by fold.ts `FoldedConnections`). */
export interface FoldedSource {
  /** Connections folded so far. */
  readonly connections: number;
  /** Visits each aggregate through the reused `c`. */
  forEach(c: Connection, visit: (c: Connection) => void): void;
  /** Aggregate `i` (connection id -1 - i) written into `c`; null when there is none. */
  get(i: number, c: Connection): Connection | null;
}

/**
 * The connections of a table, visited one at a time through a single reused Connection object,
 * so a 300k-connection audit does not hold 300k objects (memory grows with the table only).
 */
export class TableConnections {
  constructor(
    readonly table: ConnectionTable,
    readonly serverPorts: ServerPorts,
    /** Aggregates of idle connections folded out of the table (live capture); visited after the table. */
    readonly folded: FoldedSource | null = null,
  ) {}

  /** Connections represented (table entries plus the connections inside folded aggregates). */
  get size(): number {
    return this.table.size + (this.folded?.connections ?? 0);
  }

  /**
   * Calls `visit` for each connection in order of first packet, then for each folded aggregate
   * (`c.count` > 0 connections each). `c` is reused: copy what you keep.
   */
  forEach(visit: (c: Connection) => void): void {
    const names = this.names;
    const c = emptyConnection();
    for (let id = 0; id < this.table.size; id++) visit(fillConnection(this.table, id, this.serverPorts, names, c));
    this.folded?.forEach(c, visit);
  }

  private readonly names = new AddressNames();

  /** Connection `id` as forEach gave it (ids < 0 are folded aggregates), written into `c`. */
  get(id: number, c: Connection): Connection {
    if (id >= 0) return fillConnection(this.table, id, this.serverPorts, this.names, c);
    if (!this.folded?.get(-1 - id, c)) throw new RangeError(`no connection ${id}`);
    return c;
  }

  /** Independent copies of every connection (for tests and small captures). */
  toArray(): Connection[] {
    const out: Connection[] = [];
    this.forEach((c) => out.push({ ...c, clientAddr: c.clientAddr.slice(), serverAddr: c.serverAddr.slice() }));
    return out;
  }
}
