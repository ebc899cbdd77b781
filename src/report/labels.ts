/**
 * What every report format says about an address and about the grouped unexpected flows: the
 * address followed by its best name and the evidence for it ("10.0.0.10 (ams1 [inventory])"), and
 * the clients of a server group as a count, their common role or prefix, and the top few.
 * Plain strings: each renderer escapes them for its own format.
 */
import { clientsText, groupUnexpected, labelAddress, namesByAddress, type NameRef, type UnexpectedServerGroup } from '../audit/grouping.js';
import type { AuditResult } from '../audit/result.js';

export type Labeller = (address: string) => string;

/** address → "address (best name [source])" from the result's `names` block. */
export function labeller(r: Pick<AuditResult, 'names'>): Labeller {
  const names = namesByAddress(r);
  return (a) => labelAddress(a, names.get(a));
}

/** address → its names (best first), for renderers that format name and source apart. */
export function nameRefs(r: Pick<AuditResult, 'names'>): (address: string) => NameRef[] {
  const names = namesByAddress(r);
  return (a) => names.get(a) ?? [];
}

/** The groups of the result, or computed from `unexpected[]` for a result written before they existed. */
export function serverGroups(r: AuditResult): UnexpectedServerGroup[] {
  return r.unexpectedByServer ?? groupUnexpected(r.unexpected, namesByAddress(r));
}

/** "47 web-user clients in 10.66.3.0/24", or the one client's label. */
export function clientsSummary(g: UnexpectedServerGroup, label: Labeller): string {
  return g.clients === 1 && g.topClients[0] ? label(g.topClients[0].client) : clientsText(g);
}

/** "top: 10.66.3.5 (pc5 [dns]) 12, 10.66.3.9 9, 10.66.3.1 4" (empty for one client). */
export function topClientsText(g: UnexpectedServerGroup, label: Labeller): string {
  if (g.clients <= 1) return '';
  const more = g.clients - g.topClients.length;
  return `top: ${g.topClients.map((c) => `${label(c.client)} ${c.connections}`).join(', ')}${more > 0 ? `, +${more} more` : ''}`;
}

/** Why the group is close to allowed: a feature that is off, or a near miss (one side's role). */
export function groupNote(g: UnexpectedServerGroup): string {
  const parts: string[] = [];
  if (g.disabledRules.length) parts.push(`would match ${g.disabledRules.join(', ')} if its feature were enabled`);
  if (g.nearMissRules.length) parts.push(`near miss of ${g.nearMissRules.join(', ')}`);
  return parts.join('; ');
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "1 connection", "12 connections". */
export function conns(n: number): string {
  return plural(n, 'connection');
}

export { plural };
