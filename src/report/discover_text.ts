/**
 * `flowaudit discover --format text`: for a person. Role by role, the proposed members with their
 * evidence; then what could not be decided and why; then the suggested features; then the
 * commands to save the proposal and audit with it. Names and paths come from packets and the
 * command line: printed through inert().
 */
import type { DiscoveryResult } from '../audit/discover/discover.js';
import type { Proposal } from '../audit/discover/proposals.js';
import { plural } from './labels.js';
import { inert } from './text.js';

export interface DiscoverTextMeta {
  matrix: string;
  inputs: { path: string; sha256: string | null; packets: number }[];
  /** Commands suggested at the end (already quoted for a POSIX shell). */
  saveCommand: string;
  auditCommand: string;
}

export function renderDiscoverText(r: DiscoveryResult, members: Proposal[], meta: DiscoverTextMeta): string {
  const out: string[] = [];
  out.push(`flowaudit discover: proposed inventory for ${inert(meta.matrix)} from ${meta.inputs.length} capture${meta.inputs.length === 1 ? '' : 's'} (${plural(r.packets, 'packet')}, ${plural(r.connections, 'connection')})`);
  for (const i of meta.inputs) out.push(`  ${inert(i.path)}  sha256 ${i.sha256 ?? '-'}`);
  out.push('  A proposal from traffic, not a reviewed inventory: check every member before you rely on an audit with it.');
  out.push('');
  const roles = [...new Set(members.map((m) => m.role))];
  if (roles.length === 0) out.push('No role could be proposed from this capture.', '');
  for (const role of roles) {
    const list = members.filter((m) => m.role === role);
    out.push(`${inert(role)} (${list.length})`);
    for (const m of list) {
      out.push(`  ${inert(m.member)}${m.name && m.name !== m.member ? ` (${inert(m.name)})` : ''}  confidence ${m.confidence}`);
      for (const e of m.evidence) out.push(`    - ${inert(e)}`);
    }
  }
  out.push('');
  out.push(`Could not decide (${r.undecided.length})`);
  if (r.undecided.length === 0) out.push('  nothing: every host seen either got a role or is not part of the matrix');
  for (const u of r.undecided) {
    out.push(`  - ${inert(u.subject)}${u.roles?.length && !(u.roles.length === 1 && u.roles[0] === u.subject) ? ` (${u.roles.map(inert).join(' or ')}?)` : ''}: ${inert(u.reason)}`);
    if (u.hint) out.push(`      ${inert(u.hint)}`);
  }
  out.push('');
  out.push('Suggested features');
  if (r.features.length === 0) out.push('  none (the matrix declares no features)');
  const width = Math.max(0, ...r.features.map((f) => f.name.length));
  for (const f of r.features) out.push(`  ${f.name.padEnd(width)}  ${f.on ? 'on ' : 'off'}  ${inert(f.why)}`);
  out.push('');
  out.push(...nextLines(members, meta));
  return `${out.join('\n')}\n`;
}

/** The next step: save and audit when something was proposed; otherwise what would give discover something to go on. */
function nextLines(members: readonly Proposal[], meta: DiscoverTextMeta): string[] {
  if (members.length === 0) {
    return ['Next: nothing to save yet. Capture where the AMS server talks to its domain controllers (or give more captures),', '  or decide members yourself with --as ROLE=ADDRESS.'];
  }
  return ['Next: save the proposal as an inventory, review it, then audit with it', `  ${inert(meta.saveCommand)}`, `  ${inert(meta.auditCommand)}`];
}
