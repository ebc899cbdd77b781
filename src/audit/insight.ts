/**
 * What the audit learns beyond counts (issue 4): roles from host names with their evidence, a
 * diagnosis of how connections went, per-member coverage, near misses, and dynamic RPC tied to
 * the endpoint mapper. runAudit feeds it each connection; it returns the extra report fields.
 */
import type { Connection } from '../flows/connection.js';
import { icmpKey, type IcmpQuote } from '../flows/hints.js';
import type { HintFacts } from '../flows/hint_store.js';
import { dropsOf, type DropNamer } from './drops.js';
import type { Inventory, MatrixRule } from '../matrix/types.js';
import { portInRule } from './classify.js';
import { CoverageAcc, type CoverageEntry } from './coverage.js';
import { DiagnosisAcc, type Diagnosis } from './diagnosis.js';
import { NameIndex, type EndRoles, type EvidenceSource, type NameEntry } from './names.js';
import { PartialAcc, type MemberFailure } from './partial.js';

export interface RuleEvidence {
  server: string;
  /** The names that gave the server the rule's destination role (empty for inventory only). */
  names: string[];
  sources: EvidenceSource[];
  connections: number;
}

export interface DynamicRpcConnection {
  client: string;
  server: string;
  port: number;
  /** True when an ept_map response handed this client that server port before the connection. */
  viaEpm: boolean;
  /** The endpoint mapper that handed the port out (null without one). */
  mapper: string | null;
  connections: number;
}

export interface DynamicRpc {
  viaEpm: number;
  withoutEpm: number;
  /** Sorted by server, port, client; at most 50. */
  connections: DynamicRpcConnection[];
}

export interface NearMissRef {
  rule: string;
  /** Which side lacks the role: the client ('source') or the server ('destination'). */
  side: 'source' | 'destination';
  missingRole: string;
  address: string;
}

export interface NearMiss extends NearMissRef {
  client: string;
  server: string;
  protocol: string;
  port: number;
  connections: number;
  text: string;
  /** Issue 12: names of both ends, best first, with their evidence source. */
  clientNames?: { name: string; source: EvidenceSource }[];
  serverNames?: { name: string; source: EvidenceSource }[];
}

export interface Ends {
  client: EndRoles;
  server: EndRoles;
}

const MAX_LISTED = 50;
const MAX_NAMED_ADDRESSES = 10_000;

/** A rule over a wide range of high ports (the RPC dynamic range): its connections are checked against EPM hand-outs. */
export function isDynamicRangeRule(rule: MatrixRule): boolean {
  return rule.protocol === 'tcp' && rule.portRanges.some((r) => r.from >= 1024 && r.to - r.from >= 1024);
}

interface RuleExtra {
  evidence: Map<string, { names: Set<string>; sources: Set<EvidenceSource>; connections: number; last: object | null }>;
  diag: DiagnosisAcc;
  cov: CoverageAcc;
  partial: PartialAcc;
  dyn: Map<string, DynamicRpcConnection> | null;
}

export class Insights {
  readonly names: NameIndex;
  private readonly rules = new Map<string, RuleExtra>();
  private readonly groups = new Map<string, DiagnosisAcc>();
  /** Audited addresses → their inventory friendly name (null when none), looked up once each. */
  private readonly addresses = new Map<string, string | null>();
  /** The IPv4 addresses among `addresses`, by value. */
  private readonly v4Named = new Set<number>();
  private readonly epm = new Map<string, { ts: number; mapper: string }>();
  /** ICMP quotes by the quoted packet without its client port (for aggregates of folded connections). */
  private readonly icmpNoPort = new Map<string, IcmpQuote>();
  /** Servers that answered Kerberos (tcp/udp 88): they behave as domain controllers (role_fit.ts). */
  readonly kerberosServers = new Set<string>();
  /** Roles defined by host names only (idp.example.org, *.lithnet.io): a named server is judged by its name. */
  private readonly nameRoles = new Set<string>();

  constructor(
    private readonly hints: HintFacts | undefined,
    private readonly inventory: Inventory,
    /** Names pktmon drop events (component and reason), for ETL inputs. */
    private readonly dropName?: DropNamer,
  ) {
    this.names = new NameIndex(hints, inventory);
    for (const r of inventory.roles) {
      if (r.members.length > 0 && r.members.every((m) => m.kind === 'host' || m.kind === 'suffix')) this.nameRoles.add(r.name);
    }
    for (const e of hints?.epm ?? []) {
      const k = `${e.client}|${e.server}|${e.protocol}|${e.port}`;
      const have = this.epm.get(k);
      if (!have || e.ts < have.ts) this.epm.set(k, { ts: e.ts, mapper: e.mapper });
    }
    for (const q of hints?.icmp.values() ?? []) {
      const k = `${q.protocol}|${q.src}|${q.dst}|${q.dstPort}`;
      if (!this.icmpNoPort.has(k)) this.icmpNoPort.set(k, q);
    }
  }

  roles(c: Connection): Ends {
    return this.names.rolesOf(c);
  }

  inScope(c: Connection): void {
    if (c.serverPort === 88 && c.protocol !== 'icmp' && c.outcome === 'answered' && this.kerberosServers.size < MAX_NAMED_ADDRESSES) this.kerberosServers.add(c.server);
    if (this.addresses.size >= MAX_NAMED_ADDRESSES) return;
    this.named(c.client, c.clientAddr);
    this.named(c.server, c.serverAddr);
  }

  /** Records the inventory name of an audited address once (IPv4 looked up by its 32-bit value). */
  private named(text: string, words: Uint32Array): void {
    const v4 = words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
    if (v4 ? this.v4Named.has(words[3]! | 0) : this.addresses.has(text)) return;
    if (v4) this.v4Named.add(words[3]! | 0);
    this.addresses.set(text, this.inventory.nameForAddress?.(words) ?? null);
  }

  private icmpFor(c: Connection) {
    const m = this.hints?.icmp;
    if (!m || m.size === 0 || (c.protocol !== 'tcp' && c.protocol !== 'udp')) return undefined;
    if (c.id < 0) return c.outcome === 'answered' ? undefined : this.icmpNoPort.get(`${c.protocol}|${c.client}|${c.server}|${c.serverPort}`);
    return m.get(icmpKey(c.protocol, c.client, c.clientPort, c.server, c.serverPort)) ?? m.get(icmpKey(c.protocol, c.server, c.serverPort, c.client, c.clientPort));
  }

  private extra(rule: MatrixRule): RuleExtra {
    let x = this.rules.get(rule.id);
    if (!x) {
      x = { evidence: new Map(), diag: new DiagnosisAcc(), cov: new CoverageAcc(), partial: new PartialAcc(), dyn: isDynamicRangeRule(rule) ? new Map() : null };
      this.rules.set(rule.id, x);
    }
    return x;
  }

  onRule(rule: MatrixRule, c: Connection, ends: Ends): void {
    const x = this.extra(rule);
    // An end known by its address alone (no names) is its address's roles: no second lookup.
    const addressRoles = ends.server.byName === null ? ends.server.roles : this.names.addressRoles(c.server, c.serverAddr);
    const ev = NameIndexEvidence(ends.server, rule.destination, addressRoles);
    let e = x.evidence.get(c.server);
    if (!e) x.evidence.set(c.server, (e = { names: new Set(), sources: new Set(), connections: 0, last: null }));
    if (e.last !== ev) {
      // The same shared evidence as this server's previous connection (inventory only) adds nothing.
      for (const n of ev.names) e.names.add(n);
      for (const s of ev.sources) e.sources.add(s);
      e.last = ev;
    }
    e.connections += c.count;
    const icmp = this.icmpFor(c);
    x.diag.add(c, icmp, dropsOf(this.hints, c));
    x.partial.add(c, icmp !== undefined);
    x.cov.add(c, ev.names);
    if (x.dyn) {
      const hit = this.epm.size === 0 ? undefined : this.epm.get(`${c.client}|${c.server}|${c.protocol}|${c.serverPort}`);
      const via = hit !== undefined && hit.ts <= c.firstSeen;
      const k = `${c.client}|${c.server}|${c.serverPort}`;
      let d = x.dyn.get(k);
      if (!d) {
        if (x.dyn.size >= 10_000) return;
        x.dyn.set(k, (d = { client: c.client, server: c.server, port: c.serverPort, viaEpm: via, mapper: via ? hit.mapper : null, connections: 0 }));
      }
      d.connections += c.count;
    }
  }

  onGroup(key: string, c: Connection): void {
    let d = this.groups.get(key);
    if (!d) this.groups.set(key, (d = new DiagnosisAcc()));
    d.add(c, this.icmpFor(c), dropsOf(this.hints, c));
  }

  /** Enabled rules this connection would match but for one side's role. */
  nearMisses(c: Connection, ends: Ends, rules: readonly MatrixRule[]): NearMissRef[] {
    const out: NearMissRef[] = [];
    for (const rule of rules) {
      if (rule.protocol !== c.protocol || !portInRule(rule, c.serverPort)) continue;
      const src = ends.client.roles.includes(rule.source);
      const dst = ends.server.roles.includes(rule.destination);
      if (src === dst) continue;
      // Advice that cannot whitelist an attacker: a server the capture named (SNI, DNS, Host) with a
      // name outside a name-defined role is an unexpected destination, not a near miss of that role.
      if (src && this.nameRoles.has(rule.destination) && this.names.hasSeen(c.server)) continue;
      if (!src && this.nameRoles.has(rule.source) && this.names.hasSeen(c.client)) continue;
      out.push(
        src
          ? { rule: rule.id, side: 'destination', missingRole: rule.destination, address: c.server }
          : { rule: rule.id, side: 'source', missingRole: rule.source, address: c.client },
      );
    }
    return out;
  }

  /** Address with its label and the label's evidence, e.g. "10.0.0.3 (dc2 [inventory])". */
  labelled = (address: string): string => {
    const l = this.names.best(address, this.addresses.get(address));
    return l === undefined || l.name === address ? address : `${address} (${l.name} [${l.source}])`;
  };
  /** The address's label (inventory name, else a name the capture gave), or null. */
  nameOf = (address: string): string | null => this.names.label(address, this.addresses.get(address)) ?? null;
  /** Label alone where known, else the address: "dc2". */
  short = (address: string): string => this.names.label(address, this.addresses.get(address)) ?? address;

  ruleFields(rule: MatrixRule, enabled: boolean, members: Inventory['roles'], sortAddrs: (xs: Iterable<string>) => string[]): {
    evidence: RuleEvidence[];
    diagnosis: Diagnosis;
    coverage: CoverageEntry[];
    dynamicRpc: DynamicRpc | null;
    memberFailures: MemberFailure[];
  } {
    const x = this.extra(rule);
    const evidence = sortAddrs(x.evidence.keys())
      .slice(0, MAX_LISTED)
      .map((server) => {
        const e = x.evidence.get(server)!;
        const order: EvidenceSource[] = ['sni', 'http-host', 'dns', 'inventory'];
        return { server, names: [...e.names].sort(), sources: order.filter((s) => e.sources.has(s)), connections: e.connections };
      });
    const role = members.find((r) => r.name === rule.destination);
    const coverage = enabled && role ? x.cov.finish(role.members, sortAddrs) : [];
    let dynamicRpc: DynamicRpc | null = null;
    if (x.dyn) {
      const list = [...x.dyn.values()];
      const rank = new Map(sortAddrs(new Set(list.map((d) => d.server))).map((s, i) => [s, i]));
      const rankC = new Map(sortAddrs(new Set(list.map((d) => d.client))).map((s, i) => [s, i]));
      list.sort((a, b) => rank.get(a.server)! - rank.get(b.server)! || a.port - b.port || rankC.get(a.client)! - rankC.get(b.client)!);
      dynamicRpc = {
        viaEpm: list.filter((d) => d.viaEpm).reduce((n, d) => n + d.connections, 0),
        withoutEpm: list.filter((d) => !d.viaEpm).reduce((n, d) => n + d.connections, 0),
        connections: list.slice(0, MAX_LISTED),
      };
    }
    const memberFailures = enabled ? x.partial.finish(this.nameOf, sortAddrs) : [];
    return { evidence, diagnosis: x.diag.finish(this.short, this.dropName), coverage, dynamicRpc, memberFailures };
  }

  groupDiagnosis(key: string): Diagnosis {
    return (this.groups.get(key) ?? new DiagnosisAcc()).finish(this.short, this.dropName);
  }

  nearMissText(n: Omit<NearMiss, 'text'>): string {
    const who = n.side === 'source' ? n.client : n.server;
    return `${this.labelled(n.client)} → ${this.labelled(n.server)} ${n.protocol}/${n.port} would match ${n.rule} if ${this.labelled(who)} were in role ${n.missingRole} — an inventory gap, or a ${n.side === 'source' ? 'client' : 'server'} that should not be used`;
  }

  namesBlock(sortAddrs: (xs: Iterable<string>) => string[]): { address: string; names: NameEntry[] }[] {
    // Only addresses with a name at all are sorted (a big capture audits many unnamed addresses).
    const named: string[] = [];
    this.addresses.forEach((inv, a) => {
      if (inv !== null || this.names.hasSeen(a)) named.push(a);
    });
    return this.names.entries(sortAddrs(named).map((a) => [a, this.addresses.get(a) ?? null] as [string, string | null]));
  }
}

function NameIndexEvidence(end: EndRoles, role: string, addressRoles: readonly string[]): { sources: readonly EvidenceSource[]; names: readonly string[] } {
  return NameIndex.evidence(end, role, addressRoles);
}
