/**
 * Discovery's view of the connection facts: one record per (client, server, protocol, port) with
 * how the connections went, plus the names each server was given (TLS SNI, HTTP Host, DNS answers)
 * and the SRV answers. Built in one pass; everything after it is lookups over this small table.
 */
import type { Connection } from '../../flows/connection.js';
import type { CaptureFacts } from '../../flows/facts.js';
import type { SrvFact } from '../../flows/hint_facts.js';
import { groupPort, isControlFlow } from '../classify.js';

export interface Pair {
  client: string;
  server: string;
  protocol: string;
  port: number;
  connections: number;
  answered: number;
  refused: number;
  unanswered: number;
  bytesToServer: number;
  bytesToClient: number;
}

export type NameSource = 'sni' | 'http-host' | 'dns';

export interface Observation {
  pairs: Pair[];
  byServer: Map<string, Pair[]>;
  byClient: Map<string, Pair[]>;
  /** Names per address, by source (SNI/Host: from connections to it; DNS: answers naming it). */
  names: Map<string, Map<string, Set<NameSource>>>;
  /** DNS name → addresses it was answered with (for SRV targets). */
  addressesOfName: Map<string, Set<string>>;
  srv: SrvFact[];
  connections: number;
  packets: number;
}

function addName(names: Observation['names'], address: string, name: string, source: NameSource): void {
  let m = names.get(address);
  if (!m) names.set(address, (m = new Map()));
  let s = m.get(name);
  if (!s) m.set(name, (s = new Set()));
  s.add(source);
}

export function observe(facts: CaptureFacts): Observation {
  const byKey = new Map<string, Pair>();
  const names: Observation['names'] = new Map();
  const hints = facts.hints;
  facts.connections.forEach((c: Connection) => {
    if (isControlFlow(c)) return;
    const port = groupPort(c);
    const key = `${c.client}|${c.server}|${c.protocol}|${port}`;
    let p = byKey.get(key);
    if (!p) {
      p = { client: c.client, server: c.server, protocol: c.protocol, port, connections: 0, answered: 0, refused: 0, unanswered: 0, bytesToServer: 0, bytesToClient: 0 };
      byKey.set(key, p);
    }
    p.connections += c.count;
    p[c.outcome] += c.count;
    p.bytesToServer += c.bytesToServer;
    p.bytesToClient += c.bytesToClient;
    if (!hints) return;
    if (c.id >= 0) {
      const sni = hints.sni.get(c.id);
      if (sni !== undefined) addName(names, c.server, sni, 'sni');
      const host = hints.httpHost.get(c.id);
      if (host !== undefined) addName(names, c.server, host.replace(/:\d+$/, ''), 'http-host');
    } else {
      const f = hints.foldedNames.get(`${c.server}|${c.serverPort}`);
      for (const n of f?.sni ?? []) addName(names, c.server, n, 'sni');
      for (const n of f?.host ?? []) addName(names, c.server, n.replace(/:\d+$/, ''), 'http-host');
    }
  });
  const addressesOfName = new Map<string, Set<string>>();
  for (const [address, list] of hints?.dnsNames ?? []) {
    for (const f of list) {
      addName(names, address, f.name, 'dns');
      let s = addressesOfName.get(f.name);
      if (!s) addressesOfName.set(f.name, (s = new Set()));
      s.add(address);
    }
  }
  const pairs = [...byKey.values()];
  const byServer = new Map<string, Pair[]>();
  const byClient = new Map<string, Pair[]>();
  for (const p of pairs) {
    (byServer.get(p.server) ?? byServer.set(p.server, []).get(p.server)!).push(p);
    (byClient.get(p.client) ?? byClient.set(p.client, []).get(p.client)!).push(p);
  }
  return { pairs, byServer, byClient, names, addressesOfName, srv: [...(hints?.srv ?? [])], connections: facts.connections.size, packets: facts.packets };
}

/** A protocol and port (or inclusive range), e.g. tcp/389 or tcp/49152-65535. */
export interface Service {
  protocol: string;
  from: number;
  to: number;
}

export const svc = (protocol: string, from: number, to = from): Service => ({ protocol, from, to });

export function matches(p: Pair, s: readonly Service[]): boolean {
  return s.some((x) => x.protocol === p.protocol && p.port >= x.from && p.port <= x.to);
}

/** Pairs in which `address` is the server of one of `services` (optionally from given clients). */
export function served(o: Observation, address: string, services: readonly Service[], from?: (client: string) => boolean): Pair[] {
  return (o.byServer.get(address) ?? []).filter((p) => matches(p, services) && (!from || from(p.client)));
}

/** Pairs in which `address` is the client of one of `services` (optionally to given servers). */
export function reached(o: Observation, address: string, services: readonly Service[], to?: (server: string) => boolean): Pair[] {
  return (o.byClient.get(address) ?? []).filter((p) => matches(p, services) && (!to || to(p.server)));
}

export const answered = (ps: readonly Pair[]): Pair[] => ps.filter((p) => p.answered > 0);

/** "1 refused, 1 unanswered" / "2 answered" for a set of pairs. */
export function outcomeText(ps: readonly Pair[]): string {
  const a = ps.reduce((n, p) => n + p.answered, 0);
  const r = ps.reduce((n, p) => n + p.refused, 0);
  const u = ps.reduce((n, p) => n + p.unanswered, 0);
  return [a && `${a} answered`, r && `${r} refused`, u && `${u} unanswered`].filter(Boolean).join(', ');
}

/** Distinct values, sorted as addresses, at most `max` listed then "and N more". */
export function listed(xs: Iterable<string>, max = 4): string {
  const all = [...new Set(xs)];
  const shown = all.slice(0, max).join(', ');
  return all.length > max ? `${shown} and ${all.length - max} more` : shown;
}
