/**
 * Host names as policy: which roles a connection's ends get from names learned in the capture
 * (TLS SNI, HTTP Host, DNS answers seen before the connection) beside the inventory's addresses,
 * and with what evidence. The facts come from flows/hints.ts; the inventory decides what a name means.
 */
import { isIPv4Text, isIPv6Text } from '../ip_text.js';
import type { Connection } from '../flows/connection.js';
import type { DnsNameFact } from '../flows/hints.js';
import type { HintFacts } from '../flows/hint_store.js';
import type { Inventory } from '../matrix/types.js';
import { isoMicros } from './time.js';

export type EvidenceSource = 'sni' | 'http-host' | 'dns' | 'inventory';
/** Order in which evidence is listed: what the connection itself said first. */
export const EVIDENCE_ORDER: readonly EvidenceSource[] = ['sni', 'http-host', 'dns', 'inventory'];

/** A DNS answer supports connections that start at most this long after it, even with a shorter TTL. */
const MIN_DNS_VALIDITY_S = 30;

/** Roles of one end with, per role, the sources that gave it and the names involved. */
export interface EndRoles {
  roles: readonly string[];
  /** role → evidence; absent for a role that came from the inventory's addresses only. */
  byName: Map<string, { sources: Set<EvidenceSource>; names: Set<string> }> | null;
}

export interface NameEntry {
  name: string;
  source: EvidenceSource;
  /** First time this name was seen for the address (DNS answer time, or connection start), or null (inventory). */
  firstSeen: string | null;
  /** DNS answers only: TTL in seconds. */
  ttl?: number;
}

const MAX_NAMES_PER_ADDRESS = 16;
/** Addresses whose inventory roles are cached (beyond, looked up each time). */
const MAX_CACHED_ADDRESSES = 100_000;
const NONE: readonly string[] = Object.freeze([]);
const INVENTORY_ONLY = Object.freeze({ sources: Object.freeze(['inventory'] as EvidenceSource[]), names: Object.freeze([] as string[]) });
const NO_EVIDENCE = Object.freeze({ sources: Object.freeze([] as EvidenceSource[]), names: Object.freeze([] as string[]) });

export class NameIndex {
  private readonly roleCache = new Map<string, EndRoles>();
  private readonly v4RoleCache = new Map<number, EndRoles>();
  /** Reused result of rolesOf (callers use it before the next call and keep nothing). */
  private readonly ends: { client: EndRoles; server: EndRoles } = { client: { roles: [], byName: null }, server: { roles: [], byName: null } };
  private readonly nameRoleCache = new Map<string, readonly string[]>();
  /** Names seen per address during the audit (for the `names` report block). */
  private readonly seen = new Map<string, Map<string, { source: EvidenceSource; first: number; ttl?: number }>>();

  constructor(
    private readonly hints: HintFacts | undefined,
    private readonly inventory: Inventory,
  ) {
    this.isActive = this.active;
  }

  /** True when the capture taught any name at all (otherwise everything is address-only). */
  get active(): boolean {
    const h = this.hints;
    return !!h && (h.dnsNames.size > 0 || h.sni.size > 0 || h.httpHost.size > 0 || h.foldedNames.size > 0);
  }
  private readonly isActive: boolean;

  addressRoles(text: string, words: Uint32Array): readonly string[] {
    return this.addressEnd(text, words).roles;
  }

  /** The inventory-only roles of an address, as a cached EndRoles (no allocation per connection). */
  private addressEnd(text: string, words: Uint32Array): EndRoles {
    // IPv4 (the common case) by its 32-bit value: a number key, no string hashing per connection.
    const v4 = words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
    let r = v4 ? this.v4RoleCache.get(words[3]! | 0) : this.roleCache.get(text);
    if (r === undefined) {
      r = { roles: this.inventory.rolesForAddress(words), byName: null };
      // Bounded: a flood of spoofed sources must not cache one entry per source.
      if (v4 && this.v4RoleCache.size < MAX_CACHED_ADDRESSES) this.v4RoleCache.set(words[3]! | 0, r);
      else if (!v4 && this.roleCache.size < MAX_CACHED_ADDRESSES) this.roleCache.set(text, r);
    }
    return r;
  }

  private rolesForName(name: string): readonly string[] {
    let r = this.nameRoleCache.get(name);
    if (r === undefined) {
      r = this.inventory.rolesForName(name);
      this.nameRoleCache.set(name, r);
    }
    return r;
  }

  /**
   * DNS answers naming `address` that were valid when a connection started at `ts` (µs). For an
   * aggregate of folded connections that started between `ts` and `tsEnd`, the answers valid at some
   * time in that span (the aggregate keeps no single start, so this may admit an answer that none of
   * its connections followed: evidence, not a verdict input stricter than the unfolded audit).
   */
  dnsFor(address: string, ts: number, tsEnd = ts): DnsNameFact[] {
    const list = this.hints?.dnsNames.get(address);
    if (!list) return [];
    return list.filter((f) => f.ts <= tsEnd && ts <= f.ts + Math.max(f.ttl, MIN_DNS_VALIDITY_S) * 1e6);
  }

  /** TLS SNI of connection `c` (for an aggregate of folded connections: the SNIs its server was given). */
  sniOf(c: Connection): readonly string[] {
    if (c.id >= 0) {
      const n = this.hints?.sni.get(c.id);
      return n === undefined ? [] : [n];
    }
    return [...(this.hints?.foldedNames.get(`${c.server}|${c.serverPort}`)?.sni ?? [])];
  }
  hostOf(c: Connection): readonly string[] {
    if (c.id >= 0) {
      const n = this.hints?.httpHost.get(c.id);
      return n === undefined ? [] : [n];
    }
    return [...(this.hints?.foldedNames.get(`${c.server}|${c.serverPort}`)?.host ?? [])];
  }

  private note(address: string, name: string, source: EvidenceSource, ts: number, ttl?: number): void {
    let m = this.seen.get(address);
    if (!m) this.seen.set(address, (m = new Map()));
    const key = `${source}|${name}`;
    const have = m.get(key);
    if (have) {
      if (ts < have.first) have.first = ts;
      return;
    }
    if (m.size >= MAX_NAMES_PER_ADDRESS) return;
    m.set(key, ttl === undefined ? { source, first: ts } : { source, first: ts, ttl });
  }

  /** Roles of the client and server of `c`, from the inventory's addresses plus names seen in the capture. */
  /** The returned object is reused by the next call: use it, do not keep it. */
  rolesOf(c: Connection): { client: EndRoles; server: EndRoles } {
    const e = this.ends;
    if (!this.isActive) {
      e.client = this.addressEnd(c.client, c.clientAddr);
      e.server = this.addressEnd(c.server, c.serverAddr);
      return e;
    }
    // An aggregate (folded connections, flow-log tuples) spans its records' starts.
    const tsEnd = c.id < 0 || c.count > 1 ? (c.lastStart ?? c.firstSeen) : c.firstSeen;
    e.client = this.end(c.client, c.clientAddr, c.firstSeen, tsEnd, NONE, NONE);
    e.server = this.end(c.server, c.serverAddr, c.firstSeen, tsEnd, this.sniOf(c), this.hostOf(c));
    return e;
  }

  private end(text: string, words: Uint32Array, ts: number, tsEnd: number, sni: readonly string[], host: readonly string[]): EndRoles {
    const baseEnd = this.addressEnd(text, words);
    const base = baseEnd.roles;
    let byName: EndRoles['byName'] = null;
    const add = (name: string, source: EvidenceSource, ttl?: number, seenAt = ts): void => {
      if (isAddressLiteral(name)) return; // `Host: 10.77.0.10` names nothing
      this.note(text, name, source, seenAt, ttl);
      for (const role of this.rolesForName(name)) {
        byName ??= new Map();
        let e = byName.get(role);
        if (!e) byName.set(role, (e = { sources: new Set(), names: new Set() }));
        e.sources.add(source);
        e.names.add(name);
      }
    };
    for (const n of sni) add(n, 'sni');
    for (const n of host) add(n, 'http-host');
    for (const f of this.dnsFor(text, ts, tsEnd)) add(f.name, 'dns', f.ttl, f.ts);
    if (byName === null) return baseEnd;
    const all = new Set(base);
    for (const r of (byName as Map<string, unknown>).keys()) all.add(r);
    return { roles: [...all].sort(), byName };
  }

  /** Evidence for `role` held by an end: name sources, plus 'inventory' if its address is listed. */
  static evidence(end: EndRoles, role: string, addressRoles: readonly string[]): { sources: readonly EvidenceSource[]; names: readonly string[] } {
    const e0 = end.byName?.get(role);
    if (!e0) return addressRoles.includes(role) ? INVENTORY_ONLY : NO_EVIDENCE; // the common case: no allocation
    const s = new Set<EvidenceSource>();
    const names: string[] = [];
    const e = end.byName?.get(role);
    if (e) {
      for (const x of e.sources) s.add(x);
      names.push(...e.names);
    }
    if (addressRoles.includes(role)) s.add('inventory');
    return { sources: EVIDENCE_ORDER.filter((x) => s.has(x)), names: names.sort() };
  }

  /** Inventory friendly name, else the first name the capture gave (for labels in reports). */
  label(address: string, inventoryName?: string | null): string | undefined {
    return this.best(address, inventoryName)?.name;
  }

  /** The label with its evidence source. */
  best(address: string, inventoryName?: string | null): { name: string; source: EvidenceSource } | undefined {
    if (inventoryName) return { name: inventoryName, source: 'inventory' };
    const m = this.seen.get(address);
    if (m) for (const [k, v] of m) return { name: k.slice(k.indexOf('|') + 1), source: v.source };
    const dns = this.hints?.dnsNames.get(address);
    return dns?.[0] ? { name: dns[0].name, source: 'dns' } : undefined;
  }

  /** Names the capture gave `address` (SNI, HTTP Host, DNS), without the inventory's; empty when none. */
  learnedNames(address: string): string[] {
    const out = [...(this.seen.get(address)?.keys() ?? [])].map((k) => k.slice(k.indexOf('|') + 1));
    for (const d of this.hints?.dnsNames.get(address) ?? []) if (!out.includes(d.name)) out.push(d.name);
    return out;
  }

  /** The `names` block: each address in `addresses` with its inventory name and the names seen. */
  /** Whether names were seen for `address` in the capture (by the audit so far). */
  hasSeen(address: string): boolean {
    return this.seen.has(address);
  }

  entries(addresses: Iterable<[string, string | null]>): { address: string; names: NameEntry[] }[] {
    const out: { address: string; names: NameEntry[] }[] = [];
    for (const [address, inv] of addresses) {
      const names: NameEntry[] = [];
      if (inv) names.push({ name: inv, source: 'inventory', firstSeen: null });
      const m = this.seen.get(address);
      if (m) {
        const list = [...m].map(([k, v]) => ({ name: k.slice(k.indexOf('|') + 1), ...v }));
        // By source, then time; names of one DNS answer keep their CNAME-chain order (stable sort).
        list.sort((a, b) => EVIDENCE_ORDER.indexOf(a.source) - EVIDENCE_ORDER.indexOf(b.source) || a.first - b.first);
        for (const x of list) names.push({ name: x.name, source: x.source, firstSeen: isoMicros(x.first), ...(x.ttl !== undefined ? { ttl: x.ttl } : {}) });
      }
      if (names.length > 0) out.push({ address, names });
    }
    return out;
  }
}

/**
 * An IP address written where a host name may stand (HTTP `Host: 10.77.0.10`, `Host: [fd00::1]`, an
 * SNI some clients fill with an address): it is not a name, so it gives no role and no label.
 */
export function isAddressLiteral(name: string): boolean {
  // Most names have a letter and no ':': neither IPv4 nor IPv6, decided without node:net, whose
  // IPv6 pattern costs tens of milliseconds to build on first use (start-up time).
  if (!name.includes(':') && !/^[0-9.]+$/.test(name)) return false;
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  const b = bare.replace(/%.*$/, '');
  return isIPv4Text(b) || isIPv6Text(b);
}
