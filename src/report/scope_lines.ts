/**
 * The scope of an audit as every format states it on its first page (issue 17): inputs with their
 * hashes, the observation window, the vantage, the matrix and the inventory with their hashes, and
 * the signer (a slot the signing step fills; "not signed" otherwise). Also the one explanation of
 * jargon the matrix version carries ("seed sha256"). Plain strings; each renderer escapes them.
 */
import { shaText } from './sha_text.js';
import type { AuditResult } from '../audit/result.js';
import { completenessText } from '../audit/observation.js';
import { coverageFor } from './controls_lines.js';

export interface ScopeItem {
  key: string;
  /** Lines of the value (hashes on their own line). */
  lines: string[];
}

/** Why "seed sha256 …" is in a matrix version, said once where it first appears; null when it is not there. */
export function matrixVersionNote(version: string): string | null {
  const m = /seed sha256 ([0-9a-f]{6,64})/.exec(version);
  return m ? `"seed sha256 ${m[1]}" in the matrix version: the start of the SHA-256 of the vendor's port table the built-in matrix was transcribed from; the matrix's own SHA-256 is the full one.` : null;
}

/** The signer line: filled by the signing step (evidence.signer), "not signed" otherwise. */
export function signerText(r: AuditResult): string {
  const s = r.evidence?.signer;
  return s ? s : 'not signed (see flowaudit audit --sign-key)';
}

/** Inputs listed one by one in the scope; beyond, a count (every input is in the capture facts and the evidence block). */
export const MAX_SCOPE_INPUTS = 5;

export function scopeItems(r: AuditResult): ScopeItem[] {
  const cov = coverageFor(r);
  const items: ScopeItem[] = [];
  for (const i of r.inputs.slice(0, MAX_SCOPE_INPUTS)) {
    const what = i.records ? `${i.format}, ${i.records.connections} connections from ${i.records.lines} lines` : `${[i.format, i.version].filter(Boolean).join(' ')}, ${i.packets} packets`;
    items.push({ key: 'Input', lines: [`${i.path} (${what})`, `sha256 ${shaText(i.sha256, i.format === 'live')}`] });
  }
  const more = r.inputs.length - MAX_SCOPE_INPUTS;
  if (more > 0) items.push({ key: 'Input', lines: [`+${more} more input${more === 1 ? '' : 's'}, each with its SHA-256 in the capture facts and the evidence block`] });
  items.push({ key: 'Window', lines: [cov.seconds === null ? 'no packets' : `${cov.window}: ${cov.firstSeen} → ${cov.lastSeen}`] });
  items.push({ key: 'Vantage', lines: [cov.vantage.length ? `${cov.vantage.join(', ')} (--vantage: the capture was taken on these roles' hosts)` : 'not given (--vantage): the capture point is not stated'] });
  items.push({ key: 'Completeness', lines: [completenessText(cov)] });
  items.push({ key: 'Matrix', lines: [`${r.matrix.name} ${r.matrix.version} (${r.matrix.origin})`, `sha256 ${r.matrix.sha256}`] });
  items.push({ key: 'Inventory', lines: [`${r.inventory.origin}${r.inventory.discovered ? ' (discovered: review it)' : ''}`, `sha256 ${r.inventory.sha256 ?? 'none'}`] });
  // Issue 21: the host firewall files judged with the traffic (absent without --firewall).
  for (const h of r.firewall?.hosts ?? []) items.push({ key: 'Firewall', lines: [`${h.host}: ${h.file.path} (${h.file.format}, ${h.file.rules} rules)`, `sha256 ${h.file.sha256}`] });
  const opts = [`scope ${r.options.scope}`, `features ${r.options.features.join(', ') || 'none'}`];
  if (r.options.requireAllMembers) opts.push('all members required');
  items.push({ key: 'Options', lines: [opts.join(' · ')] });
  items.push({ key: 'Signer', lines: [signerText(r)] });
  return items;
}
