/**
 * Port specs as written in matrix files: "389" or "49152-65535" (inclusive). Parsing is split in
 * two so the JSON Schema can check the shape (`^\d+(-\d+)?$`) and this module the values.
 */
import type { PortRange } from './types.js';

export const PORT_PATTERN = /^\d+(-\d+)?$/;
export const MAX_PORT = 65535;

export type PortParse = { ok: true; range: PortRange } | { ok: false; reason: string };

/** Parse one port spec. Reasons read as the tail of an error message: `port 70000 is out of range 0-65535`. */
export function parsePortSpec(text: string): PortParse {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not a port or a range "from-to"` };
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  for (const p of [from, to]) {
    if (!Number.isSafeInteger(p) || p > MAX_PORT) {
      return { ok: false, reason: `port ${p > Number.MAX_SAFE_INTEGER ? text : p} is out of range 0-${MAX_PORT}` };
    }
  }
  if (from > to) return { ok: false, reason: `range "${text}": start ${from} is greater than end ${to}` };
  return { ok: true, range: { from, to } };
}

/** Sort and merge ranges (overlapping or adjacent), so lookups see disjoint ascending ranges. */
export function normalisePortRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from || a.to - b.to);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** Compile a list of valid specs; throws a plain Error on the first invalid one (callers validate first). */
export function compilePorts(specs: readonly string[]): PortRange[] {
  return normalisePortRanges(
    specs.map((s) => {
      const p = parsePortSpec(s);
      if (!p.ok) throw new Error(p.reason);
      return p.range;
    }),
  );
}

/** True if `port` is inside one of the (normalised) ranges. */
export function portInRanges(port: number, ranges: readonly PortRange[]): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (port < r.from) hi = mid - 1;
    else if (port > r.to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** "389", "49152-65535". */
export function formatPortRange(r: PortRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}
