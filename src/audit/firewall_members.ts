/**
 * Source members that are not one address, as the address intervals a firewall check evaluates:
 *   - a CIDR or range member is split at every boundary the rules' source sets create (`-s`,
 *     `ip saddr`, RemoteAddress), so that inside one piece every rule's source criterion holds for
 *     all addresses or for none: one evaluation per piece decides the whole piece exactly (as
 *     portBreaks does for ports), with no sampling;
 *   - a host-name member is the addresses the audit's own evidence gave that name (TLS SNI, HTTP
 *     Host, DNS answers: the report's `names` block, the facts classification matched host members
 *     with), each with where it came from.
 * Pure: facts in, intervals out. Addresses live in one 128-bit space, IPv4 as ::ffff:a.b.c.d (as
 * the inventory's address table holds them).
 */
import { Address4, Address6 } from 'ip-address';
import type { FirewallRuleset } from '../firewall/ruleset.js';
import { parseMember } from '../matrix/inventory.js';
import { V4_BASE } from '../matrix/address_table.js';
import type { EvidenceSource, NameEntry } from './names.js';

/** One stretch of source addresses evaluated as one (its first address stands for all). */
export interface AddressPiece {
  lo: bigint;
  hi: bigint;
  family: 4 | 6;
}

/** The report's `names` block: addresses with the names the audit saw for them. */
export type NameFacts = readonly { address: string; names: readonly NameEntry[] }[];

/** A rule set whose source criteria split a member into more pieces than this is not evaluated (bounded). */
export const MAX_PIECES = 1024;

const V4_TOP = V4_BASE + 0xffffffffn;

/** A rule's source text (`10.0.0.0/8`, `2001:db8::1`) as an interval, or null when it does not parse. */
function netInterval(text: string): { lo: bigint; hi: bigint } | null {
  try {
    if (text.includes(':')) {
      const a = new Address6(text);
      return { lo: a.startAddress().bigInt(), hi: a.endAddress().bigInt() };
    }
    const a = new Address4(text);
    return { lo: V4_BASE + a.startAddress().bigInt(), hi: V4_BASE + a.endAddress().bigInt() };
  } catch {
    return null;
  }
}

/**
 * Addresses where some rule's source criterion starts or stops matching (sorted, unique). A source
 * text that does not parse adds none: evaluation answers `unknown` for it at every address alike.
 */
export function addressBreaks(rs: FirewallRuleset): bigint[] {
  const breaks = new Set<bigint>();
  for (const chain of rs.chains.values()) {
    for (const rule of chain.rules) {
      for (const text of rule.match.src?.value ?? []) {
        const n = netInterval(text);
        if (!n) continue;
        breaks.add(n.lo);
        breaks.add(n.hi + 1n);
      }
    }
  }
  return [...breaks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A CIDR or range member cut at the breaks; null when that makes more than MAX_PIECES pieces. */
export function splitMember(text: string, breaks: readonly bigint[]): AddressPiece[] | null {
  const p = parseMember(text);
  if (!p.ok || (p.member.kind !== 'cidr' && p.member.kind !== 'range')) return [];
  const { lo, hi } = p.member;
  const family: 4 | 6 = text.includes(':') ? 6 : 4;
  const starts = [lo, ...breaks.filter((b) => b > lo && b <= hi)];
  if (starts.length > MAX_PIECES) return null;
  return starts.map((from, k) => ({ lo: from, hi: k + 1 < starts.length ? starts[k + 1]! - 1n : hi, family }));
}

/** An address of the 128-bit space as text (IPv4 pieces in dotted form). */
export function addressText(v: bigint, family: 4 | 6): string {
  if (family === 4 && v >= V4_BASE && v <= V4_TOP) return Address4.fromBigInt(v - V4_BASE).correctForm();
  return Address6.fromBigInt(v).correctForm();
}

/** `10.0.2.0/25`, `10.0.2.31-10.0.2.39`, or one address. */
export function pieceText(p: AddressPiece): string {
  const lo = addressText(p.lo, p.family);
  if (p.lo === p.hi) return lo;
  const size = p.hi - p.lo + 1n;
  if ((size & (size - 1n)) === 0n && p.lo % size === 0n) {
    const bits = (p.family === 4 ? 32 : 128) - (size.toString(2).length - 1);
    return `${lo}/${bits}`;
  }
  return `${lo}-${addressText(p.hi, p.family)}`;
}

const SOURCE_WORDS: Record<EvidenceSource, string> = { sni: 'TLS SNI', 'http-host': 'HTTP Host', dns: 'DNS', inventory: 'the inventory' };

function sameName(a: string, b: string): boolean {
  const norm = (s: string) => (s.endsWith('.') ? s.slice(0, -1) : s).toLowerCase();
  return norm(a) === norm(b);
}

export interface ResolvedHost {
  pieces: AddressPiece[];
  /** `10.0.0.10 by HTTP Host in the capture`, or null when no address was seen. */
  how: string | null;
}

/**
 * The addresses the audit's evidence gave host name `host` (SNI, HTTP Host, DNS answers; the
 * inventory's own labels are not evidence of an address), in the names block's order.
 */
export function resolveHost(host: string, names: NameFacts): ResolvedHost {
  const pieces: AddressPiece[] = [];
  const parts: string[] = [];
  for (const entry of names) {
    const sources = entry.names.filter((n) => n.source !== 'inventory' && sameName(n.name, host)).map((n) => n.source);
    if (sources.length === 0) continue;
    const p = parseMember(entry.address);
    if (!p.ok || (p.member.kind !== 'ipv4' && p.member.kind !== 'ipv6')) continue;
    pieces.push({ lo: p.member.lo, hi: p.member.hi, family: p.member.kind === 'ipv4' ? 4 : 6 });
    parts.push(`${entry.address} by ${[...new Set(sources)].map((s) => SOURCE_WORDS[s]).join(' and ')}`);
  }
  return { pieces, how: parts.length > 0 ? `${parts.join(', ')} in the capture` : null };
}

/** Whether address text `a` lies in the piece list text (`10.0.2.0/25`, `10.0.2.31-10.0.2.39`, an address). */
export function addressInTexts(a: string, texts: readonly string[]): boolean {
  const x = parseMember(a);
  if (!x.ok || (x.member.kind !== 'ipv4' && x.member.kind !== 'ipv6')) return false;
  const v = x.member.lo;
  return texts.some((t) => {
    const p = parseMember(t);
    if (!p.ok) return false;
    const m = p.member;
    return 'lo' in m && v >= m.lo && v <= m.hi;
  });
}
