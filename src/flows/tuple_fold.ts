/**
 * Tuple folding for the audit's walk (issue 19, "the audit tail"): before the audit visits the
 * connections of a capture, the connections that share every fact the audit reads are folded into
 * one aggregate, as flow-log rows are aggregated per tuple (records/flow_aggregate.ts). The audit
 * then visits each aggregate once (`count` connections) instead of each connection, which is what
 * its time after the last packet is spent on.
 *
 * The engine groups by facts, never by rules: the key is protocol, client and server address,
 * server port, ICMP type/code, state, outcome and how the direction was decided. What is per
 * connection stays per connection — a connection is left on its own when it is not answered, or
 * when its client has `clientFailures` or more connections that were not (the caller's threshold:
 * the audit's scan summary decides on the order in which such a client's connections come), or
 * when a fact tied to that one connection could reach the audit: a TLS SNI or HTTP Host it
 * carried, a DNS answer naming either end (valid from a time, checked against the connection's
 * start), an endpoint-mapper hand-out for its service (checked against its start), an ICMP error
 * quoting its tuple (which names the client port). Nothing folds when the capture has pktmon drop
 * events, or idle connections already folded while reading (live), or for flow-log records (already
 * per tuple). Community IDs stay per connection: an aggregate computes its members' on demand.
 *
 * So every sum, count, first/last time and first-appearance order the audit keeps is the same
 * folded or not (an aggregate is visited where its first connection was), and the reports are
 * byte-identical (test/flows/tuple_fold.test.ts and the golden tests).
 */
import { connectionCommunityId } from './community_id.js';
import { AddressNames, emptyConnection, fillConnection, TableConnections, type Connection } from './connection.js';
import type { ConnState, Outcome } from './conn_state.js';
import type { DirectionBy, ServerPorts } from './direction.js';
import type { ConnectionTable } from './connection_table.js';
import type { ConnectionSet } from './facts.js';
import type { HintFacts } from './hint_store.js';

/** Per-aggregate sums while folding, and after. */
interface Sums {
  first: number[];
  tail: number[];
  count: number[];
  client: string[];
  pToS: number[];
  pToC: number[];
  bToS: number[];
  bToC: number[];
  firstSeen: number[];
  lastStart: number[];
  lastSeen: number[];
}

/**
 * The connections to walk for an audit: `set` itself when nothing may fold (see above), else a
 * view of its table with the foldable connections folded.
 */
export function foldForWalk(set: ConnectionSet, hints?: HintFacts, clientFailures = 1): ConnectionSet {
  if (!(set instanceof TableConnections) || set.folded !== null) return set;
  if (hints && (hints.drops.size > 0 || hints.foldedNames.size > 0)) return set;
  const folded = new TupleFoldedConnections(set.table, set.serverPorts, hints, clientFailures);
  return folded.aggregates > 0 ? folded : set;
}

/** Keys of the services an ICMP error or an endpoint-mapper hand-out names, client port left out. */
function perConnectionServices(hints: HintFacts | undefined): Set<string> {
  const out = new Set<string>();
  for (const q of hints?.icmp.values() ?? []) {
    out.add(`${q.protocol}|${q.src}|${q.dst}|${q.dstPort}`); // quotes the client's packet
    out.add(`${q.protocol}|${q.dst}|${q.src}|${q.srcPort}`); // quotes the server's reply
  }
  for (const e of hints?.epm ?? []) out.add(`${e.protocol}|${e.client}|${e.server}|${e.port}`);
  return out;
}

/** A table's connections with those that share every audited fact folded (see the file comment). */
export class TupleFoldedConnections implements ConnectionSet {
  /** Walk order: a table id (>= 0) for a connection on its own, -1 - k for aggregate k. */
  private readonly units: Int32Array;
  private readonly unitCount: number;
  /** Next member of the same group (-1: last), by table id. */
  private readonly next: Int32Array;
  /** Aggregate k → its group. */
  private readonly groupOf: number[] = [];
  private readonly s: Sums = { first: [], tail: [], count: [], client: [], pToS: [], pToC: [], bToS: [], bToC: [], firstSeen: [], lastStart: [], lastSeen: [] };
  private readonly names = new AddressNames();

  constructor(
    readonly table: ConnectionTable,
    readonly serverPorts: ServerPorts,
    hints?: HintFacts,
    /** A client with this many connections not answered, or more, keeps all its connections apart. */
    private readonly clientFailures = 1,
  ) {
    const n = table.size;
    this.next = new Int32Array(n).fill(-1);
    const group = this.group(hints);
    this.units = new Int32Array(n);
    this.unitCount = this.order(group);
  }

  /** Aggregates of two or more connections. */
  get aggregates(): number {
    return this.groupOf.length;
  }

  /** Connections represented (the table's). */
  get size(): number {
    return this.table.size;
  }

  /** Pass 1: each foldable connection's group (-1: on its own); the clients with a failed connection. */
  private group(hints: HintFacts | undefined): { of: Int32Array; failed: Map<string, number> } {
    const n = this.table.size;
    const of = new Int32Array(n).fill(-1);
    const failed = new Map<string, number>();
    const services = perConnectionServices(hints);
    const keys = new Map<string, number>();
    const s = this.s;
    const c = emptyConnection();
    for (let id = 0; id < n; id++) {
      fillConnection(this.table, id, this.serverPorts, this.names, c);
      if (c.outcome !== 'answered') {
        failed.set(c.client, (failed.get(c.client) ?? 0) + 1);
        continue;
      }
      if (hints && (hints.sni.has(id) || hints.httpHost.has(id) || hints.dnsNames.has(c.client) || hints.dnsNames.has(c.server))) continue;
      if (services.size > 0 && services.has(`${c.protocol}|${c.client}|${c.server}|${c.serverPort}`)) continue;
      const key = `${c.ipProto}|${c.client}|${c.server}|${c.serverPort}|${c.icmpType}|${c.icmpCode}|${c.state}|${c.directionBy}`;
      let g = keys.get(key);
      if (g === undefined) {
        g = s.first.length;
        keys.set(key, g);
        s.first.push(id);
        s.tail.push(id);
        s.count.push(0);
        s.client.push(c.client);
        s.pToS.push(0);
        s.pToC.push(0);
        s.bToS.push(0);
        s.bToC.push(0);
        s.firstSeen.push(c.firstSeen);
        s.lastStart.push(c.firstSeen);
        s.lastSeen.push(c.lastSeen);
      } else {
        this.next[s.tail[g]!] = id;
        s.tail[g] = id;
      }
      of[id] = g;
      s.count[g]! += 1;
      s.pToS[g]! += c.packetsToServer;
      s.pToC[g]! += c.packetsToClient;
      s.bToS[g]! += c.bytesToServer;
      s.bToC[g]! += c.bytesToClient;
      if (c.firstSeen < s.firstSeen[g]!) s.firstSeen[g] = c.firstSeen;
      if (c.firstSeen > s.lastStart[g]!) s.lastStart[g] = c.firstSeen;
      if (c.lastSeen > s.lastSeen[g]!) s.lastSeen[g] = c.lastSeen;
    }
    return { of, failed };
  }

  /** Pass 2: the walk order; a group of one, or of a client with `clientFailures` failed connections, stays unfolded. */
  private order({ of, failed }: { of: Int32Array; failed: Map<string, number> }): number {
    const s = this.s;
    let u = 0;
    for (let id = 0; id < of.length; id++) {
      const g = of[id]!;
      if (g < 0 || s.count[g] === 1 || (failed.get(s.client[g]!) ?? 0) >= this.clientFailures) {
        this.units[u++] = id;
        continue;
      }
      if (s.first[g] !== id) continue; // visited with its group
      this.units[u++] = -1 - this.groupOf.length;
      this.groupOf.push(g);
    }
    return u;
  }

  /** Visits each connection on its own and each aggregate, in order of first packet. `c` is reused: copy what you keep. */
  forEach(visit: (c: Connection) => void): void {
    const c = emptyConnection();
    const a = new FoldedTuple(this);
    for (let i = 0; i < this.unitCount; i++) {
      const u = this.units[i]!;
      if (u >= 0) visit(fillConnection(this.table, u, this.serverPorts, this.names, c));
      else {
        a.k = -1 - u;
        visit(this.aggregate(a.k, a, a.scratch));
      }
    }
  }

  /** Connection `id` as forEach gave it (ids < 0 are aggregates, with their Community IDs), written into `c`. */
  get(id: number, c: Connection): Connection {
    if (id >= 0) return fillConnection(this.table, id, this.serverPorts, this.names, c);
    const k = -1 - id;
    if (k >= this.groupOf.length) throw new RangeError(`no connection ${id}`);
    this.aggregate(k, c, emptyConnection());
    c.communityIds = this.communityIdsOf(k);
    return c;
  }

  toArray(): Connection[] {
    const out: Connection[] = [];
    this.forEach((c) => out.push({ ...c, clientAddr: c.clientAddr.slice(), serverAddr: c.serverAddr.slice(), ...(c.id < 0 ? { communityIds: c.communityIds } : {}) }));
    return out;
  }

  /** Aggregate k written into `a` (`scratch` takes its first connection). */
  private aggregate<T extends Connection>(k: number, a: T, scratch: Connection): T {
    const g = this.groupOf[k]!;
    const s = this.s;
    const c = fillConnection(this.table, s.first[g]!, this.serverPorts, this.names, scratch);
    a.id = -1 - k;
    a.protocol = c.protocol;
    a.ipProto = c.ipProto;
    a.client = c.client;
    a.server = c.server;
    a.serverPort = c.serverPort;
    a.clientAddr.set(c.clientAddr);
    a.serverAddr.set(c.serverAddr);
    a.packetsToServer = s.pToS[g]!;
    a.packetsToClient = s.pToC[g]!;
    a.packets = a.packetsToServer + a.packetsToClient;
    a.bytesToServer = s.bToS[g]!;
    a.bytesToClient = s.bToC[g]!;
    a.bytes = a.bytesToServer + a.bytesToClient;
    a.firstSeen = s.firstSeen[g]!;
    a.lastStart = s.lastStart[g]!;
    a.lastSeen = s.lastSeen[g]!;
    a.state = c.state;
    a.outcome = c.outcome;
    a.directionBy = c.directionBy;
    a.history = '';
    a.clientPort = 0;
    a.icmpType = c.icmpType;
    a.icmpCode = c.icmpCode;
    a.count = s.count[g]!;
    return a;
  }

  /** Community IDs of aggregate k's connections. */
  communityIdsOf(k: number): string[] {
    const out: string[] = [];
    const c = emptyConnection();
    for (let id = this.s.first[this.groupOf[k]!]!; id >= 0; id = this.next[id]!) {
      const x = connectionCommunityId(fillConnection(this.table, id, this.serverPorts, this.names, c));
      if (x !== null) out.push(x);
    }
    return out;
  }
}

/** An aggregate as the audit sees it: a Connection whose Community IDs are computed when read. */
class FoldedTuple implements Connection {
  k = 0;
  id = -1;
  protocol = '';
  ipProto = 0;
  client = '';
  clientPort = 0;
  server = '';
  serverPort = 0;
  clientAddr = new Uint32Array(4);
  serverAddr = new Uint32Array(4);
  packets = 0;
  bytes = 0;
  packetsToServer = 0;
  packetsToClient = 0;
  bytesToServer = 0;
  bytesToClient = 0;
  firstSeen = 0;
  lastStart = 0;
  lastSeen = 0;
  state: ConnState = 'OTH';
  outcome: Outcome = 'answered';
  directionBy: DirectionBy = 'first-packet';
  history = '';
  icmpType = -1;
  icmpCode = -1;
  count = 0;
  readonly scratch = emptyConnection();

  constructor(private readonly owner: TupleFoldedConnections) {}

  get communityIds(): readonly string[] {
    return this.owner.communityIdsOf(this.k);
  }
}
