/**
 * Folding idle connections (long live captures): a connection with no packet for longer than the
 * idle timeout leaves the connection table and is added to an aggregate of connections that agree
 * on everything the audit looks at: protocol, client and server address, server port, ICMP
 * type/code, state and outcome. The aggregate keeps the count of connections, summed packets and
 * bytes per direction, and the earliest first / latest last time. So the table's memory is bounded
 * by the connections active within the timeout, and the aggregates by the distinct services seen.
 *
 * The audit of folded and unfolded facts is the same: rules and unexpected groups count
 * connections (`Connection.count`), packets, bytes, outcomes, states, addresses and times, all of
 * which an aggregate preserves. What folding gives up: per-connection rows (client ports, history),
 * and, as in Zeek's inactivity timeout, a packet arriving on a 5-tuple after it was folded starts a
 * new connection.
 */
import { CommunityIdSample, connectionCommunityId } from './community_id.js';
import type { ConnState, Outcome } from './conn_state.js';
import { AddressNames, emptyConnection, fillConnection, type Connection } from './connection.js';
import type { ConnectionTable } from './connection_table.js';
import type { DirectionBy, ServerPorts } from './direction.js';

interface Aggregate {
  protocol: string;
  ipProto: number;
  client: string;
  server: string;
  clientAddr: Uint32Array;
  serverAddr: Uint32Array;
  serverPort: number;
  icmpType: number;
  icmpCode: number;
  state: ConnState;
  outcome: Outcome;
  directionBy: DirectionBy;
  count: number;
  packetsToServer: number;
  packetsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  firstSeen: number;
  /** Latest start among the folded connections (name evidence from DNS is time-bound). */
  lastStart: number;
  lastSeen: number;
  ids: CommunityIdSample;
}

export class FoldedConnections {
  private readonly byKey = new Map<string, Aggregate>();
  private readonly list: Aggregate[] = [];
  /** Connections folded so far (sum of the aggregates' counts). */
  connections = 0;

  /** Number of aggregates. */
  get size(): number {
    return this.list.length;
  }

  /** Fold one connection (its fields are copied). */
  add(c: Connection): void {
    const key = `${c.ipProto}|${c.client}|${c.server}|${c.serverPort}|${c.icmpType}|${c.icmpCode}|${c.state}|${c.outcome}`;
    let a = this.byKey.get(key);
    if (a === undefined) {
      a = {
        protocol: c.protocol,
        ipProto: c.ipProto,
        client: c.client,
        server: c.server,
        clientAddr: c.clientAddr.slice(),
        serverAddr: c.serverAddr.slice(),
        serverPort: c.serverPort,
        icmpType: c.icmpType,
        icmpCode: c.icmpCode,
        state: c.state,
        outcome: c.outcome,
        directionBy: c.directionBy,
        count: 0,
        packetsToServer: 0,
        packetsToClient: 0,
        bytesToServer: 0,
        bytesToClient: 0,
        firstSeen: c.firstSeen,
        lastStart: c.id < 0 ? (c.lastStart ?? c.firstSeen) : c.firstSeen,
        lastSeen: c.lastSeen,
        ids: new CommunityIdSample(),
      };
      this.byKey.set(key, a);
      this.list.push(a);
    }
    a.count += c.count;
    const cid = connectionCommunityId(c);
    if (cid !== null) a.ids.add(cid);
    for (const x of c.communityIds ?? []) a.ids.add(x);
    a.packetsToServer += c.packetsToServer;
    a.packetsToClient += c.packetsToClient;
    a.bytesToServer += c.bytesToServer;
    a.bytesToClient += c.bytesToClient;
    if (c.firstSeen < a.firstSeen) a.firstSeen = c.firstSeen;
    const start = c.id < 0 ? (c.lastStart ?? c.firstSeen) : c.firstSeen;
    if (start > a.lastStart) a.lastStart = start;
    if (c.lastSeen > a.lastSeen) a.lastSeen = c.lastSeen;
    this.connections += c.count;
  }

  /** Visit each aggregate as a Connection (with `count` connections) through the reused `c`. */
  forEach(c: Connection, visit: (c: Connection) => void): void {
    for (let i = 0; i < this.list.length; i++) visit(this.get(i, c)!);
  }

  /** Aggregate `i` (id -1 - i) written into `c`; null when there is none. */
  get(i: number, c: Connection): Connection | null {
    const a = this.list[i];
    if (a === undefined) return null;
    c.id = -1 - i;
    c.protocol = a.protocol;
    c.ipProto = a.ipProto;
    c.client = a.client;
    c.clientPort = 0;
    c.server = a.server;
    c.serverPort = a.serverPort;
    c.clientAddr.set(a.clientAddr);
    c.serverAddr.set(a.serverAddr);
    c.packetsToServer = a.packetsToServer;
    c.packetsToClient = a.packetsToClient;
    c.packets = a.packetsToServer + a.packetsToClient;
    c.bytesToServer = a.bytesToServer;
    c.bytesToClient = a.bytesToClient;
    c.bytes = a.bytesToServer + a.bytesToClient;
    c.firstSeen = a.firstSeen;
    c.lastStart = a.lastStart;
    c.lastSeen = a.lastSeen;
    c.state = a.state;
    c.outcome = a.outcome;
    c.directionBy = a.directionBy;
    c.history = '';
    c.icmpType = a.icmpType;
    c.icmpCode = a.icmpCode;
    c.count = a.count;
    c.communityIds = a.ids.values();
    return c;
  }
}

/**
 * Move every connection of `table` whose last packet is more than `idleUs` before `nowUs` into
 * `folded`. Returns the old id → new id map of the compacted table (null when nothing was folded).
 */
export function foldIdleConnections(
  table: ConnectionTable,
  folded: FoldedConnections,
  nowUs: number,
  idleUs: number,
  serverPorts: ServerPorts,
): Int32Array | null {
  const n = table.size;
  const keep = new Uint8Array(n);
  const names = new AddressNames();
  const c = emptyConnection();
  let any = false;
  for (let id = 0; id < n; id++) {
    if (nowUs - table.lastTs[id]! > idleUs) {
      folded.add(fillConnection(table, id, serverPorts, names, c));
      any = true;
    } else keep[id] = 1;
  }
  return any ? table.compact(keep) : null;
}
