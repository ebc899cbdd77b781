/**
 * The inventory's address lookup table. Members are intervals of one 128-bit space (IPv4 is the
 * ::ffff:0:0/96 slice, so an IPv4 member also matches ::ffff:a.b.c.d and ::/0 covers IPv4 too). A
 * sweep cuts the space into disjoint segments, each with its sorted role list; lookups are a binary
 * search over the decoder's 4×uint32 address form (a 32-bit table for IPv4, a 4-word one otherwise).
 */

export const V4_BASE = 0xffff00000000n; // ::ffff:0.0.0.0
export const MASK32 = 0xffffffffn;
export const EMPTY: readonly string[] = Object.freeze([]);

/** 128-bit value → the decoder's 4×uint32 form. */
export function bigintToWords(v: bigint): Uint32Array {
  return Uint32Array.of(Number((v >> 96n) & MASK32), Number((v >> 64n) & MASK32), Number((v >> 32n) & MASK32), Number(v & MASK32));
}

export function wordsToBigint(a: Uint32Array): bigint {
  return (BigInt(a[0]!) << 96n) | (BigInt(a[1]!) << 64n) | (BigInt(a[2]!) << 32n) | BigInt(a[3]!);
}

export interface Interval {
  lo: bigint;
  hi: bigint;
  role: number;
}

/**
 * Disjoint segment tables. `v4*`: the ::ffff:0:0/96 slice, keyed by the low word. `g*`: the
 * whole space, 4 words per entry. `*Set` indexes `sets`.
 */
export interface AddressTable {
  sets: readonly (readonly string[])[];
  v4Lo: Uint32Array;
  v4Hi: Uint32Array;
  v4Set: Int32Array;
  gLo: Uint32Array;
  gHi: Uint32Array;
  gSet: Int32Array;
}

export function buildTable(intervals: readonly Interval[], roleNames: readonly string[]): AddressTable {
  // Sweep over boundaries: +role at lo, -role at hi+1.
  const events: { at: bigint; role: number; delta: 1 | -1 }[] = [];
  for (const iv of intervals) {
    events.push({ at: iv.lo, role: iv.role, delta: 1 });
    events.push({ at: iv.hi + 1n, role: iv.role, delta: -1 });
  }
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const counts = new Int32Array(roleNames.length);
  const segs: { lo: bigint; hi: bigint; key: string }[] = [];
  const setIndex = new Map<string, number>();
  const sets: (readonly string[])[] = [];
  for (let i = 0; i < events.length; ) {
    const at = events[i]!.at;
    while (i < events.length && events[i]!.at === at) {
      const e = events[i]!;
      counts[e.role]! += e.delta;
      i++;
    }
    const next = events[i]?.at;
    if (next === undefined) break;
    const names: string[] = [];
    for (let r = 0; r < counts.length; r++) if (counts[r]! > 0) names.push(roleNames[r]!);
    if (names.length === 0) continue;
    names.sort();
    const key = names.join('\0');
    if (!setIndex.has(key)) {
      setIndex.set(key, sets.length);
      sets.push(Object.freeze(names));
    }
    const last = segs[segs.length - 1];
    if (last && last.key === key && last.hi + 1n === at) last.hi = next - 1n;
    else segs.push({ lo: at, hi: next - 1n, key });
  }
  const v4: { lo: number; hi: number; set: number }[] = [];
  const v4End = V4_BASE + MASK32;
  for (const s of segs) {
    if (s.hi < V4_BASE || s.lo > v4End) continue;
    const lo = s.lo < V4_BASE ? 0 : Number(s.lo - V4_BASE);
    const hi = s.hi > v4End ? 0xffffffff : Number(s.hi - V4_BASE);
    v4.push({ lo, hi, set: setIndex.get(s.key)! });
  }
  const gLo = new Uint32Array(segs.length * 4);
  const gHi = new Uint32Array(segs.length * 4);
  const gSet = new Int32Array(segs.length);
  segs.forEach((s, i) => {
    gLo.set(bigintToWords(s.lo), i * 4);
    gHi.set(bigintToWords(s.hi), i * 4);
    gSet[i] = setIndex.get(s.key)!;
  });
  return {
    sets,
    v4Lo: Uint32Array.from(v4, (s) => s.lo),
    v4Hi: Uint32Array.from(v4, (s) => s.hi),
    v4Set: Int32Array.from(v4, (s) => s.set),
    gLo,
    gHi,
    gSet,
  };
}

/** Compare address `a` with the 4-word entry `i` of `t`. */
function cmpWords(a: Uint32Array, t: Uint32Array, i: number): number {
  const o = i * 4;
  for (let k = 0; k < 4; k++) {
    const x = a[k]!;
    const y = t[o + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function lookupRoles(t: AddressTable, a: Uint32Array): readonly string[] {
  if (a[0] === 0 && a[1] === 0 && a[2] === 0xffff) {
    const x = a[3]!;
    let lo = 0;
    let hi = t.v4Hi.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (x > t.v4Hi[mid]!) lo = mid + 1;
      else if (x < t.v4Lo[mid]!) hi = mid - 1;
      else return t.sets[t.v4Set[mid]!]!;
    }
    return EMPTY;
  }
  let lo = 0;
  let hi = t.gSet.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cmpWords(a, t.gHi, mid) > 0) lo = mid + 1;
    else if (cmpWords(a, t.gLo, mid) < 0) hi = mid - 1;
    else return t.sets[t.gSet[mid]!]!;
  }
  return EMPTY;
}
