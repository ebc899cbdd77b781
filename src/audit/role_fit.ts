/**
 * Whether a host's own evidence fits a role (issue 20), so that near misses and the "add the host
 * to the role" advice never propose a change that would break the inventory:
 *
 *   - a host the inventory lists in a role that contradicts the proposed one (a domain controller
 *     or an agent proposed as the AMS server, the AMS server as an agent), or that answered
 *     Kerberos in the capture (it behaves as a domain controller), is not proposed for a role a
 *     domain controller cannot hold;
 *   - a role whose members the capture names (host-name members, or member addresses with names
 *     learned from DNS, SNI or HTTP Host: packages.lithnet.io, graph.microsoft.com …) is not
 *     proposed to a host the capture names otherwise (10.66.9.9 evil.example.net): that is an
 *     unexpected destination, not a gap in the inventory.
 *
 * The contradictions are flowaudit's knowledge of the AMS and AD role names (the role vocabulary
 * of builtin:ams and builtin:ad-infrastructure), as discover's ad_knowledge.ts is; a custom
 * matrix with other role names gets only the naming check. Pure over the audit's facts.
 */
import type { Inventory } from '../matrix/types.js';
import type { NearMissRef } from './insight.js';
import { parseAddressWords } from '../ip_text.js';

const DC_ROLES = ['domain-controller', 'global-catalog'];
const CLOUD_ROLES = ['lithnet-updates', 'microsoft-graph', 'microsoft-login', 'oidc-provider'];
const INTERNAL_ROLES = ['ams-server', ...DC_ROLES, 'dns-server', 'sql-server', 'jit-target', 'domain-joined-agent', 'non-domain-agent', 'web-user'];

/** Pairs of roles one host cannot hold both of (symmetric). */
const CONTRADICTIONS: readonly (readonly [string, readonly string[]])[] = [
  ['ams-server', [...DC_ROLES, 'domain-joined-agent', 'non-domain-agent', ...CLOUD_ROLES]],
  ...DC_ROLES.map((dc) => [dc, ['ams-server', 'jit-target', 'domain-joined-agent', 'non-domain-agent', 'web-user', ...CLOUD_ROLES]] as const),
  ['dns-server', ['ams-server', ...CLOUD_ROLES]],
  ['domain-joined-agent', ['non-domain-agent', 'ams-server', ...DC_ROLES, ...CLOUD_ROLES]],
  ['non-domain-agent', ['domain-joined-agent', 'ams-server', ...DC_ROLES, ...CLOUD_ROLES]],
  ...CLOUD_ROLES.map((c) => [c, INTERNAL_ROLES] as const),
];

const CONFLICTS = new Map<string, Set<string>>();
for (const [a, bs] of CONTRADICTIONS) {
  for (const b of bs) {
    if (a === b) continue;
    if (!CONFLICTS.has(a)) CONFLICTS.set(a, new Set());
    if (!CONFLICTS.has(b)) CONFLICTS.set(b, new Set());
    CONFLICTS.get(a)!.add(b);
    CONFLICTS.get(b)!.add(a);
  }
}

/** True when one host cannot hold both roles. */
export function rolesContradict(a: string, b: string): boolean {
  return CONFLICTS.get(a)?.has(b) ?? false;
}

export interface RoleFitFacts {
  inventory: Inventory;
  /** Names the capture gave an address (DNS, SNI, HTTP Host), empty when none. */
  learnedNames: (address: string) => readonly string[];
  /** Addresses that answered Kerberos in the capture: they behave as domain controllers. */
  kerberosServers: ReadonlySet<string>;
}

export class RoleFit {
  private readonly namedRoles = new Map<string, boolean>();
  private readonly words = new Uint32Array(4);

  constructor(private readonly f: RoleFitFacts) {}

  /** The inventory roles of an address (by its text). */
  private rolesOf(address: string): readonly string[] {
    return parseAddressWords(address, this.words) ? this.f.inventory.rolesForAddress(this.words) : [];
  }

  /** Whether the capture names the members of `role`: host-name members, or an address member with a learned name. */
  private roleIsNamed(role: string): boolean {
    let named = this.namedRoles.get(role);
    if (named === undefined) {
      const members = this.f.inventory.roles.find((r) => r.name === role)?.members ?? [];
      named = members.some((m) => m.kind === 'host' || m.kind === 'suffix' || ((m.kind === 'ipv4' || m.kind === 'ipv6') && this.f.learnedNames(m.text).length > 0));
      this.namedRoles.set(role, named);
    }
    return named;
  }

  /** Why `address` should not be proposed for `role`, or null when nothing it showed contradicts it. */
  misfit(address: string, role: string): string | null {
    const held = this.rolesOf(address).find((r) => rolesContradict(r, role));
    if (held !== undefined) return `the inventory lists it as ${held}`;
    if (this.f.kerberosServers.has(address) && DC_ROLES.some((dc) => rolesContradict(dc, role))) return 'it answered Kerberos: a domain controller';
    const names = this.f.learnedNames(address);
    if (names.length > 0 && this.roleIsNamed(role)) return `the capture names it ${names[0]}, not a member of ${role}`;
    return null;
  }
}

/** The near misses whose proposed host fits the role (the list as given when all do). */
export function fittingNearMisses<T extends NearMissRef>(misses: T[], fit: RoleFit): T[] {
  if (misses.length === 0) return misses;
  const kept = misses.filter((n) => fit.misfit(n.address, n.missingRole) === null);
  return kept.length === misses.length ? misses : kept;
}
