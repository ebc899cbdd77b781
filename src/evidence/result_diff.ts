/** Field-by-field comparison of two audit results, for `verify`'s re-run. */
import type { AuditResult } from '../audit/result.js';

type Json = unknown;

/** A JSON copy without the fields that legitimately differ between two runs of the same audit. */
export function comparable(r: AuditResult): Record<string, Json> {
  const c = JSON.parse(JSON.stringify(r)) as Record<string, Json> & { evidence?: Record<string, Json>; tool?: Record<string, Json> };
  delete c.generatedAt;
  if (c.tool) delete c.tool.version;
  if (c.evidence) {
    for (const k of ['generatedAt', 'resultSha256', 'tool', 'argv', 'commandLine']) delete c.evidence[k];
  }
  return c;
}

function show(v: Json): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 100 ? `${s.slice(0, 97)}…` : s;
}

const keyed = (xs: Json[]): boolean => xs.every((x) => x !== null && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string');

/** Appends `path: recorded → now` for every difference; arrays of objects with an id are matched by id. */
export function diff(a: Json, b: Json, path: string, out: string[]): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (keyed(a) && keyed(b)) {
      const ma = new Map(a.map((x) => [(x as { id: string }).id, x]));
      const mb = new Map(b.map((x) => [(x as { id: string }).id, x]));
      for (const [id, x] of ma) {
        if (!mb.has(id)) out.push(`${path}[${id}]: present → absent`);
        else diff(x, mb.get(id), `${path}[${id}]`, out);
      }
      for (const id of mb.keys()) if (!ma.has(id)) out.push(`${path}[${id}]: absent → present`);
      return;
    }
    if (a.length !== b.length) out.push(`${path}: ${a.length} item(s) → ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ra = a as Record<string, Json>;
    const rb = b as Record<string, Json>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
    for (const k of keys) diff(ra[k], rb[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push(`${path}: ${show(a)} → ${show(b)}`);
}
