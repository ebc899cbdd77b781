/**
 * Flow records aggregated as they are read: one tuple per (protocol, client, server, server port,
 * ICMP type/code, state, outcome, byte basis, TLS name, HTTP Host), with the count of records, the
 * packets and bytes each way summed, the first and last times and the latest start, how the first
 * record was oriented, and a summary of the Zeek histories seen (the few most frequent, with counts).
 *
 * Every record source feeds this the same way: a flow log row (Zeek, Suricata, flowaudit flows),
 * and later a query result (ClickHouse) or an nfdump record, each already oriented client → server
 * (records/orient.ts). The audit then visits tuples, not rows (`Connection.count` is the number of
 * records a tuple stands for, as for the live engine's folded connections, flows/fold.ts): its
 * verdicts, rule statuses and unexpected groups only look at what the key keeps and what the sums
 * preserve. Given up: per-row client ports and uids (the audit never reads them).
 *
 * Memory grows with distinct tuples, not rows: a day of AMS traffic is about a thousand tuples.
 * Stored struct-of-arrays with an open-addressing index (no object or string per tuple but the
 * history summary). Facts only: never imports matrix/.
 */
import { CONN_STATES, type ConnState, type Outcome } from '../flows/conn_state.js';
import { fillDirectionCounts, IndexedConnections } from './indexed_connections.js';
import { type AddressNames, protocolLabel, type Connection } from '../flows/connection.js';
import type { DirectionBy } from '../flows/direction.js';
import type { ByteBasis } from '../inputs/record_input.js';

export const OUTCOMES: readonly Outcome[] = ['answered', 'refused', 'unanswered'];
export const BASES: readonly ByteBasis[] = ['frame', 'ip', 'payload'];
export const DIRECTION_BYS: readonly DirectionBy[] = ['syn', 'syn-ack', 'server-port', 'icmp-type', 'first-packet'];

/** Key words per tuple: client (4), server (4), proto|port, icmp type|code, state|outcome|basis, sni, host. */
const K = 13;
/** Histories kept per tuple (the rest are counted as "other"). */
export const MAX_HISTORIES = 4;

/**
 * One oriented record (or an already summed group of records) to add: the shape every source
 * fills. Addresses as 4×uint32 (IPv4-mapped for IPv4); indices into CONN_STATES / OUTCOMES / BASES
 * / DIRECTION_BYS; sni/host are ids from `FlowAggregates.nameId` (0 = none).
 */
export interface FlowTuple {
  ipProto: number;
  clientAddr: Uint32Array;
  serverAddr: Uint32Array;
  serverPort: number;
  /** The client's port (kept for a tuple of one record, where it still names the connection). */
  clientPort: number;
  icmpType: number;
  icmpCode: number;
  state: number;
  outcome: number;
  basis: number;
  directionBy: number;
  sni: number;
  host: number;
  /** Records this stands for (1 for a log row). */
  count: number;
  packetsToServer: number;
  packetsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  /** µs since the epoch; NaN when unknown. `lastStart`: the latest start among the records. */
  firstSeen: number;
  lastStart: number;
  lastSeen: number;
  /** Zeek-style history, upper case = client ('' when unknown). */
  history: string;
}

export function emptyTuple(): FlowTuple {
  return {
    ipProto: 0, clientAddr: new Uint32Array(4), serverAddr: new Uint32Array(4), serverPort: 0, clientPort: 0, icmpType: -1, icmpCode: -1,
    state: 0, outcome: 0, basis: 0, directionBy: 0, sni: 0, host: 0, count: 1,
    packetsToServer: 0, packetsToClient: 0, bytesToServer: 0, bytesToClient: 0, firstSeen: NaN, lastStart: NaN, lastSeen: NaN, history: '',
  };
}

/** A tuple's history summary: the first MAX_HISTORIES distinct histories with their counts. */
export interface HistoryCount {
  history: string;
  count: number;
}

/** FlowAggregates.exportPart: a part's tuples as typed arrays and plain lists. */
export interface AggregatePart {
  tuples: number;
  keys: Uint32Array;
  count: Float64Array;
  packets: Float64Array;
  bytes: Float64Array;
  first: Float64Array;
  lastStart: Float64Array;
  last: Float64Array;
  dirBy: Uint8Array;
  clientPort: Uint16Array;
  /** Line of each tuple's first record; of each kept history's first record. */
  firstAt: Float64Array;
  histories: HistoryCount[][];
  histAt: number[][];
  /** Records whose history is not in the tuple's list (the part kept at most its historyLimit). */
  other: Float64Array;
  names: string[];
}

/** Key words per tuple (exported for aggregate_merge.ts). */
export const KEY_WORDS = K;

function hashKey(k: Uint32Array): number {
  // FNV-1a over the words, then one finalizer (its shifts bring the high bits down to the index bits).
  let h = 0x811c9dc5;
  for (let i = 0; i < K; i++) h = Math.imul(h ^ k[i]!, 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

export class FlowAggregates extends IndexedConnections {
  /** Distinct tuples. */
  tuples = 0;
  /** Records added (sum of counts). */
  records = 0;

  /** Connections (records) stood for, as a ConnectionSet counts them (like folded connections). */
  get size(): number {
    return this.records;
  }
  private cap = 0;
  private keys = new Uint32Array(0);
  private index = new Int32Array(0);
  private mask = 0;
  private count = new Float64Array(0);
  /** 2i: client → server, 2i+1: server → client. */
  private packets = new Float64Array(0);
  private bytes = new Float64Array(0);
  private first = new Float64Array(0);
  private lastStartTs = new Float64Array(0);
  private last = new Float64Array(0);
  private dirBy = new Uint8Array(0);
  private clientPort = new Uint16Array(0);
  private histories: HistoryCount[][] = [];
  private otherHistories = new Float64Array(0);
  private readonly key = new Uint32Array(K);
  private readonly names: string[] = [''];
  private readonly nameIds = new Map<string, number>();
  /**
   * A part (one parse worker's share of a file, conn_parallel.ts): `at` is the line of the record
   * being added; each tuple keeps the line of its first record and each history the line it was
   * first seen on, so parts merge into the order one reader would have made (aggregate_merge.ts).
   */
  at = 0;
  private firstAt: Float64Array | null = null;
  private histAt: number[][] | null = null;
  private historyLimit = MAX_HISTORIES;

  constructor(part: { historyLimit: number } | null = null) {
    super();
    if (part) {
      this.firstAt = new Float64Array(0);
      this.histAt = [];
      this.historyLimit = part.historyLimit;
    }
    this.grow(256);
  }

  /** Id of a TLS / HTTP name (0 for none), for FlowTuple.sni / host. */
  nameId(name: string | undefined): number {
    if (name === undefined) return 0;
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  /** TLS name and HTTP Host of tuple i (undefined when none). */
  sniOf(i: number): string | undefined {
    const id = this.keys[i * K + 11]!;
    return id === 0 ? undefined : this.names[id];
  }
  hostOf(i: number): string | undefined {
    const id = this.keys[i * K + 12]!;
    return id === 0 ? undefined : this.names[id];
  }

  /** Add a record (or a group of them) to its tuple; returns the tuple's index. */
  add(t: FlowTuple): number {
    const k = this.key;
    const ca = t.clientAddr;
    const sa = t.serverAddr;
    k[0] = ca[0]!;
    k[1] = ca[1]!;
    k[2] = ca[2]!;
    k[3] = ca[3]!;
    k[4] = sa[0]!;
    k[5] = sa[1]!;
    k[6] = sa[2]!;
    k[7] = sa[3]!;
    k[8] = t.ipProto | (t.serverPort << 8);
    k[9] = (t.icmpType & 0xffff) | ((t.icmpCode & 0xffff) << 16);
    k[10] = t.state | (t.outcome << 8) | (t.basis << 16);
    k[11] = t.sni;
    k[12] = t.host;
    const i = this.find(k);
    this.count[i]! += t.count;
    this.records += t.count;
    this.packets[2 * i]! += t.packetsToServer;
    this.packets[2 * i + 1]! += t.packetsToClient;
    this.bytes[2 * i]! += t.bytesToServer;
    this.bytes[2 * i + 1]! += t.bytesToClient;
    // NaN (unknown time) never wins a comparison; a tuple's time is unknown only when every record's is.
    if (!(t.firstSeen >= this.first[i]!)) this.first[i] = Number.isNaN(t.firstSeen) ? this.first[i]! : t.firstSeen;
    if (!(t.lastStart <= this.lastStartTs[i]!)) this.lastStartTs[i] = Number.isNaN(t.lastStart) ? this.lastStartTs[i]! : t.lastStart;
    if (!(t.lastSeen <= this.last[i]!)) this.last[i] = Number.isNaN(t.lastSeen) ? this.last[i]! : t.lastSeen;
    this.noteHistory(i, t.history, t.count);
    if (this.count[i] === t.count) {
      this.dirBy[i] = t.directionBy;
      this.clientPort[i] = t.clientPort;
    }
    return i;
  }

  /** The tuple's history summary (most frequent first), and how many records had other histories. */
  historySummary(i: number): { histories: HistoryCount[]; other: number } {
    const h = [...(this.histories[i] ?? [])].sort((a, b) => b.count - a.count);
    return { histories: h, other: this.otherHistories[i]! };
  }

  private noteHistory(i: number, history: string, n: number): void {
    const list = this.histories[i]!;
    for (let j = 0; j < list.length; j++) {
      if (list[j]!.history === history) {
        list[j]!.count += n;
        return;
      }
    }
    if (list.length < this.historyLimit) {
      list.push({ history, count: n });
      if (this.histAt) this.histAt[i]!.push(this.at);
    } else this.otherHistories[i]! += n;
  }

  /** A part's tuples, as plain data (for a worker's postMessage; see aggregate_merge.ts). */
  exportPart(): AggregatePart {
    const n = this.tuples;
    return {
      tuples: n, keys: this.keys.slice(0, n * K), count: this.count.slice(0, n), packets: this.packets.slice(0, 2 * n), bytes: this.bytes.slice(0, 2 * n),
      first: this.first.slice(0, n), lastStart: this.lastStartTs.slice(0, n), last: this.last.slice(0, n), dirBy: this.dirBy.slice(0, n),
      clientPort: this.clientPort.slice(0, n), firstAt: (this.firstAt ?? new Float64Array(n)).slice(0, n), histories: this.histories.slice(0, n),
      histAt: (this.histAt ?? []).slice(0, n), other: this.otherHistories.slice(0, n), names: this.names,
    };
  }

  /**
   * Add tuple i of a part (its sums, times, and its first record's orientation when the tuple is
   * new here), not its histories (see noteHistory); `names` maps the part's name ids to this one's.
   * Returns this tuple's index.
   */
  absorb(p: AggregatePart, i: number, names: Int32Array): number {
    const k = this.key;
    for (let j = 0; j < K; j++) k[j] = p.keys[i * K + j]!;
    k[11] = names[k[11]!]!;
    k[12] = names[k[12]!]!;
    const j = this.find(k);
    const fresh = this.count[j] === 0;
    this.count[j]! += p.count[i]!;
    this.records += p.count[i]!;
    for (let d = 0; d < 2; d++) {
      this.packets[2 * j + d]! += p.packets[2 * i + d]!;
      this.bytes[2 * j + d]! += p.bytes[2 * i + d]!;
    }
    if (!(p.first[i]! >= this.first[j]!)) this.first[j] = Number.isNaN(p.first[i]!) ? this.first[j]! : p.first[i]!;
    if (!(p.lastStart[i]! <= this.lastStartTs[j]!)) this.lastStartTs[j] = Number.isNaN(p.lastStart[i]!) ? this.lastStartTs[j]! : p.lastStart[i]!;
    if (!(p.last[i]! <= this.last[j]!)) this.last[j] = Number.isNaN(p.last[i]!) ? this.last[j]! : p.last[i]!;
    if (fresh) {
      this.dirBy[j] = p.dirBy[i]!;
      this.clientPort[j] = p.clientPort[i]!;
    }
    return j;
  }

  /** Tuple index of `key` (K words), or -1. */
  lookup(key: Uint32Array): number {
    let slot = hashKey(key) & this.mask;
    for (;;) {
      const at = this.index[slot]!;
      if (at < 0) return -1;
      let same = true;
      for (let j = 0; j < K && same; j++) same = this.keys[at * K + j] === key[j];
      if (same) return at;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The histories kept for tuple i, in the order first seen (not sorted). */
  historyList(i: number): readonly HistoryCount[] {
    return this.histories[i] ?? [];
  }

  /** Count `n` records of tuple i with `history` (in the order one reader would have met them), or as other. */
  addHistory(i: number, history: string | null, n: number): void {
    if (history === null) this.otherHistories[i]! += n;
    else this.noteHistory(i, history, n);
  }

  private find(k: Uint32Array): number {
    let slot = hashKey(k) & this.mask;
    for (;;) {
      const at = this.index[slot]!;
      if (at < 0) return this.insert(slot, k);
      const b = at * K;
      let same = true;
      for (let j = 0; j < K; j++) {
        if (this.keys[b + j] !== k[j]) {
          same = false;
          break;
        }
      }
      if (same) return at;
      slot = (slot + 1) & this.mask;
    }
  }

  private insert(slot: number, k: Uint32Array): number {
    if (this.tuples >= this.cap) {
      this.grow(this.cap * 2);
      return this.find(k);
    }
    const i = this.tuples++;
    for (let j = 0; j < K; j++) this.keys[i * K + j] = k[j]!;
    this.index[slot] = i;
    this.first[i] = NaN;
    this.lastStartTs[i] = NaN;
    this.last[i] = NaN;
    this.histories[i] = [];
    if (this.firstAt) {
      this.firstAt[i] = this.at;
      this.histAt![i] = [];
    }
    return i;
  }

  /** Tuple i as a Connection (into `c`, reused); `id` is idBase + i, `count` the records it stands for. */
  override fill(i: number, names: AddressNames, c: Connection): Connection {
    const b = i * K;
    for (let j = 0; j < 4; j++) {
      c.clientAddr[j] = this.keys[b + j]!;
      c.serverAddr[j] = this.keys[b + 4 + j]!;
    }
    const pp = this.keys[b + 8]!;
    const ic = this.keys[b + 9]!;
    const so = this.keys[b + 10]!;
    c.id = this.idBase + i;
    c.ipProto = pp & 0xff;
    c.protocol = protocolLabel(c.ipProto);
    c.client = names.format(c.clientAddr);
    c.server = names.format(c.serverAddr);
    c.count = this.count[i]!;
    // One record: its client port, so its Community ID is its own; an aggregate has none (as folded connections).
    c.clientPort = c.count === 1 ? this.clientPort[i]! : 0;
    c.serverPort = pp >>> 8;
    c.icmpType = (ic << 16) >> 16;
    c.icmpCode = ic >> 16;
    c.state = CONN_STATES[so & 0xff] as ConnState;
    c.outcome = OUTCOMES[(so >> 8) & 0xff]!;
    c.byteBasis = BASES[(so >> 16) & 0xff]!;
    fillDirectionCounts(c, this.packets, this.bytes, i);
    c.firstSeen = this.first[i]!;
    c.lastStart = this.lastStartTs[i]!;
    c.lastSeen = this.last[i]!;
    c.directionBy = DIRECTION_BYS[this.dirBy[i]!]!;
    c.history = this.histories[i]![0]?.history ?? '';
    if (c.communityIds !== undefined) c.communityIds = undefined;
    return c;
  }

  protected rows(): number {
    return this.tuples;
  }

  private grow(n: number): void {
    const f64 = (a: Float64Array, per: number): Float64Array<ArrayBuffer> => {
      const x = new Float64Array(n * per);
      x.set(a);
      return x;
    };
    const keys = new Uint32Array(n * K);
    keys.set(this.keys);
    this.keys = keys;
    const dirBy = new Uint8Array(n);
    dirBy.set(this.dirBy);
    this.dirBy = dirBy;
    const clientPort = new Uint16Array(n);
    clientPort.set(this.clientPort);
    this.clientPort = clientPort;
    this.count = f64(this.count, 1);
    this.packets = f64(this.packets, 2);
    this.bytes = f64(this.bytes, 2);
    this.first = f64(this.first, 1);
    this.lastStartTs = f64(this.lastStartTs, 1);
    this.last = f64(this.last, 1);
    this.otherHistories = f64(this.otherHistories, 1);
    if (this.firstAt) this.firstAt = f64(this.firstAt, 1);
    this.cap = n;
    // The index at most half full: rebuild it at twice the capacity.
    this.mask = 2 * n - 1;
    this.index = new Int32Array(2 * n).fill(-1);
    for (let i = 0; i < this.tuples; i++) {
      let slot = hashKey(this.keys.subarray(i * K, i * K + K)) & this.mask;
      while (this.index[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.index[slot] = i;
    }
  }
}
