/**
 * The per-packet engine: decode into one reused struct, then count the packet into the connection
 * table. This is the hot path for every source (file readers and live capture alike), so it
 * allocates nothing per packet in the common case (TCP/UDP, unfragmented).
 */
import type { RawPacket } from '../capture/source.js';
import { decodePacket } from '../decode/decode_packet.js';
import { DecodedPacket, DecodeProblem, DECODE_PROBLEM_NAMES, L3 } from '../decode/decoded.js';
import { ConnectionTable } from './connection_table.js';
import { HintRecorder, icmpKey } from './hints.js';
import { formatAddress } from '../ip_text.js';
import { AddressNames, emptyConnection, fillConnection, protocolLabel, type Connection } from './connection.js';
import { defaultServerPorts, type ServerPorts } from './direction.js';
import { FoldedConnections, foldIdleConnections } from './fold.js';
import { ATTEMPT_BUDGET, AttemptFold, HARD_BUDGET, isAttempt } from './attempt_fold.js';

const PROTO_TCP = 6;
const PROTO_UDP = 17;

/** Flow-level problems the engine itself counts (beside the decoder's DecodeProblem reasons). */
export const FRAGMENT_WITHOUT_FIRST = 'fragment-without-first';

/** Bound on remembered first fragments, so a fragment flood cannot grow memory without limit. */
const MAX_FRAGMENTS = 65536;

/** How the engine bounds its table under floods (attempt_fold.ts). */
export interface FlowEngineOptions {
  /** Live connections in the table before attempts fold (default ATTEMPT_BUDGET). */
  attemptBudget?: number;
  /** Live connections at which attempts from kept sources fold too, marked (default HARD_BUDGET). */
  hardBudget?: number;
  /** Sources whose attempts fold only at the hard budget, marked (the audit: the inventory's addresses); default: none kept. */
  keepClient?: (addr: Uint32Array) => boolean;
  /** Likely server ports, to orient a lone datagram (default: the well-known ones). */
  serverPorts?: ServerPorts;
}

export class FlowEngine {
  readonly table = new ConnectionTable();
  /** Attempts folded out of the table beyond the budget (attempt_fold.ts). */
  readonly attempts: AttemptFold;
  private readonly attemptBudget: number;
  private readonly hardBudget: number;
  private readonly keepClient: ((addr: Uint32Array) => boolean) | null;
  private readonly serverPorts: ServerPorts;
  /** Table size at which the next attempt fold runs. */
  private nextFoldAt: number;
  /** Connections below this id were kept by an earlier attempt fold (answered, more than one packet, or kept sources). */
  private foldFrom = 0;
  /** Connections below this id were looked at by a hard pass and kept: not attempts at all. */
  private hardFrom = 0;
  /** Hard passes so far. */
  private hardFolds = 0;

  /** Idle connections folded out of the table on long live runs (see fold.ts); empty otherwise. */
  readonly folded = new FoldedConnections();
  readonly decoded = new DecodedPacket();
  /** Names (DNS, SNI, Host), endpoint-mapper hand-outs and ICMP quotes from the first packets of connections. */
  readonly hints = new HintRecorder();

  packets = 0;
  bytes = 0;
  /** µs since the epoch of the earliest/latest packet (Infinity/-Infinity when none). */
  firstTs = Infinity;
  lastTs = -Infinity;
  ipv4 = 0;
  ipv6 = 0;
  arp = 0;
  /** Packets per DecodeProblem code. */
  readonly problems = new Float64Array(DecodeProblem.Count);
  fragmentsWithoutFirst = 0;
  /** Non-IP frames by ethertype (ARP included). */
  readonly nonIp = new Map<number, number>();
  /** Packets per link type. */
  readonly linkTypes = new Map<number, number>();

  /** First fragments seen: key → connection id (IPv4 and IPv6 fragment ids). */
  private readonly fragments = new Map<string, number>();
  private lastLinkType = -1;
  private readonly dropDecoded = new DecodedPacket();
  private lastLinkCount = 0;

  constructor(opts: FlowEngineOptions = {}) {
    this.attemptBudget = Math.max(16, opts.attemptBudget ?? ATTEMPT_BUDGET);
    this.nextFoldAt = this.attemptBudget;
    this.hardBudget = Math.max(this.attemptBudget, opts.hardBudget ?? HARD_BUDGET);
    this.keepClient = opts.keepClient ?? null;
    this.serverPorts = opts.serverPorts ?? defaultServerPorts();
    this.attempts = new AttemptFold(this.serverPorts);
  }

  ingest(pkt: RawPacket): void {
    const d = this.decoded;
    decodePacket(pkt.data, pkt.offset, pkt.caplen, pkt.linkType, d);
    this.packets++;
    this.bytes += pkt.wirelen;
    const ts = pkt.tsSec * 1e6 + pkt.tsNsec / 1000;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    // Count link types without a Map update per packet: runs of the same type are batched.
    if (pkt.linkType !== this.lastLinkType) this.flushLinkType(pkt.linkType);
    this.lastLinkCount++;

    if (d.problem !== DecodeProblem.None) this.problems[d.problem]! += 1;
    const l3 = d.l3;
    if (l3 === L3.IPv4) this.ipv4++;
    else if (l3 === L3.IPv6) this.ipv6++;
    else {
      if (l3 === L3.ARP) this.arp++;
      if (l3 === L3.ARP || l3 === L3.Other) this.nonIp.set(d.etherType, (this.nonIp.get(d.etherType) ?? 0) + 1);
      return;
    }
    // Only packets with a usable transport key make or join a flow: TCP/UDP with ports, ICMP with
    // its type, a later fragment, or another IP protocol whose header decoded cleanly. An IP packet
    // whose TCP/UDP header could not be read is a decode problem only (tshark likewise leaves it out
    // of its TCP/UDP conversations).
    const proto = d.ipProto;
    const laterFragment = d.isFragment && d.fragOffset > 0;
    if (!d.hasPorts && !d.isIcmp && !laterFragment) {
      if (d.problem !== DecodeProblem.None || proto === PROTO_TCP || proto === PROTO_UDP) return;
    }

    const t = this.table;
    if (laterFragment) {
      // A later fragment: no ports here; it belongs to the flow of its first fragment.
      const id = this.fragments.get(fragmentKey(d));
      if (id === undefined) {
        this.fragmentsWithoutFirst++;
        return;
      }
      const dir = t.isAddress(id, 0, d.src) ? 0 : 1;
      t.count(id, dir, pkt.wirelen, ts);
      return;
    }

    if (t.size >= this.nextFoldAt) this.foldAttempts();
    let id: number;
    if (d.hasPorts) {
      id = t.lookup(proto, d.src, d.srcPort, d.dst, d.dstPort, ts);
      if (t.created && this.attempts.attempts > 0 && (proto === PROTO_TCP || proto === PROTO_UDP)) this.attempts.answer(t, id, d.tcpFlags);
      if (proto === PROTO_TCP) t.tcp(id, t.dir, d.tcpFlags, d.payloadLength > 0);
      else t.datagram(id, t.dir);
    } else {
      id = t.lookup(proto, d.src, 0, d.dst, 0, ts);
      if (d.isIcmp && t.icmpType[id] === -1) {
        t.icmpType[id] = d.icmpType;
        t.icmpCode[id] = d.icmpCode;
      }
      // Destination unreachable (ICMP 3, ICMPv6 1): tie it to the TCP/UDP packet it quotes.
      if (d.isIcmp && d.icmpType === (proto === 58 ? 1 : 3) && (proto === 1 || proto === 58)) this.hints.icmpError(d, pkt.data, ts);
      t.datagram(id, t.dir);
    }
    t.count(id, t.dir, pkt.wirelen, ts);
    if (d.payloadLength > 0 && d.hasPorts && this.hints.want(id)) this.hints.payload(id, t.dir, d, pkt.data, ts);
    if (d.isFragment) {
      if (this.fragments.size >= MAX_FRAGMENTS) this.fragments.clear();
      this.fragments.set(fragmentKey(d), id);
    }
  }

  /**
   * A packet a pktmon trace logged as dropped (event 170) by `component` for `reason`: recorded
   * by its 5-tuple beside the ICMP reports (hints.facts.drops), whether or not it was counted (a drop
   * event is often a copy of a packet counted at an earlier component). Rare: decodes on its own.
   */
  noteDrop(pkt: RawPacket, component: number, reason: number): void {
    const d = this.dropDecoded;
    decodePacket(pkt.data, pkt.offset, pkt.caplen, pkt.linkType, d);
    if (d.l3 !== L3.IPv4 && d.l3 !== L3.IPv6) return;
    const key = icmpKey(protocolLabel(d.ipProto), formatAddress(d.src), d.hasPorts ? d.srcPort : 0, formatAddress(d.dst), d.hasPorts ? d.dstPort : 0);
    this.hints.facts.addDrop(key, component, reason);
  }

  private flushLinkType(next: number): void {
    if (this.lastLinkCount > 0) {
      this.linkTypes.set(this.lastLinkType, (this.linkTypes.get(this.lastLinkType) ?? 0) + this.lastLinkCount);
    }
    this.lastLinkType = next;
    this.lastLinkCount = 0;
  }

  /**
   * Fold connections idle for more than `idleUs` at capture time `nowUs` (µs) into per-service
   * aggregates, so a long live capture's table stays bounded. Not on the per-packet path: the live
   * command calls it every few seconds. Returns the number of connections folded.
   */
  foldIdle(nowUs: number, idleUs: number, serverPorts: ServerPorts): number {
    const before = this.folded.connections;
    const remap = foldIdleConnections(this.table, this.folded, nowUs, idleUs, serverPorts);
    if (remap !== null) {
      this.remapIds(remap);
      this.foldFrom = 0;
      this.hardFrom = 0;
    }
    return this.folded.connections - before;
  }

  /**
   * Take connections out of the table for good (watch over an interface: a connection leaves
   * memory once it was written as a row). Every id `pick` chooses is filled as a Connection (reused:
   * copy what you keep), visited while its id and hints are still valid, then removed; a later packet
   * on its 5-tuple starts a new connection, as after foldIdle. Returns the number taken out.
   */
  release(pick: (t: ConnectionTable, id: number) => boolean, visit: (c: Connection) => void): number {
    const t = this.table;
    const n = t.size;
    const keep = new Uint8Array(n);
    const names = new AddressNames();
    const c = emptyConnection();
    let gone = 0;
    for (let id = 0; id < n; id++) {
      if (!pick(t, id)) {
        keep[id] = 1;
        continue;
      }
      visit(fillConnection(t, id, this.serverPorts, names, c));
      gone++;
    }
    if (gone > 0) {
      this.remapIds(t.compact(keep));
      this.foldFrom = 0;
      this.hardFrom = 0;
      this.nextFoldAt = Math.max(this.attemptBudget, Math.min(this.nextFoldAt, t.size + (this.attemptBudget >>> 1)));
    }
    return gone;
  }

  /**
   * The table reached its budget: fold the attempts among its older half (attempt_fold.ts), except
   * those from `keepClient` sources. The next fold runs once the table has grown by half a budget
   * again, and looks only at connections no earlier pass kept, so a table of connections that never
   * fold (answered, or from kept sources) costs each connection one look, not one per pass.
   */
  private foldAttempts(all = false): void {
    const t = this.table;
    const n = t.size;
    // At the hard budget, every attempt folds, from kept sources too (marked): memory stays bounded;
    // and once that happened, the end of the input folds them all as well.
    const hard = n >= this.hardBudget || (all && this.hardFolds > 0);
    const end = all || hard ? n : n >>> 1;
    const keep = new Uint8Array(n).fill(1);
    const addr = new Uint32Array(4);
    if (hard) this.hardFolds++;
    let folded = 0;
    // Ids below foldFrom were looked at by an earlier pass and kept: they cannot become attempts again
    // (but an attempt from a kept source can fold at the hard budget: then every id is looked at).
    for (let id = hard ? this.hardFrom : this.foldFrom; id < end; id++) {
      if (!isAttempt(t, id)) continue;
      const kept = this.keepClient !== null && this.keepClient(t.address(id, this.attempts.clientSide(t, id), addr));
      if (kept && !hard) continue;
      this.attempts.fold(t, id, kept);
      keep[id] = 0;
      folded++;
    }
    if (folded > 0) this.remapIds(t.compact(keep));
    this.foldFrom = hard ? end - folded : Math.max(this.foldFrom, end - folded);
    if (hard) this.hardFrom = this.foldFrom;
    const next = Math.max(this.attemptBudget, t.size + (this.attemptBudget >>> 1));
    // The hard pass runs when the table reaches the hard budget, before it would double its columns.
    this.nextFoldAt = t.size < this.hardBudget ? Math.min(next, this.hardBudget) : next;
  }

  private remapIds(remap: Int32Array): void {
    for (const [k, id] of this.fragments) {
      const n = remap[id] ?? -1;
      if (n < 0) this.fragments.delete(k);
      else this.fragments.set(k, n);
    }
    this.hints.remap(remap);
  }

  /**
   * Call after the last packet so batched counters are folded in (`final` false: a look mid-capture,
   * live's progress audits). At the end (`final`), when attempts were folded
   * (a flood went past the budget), the attempts still in the table fold too: no answer can come
   * any more, and the audit then meets the flood once, as aggregates, not as thousands of flows.
   */
  finish(final = true): void {
    this.flushLinkType(-1);
    if (final && this.attempts.attempts > 0) {
      this.foldAttempts(true);
      this.attempts.commitPending();
    }
  }

  /** Decode problems by name (only reasons that occurred), plus engine-level ones. */
  problemCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 1; i < this.problems.length; i++) {
      const n = this.problems[i]!;
      if (n > 0) out[DECODE_PROBLEM_NAMES[i] ?? `problem-${i}`] = n;
    }
    if (this.fragmentsWithoutFirst > 0) out[FRAGMENT_WITHOUT_FIRST] = this.fragmentsWithoutFirst;
    return out;
  }
}

function fragmentKey(d: DecodedPacket): string {
  const s = d.src;
  const t = d.dst;
  return `${d.l3}|${d.ipProto}|${d.fragId}|${s[0]},${s[1]},${s[2]},${s[3]}|${t[0]},${t[1]},${t[2]},${t[3]}`;
}
