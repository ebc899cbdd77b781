/** Report order: addresses numerically (IPv4 by value, then IPv6 as text), unexpected groups, sorted records. */
import type { UnexpectedGroup } from './result.js';

/** IPv4 dotted quad → uint32 without allocating; -1 if not IPv4. */
function ipv4Value(s: string): number {
  let n = 0;
  let part = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
      dots++;
    } else if (c >= 48 && c <= 57) part = part * 10 + (c - 48);
    else return -1;
  }
  return dots === 3 ? n * 256 + part : -1;
}

/** Numeric-aware address order (IPv4 by value first, then IPv6 as text). */
export function compareAddr(a: string, b: string): number {
  const va = ipv4Value(a);
  const vb = ipv4Value(b);
  if (va >= 0 && vb >= 0) return va - vb;
  if (va >= 0) return -1;
  if (vb >= 0) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Above this many addresses the packed keys of sortAddresses would not fit a double exactly. */
const PACK = 2 ** 21;

/**
 * Sorted copy, computing each address's sort key once. When every address is IPv4 (the common
 * case: thousands of clients per rule) the keys are sorted natively as doubles, value × 2^21 +
 * position, which is the same stable order without a comparator call per comparison.
 */
export function sortAddresses(xs: Iterable<string>): string[] {
  const list = [...xs];
  const n = list.length;
  if (n > 1 && n < PACK) {
    const keys = new Float64Array(n);
    let i = 0;
    for (; i < n; i++) {
      const v = ipv4Value(list[i]!);
      if (v < 0 || v > 0xffffffff) break; // not IPv4, or not a dotted quad of bytes ("300.1.1.1")
      keys[i] = v * PACK + i;
    }
    if (i === n) {
      keys.sort();
      const out = new Array<string>(n);
      for (let k = 0; k < n; k++) out[k] = list[keys[k]! % PACK]!;
      return out;
    }
  }
  return sortMixed(list);
}

function sortMixed(list: string[]): string[] {
  const keyed = list.map((s) => ({ s, v: ipv4Value(s) }));
  keyed.sort((a, b) => (a.v >= 0 && b.v >= 0 ? a.v - b.v : a.v >= 0 ? -1 : b.v >= 0 ? 1 : a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
  return keyed.map((k) => k.s);
}

export function compareGroups(a: UnexpectedGroup, b: UnexpectedGroup): number {
  return (
    compareAddr(a.server, b.server) ||
    (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0) ||
    a.port - b.port ||
    compareAddr(a.client, b.client)
  );
}

export function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
