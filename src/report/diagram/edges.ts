/**
 * The diagram's edges (step 1 of 4: edges → fold → layout → draw): one per matrix rule, and one
 * per client role → server role and port for the unexpected flows (many clients of one role to one
 * port are one edge). Beyond MAX_UNEXPECTED_EDGES the smallest fold into one "more ports" edge per
 * role pair (foldUnexpected). Plain data; draw.ts escapes every string.
 */
import type { AuditResult } from '../../audit/result.js';
import { EDGE_STYLE, edgeKind, type EdgeKind } from './style.js';

/** Unexpected edges drawn one per role pair and port up to this many; beyond, the smallest fold into "more ports" edges. */
export const MAX_UNEXPECTED_EDGES = 12;
export const UNLISTED_CLIENTS = '(clients not in inventory)';
export const UNLISTED_SERVERS = '(servers not in inventory)';

export interface Edge {
  kind: EdgeKind;
  from: string;
  to: string;
  label: string;
  title: string;
  /** Data attributes: rule id and status, or the number of unexpected entries it stands for. */
  rule: string | null;
  status: string;
  groups: number;
}

/** Unexpected entries of one client role → server role (and port, until folded). */
export interface UnexpectedBundle {
  from: string;
  to: string;
  protocol: string;
  ports: Set<number>;
  clients: Set<string>;
  servers: Set<string>;
  connections: number;
  groups: number;
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The server role an unexpected group is drawn to: the one most rules lead to (ties: by name). */
function pickRole(roles: string[], weight: Map<string, number>): string | undefined {
  return [...roles].sort((a, b) => (weight.get(b) ?? 0) - (weight.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0))[0];
}

/** Issue 21: per matrix rule, the host firewall rules that block it (`dc2 INPUT #3 (line 9)`). */
function blockedBy(r: AuditResult): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of r.firewall?.findings ?? []) {
    if (f.kind !== 'documented-but-blocked' || f.matrixRule === null) continue;
    const list = out.get(f.matrixRule) ?? [];
    const line = f.rule && f.rule.line > 0 ? ` (line ${f.rule.line})` : '';
    list.push(`${f.host} ${f.decidedBy}${line} from ${f.sources.join(', ')}`);
    out.set(f.matrixRule, list);
  }
  return out;
}

export function ruleEdges(r: AuditResult): Edge[] {
  const blocked = blockedBy(r);
  return r.rules.map((rule) => {
    const by = blocked.get(rule.id);
    const kind = by ? 'firewall-blocked' : edgeKind(rule);
    const ports = `${rule.protocol}/${rule.ports.join(',')}`;
    return {
      kind,
      from: rule.source,
      to: rule.destination,
      label: by ? `${ports} ⊘` : ports,
      title: `${rule.id}: ${rule.source} → ${rule.destination} ${ports} — ${EDGE_STYLE[edgeKind(rule)].label}, ${plural(rule.connections, 'connection')}${by ? `; blocked by ${by.join('; ')}` : ''}`,
      rule: rule.id,
      status: rule.status,
      groups: 0,
    };
  });
}

/** Unexpected entries bundled per client role → server role and port; the addresses outside the inventory. */
export function bundleUnexpected(r: AuditResult): { bundles: UnexpectedBundle[]; unlistedClients: Set<string>; unlistedServers: Set<string> } {
  const asDest = new Map<string, number>();
  const asSource = new Map<string, number>();
  for (const rule of r.rules) {
    asSource.set(rule.source, (asSource.get(rule.source) ?? 0) + 1);
    asDest.set(rule.destination, (asDest.get(rule.destination) ?? 0) + 1);
  }
  const unlistedClients = new Set<string>();
  const unlistedServers = new Set<string>();
  const agg = new Map<string, UnexpectedBundle>();
  for (const g of r.unexpected) {
    const from = pickRole(g.clientRoles, asSource) ?? UNLISTED_CLIENTS;
    const to = pickRole(g.serverRoles, asDest) ?? UNLISTED_SERVERS;
    if (from === UNLISTED_CLIENTS) unlistedClients.add(g.client);
    if (to === UNLISTED_SERVERS) unlistedServers.add(g.server);
    const k = `${from}|${to}|${g.protocol}|${g.port}`;
    let a = agg.get(k);
    if (!a) agg.set(k, (a = { from, to, protocol: g.protocol, ports: new Set([g.port]), clients: new Set(), servers: new Set(), connections: 0, groups: 0 }));
    a.clients.add(g.client);
    a.servers.add(g.server);
    a.connections += g.connections;
    a.groups++;
  }
  return { bundles: [...agg.values()], unlistedClients, unlistedServers };
}

function foldPairs(rest: readonly UnexpectedBundle[]): Map<string, UnexpectedBundle> {
  const folded = new Map<string, UnexpectedBundle>();
  for (const a of rest) {
    const k = `${a.from}|${a.to}`;
    let f = folded.get(k);
    if (!f) folded.set(k, (f = { from: a.from, to: a.to, protocol: '', ports: new Set(), clients: new Set(), servers: new Set(), connections: 0, groups: 0 }));
    for (const p of a.ports) f.ports.add(p);
    if (!f.protocol.split('+').includes(a.protocol)) f.protocol = f.protocol ? `${f.protocol}+${a.protocol}` : a.protocol;
    for (const c of a.clients) f.clients.add(c);
    for (const x of a.servers) f.servers.add(x);
    f.connections += a.connections;
    f.groups += a.groups;
  }
  return folded;
}

/**
 * Step 2: at most `max` bundles. Keep the busiest; fold the rest into one per role pair, keeping
 * fewer while the total would pass the cap (it can only pass it when more role pairs than that
 * carry unexpected flows). Returns the bundles to draw and how many entries were folded.
 */
export function foldUnexpected(bundles: readonly UnexpectedBundle[], max = MAX_UNEXPECTED_EDGES): { drawn: UnexpectedBundle[]; omitted: number } {
  if (bundles.length <= max) return { drawn: [...bundles], omitted: 0 };
  const byConns = [...bundles].sort((a, b) => b.connections - a.connections || b.clients.size - a.clients.size);
  let keep = max - 1;
  let folded = foldPairs(byConns.slice(keep));
  while (keep > 0 && keep + folded.size > max) folded = foldPairs(byConns.slice(--keep));
  const omitted = byConns.slice(keep).reduce((n, a) => n + a.groups, 0);
  return { drawn: [...byConns.slice(0, keep), ...folded.values()], omitted };
}

export function unexpectedEdge(a: UnexpectedBundle): Edge {
  const many = a.ports.size > 1;
  const label = many ? `${a.ports.size} more ports` : `${a.protocol}/${[...a.ports][0]}`;
  const who = a.clients.size === 1 ? [...a.clients][0]! : `${a.clients.size} clients`;
  const whom = a.servers.size === 1 ? [...a.servers][0]! : `${a.servers.size} servers`;
  return {
    kind: 'unexpected',
    from: a.from,
    to: a.to,
    label: a.clients.size > 1 && !many ? `${label} ×${a.clients.size}` : label,
    title: `unexpected: ${who} → ${whom} ${many ? `${a.protocol} on ${a.ports.size} ports` : label}, ${plural(a.connections, 'connection')}`,
    rule: null,
    status: 'unexpected',
    groups: a.groups,
  };
}
