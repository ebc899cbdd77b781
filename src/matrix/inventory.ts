/**
 * The inventory: which addresses and host names play which matrix role.
 *
 * Members are parsed with `ip-address` and compiled into lookup tables (address_table.ts) on the
 * decoder's 4×uint32 address form (IPv4 as IPv4-mapped ::ffff:a.b.c.d, IPv6 as four big-endian words).
 */
import { Address4, Address6 } from 'ip-address';
import { sha256Hex } from './canonical_json.js';
import { parseJsonFile, readInputFile } from './load_matrix.js';
import { decodeJsonBytes } from './json_text.js';
import type { Confidence, Inventory, InventoryDiscovery, InventoryMember, InventoryRole, Matrix, MemberKind } from './types.js';
import { throwIfProblems, validateAgainstSchema } from './validate.js';
import { EMPTY, V4_BASE, bigintToWords, buildTable, lookupRoles, wordsToBigint, type Interval } from './address_table.js';

/** The inventory file format (what `schema/inventory.schema.json` describes). */
export type InventoryMemberSpec = string | { address: string; name?: string; evidence?: string[]; confidence?: Confidence };
export interface InventoryFile {
  $schema?: string;
  description?: string;
  roles: Record<string, InventoryMemberSpec[]>;
  features?: string[];
  names?: Record<string, string>;
  /** Written by `flowaudit discover`. */
  discovered?: InventoryDiscovery;
}

/** A member parsed from its text. Address kinds carry the inclusive 128-bit interval. */
export type ParsedMember =
  | { kind: 'ipv4' | 'ipv6' | 'cidr' | 'range'; text: string; lo: bigint; hi: bigint }
  | { kind: 'host' | 'suffix'; text: string; host: string };

export type MemberParse = { ok: true; member: ParsedMember } | { ok: false; reason: string };

const GENERIC_REASON = 'is not an IPv4/IPv6 address, CIDR, range, host name or *.suffix pattern';

type Addr = { family: 4 | 6; lo: bigint; hi: bigint; prefix: boolean };

function parseAddress(text: string): Addr | null {
  if (text.includes('%')) return null; // zone ids are not addresses on the wire
  try {
    if (text.includes(':')) {
      const a = new Address6(text);
      if (text.includes('/') && a.bigInt() !== a.startAddress().bigInt()) {
        throw new HostBits(`${a.startAddress().correctForm()}/${a.subnetMask}`, a.correctForm());
      }
      return { family: 6, lo: a.startAddress().bigInt(), hi: a.endAddress().bigInt(), prefix: text.includes('/') };
    }
    if (!/^[\d./]+$/.test(text)) return null;
    const a = new Address4(text);
    if (text.includes('/') && a.bigInt() !== a.startAddress().bigInt()) {
      throw new HostBits(`${a.startAddress().correctForm()}/${a.subnetMask}`, a.correctForm());
    }
    return {
      family: 4,
      lo: V4_BASE + a.startAddress().bigInt(),
      hi: V4_BASE + a.endAddress().bigInt(),
      prefix: text.includes('/'),
    };
  } catch (e) {
    if (e instanceof HostBits) throw e;
    return null;
  }
}

/** A CIDR with host bits set (10.66.0.10/24): almost always a typo for the network or the host. */
class HostBits extends Error {
  constructor(
    readonly network: string,
    readonly host: string,
  ) {
    super('host bits set');
  }
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lower-cased host name without trailing dot, or null if not a valid DNS name. */
export function normaliseHostName(text: string): string | null {
  let h = text.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length === 0 || h.length > 253) return null;
  const labels = h.split('.');
  if (!labels.every((l) => LABEL.test(l))) return null;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null; // 10.0.0.300 is a bad address, not a name
  return h;
}

/** Parse one member text (address, CIDR, range a-b, host name or *.suffix). */
export function parseMember(raw: string): MemberParse {
  try {
    return parseMemberText(raw.trim());
  } catch (e) {
    if (!(e instanceof HostBits)) throw e;
    return { ok: false, reason: `has host bits set: did you mean ${e.network} or ${e.host}?` };
  }
}

function parseMemberText(text: string): MemberParse {
  if (text.includes('/')) {
    const a = parseAddress(text);
    return a ? { ok: true, member: { kind: 'cidr', text, lo: a.lo, hi: a.hi } } : { ok: false, reason: GENERIC_REASON };
  }
  const dash = text.indexOf('-');
  if (dash > 0) {
    const left = parseAddress(text.slice(0, dash).trim());
    if (left) {
      const right = parseAddress(text.slice(dash + 1).trim());
      if (!right) return { ok: false, reason: `${GENERIC_REASON} (bad range end)` };
      if (left.family !== right.family) return { ok: false, reason: 'is a range mixing IPv4 and IPv6' };
      if (left.lo > right.lo) return { ok: false, reason: 'is a range whose start is after its end' };
      return { ok: true, member: { kind: 'range', text, lo: left.lo, hi: right.hi } };
    }
  }
  const a = parseAddress(text);
  if (a) return { ok: true, member: { kind: a.family === 4 ? 'ipv4' : 'ipv6', text, lo: a.lo, hi: a.hi } };
  if (text.startsWith('*.')) {
    const suffix = normaliseHostName(text.slice(2));
    if (suffix) return { ok: true, member: { kind: 'suffix', text, host: suffix } };
    return { ok: false, reason: GENERIC_REASON };
  }
  const host = normaliseHostName(text);
  if (host) return { ok: true, member: { kind: 'host', text, host } };
  return { ok: false, reason: GENERIC_REASON };
}

/** Address text (v4 or v6, no prefix) → 4×uint32 form; throws on invalid text. Handy for tests and fixtures. */
export function addressWords(text: string): Uint32Array {
  const a = parseAddress(text);
  if (!a || a.prefix) throw new Error(`not an address: ${text}`);
  return bigintToWords(a.lo);
}

function sortedUnion(lists: (readonly string[] | undefined)[]): readonly string[] {
  const s = new Set<string>();
  for (const l of lists) if (l) for (const x of l) s.add(x);
  if (s.size === 0) return EMPTY;
  return Object.freeze([...s].sort());
}

/**
 * Validate and compile parsed inventory JSON against a matrix. `sha256` is that of the file bytes
 * (null when compiled from an in-memory object).
 */
export function compileInventory(json: unknown, origin: string, matrix: Matrix, sha256: string | null = null): Inventory {
  validateAgainstSchema('inventory', json, origin, 'inventory');
  const file = json as InventoryFile;
  const problems: string[] = [];
  const matrixRoles = new Map(matrix.roles.map((r) => [r.name, r]));
  const known = matrix.roles.map((r) => r.name).join(', ');

  const members = new Map<string, InventoryMember[]>();
  const intervals: Interval[] = [];
  const roleNames = matrix.roles.map((r) => r.name);
  const roleIdx = new Map(roleNames.map((n, i) => [n, i]));
  const hostRoles = new Map<string, Set<string>>();
  const suffixRoles = new Map<string, Set<string>>(); // key ".suffix"
  const named: { lo: bigint; hi: bigint; name: string }[] = [];

  const addMember = (role: string, p: ParsedMember, name: string | undefined, spec?: InventoryMemberSpec): void => {
    const list = members.get(role) ?? [];
    members.set(role, list);
    const m: InventoryMember = { text: p.text, kind: p.kind as MemberKind };
    if (name !== undefined) m.name = name;
    if (typeof spec === 'object' && spec.evidence !== undefined) m.evidence = [...spec.evidence];
    if (typeof spec === 'object' && spec.confidence !== undefined) m.confidence = spec.confidence;
    if ('host' in p) {
      const map = p.kind === 'host' ? hostRoles : suffixRoles;
      const key = p.kind === 'host' ? p.host : `.${p.host}`;
      const set = map.get(key) ?? new Set<string>();
      if (set.has(role) && list.some((x) => x.kind === p.kind && x.text.toLowerCase() === p.text.toLowerCase())) return;
      set.add(role);
      map.set(key, set);
    } else {
      intervals.push({ lo: p.lo, hi: p.hi, role: roleIdx.get(role)! });
      if (name !== undefined) named.push({ lo: p.lo, hi: p.hi, name });
    }
    list.push(m);
  };

  for (const [role, specs] of Object.entries(file.roles)) {
    if (!matrixRoles.has(role)) {
      problems.push(`role "${role}" is not a role of matrix ${matrix.name} (known roles: ${known})`);
      continue;
    }
    members.set(role, members.get(role) ?? []);
    for (const spec of specs) {
      const text = typeof spec === 'string' ? spec : spec.address;
      const name = typeof spec === 'string' ? undefined : spec.name;
      const parsed = parseMember(text);
      if (!parsed.ok) problems.push(`role "${role}": ${JSON.stringify(text)} ${parsed.reason}`);
      else addMember(role, parsed.member, name, spec);
    }
  }
  // Matrix default hosts (graph.microsoft.com …) belong to their role whether or not the file says so.
  for (const r of matrix.roles) {
    for (const h of r.hosts ?? []) {
      const parsed = parseMember(h);
      if (parsed.ok && (parsed.member.kind === 'host' || parsed.member.kind === 'suffix')) {
        addMember(r.name, parsed.member, undefined);
      }
    }
  }

  for (const [key, name] of Object.entries(file.names ?? {})) {
    const parsed = parseMember(key);
    if (!parsed.ok || 'host' in parsed.member) {
      problems.push(`names: ${JSON.stringify(key)} is not an IPv4/IPv6 address, CIDR or range`);
    } else {
      named.push({ lo: parsed.member.lo, hi: parsed.member.hi, name });
    }
  }

  const declared = new Set(matrix.features.map((f) => f.name));
  const features: string[] = [];
  (file.features ?? []).forEach((f, i) => {
    if (!declared.has(f)) {
      const list = declared.size ? [...declared].join(', ') : 'none';
      problems.push(`/features/${i}: feature "${f}" is not declared by matrix ${matrix.name} (declared: ${list})`);
    } else if (!features.includes(f)) features.push(f);
  });

  throwIfProblems(problems, origin, 'inventory', json);
  const inv = buildInventory({ origin, sha256, matrix, members, intervals, roleNames, hostRoles, suffixRoles, named, features });
  if (file.discovered !== undefined) inv.discovered = file.discovered;
  return inv;
}

function buildInventory(x: {
  origin: string;
  sha256: string | null;
  matrix: Matrix;
  members: Map<string, InventoryMember[]>;
  intervals: Interval[];
  roleNames: string[];
  hostRoles: Map<string, Set<string>>;
  suffixRoles: Map<string, Set<string>>;
  named: { lo: bigint; hi: bigint; name: string }[];
  features: string[];
}): Inventory {
  const table = buildTable(x.intervals, x.roleNames);
  const hosts = new Map([...x.hostRoles].map(([k, v]) => [k, Object.freeze([...v].sort())] as const));
  const suffixes = new Map([...x.suffixRoles].map(([k, v]) => [k, Object.freeze([...v].sort())] as const));
  const roles: InventoryRole[] = x.matrix.roles
    .filter((r) => x.members.has(r.name))
    .map((r) => ({ name: r.name, members: x.members.get(r.name)! }));

  // Names: exact addresses first (first one written wins), then the smallest containing interval.
  const exactNames = new Map<bigint, string>();
  const rangeNames: { lo: bigint; hi: bigint; name: string }[] = [];
  for (const n of x.named) {
    if (n.lo === n.hi) {
      if (!exactNames.has(n.lo)) exactNames.set(n.lo, n.name);
    } else rangeNames.push(n);
  }
  rangeNames.sort((a, b) => {
    const d = a.hi - a.lo - (b.hi - b.lo);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });

  return {
    origin: x.origin,
    sha256: x.sha256,
    roles,
    features: x.features,
    rolesForAddress: (addr) => lookupRoles(table, addr),
    hasAddress: (addr) => lookupRoles(table, addr).length > 0,
    rolesForName(name) {
      let n = name.toLowerCase();
      if (n.endsWith('.')) n = n.slice(0, -1);
      const lists: (readonly string[] | undefined)[] = [hosts.get(n)];
      if (suffixes.size > 0) {
        for (let i = n.indexOf('.'); i > 0 && i < n.length - 1; i = n.indexOf('.', i + 1)) {
          lists.push(suffixes.get(n.slice(i)));
        }
      }
      return lists.length === 1 ? (lists[0] ?? EMPTY) : sortedUnion(lists);
    },
    nameForAddress(addr) {
      if (exactNames.size === 0 && rangeNames.length === 0) return undefined;
      const v = wordsToBigint(addr);
      const exact = exactNames.get(v);
      if (exact !== undefined) return exact;
      for (const r of rangeNames) if (v >= r.lo && v <= r.hi) return r.name;
      return undefined;
    },
  };
}

/**
 * Load an inventory file for `matrix`; without a path, an empty inventory (origin "(none)") that
 * still knows the matrix's default host names. Errors: PolicyError 'inventory', naming the file.
 */
export function loadInventory(path: string | undefined, matrix: Matrix, extra?: Record<string, string[]>): Inventory {
  if (path === undefined) return compileInventory(withExtraMembers({ roles: {} }, extra), '(none)', matrix, null);
  const bytes = readInputFile(path, 'inventory', 'inventory');
  const json = parseJsonFile(decodeJsonBytes(bytes, path, 'inventory'), path, 'inventory');
  return compileInventory(withExtraMembers(json, extra), path, matrix, sha256Hex(bytes));
}

/**
 * Inventory JSON with `extra` members added to their roles (a copy; `json` is not changed), e.g.
 * `live --as ams-server` adding the capturing machine's own addresses. Role names are checked by
 * compileInventory like any other; JSON that is not an object with `roles` is returned as is, so the
 * schema error stays the file's.
 */
export function withExtraMembers(json: unknown, extra: Record<string, string[]> | undefined): unknown {
  if (!extra || Object.keys(extra).length === 0) return json;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  const file = json as InventoryFile;
  if (typeof file.roles !== 'object' || file.roles === null || Array.isArray(file.roles)) return json;
  const roles: Record<string, InventoryMemberSpec[]> = { ...file.roles };
  for (const [role, members] of Object.entries(extra)) roles[role] = [...(roles[role] ?? []), ...members];
  return { ...file, roles };
}

