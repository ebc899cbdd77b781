/**
 * Parts of one file's aggregation (each parse worker aggregated some of its lines, conn_parallel.ts)
 * merged into the run's FlowAggregates so that the result is the one a single reader of all the
 * lines in order would have made:
 *
 *  - tuples are added in the order of their first record's line (so tuple indices, hence connection
 *    ids and report order, are the same), and a new tuple takes its first record's orientation;
 *  - counts, packets and bytes are sums of integers, first / last times minima and maxima: exact in
 *    any order;
 *  - histories: a tuple keeps the first MAX_HISTORIES distinct histories met (with their counts) and
 *    counts the rest as other. Each part keeps up to its own, larger limit with the line each was
 *    first met on; merged by that line, they give the same list, provided no kept history hides in a
 *    part's "other" count. That is checked first (`exact`); when it fails the caller reads the file
 *    again serially, so a hostile log with many histories per tuple costs time, never correctness.
 */
import { type AggregatePart, type FlowAggregates, KEY_WORDS as K, MAX_HISTORIES } from './flow_aggregate.js';

/** Each part's name ids (TLS / HTTP names in the key) as ids of `into`. */
function nameMaps(into: FlowAggregates, parts: readonly AggregatePart[]): Int32Array[] {
  return parts.map((p) => Int32Array.from(p.names, (n, id) => (id === 0 ? 0 : into.nameId(n))));
}

function keyOf(p: AggregatePart, i: number, names: Int32Array): Uint32Array {
  const k = p.keys.slice(i * K, i * K + K);
  k[11] = names[k[11]!]!;
  k[12] = names[k[12]!]!;
  return k;
}

/**
 * Whether merging gives exactly one reader's histories: for every tuple some part counted histories
 * as other, each history the merged tuple keeps must be one that part listed.
 */
function exact(into: FlowAggregates, parts: readonly AggregatePart[], maps: Int32Array[]): boolean {
  const overflowed = new Set<string>();
  parts.forEach((p, n) => {
    for (let i = 0; i < p.tuples; i++) if (p.other[i]! > 0) overflowed.add(keyOf(p, i, maps[n]!).join(','));
  });
  if (overflowed.size === 0) return true;
  // key → the histories the parts listed for it (with the line first met), and the parts that overflowed.
  const byKey = new Map<string, { key: Uint32Array; lists: { at: number; history: string; part: number }[]; full: Set<number> }>();
  parts.forEach((p, n) => {
    for (let i = 0; i < p.tuples; i++) {
      const key = keyOf(p, i, maps[n]!);
      const ks = key.join(',');
      if (!overflowed.has(ks)) continue;
      let e = byKey.get(ks);
      if (!e) byKey.set(ks, (e = { key, lists: [], full: new Set() }));
      p.histories[i]!.forEach((h, x) => e.lists.push({ at: p.histAt[i]![x]!, history: h.history, part: n }));
      if (p.other[i]! > 0) e.full.add(n);
    }
  });
  for (const e of byKey.values()) {
    const j = into.lookup(e.key);
    const kept = j >= 0 ? into.historyList(j).map((h) => h.history) : [];
    for (const h of [...e.lists].sort((a, b) => a.at - b.at)) if (!kept.includes(h.history) && kept.length < MAX_HISTORIES) kept.push(h.history);
    for (const n of e.full) {
      const listed = new Set(e.lists.filter((h) => h.part === n).map((h) => h.history));
      if (kept.some((h) => !listed.has(h))) return false;
    }
  }
  return true;
}

/** Merge `parts` (of one file, disjoint lines) into `into`; false (and `into` untouched) when not exact. */
export function mergeParts(into: FlowAggregates, parts: readonly AggregatePart[]): boolean {
  const maps = nameMaps(into, parts);
  if (!exact(into, parts, maps)) return false;
  const order: { p: number; i: number; at: number }[] = [];
  parts.forEach((p, n) => {
    for (let i = 0; i < p.tuples; i++) order.push({ p: n, i, at: p.firstAt[i]! });
  });
  order.sort((a, b) => a.at - b.at);
  const histories = new Map<number, Map<string, { count: number; at: number }>>();
  for (const { p: n, i } of order) {
    const p = parts[n]!;
    const j = into.absorb(p, i, maps[n]!);
    if (p.other[i]! > 0) into.addHistory(j, null, p.other[i]!);
    let hs = histories.get(j);
    if (!hs) histories.set(j, (hs = new Map()));
    p.histories[i]!.forEach((h, x) => {
      const at = p.histAt[i]![x]!;
      const e = hs.get(h.history);
      if (e) {
        e.count += h.count;
        e.at = Math.min(e.at, at);
      } else hs.set(h.history, { count: h.count, at });
    });
  }
  for (const [j, hs] of histories) for (const [h, e] of [...hs].sort((a, b) => a[1].at - b[1].at)) into.addHistory(j, h, e.count);
  return true;
}
