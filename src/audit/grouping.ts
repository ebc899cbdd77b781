/**
 * Unexpected flows grouped for people (issue 12). `unexpected[]` keeps one entry per client,
 * server, protocol and port — exact, and what a SIEM joins on — but a subnet of web users or a
 * scanner turns it into thousands of rows. `groupUnexpected` folds it by server, protocol and
 * port: the clients become a count, the top few by connections, and what they have in common (one
 * inventory role, the shortest common address prefix): "47 web-user clients in 10.66.3.0/24".
 *
 * `withNamesAndGroups` adds `clientNames` / `serverNames` (best name first, with its evidence source) to
 * every unexpected entry, near miss, diagnosis finding and scan, from the report's own `names` block.
 * Both are pure functions of the result; neither changes an existing field.
 */
import { isIPv4Text as isIPv4, isIPv6Text as isIPv6 } from '../ip_text.js';
import type { DiagnosisFinding } from './diagnosis.js';
import type { NearMiss } from './insight.js';
import type { NameRef, UnexpectedServerGroup } from './grouping_types.js';
import type { NameEntry } from './names.js';
import type { AuditResult, OutcomeCounts, StateCounts, UnexpectedGroup } from './result.js';

export type { ClientCount, NameRef, UnexpectedServerGroup } from './grouping_types.js';

export const TOP_CLIENTS = 3;
const MAX_NAMES = 4;

/** Best name first: inventory, then what the connection said (SNI, Host), then DNS; one entry per name and source. */
export function nameRefs(entries: readonly NameEntry[] | undefined): NameRef[] {
  if (!entries) return [];
  const out: NameRef[] = [];
  for (const e of entries) {
    if (out.some((x) => x.name === e.name && x.source === e.source)) continue;
    out.push({ name: e.name, source: e.source });
    if (out.length >= MAX_NAMES) break;
  }
  return out;
}

/** address → its names, from the result's `names` block. */
export function namesByAddress(r: Pick<AuditResult, 'names'>): Map<string, NameRef[]> {
  const m = new Map<string, NameRef[]>();
  for (const e of r.names ?? []) m.set(e.address, nameRefs(e.names));
  return m;
}

/** "10.0.0.10 (ams1 [inventory])", or the bare address when it has no name. */
export function labelAddress(address: string, names: readonly NameRef[] | undefined): string {
  const n = names?.[0];
  return n === undefined || n.name === address ? address : `${address} (${n.name} [${n.source}])`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The smallest IPv4/IPv6 prefix holding all `addresses` (same family, two or more), else null. */
export function commonPrefix(addresses: readonly string[]): string | null {
  if (addresses.length < 2) return null;
  const v4 = addresses.every((a) => isIPv4(a));
  const v6 = !v4 && addresses.every((a) => isIPv6(a));
  if (!v4 && !v6) return null;
  const bits = v4 ? 32 : 128;
  const values = addresses.map((a) => (v4 ? ipv4Big(a) : ipv6Big(a)));
  let lo = values[0]!;
  let hi = values[0]!;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let len = bits;
  while (len > 0 && lo >> BigInt(bits - len) !== hi >> BigInt(bits - len)) len--;
  // A prefix shorter than /8 (IPv4) or /16 (IPv6) says nothing useful about where the clients are.
  if (len < (v4 ? 8 : 16)) return null;
  const net = (lo >> BigInt(bits - len)) << BigInt(bits - len);
  return `${v4 ? formatV4(net) : formatV6(net)}/${len}`;
}

function ipv4Big(a: string): bigint {
  return a.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function ipv6Big(a: string): bigint {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const parse = (s: string | undefined): number[] => {
    if (!s) return [];
    const out: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const [w, x, y, z] = part.split('.').map(Number);
        out.push((w! << 8) | x!, (y! << 8) | z!);
      } else out.push(parseInt(part, 16));
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  const words = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return words.reduce((n, w) => (n << 16n) | BigInt(w), 0n);
}

function formatV4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
}

function formatV6(v: bigint): string {
  const words = [...Array(8).keys()].map((i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  // Compress the longest run of zero words (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** "47 web-user clients in 10.66.3.0/24", "1 client", "3 clients in 10.0.6.0/24". */
export function clientsText(g: Pick<UnexpectedServerGroup, 'clients' | 'clientRoles' | 'clientPrefix'>): string {
  const role = g.clientRoles.length > 0 ? `${g.clientRoles.join('+')} ` : '';
  return `${g.clients} ${role}client${g.clients === 1 ? '' : 's'}${g.clientPrefix ? ` in ${g.clientPrefix}` : ''}`;
}

/**
 * `unexpected[]` (sorted by server, protocol, port, client, as runAudit sorts it) grouped by server,
 * protocol and port, in the same order.
 */
export function groupUnexpected(unexpected: readonly UnexpectedGroup[], names: Map<string, NameRef[]>): UnexpectedServerGroup[] {
  const out: UnexpectedServerGroup[] = [];
  let i = 0;
  while (i < unexpected.length) {
    const g0 = unexpected[i]!;
    let j = i + 1;
    while (j < unexpected.length && unexpected[j]!.server === g0.server && unexpected[j]!.protocol === g0.protocol && unexpected[j]!.port === g0.port) j++;
    out.push(fold(unexpected.slice(i, j), i, names));
    i = j;
  }
  return out;
}

function fold(list: readonly UnexpectedGroup[], first: number, names: Map<string, NameRef[]>): UnexpectedServerGroup {
  const g0 = list[0]!;
  const outcomes: OutcomeCounts = { answered: 0, refused: 0, unanswered: 0 };
  const states: StateCounts = {};
  let connections = 0;
  let packets = 0;
  let bytes = 0;
  let firstSeen = g0.firstSeen;
  let lastSeen = g0.lastSeen;
  const disabled = new Set<string>();
  const near = new Set<string>();
  let roles: string[] | null = null;
  for (const g of list) {
    connections += g.connections;
    packets += g.packets;
    bytes += g.bytes;
    for (const k of Object.keys(g.outcomes) as (keyof OutcomeCounts)[]) outcomes[k] += g.outcomes[k];
    for (const [k, v] of Object.entries(g.states)) states[k as keyof StateCounts] = (states[k as keyof StateCounts] ?? 0) + (v ?? 0);
    if (g.firstSeen < firstSeen) firstSeen = g.firstSeen;
    if (g.lastSeen > lastSeen) lastSeen = g.lastSeen;
    for (const d of g.disabledRules) disabled.add(d);
    for (const n of g.nearMisses ?? []) near.add(n.rule);
    roles = roles === null ? [...g.clientRoles] : roles.filter((x) => g.clientRoles.includes(x));
  }
  const sortedStates: StateCounts = {};
  for (const k of Object.keys(states).sort()) sortedStates[k as keyof StateCounts] = states[k as keyof StateCounts];
  // `list` is in address order already: a stable sort by connections keeps it for ties.
  const top = [...list].sort((a, b) => b.connections - a.connections).slice(0, TOP_CLIENTS);
  const group: UnexpectedServerGroup = {
    server: g0.server,
    protocol: g0.protocol,
    port: g0.port,
    serverRoles: [...g0.serverRoles],
    serverNames: names.get(g0.server) ?? [],
    clients: list.length,
    topClients: top.map((g) => ({ client: g.client, connections: g.connections, names: names.get(g.client) ?? [] })),
    clientRoles: [...(roles ?? [])].sort(),
    clientPrefix: commonPrefix(list.map((g) => g.client)),
    connections,
    packets,
    bytes,
    outcomes,
    states: sortedStates,
    firstSeen,
    lastSeen,
    disabledRules: [...disabled].sort(),
    nearMissRules: [...near].sort(),
    firstEntry: first,
    text: '',
  };
  const who = list.length === 1 ? labelAddress(g0.client, names.get(g0.client)) : clientsText(group);
  group.text = `${who} → ${labelAddress(g0.server, group.serverNames)} ${g0.protocol}/${g0.port}: ${plural(connections, 'connection')}`;
  return group;
}

/** Names of a finding's client (when it is one address) and server. */
function findingNames(f: DiagnosisFinding, names: Map<string, NameRef[]>): DiagnosisFinding {
  return { ...f, clientNames: names.get(f.client) ?? [], serverNames: names.get(f.server) ?? [] };
}

/**
 * The result with `clientNames` / `serverNames` on unexpected entries, near misses and diagnosis
 * findings, and `unexpectedByServer` added. Existing fields keep their values and order.
 */
export function withNamesAndGroups(r: AuditResult): AuditResult {
  const names = namesByAddress(r);
  const ends = <T extends { client: string; server: string }>(x: T): T & { clientNames: NameRef[]; serverNames: NameRef[] } => ({
    ...x,
    clientNames: names.get(x.client) ?? [],
    serverNames: names.get(x.server) ?? [],
  });
  const diag = <T extends { diagnosis?: AuditResult['rules'][number]['diagnosis'] }>(x: T): T =>
    x.diagnosis ? { ...x, diagnosis: { ...x.diagnosis, findings: x.diagnosis.findings.map((f) => findingNames(f, names)) } } : x;
  const unexpected = r.unexpected.map((g) => diag(ends(g)));
  return {
    ...r,
    rules: r.rules.map(diag),
    unexpected,
    unexpectedByServer: groupUnexpected(unexpected, names),
    ...(r.nearMisses ? { nearMisses: r.nearMisses.map((n: NearMiss) => ends(n)) } : {}),
    ...(r.scans ? { scans: r.scans.map((f) => ({ ...f, clientNames: names.get(f.client) ?? [] })) } : {}),
  };
}
