/**
 * Tuple folding for the audit's walk (issue 19, "the audit tail"). Most connections of a capture
 * repeat an earlier one in every fact the audit reads: protocol, client and server address, server
 * port, ICMP type/code, state, outcome. The walk hands the first connection of such a tuple to the
 * audit as usual; the caller then `open`s the tuple (the audit does so for tuples whose every effect
 * on its accounting is additive), and each later connection of it is `absorb`ed: its counts, bytes
 * and times are added to the tuple's tail instead of being audited one by one. After the walk, each
 * tail is visited once as an aggregate (`count` connections), as flow-log rows are aggregated per
 * tuple (records/flow_aggregate.ts).
 *
 * The engine groups by facts, never by rules (which tuples are opened is the caller's policy).
 * What is per connection stays per connection — a connection is never absorbed when a fact tied to
 * that one connection could reach the audit: a TLS SNI or HTTP Host it carried, a DNS answer naming
 * either end (valid from a time, checked against the connection's start), an endpoint-mapper
 * hand-out for its service (checked against its start), an ICMP error quoting its tuple (which names
 * the client port). Nothing is absorbed when the capture has pktmon drop events or idle connections
 * folded while reading (live), nor for flow-log records (already per tuple): `forWalk` returns null.
 * A tail carries no Community IDs: the caller opens only tuples whose connections need none.
 *
 * Memory: about 80 bytes per opened tuple, in typed arrays (at most MAX_TUPLES tuples).
 */
import { mix32 } from './connection_table.js';
import { emptyConnection, TableConnections, type Connection } from './connection.js';
import type { ConnectionSet } from './facts.js';
import type { HintFacts } from './hint_store.js';

/** Tuples opened at most (beyond, a tuple is audited connection by connection). */
export const MAX_TUPLES = 1 << 20;

const F64 = ['count', 'pToS', 'pToC', 'bToS', 'bToC', 'first', 'last'] as const;

/**
 * The tails, struct-of-arrays: a tuple is four 32-bit words (IPv4 client and server; protocol and
 * server port; ICMP type/code, state, outcome and direction as small numbers), found through an
 * open-addressing index. No object or string per tuple or per absorbed connection (the walk's
 * garbage collections copy what lives, so what the tails keep must be flat).
 */
export class TupleTails {
  /** Services (`proto|client|server|port`, both orientations) an ICMP quote or an EPM hand-out names. */
  private readonly services = new Set<string>();
  /** Small numbers for the state, outcome and direction strings (a handful of each; see keyOf). */
  private readonly states = new Map<string, number>();
  private readonly outcomes = new Map<string, number>();
  private readonly directions = new Map<string, number>();
  private words = new Uint32Array(4 * 1024);
  private firstId = new Int32Array(1024);
  private readonly f64: Record<(typeof F64)[number], Float64Array> = Object.fromEntries(F64.map((k) => [k, new Float64Array(1024)])) as never;
  /** Open addressing: tuple index + 1, 0 = empty. */
  private index = new Int32Array(4096);
  private n = 0;
  private readonly key = new Uint32Array(4);
  /** Connections absorbed so far. */
  absorbed = 0;

  /** Tails for a walk over `set`, or null when nothing may be absorbed (see the file comment). */
  static forWalk(set: ConnectionSet, hints?: HintFacts): TupleTails | null {
    if (!(set instanceof TableConnections) || (set.folded?.connections ?? 0) > 0) return null;
    if (hints && (hints.drops.size > 0 || hints.foldedNames.size > 0)) return null;
    return new TupleTails(set, hints);
  }

  constructor(
    private readonly set: ConnectionSet,
    private readonly hints?: HintFacts,
  ) {
    for (const q of hints?.icmp.values() ?? []) {
      this.services.add(`${q.protocol}|${q.src}|${q.dst}|${q.dstPort}`); // quotes the client's packet
      this.services.add(`${q.protocol}|${q.dst}|${q.src}|${q.srcPort}`); // quotes the server's reply
    }
    for (const e of hints?.epm ?? []) this.services.add(`${e.protocol}|${e.client}|${e.server}|${e.port}`);
  }

  /** Tuples opened. */
  get size(): number {
    return this.n;
  }

  private static code(m: Map<string, number>, s: string): number {
    let k = m.get(s);
    if (k === undefined) m.set(s, (k = m.size));
    return k;
  }

  /** Writes the tuple key of `c` into this.key; false when a fact of its own keeps it apart (or IPv6). */
  private keyOf(c: Connection): boolean {
    if (c.count !== 1 || c.id < 0) return false;
    const a = c.clientAddr;
    const b = c.serverAddr;
    if (a[0] !== 0 || a[1] !== 0 || a[2] !== 0xffff || b[0] !== 0 || b[1] !== 0 || b[2] !== 0xffff) return false;
    const h = this.hints;
    if (h && (h.sni.has(c.id) || h.httpHost.has(c.id) || (h.dnsNames.size > 0 && (h.dnsNames.has(c.client) || h.dnsNames.has(c.server))))) return false;
    if (this.services.size > 0 && this.services.has(`${c.protocol}|${c.client}|${c.server}|${c.serverPort}`)) return false;
    // Fields: ICMP type + 1 and code + 1 (9 bits each, -1..255), state (5 bits), outcome (2), direction (3).
    const state = TupleTails.code(this.states, c.state);
    const outcome = TupleTails.code(this.outcomes, c.outcome);
    const dir = TupleTails.code(this.directions, c.directionBy);
    if (state > 31 || outcome > 3 || dir > 7 || c.icmpType > 255 || c.icmpCode > 255 || c.ipProto > 255 || c.serverPort > 0xffff) return false;
    const k = this.key;
    k[0] = a[3]!;
    k[1] = b[3]!;
    k[2] = (c.ipProto << 16) | c.serverPort;
    k[3] = (c.icmpType + 1) | ((c.icmpCode + 1) << 9) | (state << 18) | (outcome << 23) | (dir << 25);
    return true;
  }

  /** The slot of this.key in the index: its tuple (index + 1), or 0 at the empty slot where it would go. */
  private slot(): number {
    const k = this.key;
    const mask = this.index.length - 1;
    let i = mix32(k[0]! ^ mix32(k[1]! ^ mix32(k[2]! ^ mix32(k[3]!)))) & mask;
    for (;;) {
      const t = this.index[i]!;
      if (t === 0) return i;
      const w = (t - 1) << 2;
      if (this.words[w] === k[0] && this.words[w + 1] === k[1] && this.words[w + 2] === k[2] && this.words[w + 3] === k[3]) return i;
      i = (i + 1) & mask;
    }
  }

  /** Later connections of `c`'s tuple will be absorbed (`c` was audited on its own). */
  open(c: Connection): void {
    if (this.n >= MAX_TUPLES || !this.keyOf(c)) return;
    const i = this.slot();
    if (this.index[i] !== 0) return;
    if (this.n === this.firstId.length) this.grow();
    const t = this.n++;
    this.words.set(this.key, t << 2);
    this.firstId[t] = c.id;
    const f = this.f64;
    f.count[t] = 0;
    f.first[t] = Infinity;
    f.last[t] = -Infinity;
    this.index[i] = t + 1;
    if (this.n * 2 > this.index.length) this.reindex();
  }

  /** True when `c` belongs to an opened tuple: its counts went to the tail (do not audit it). */
  absorb(c: Connection): boolean {
    if (this.n === 0 || !this.keyOf(c)) return false;
    const t = this.index[this.slot()]! - 1;
    if (t < 0) return false;
    const f = this.f64;
    f.count[t]! += 1;
    f.pToS[t]! += c.packetsToServer;
    f.pToC[t]! += c.packetsToClient;
    f.bToS[t]! += c.bytesToServer;
    f.bToC[t]! += c.bytesToClient;
    if (c.firstSeen < f.first[t]!) f.first[t] = c.firstSeen;
    if (c.lastSeen > f.last[t]!) f.last[t] = c.lastSeen;
    this.absorbed++;
    return true;
  }

  private grow(): void {
    const cap = this.firstId.length * 2;
    const words = new Uint32Array(cap * 4);
    words.set(this.words);
    this.words = words;
    const ids = new Int32Array(cap);
    ids.set(this.firstId);
    this.firstId = ids;
    for (const k of F64) {
      const a = new Float64Array(cap);
      a.set(this.f64[k]);
      this.f64[k] = a;
    }
  }

  private reindex(): void {
    this.index = new Int32Array(this.index.length * 2);
    for (let t = 0; t < this.n; t++) {
      this.key.set(this.words.subarray(t << 2, (t << 2) + 4));
      this.index[this.slot()] = t + 1;
    }
  }

  /** Each non-empty tail once, as an aggregate of its absorbed connections (id < 0), in the order the tuples were opened. */
  forEach(visit: (c: Connection) => void): void {
    const c = emptyConnection();
    const f = this.f64;
    for (let t = 0; t < this.n; t++) {
      if (f.count[t] === 0) continue;
      this.set.get(this.firstId[t]!, c);
      c.id = -1 - t;
      c.clientPort = 0;
      c.history = '';
      c.count = f.count[t]!;
      c.packetsToServer = f.pToS[t]!;
      c.packetsToClient = f.pToC[t]!;
      c.packets = c.packetsToServer + c.packetsToClient;
      c.bytesToServer = f.bToS[t]!;
      c.bytesToClient = f.bToC[t]!;
      c.bytes = c.bytesToServer + c.bytesToClient;
      c.firstSeen = f.first[t]!;
      c.lastSeen = f.last[t]!;
      // No lastStart: no DNS answer names either end of an absorbed tuple, so no start time is
      // checked; and the object keeps the shape of the walk's connections (no deoptimisation).
      visit(c);
    }
  }
}
