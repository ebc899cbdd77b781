/**
 * How a report shows an input's sha256 when it has none: a live capture without `--write` was not
 * kept (there is no file to hash), anything else could not be read.
 */
import type { AuditResult } from '../audit/result.js';

export function shaText(sha: string | null, live: boolean, unreadable = 'unreadable'): string {
  if (sha !== null) return sha;
  return live ? 'not kept' : unreadable;
}

/** The paths of the report's live inputs (the evidence block lists inputs by path). */
export function livePaths(r: Pick<AuditResult, 'inputs'>): Set<string> {
  return new Set(r.inputs.filter((i) => i.format === 'live').map((i) => i.path));
}
