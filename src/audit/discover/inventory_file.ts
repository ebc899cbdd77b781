/**
 * The proposal as an inventory file (`audit --inventory` takes it unchanged): members as objects
 * with their evidence and confidence, the suggested features, and the `discovered` block. With
 * --group-clients /N, members of client roles are folded into CIDRs (IPv4 /N, IPv6 /64).
 */
import { Address4, Address6 } from 'ip-address';
import { isIPv4Text as isIPv4, isIPv6Text as isIPv6 } from '../../ip_text.js';
import type { Confidence, InventoryDiscovery } from '../../matrix/types.js';
import type { InventoryFile, InventoryMemberSpec } from '../../matrix/inventory.js';
import type { DiscoveryResult } from './discover.js';
import type { Proposal } from './proposals.js';
import { rank } from './proposals.js';

export const CLIENT_ROLES: readonly string[] = ['web-user', 'domain-joined-agent', 'non-domain-agent', 'jit-target'];

/** The CIDR of `address` at `prefix` bits (IPv6 always /64 unless prefix > 64). */
export function cidrOf(address: string, prefix: number): string | null {
  if (isIPv4(address)) {
    const a = new Address4(`${address}/${prefix}`);
    return `${a.startAddress().correctForm()}/${prefix}`;
  }
  if (isIPv6(address)) {
    const bits = Math.max(prefix, 64);
    const a = new Address6(`${address}/${bits}`);
    return `${a.startAddress().correctForm()}/${bits}`;
  }
  return null;
}

export function groupClients(members: Proposal[], prefix: number): Proposal[] {
  const out: Proposal[] = [];
  const groups = new Map<string, Proposal[]>();
  for (const m of members) {
    const cidr = CLIENT_ROLES.includes(m.role) && !m.evidence.some((e) => e.startsWith('given on the command line')) ? cidrOf(m.member, prefix) : null;
    if (cidr === null) {
      out.push(m);
      continue;
    }
    const key = `${m.role}|${cidr}`;
    if (!groups.has(key)) {
      groups.set(key, []);
      out.push({ role: m.role, member: cidr, confidence: 'high', evidence: [] });
    }
    groups.get(key)!.push(m);
  }
  for (const g of out) {
    const list = groups.get(`${g.role}|${g.member}`);
    if (!list) continue;
    g.confidence = list.reduce<Confidence>((c, m) => (rank(m.confidence) < rank(c) ? m.confidence : c), 'high');
    g.evidence = [
      `--group-clients: admits every address of ${g.member}, not only the ${list.length} seen`,
      ...list.map((m) => `${m.member}${m.name ? ` (${m.name})` : ''}, ${m.confidence}: ${m.evidence.join('; ')}`),
    ];
  }
  return out;
}

export function inventoryFile(r: DiscoveryResult, meta: Omit<InventoryDiscovery, 'undecided' | 'features'>, groupPrefix?: number): InventoryFile {
  const members = groupPrefix === undefined ? r.members : groupClients(r.members, groupPrefix);
  const roles: Record<string, InventoryMemberSpec[]> = {};
  for (const m of members) {
    (roles[m.role] ??= []).push({ address: m.member, ...(m.name ? { name: m.name } : {}), evidence: m.evidence, confidence: m.confidence });
  }
  const features: Record<string, string[]> = {};
  for (const f of r.features) features[f.name] = [`${f.on ? 'on' : 'off'}: ${f.why}`];
  return {
    description: 'Proposed by flowaudit discover from the capture: review every member before relying on an audit with it',
    roles,
    features: r.features.filter((f) => f.on).map((f) => f.name),
    discovered: { ...meta, undecided: r.undecided, features },
  };
}
