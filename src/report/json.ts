import type { AuditResult } from '../audit/result.js';

/** The `flowaudit/audit@1` JSON document: 2-space indent, keys in contract order, trailing newline. */
export function renderJson(r: AuditResult): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
