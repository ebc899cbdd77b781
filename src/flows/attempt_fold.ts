/**
 * Attempt folding during ingest (issue 19, floods): once the connection table holds ATTEMPT_BUDGET
 * live connections, the older half's ATTEMPTS (a connection of exactly one packet, nothing back:
 * one pure TCP SYN, or one UDP datagram) leave the table and are counted into per-target
 * aggregates: (server, protocol, server port), exact connections, packets, bytes, first/last seen,
 * states and outcomes, a HyperLogLog of the source addresses and the first few sources. Anything
 * with a second packet or an answer stays in the table, so an answered connection is never folded.
 * Facts only: which sources may fold is the caller's (`keepClient`, the inventory's addresses in
 * the audit); the audit judges the aggregates (audit/flood.ts).
 *
 * A late answer: an attempt does not go straight into its aggregate but first into a pending set
 * (PENDING_SLOTS slots, direct-mapped by the connection's symmetric hash; a collision commits the
 * older attempt). A packet that opens a new connection and matches a pending attempt in reverse
 * (a SYN-ACK, RST or reply datagram) puts the attempt back into the table, so that connection is
 * counted exactly as without folding. A reply whose attempt was already committed opens a
 * connection of its own (answered, kept, listed as usual) and is counted as a late answer on the
 * aggregate of its target, which then says that up to that many of its attempts may have been
 * answered.
 *
 * Memory: the pending set is fixed (about 3.4 MB); each aggregate is 4 KiB of HyperLogLog plus a
 * few fields, and there are at most MAX_PORT_AGGREGATES per-port ones (MAX_PORTS_PER_SERVER per
 * server), then MAX_SERVER_AGGREGATES per-server (many ports) ones, then one per protocol for every server.
 */
import { CONN_STATES, EV_ANY, EV_SYN, datagramState, outcomeOf, tcpState, type ConnState, type Outcome } from './conn_state.js';
import type { ConnectionTable } from './connection_table.js';
import { inferDirection, type ServerPorts } from './direction.js';
import { HyperLogLog } from './hyperloglog.js';
import { formatAddress } from '../ip_text.js';
import { protocolLabel } from './connection.js';

/** Live connections in the table before attempts fold. */
export const ATTEMPT_BUDGET = 65_536;
/**
 * Live connections at which attempts from kept sources fold too (memory stays bounded even when a
 * flood spoofs inventory addresses); the aggregates say so (keptSources).
 */
export const HARD_BUDGET = 1 << 20;
/** Folded attempts waiting for a late answer (a power of two). */
export const PENDING_SLOTS = 1 << 16;
export const MAX_PORT_AGGREGATES = 1_000;
export const MAX_SERVER_AGGREGATES = 1_000;
/** Per-port aggregates of one server; its attempts to further ports go to its many-ports aggregate. */
export const MAX_PORTS_PER_SERVER = 16;
/** Example sources kept per aggregate. */
export const EXAMPLES = 5;
const V4_MAPPED = 0xffff;
const N_STATES = CONN_STATES.length;
const STATE_INDEX = new Map(CONN_STATES.map((st, k) => [st, k]));
export const OUTCOMES: readonly Outcome[] = ['answered', 'refused', 'unanswered'];

/** One target's folded attempts (facts). */
export interface AttemptAggregate {
  protocol: string;
  ipProto: number;
  /** Server address, or '*' (every server, once the per-server aggregates ran out). */
  server: string;
  serverAddr: Uint32Array;
  /** Server port; null when the aggregate covers many ports. */
  port: number | null;
  connections: number;
  packets: number;
  bytes: number;
  /** µs since the epoch. */
  firstSeen: number;
  lastSeen: number;
  states: Partial<Record<ConnState, number>>;
  outcomes: Record<Outcome, number>;
  /** Source addresses (estimate: HyperLogLog). */
  sources: HyperLogLog;
  exampleClients: string[];
  /** Replies that opened a connection after their attempt had been committed here (upper bound of attempts answered late). */
  lateAnswers: number;
  /**
   * The attempts came from kept sources (the inventory's), folded only because the table reached
   * HARD_BUDGET: the rules from those sources to this target may lack some failed attempts.
   */
  keptSources: boolean;
}

/** Whether connection `id` is an attempt: one packet from A, none from B; a pure SYN or a UDP datagram. */
export function isAttempt(t: ConnectionTable, id: number): boolean {
  const k = id << 1;
  if (t.packets[k] !== 1 || t.packets[k + 1] !== 0) return false;
  const proto = t.proto[id];
  if (proto === 17) return true;
  return proto === 6 && t.events[k] === (EV_ANY | EV_SYN);
}

export class AttemptFold {
  /** Attempts folded (committed or pending). */
  attempts = 0;
  /** Attempts put back into the table by a late answer. */
  restored = 0;
  // Pending attempts, direct-mapped: proto 0 = empty slot. A is the sender of the attempt's packet.
  private pProto = new Uint8Array(0);
  private pA = new Uint32Array(0);
  private pB = new Uint32Array(0);
  private pPortA = new Uint16Array(0);
  private pPortB = new Uint16Array(0);
  private pTs = new Float64Array(0);
  private pBytes = new Float64Array(0);
  private pEv = new Uint8Array(0);
  private pHs = new Uint8Array(0);
  /** 1 when the attempt's receiver (B) is its client (a datagram from a server port). */
  private pFlip = new Uint8Array(0);
  /** 1 when the attempt came from a kept source (folded beyond HARD_BUDGET). */
  private pKept = new Uint8Array(0);
  /** 2 while committing an attempt from a kept source (its aggregates are apart), else 0. */
  private kOff = 0;
  pending = 0;

  private readonly aggs: AttemptAggregate[] = [];
  /** IPv4 servers: address (as int32) → (protocol, port) → aggregate index; others by text. */
  private readonly byV4 = new Map<number, Map<number, number>>();
  private readonly byKey = new Map<string, number>();
  /** The aggregate of the last commit (a flood hits one target over and over). */
  private last: AttemptAggregate | null = null;
  private lastIndex = 0;
  /** Index of the aggregate aggregateFor() returned. */
  private aggIndex = 0;
  /** Per aggregate: connections per state (CONN_STATES order), then per outcome (OUTCOMES order); into `states`/`outcomes` by finish(). */
  private readonly counts: Float64Array[] = [];
  private perPort = 0;
  private perServer = 0;
  private readonly w = new Uint32Array(4);
  private readonly c = new Uint32Array(4);

  constructor(private readonly serverPorts: ServerPorts) {}

  /** Fold attempt `id` of `t` (isAttempt): into the pending set (committing the slot's older attempt). */
  fold(t: ConnectionTable, id: number, kept = false): void {
    if (this.pProto.length === 0) this.allocatePending();
    const s = t.hashOf(id) & (PENDING_SLOTS - 1);
    if (this.pProto[s] !== 0) this.commit(s);
    else this.pending++;
    const k = id << 1;
    t.address(id, 0, this.w);
    this.pA.set(this.w, s * 4);
    t.address(id, 1, this.w);
    this.pB.set(this.w, s * 4);
    this.pProto[s] = t.proto[id]!;
    this.pPortA[s] = t.portA[id]!;
    this.pPortB[s] = t.portB[id]!;
    this.pTs[s] = t.firstTs[id]!;
    this.pBytes[s] = t.bytes[k]!;
    this.pEv[s] = t.events[k]!;
    this.pHs[s] = t.handshake[id]!;
    this.pFlip[s] = this.clientSide(t, id);
    this.pKept[s] = kept ? 1 : 0;
    this.attempts++;
  }

  /** The pending set, made on the first fold (a run that never folds does not pay its 3.4 MB). */
  private allocatePending(): void {
    this.pProto = new Uint8Array(PENDING_SLOTS);
    this.pA = new Uint32Array(PENDING_SLOTS * 4);
    this.pB = new Uint32Array(PENDING_SLOTS * 4);
    this.pPortA = new Uint16Array(PENDING_SLOTS);
    this.pPortB = new Uint16Array(PENDING_SLOTS);
    this.pTs = new Float64Array(PENDING_SLOTS);
    this.pBytes = new Float64Array(PENDING_SLOTS);
    this.pEv = new Uint8Array(PENDING_SLOTS);
    this.pHs = new Uint8Array(PENDING_SLOTS);
    this.pFlip = new Uint8Array(PENDING_SLOTS);
    this.pKept = new Uint8Array(PENDING_SLOTS);
  }

  /** Which side of attempt `id` is its client: A (0, the sender) unless a lone datagram came from a server port (1). */
  clientSide(t: ConnectionTable, id: number): number {
    if (t.proto[id] === 6) return 0; // a pure SYN: its sender
    const e = { isTcp: false, synFrom: 0, synAckFrom: 0, portA: t.portA[id]!, portB: t.portB[id]!, hasPorts: true, icmpTypeA: -1 } as const;
    return inferDirection(e, this.serverPorts).flipped ? 1 : 0;
  }

  /**
   * Connection `id` was just created in `t` by a packet from its A side: if it answers a pending
   * attempt (same 5-tuple, reversed), or repeats it (a retransmitted SYN, a second datagram), put
   * the attempt back (A is the attempt's sender; the caller counts the packet in `t.dir`) and return true. Else, when it looks like an answer to an
   * attempt already committed, count a late answer on that attempt's aggregate.
   */
  answer(t: ConnectionTable, id: number, tcpFlags: number): boolean {
    const s = t.hashOf(id) & (PENDING_SLOTS - 1);
    // The answer (reversed 5-tuple), or the attempt's sender again (a retransmitted SYN or a second datagram).
    const reversed = this.pProto[s] === t.proto[id] && this.pPortA[s] === t.portB[id] && this.pPortB[s] === t.portA[id] && this.sameEnds(t, id, s, true);
    const again = !reversed && this.pProto[s] === t.proto[id] && this.pPortA[s] === t.portA[id] && this.pPortB[s] === t.portB[id] && this.sameEnds(t, id, s, false);
    if (reversed || again) {
      t.restoreAttempt(id, this.pTs[s]!, this.pBytes[s]!, this.pEv[s]!, this.pHs[s]!, reversed);
      this.pProto[s] = 0;
      this.pending--;
      this.restored++;
      this.attempts--;
      return true;
    }
    // A reply with no attempt in the table: a SYN-ACK or RST (TCP), or a datagram from a server port.
    const reply = t.proto[id] === 6 ? (tcpFlags & 0x12) === 0x12 || (tcpFlags & 0x04) !== 0 : this.serverPorts.has(false, t.portA[id]!);
    if (reply && this.aggs.length > 0) this.lateAnswer(t, id);
    return false;
  }

  /** Commit every pending attempt (end of input: no answer can come any more), in slot order. */
  commitPending(): void {
    for (let s = 0; s < this.pProto.length; s++) if (this.pProto[s] !== 0) this.commit(s);
    this.pending = 0;
  }

  /** The aggregates, as facts (pending attempts are in them once commitPending() ran). */
  results(): AttemptAggregate[] {
    this.aggs.forEach((a, i) => {
      const n = this.counts[i]!;
      a.states = {};
      CONN_STATES.forEach((st, k) => {
        if (n[k]! > 0) a.states[st] = n[k]!;
      });
      OUTCOMES.forEach((x, k) => (a.outcomes[x] = n[N_STATES + k]!));
    });
    return this.aggs;
  }

  /** Whether pending attempt `s` has the ends of connection `id`: A↔B swapped (`reversed`) or as they are. */
  private sameEnds(t: ConnectionTable, id: number, s: number, reversed: boolean): boolean {
    const o = s * 4;
    t.address(id, reversed ? 1 : 0, this.w);
    for (let i = 0; i < 4; i++) if (this.pA[o + i] !== this.w[i]) return false;
    t.address(id, reversed ? 0 : 1, this.w);
    for (let i = 0; i < 4; i++) if (this.pB[o + i] !== this.w[i]) return false;
    return true;
  }

  private lateAnswer(t: ConnectionTable, id: number): void {
    t.address(id, 0, this.w);
    const proto = t.proto[id]!;
    const port = t.portA[id]!;
    for (const k of [0, 2]) {
      this.kOff = k;
      const at = this.find(proto, this.w, port) ?? this.find(proto, this.w, -1) ?? this.byKey.get(`*${this.cls(proto) * 65537}`);
      if (at !== undefined) {
        this.aggs[at]!.lateAnswers++;
        break;
      }
    }
    this.kOff = 0;
  }

  /** Per-port aggregates of IPv4 server `w` so far (IPv6: 0; the global cap bounds them). */
  private portsOf(w: Uint32Array): number {
    if (w[0] === 0 && w[1] === 0 && w[2] === V4_MAPPED) return this.byV4.get(w[3]! | 0)?.size ?? 0;
    return 0;
  }

  /** Aggregate index of (proto, address, port; -1 many ports), or undefined. IPv4: two small-integer keys, no string. */
  /** Aggregate class: protocol (tcp 0, udp 1), plus 2 for attempts from kept sources. */
  private cls(proto: number): number {
    return (proto === 6 ? 0 : 1) + this.kOff;
  }

  private find(proto: number, w: Uint32Array, port: number): number | undefined {
    const p = this.cls(proto) * 65537 + port + 1;
    if (w[0] === 0 && w[1] === 0 && w[2] === V4_MAPPED) return this.byV4.get(w[3]! | 0)?.get(p);
    return this.byKey.get(`${p}|${w[0]},${w[1]},${w[2]},${w[3]}`);
  }

  private remember(proto: number, w: Uint32Array | null, port: number, at: number): void {
    const p = this.cls(proto) * 65537 + port + 1;
    if (w === null) this.byKey.set(`*${p}`, at);
    else if (w[0] === 0 && w[1] === 0 && w[2] === V4_MAPPED) {
      let m = this.byV4.get(w[3]! | 0);
      if (m === undefined) this.byV4.set(w[3]! | 0, (m = new Map()));
      m.set(p, at);
    } else this.byKey.set(`${p}|${w[0]},${w[1]},${w[2]},${w[3]}`, at);
  }

  private commit(s: number): void {
    const flip = this.pFlip[s] === 1;
    this.kOff = this.pKept[s] === 1 ? 2 : 0;
    const o = s * 4;
    const server = this.w;
    const client = this.c;
    const pS = flip ? this.pA : this.pB;
    const pC = flip ? this.pB : this.pA;
    for (let i = 0; i < 4; i++) {
      server[i] = pS[o + i]!;
      client[i] = pC[o + i]!;
    }
    const proto = this.pProto[s]!;
    const ts = this.pTs[s]!;
    const a = this.aggregateFor(proto, server, flip ? this.pPortA[s]! : this.pPortB[s]!, ts);
    const bytes = this.pBytes[s]!;
    const evC = flip ? 0 : this.pEv[s]!;
    const evS = flip ? this.pEv[s]! : 0;
    const isTcp = proto === 6;
    const state = isTcp ? tcpState(evC, evS, flip ? 0 : bytes, flip ? bytes : 0) : datagramState(evS);
    a.connections++;
    a.packets++;
    a.bytes += bytes;
    if (ts < a.firstSeen) a.firstSeen = ts;
    if (ts > a.lastSeen) a.lastSeen = ts;
    const n = this.counts[this.aggIndex]!;
    n[STATE_INDEX.get(state)!]!++;
    n[N_STATES + OUTCOMES.indexOf(outcomeOf(isTcp, state, evS))]!++;
    a.sources.addWords(client);
    if (a.exampleClients.length < EXAMPLES) {
      const text = formatAddress(client);
      if (!a.exampleClients.includes(text)) a.exampleClients.push(text);
    }
    this.pProto[s] = 0;
  }

  /** The aggregate of (proto, server, port); beyond the caps, the server's many-ports one, then every server's. */
  private aggregateFor(proto: number, server: Uint32Array, port: number, ts: number): AttemptAggregate {
    const last = this.last;
    if (last !== null && last.port === port && last.ipProto === proto && last.keptSources === (this.kOff === 2) && sameWords(last.serverAddr, server)) {
      this.aggIndex = this.lastIndex;
      return last;
    }
    let at = this.find(proto, server, port) ?? this.find(proto, server, -1);
    if (at === undefined && this.perPort < MAX_PORT_AGGREGATES && this.portsOf(server) < MAX_PORTS_PER_SERVER) {
      this.perPort++;
      at = this.open(proto, server, port, ts);
    } else if (at === undefined && this.perServer < MAX_SERVER_AGGREGATES) {
      this.perServer++;
      at = this.open(proto, server, -1, ts);
    } else if (at === undefined) {
      at = this.byKey.get(`*${this.cls(proto) * 65537}`) ?? this.open(proto, null, -1, ts);
    }
    const a = this.aggs[at]!;
    this.last = a.port !== null ? a : null;
    this.lastIndex = at;
    this.aggIndex = at;
    return a;
  }

  private open(proto: number, server: Uint32Array | null, port: number, ts: number): number {
    const serverAddr = server === null ? new Uint32Array(4) : server.slice();
    const a: AttemptAggregate = {
      protocol: protocolLabel(proto),
      ipProto: proto,
      server: server === null ? '*' : formatAddress(serverAddr),
      serverAddr,
      port: port < 0 ? null : port,
      connections: 0,
      packets: 0,
      bytes: 0,
      firstSeen: ts,
      lastSeen: ts,
      states: {},
      outcomes: { answered: 0, refused: 0, unanswered: 0 },
      sources: new HyperLogLog(),
      exampleClients: [],
      lateAnswers: 0,
      keptSources: this.kOff === 2,
    };
    this.remember(proto, server, port, this.aggs.length);
    this.aggs.push(a);
    this.counts.push(new Float64Array(N_STATES + OUTCOMES.length));
    return this.aggs.length - 1;
  }
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  return a[3] === b[3] && a[2] === b[2] && a[1] === b[1] && a[0] === b[0];
}
