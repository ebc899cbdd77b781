/**
 * What an audit report says about a discovered inventory (`inventory.discovered` in
 * flowaudit/audit@1): who proposed it, from which captures, every member with its evidence and
 * confidence, and what discovery left undecided, so nobody mistakes a proposal for a reviewed
 * inventory.
 */
import type { Confidence, Inventory, InventoryDiscovery } from '../../matrix/types.js';

export interface DiscoveredMember {
  role: string;
  member: string;
  name: string | null;
  confidence: Confidence | null;
  evidence: string[];
}

export interface DiscoveredInventoryReport extends InventoryDiscovery {
  /** Always true: the field exists only for discovered inventories. */
  discovered: true;
  /** Members in role order (the inventory's), each with its evidence; members a person added have none. */
  members: DiscoveredMember[];
}

/** The report block for a discovered inventory, or undefined for an inventory written by a person. */
export function discoveredReport(inventory: Inventory): DiscoveredInventoryReport | undefined {
  const d = inventory.discovered;
  if (d === undefined) return undefined;
  const members: DiscoveredMember[] = [];
  for (const r of inventory.roles) {
    for (const m of r.members) {
      // Matrix default host names (graph.microsoft.com …) are the matrix's, not the proposal's.
      if (m.evidence === undefined && m.confidence === undefined && m.kind !== 'ipv4' && m.kind !== 'ipv6' && m.kind !== 'cidr' && m.kind !== 'range') continue;
      members.push({ role: r.name, member: m.text, name: m.name ?? null, confidence: m.confidence ?? null, evidence: m.evidence ?? [] });
    }
  }
  return { discovered: true, ...d, members };
}

/** One line for the head of every report format. */
export function discoveredHeadline(d: DiscoveredInventoryReport): string {
  const by = (c: Confidence | null): number => d.members.filter((m) => m.confidence === c).length;
  const unreviewed = d.members.filter((m) => m.confidence === null).length;
  const parts = [`${by('high')} high`, `${by('medium')} medium`];
  if (by('low') > 0) parts.push(`${by('low')} low`);
  if (unreviewed > 0) parts.push(`${unreviewed} without evidence`);
  const undecided = d.undecided?.length ?? 0;
  return `inventory DISCOVERED by ${d.tool} on ${d.generatedAt}: a proposal from the capture, not a reviewed inventory (${d.members.length} member${d.members.length === 1 ? '' : 's'}: ${parts.join(', ')} confidence; ${undecided} left undecided)`;
}
