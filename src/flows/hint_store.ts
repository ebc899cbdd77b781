/**
 * The hint facts of a run (names, EPM hand-outs, SRV answers, ICMP reports) as read-only stores
 * with their limits, written only through methods. Writers: the per-packet hint reader
 * (hints.ts), flow logs (records/record_facts.ts), and merged states (facts_merge.ts). Readers
 * (audit, discover, reports) see the HintFacts interface: maps and lists they cannot change.
 *
 * Bounded by design: every store has a limit, so hostile traffic or logs cannot grow memory
 * without limit; what is over a limit is dropped (first sightings kept).
 */
import type { DnsNameFact, EpmFact, SrvFact } from './hint_facts.js';
import type { IcmpQuote } from './icmp_quote.js';

/** Bounds on what is remembered in total. */
export const HINT_LIMITS = {
  namedAddresses: 100_000,
  namesPerAddress: 16,
  connectionNames: 200_000,
  epm: 10_000,
  icmp: 10_000,
  /** 5-tuples with pktmon drop events, and (component, reason) kinds kept per 5-tuple. */
  drops: 10_000,
  dropKindsPerTuple: 16,
  /** SRV answers kept (a domain advertises a few dozen services; the linear dedup stays cheap). */
  srv: 1_000,
  /** SNI / Host names kept per service for connections folded out of the table. */
  foldedNamesPerService: 16,
} as const;

export interface FoldedNames {
  readonly sni: ReadonlySet<string>;
  readonly host: ReadonlySet<string>;
}

/** What the hint facts offer their readers. */
export interface HintFacts {
  /** Address text → names DNS answers gave it (first answer per name kept, in order seen). */
  readonly dnsNames: ReadonlyMap<string, readonly DnsNameFact[]>;
  /** Connection id → TLS server_name / HTTP Host the client sent. */
  readonly sni: ReadonlyMap<number, string>;
  readonly httpHost: ReadonlyMap<number, string>;
  /**
   * `server|port` → SNI / Host names of connections folded out of the table (live capture). An
   * aggregate of folded connections to that service gets them all: an approximation, since folding
   * keeps no per-connection rows.
   */
  readonly foldedNames: ReadonlyMap<string, FoldedNames>;
  readonly epm: readonly EpmFact[];
  /** SRV answers (service → target:port, addresses), one per distinct service/target/port. */
  readonly srv: readonly SrvFact[];
  /** Key `proto|src|sport|dst|dport` of the quoted packet (icmpKey) → the ICMP report. */
  readonly icmp: ReadonlyMap<string, IcmpQuote>;
  /**
   * Packets a Windows Packet Monitor trace saw dropped: icmpKey of the dropped packet (its own
   * direction) → `component/reason` → packets.
   */
  readonly drops: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export type ConnectionNameKind = 'sni' | 'http-host';

export class HintStore implements HintFacts {
  private readonly _dnsNames = new Map<string, DnsNameFact[]>();
  private readonly _sni = new Map<number, string>();
  private readonly _httpHost = new Map<number, string>();
  /** `server|port` of each connection with an SNI or Host (so names survive idle folding). */
  private readonly serverOf = new Map<number, string>();
  private readonly _foldedNames = new Map<string, { sni: Set<string>; host: Set<string> }>();
  private readonly _epm: EpmFact[] = [];
  private readonly _srv: SrvFact[] = [];
  private readonly _icmp = new Map<string, IcmpQuote>();
  private readonly _drops = new Map<string, Map<string, number>>();

  get dnsNames(): ReadonlyMap<string, readonly DnsNameFact[]> {
    return this._dnsNames;
  }
  get sni(): ReadonlyMap<number, string> {
    return this._sni;
  }
  get httpHost(): ReadonlyMap<number, string> {
    return this._httpHost;
  }
  get foldedNames(): ReadonlyMap<string, FoldedNames> {
    return this._foldedNames;
  }
  get epm(): readonly EpmFact[] {
    return this._epm;
  }
  get srv(): readonly SrvFact[] {
    return this._srv;
  }
  get icmp(): ReadonlyMap<string, IcmpQuote> {
    return this._icmp;
  }
  get drops(): ReadonlyMap<string, ReadonlyMap<string, number>> {
    return this._drops;
  }

  /** One more packet of the 5-tuple `key` dropped by `component` for `reason` (pktmon drop event). */
  addDrop(key: string, component: number, reason: number): void {
    this.mergeDrop(key, `${component}/${reason}`, 1);
  }

  /** `n` packets of `key` dropped for `why` (`component/reason`): from a packet, or merged states. */
  mergeDrop(key: string, why: string, n: number): void {
    let by = this._drops.get(key);
    if (!by) {
      if (this._drops.size >= HINT_LIMITS.drops) return;
      this._drops.set(key, (by = new Map()));
    }
    const have = by.get(why);
    if (have !== undefined) by.set(why, have + n);
    else if (by.size < HINT_LIMITS.dropKindsPerTuple) by.set(why, n);
  }

  /** A name for `address` (first sighting of each name kept, up to the limits). */
  addDnsName(address: string, fact: DnsNameFact): void {
    let list = this._dnsNames.get(address);
    if (!list) {
      if (this._dnsNames.size >= HINT_LIMITS.namedAddresses) return;
      list = [];
      this._dnsNames.set(address, list);
    }
    if (list.length >= HINT_LIMITS.namesPerAddress) return;
    if (!list.some((x) => x.name === fact.name)) list.push(fact);
  }

  /**
   * Merging runs: a name for `address` where the earliest sighting wins, the list kept in time
   * order (facts_merge.ts).
   */
  mergeDnsName(address: string, fact: DnsNameFact): void {
    let list = this._dnsNames.get(address);
    if (!list) {
      if (this._dnsNames.size >= HINT_LIMITS.namedAddresses) return;
      list = [];
      this._dnsNames.set(address, list);
    }
    const k = list.findIndex((x) => x.name === fact.name);
    if (k >= 0) {
      if (fact.ts < list[k]!.ts) list[k] = { ...fact };
    } else if (list.length < HINT_LIMITS.namesPerAddress) list.push({ ...fact });
    list.sort((x, y) => x.ts - y.ts);
  }

  /**
   * The SNI or HTTP Host connection `id` sent. Names learned from packets come with their
   * `service` (`server|port`, which keeps them past idle folding) and count against
   * `connectionNames` together; names from flow-log records and merged states (no service) come
   * one per row of those tables and are bounded by them.
   */
  setConnectionName(kind: ConnectionNameKind, id: number, name: string, service: string | null = null): void {
    const m = kind === 'sni' ? this._sni : this._httpHost;
    if (service !== null) {
      if (m.size >= HINT_LIMITS.connectionNames) return;
      this.serverOf.set(id, service);
    }
    m.set(id, name);
  }

  /** Names of connections folded out of the table, for their service (`server|port`). */
  addFoldedNames(service: string, sni: Iterable<string>, host: Iterable<string>): void {
    let f = this._foldedNames.get(service);
    if (!f) this._foldedNames.set(service, (f = { sni: new Set(), host: new Set() }));
    for (const s of sni) if (f.sni.size < HINT_LIMITS.foldedNamesPerService) f.sni.add(s);
    for (const s of host) if (f.host.size < HINT_LIMITS.foldedNamesPerService) f.host.add(s);
  }

  /** An endpoint-mapper hand-out; false once the store is full. */
  addEpm(fact: EpmFact): boolean {
    if (this._epm.length >= HINT_LIMITS.epm) return false;
    this._epm.push(fact);
    return true;
  }

  /** Merging runs: hand-outs not yet known, then all in time order. */
  mergeEpm(facts: Iterable<EpmFact>): void {
    const seen = new Set(this._epm.map((e) => JSON.stringify(e)));
    for (const e of facts) if (!seen.has(JSON.stringify(e)) && this._epm.length < HINT_LIMITS.epm) this._epm.push({ ...e });
    this._epm.sort((x, y) => x.ts - y.ts);
  }

  /** An SRV answer: addresses join a known service/target/port; a new one is kept up to the limit. */
  addSrv(fact: SrvFact): void {
    const have = this._srv.find((x) => x.service === fact.service && x.target === fact.target && x.port === fact.port);
    if (have) {
      for (const a of fact.addresses) if (!have.addresses.includes(a) && have.addresses.length < HINT_LIMITS.namesPerAddress) have.addresses.push(a);
      return;
    }
    if (this._srv.length >= HINT_LIMITS.srv) return;
    this._srv.push({ ...fact, addresses: fact.addresses.slice(0, HINT_LIMITS.namesPerAddress) });
  }

  /** An ICMP report about the packet `key`: counted when known, else kept (a copy) up to the limit. */
  addIcmp(key: string, quote: IcmpQuote): void {
    const have = this._icmp.get(key);
    if (have) {
      have.count += quote.count;
      return;
    }
    if (this._icmp.size >= HINT_LIMITS.icmp) return;
    this._icmp.set(key, { ...quote });
  }

  /** Merging sensors: the same report seen by several sensors counts the largest count, the earliest sighting. */
  mergeIcmp(key: string, quote: IcmpQuote): void {
    const have = this._icmp.get(key);
    if (!have) {
      if (this._icmp.size < HINT_LIMITS.icmp) this._icmp.set(key, quote);
      return;
    }
    const count = Math.max(have.count, quote.count);
    if (quote.firstTs < have.firstTs) this._icmp.set(key, { ...quote, count });
    else have.count = count;
  }

  /**
   * Follow a renumbering of the connection table (idle folding: old id → new id, -1 dropped).
   * Per-connection SNI/Host of dropped connections move to their service's folded names.
   */
  remap(remap: Int32Array): void {
    for (const [id, service] of this.serverOf) {
      if (id < remap.length && remap[id]! < 0) {
        const sni = this._sni.get(id);
        const host = this._httpHost.get(id);
        this.addFoldedNames(service, sni === undefined ? [] : [sni], host === undefined ? [] : [host]);
      }
    }
    remapIds(this._sni, remap);
    remapIds(this._httpHost, remap);
    remapIds(this.serverOf, remap);
  }
}

/** Move the entries of a map keyed by connection id to their new ids (dropping those mapped to -1). */
export function remapIds<T>(m: Map<number, T>, remap: Int32Array): void {
  const entries = [...m];
  m.clear();
  for (const [id, v] of entries) {
    const n = id < remap.length ? remap[id]! : id;
    if (n >= 0) m.set(n, v);
  }
}
