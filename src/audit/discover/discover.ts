/**
 * runDiscovery: connection facts + names + matrix → a proposed inventory, each member with its
 * evidence and confidence, plus what could not be decided. Pure: same facts, same proposal.
 * Order matters (each step uses the roles decided before it): DCs, the AMS server, GCs, DNS,
 * SQL, cloud names and the OIDC provider, JIT targets and clients, then a custom matrix's roles.
 */
import type { CaptureFacts } from '../../flows/facts.js';
import { compileInventory } from '../../matrix/inventory.js';
import type { Matrix } from '../../matrix/types.js';
import { AD_ROLES } from './ad_knowledge.js';
import { cloudRoles } from './cloud.js';
import { suggestFeatures, type FeatureSuggestion } from './features.js';
import { matrixRuleRoles } from './matrix_rules.js';
import { observe } from './observe.js';
import { Proposals, type Proposal, type Undecided } from './proposals.js';
import { clientRoles, jitTargets } from './roles_clients.js';
import { amsServer, dnsServers, domainControllers, globalCatalogs, sqlServers } from './roles_infra.js';

export interface DiscoverOptions {
  /** --as ROLE=MEMBER, in order: adds the role; the member keeps the roles its traffic earned (issue 20). */
  as: { role: string; member: string }[];
  /** --only-as ROLE=MEMBER: the member holds only the roles given this way (replacing what it earned). */
  onlyAs?: { role: string; member: string }[];
}

export interface DiscoveryResult {
  members: Proposal[];
  undecided: Undecided[];
  features: FeatureSuggestion[];
  connections: number;
  packets: number;
}

export function runDiscovery(facts: CaptureFacts, matrix: Matrix, opts: DiscoverOptions): DiscoveryResult {
  const o = observe(facts);
  const p = new Proposals();
  const roles = new Set(matrix.roles.map((r) => r.name));
  const given = [
    ...opts.as.map((a) => ({ ...a, why: `given on the command line (--as ${a.role}=${a.member})` })),
    ...(opts.onlyAs ?? []).map((a) => ({ ...a, why: `given on the command line (--only-as ${a.role}=${a.member})` })),
  ];
  const amsGiven: { role: string; member: string; why: string; confidence?: 'high' | 'medium' }[] = given.filter((g) => g.role === 'ams-server');
  // The capture's own interface addresses (pcapng if_IPv4addr/if_IPv6addr, written by `live --write`):
  // live runs on the AMS server, so they are its addresses, unless --as says who the AMS server is.
  if (amsGiven.length === 0) {
    for (const i of facts.inputs) {
      for (const f of i.info?.interfaces ?? []) {
        for (const a of f.addresses ?? []) {
          if (a.startsWith('127.') || a === '::1' || a.startsWith('fe80:')) continue;
          amsGiven.push({ role: 'ams-server', member: a, confidence: 'medium', why: `an address of the capture interface${f.name ? ` ${f.name}` : ''} (pcapng interface block of ${i.path}): flowaudit live records the addresses of the host it runs on, the AMS server` });
        }
      }
    }
  }

  for (const g of given) if (g.role !== 'ams-server') p.add(g.role, g.member, 'high', [g.why]);
  domainControllers(o, p);
  amsServer(o, p, amsGiven);
  globalCatalogs(o, p);
  dnsServers(o, p);
  sqlServers(o, p);
  const defaults = compileInventory({ roles: {} }, '(matrix defaults)', matrix);
  const cloud = new Set(matrix.roles.filter((r) => (r.hosts ?? []).length > 0).map((r) => r.name));
  cloudRoles(o, p, defaults, cloud, roles.has('oidc-provider'));
  jitTargets(o, p);
  const givenClients = new Map(given.filter((g) => g.role !== 'ams-server').map((g) => [g.member, g.role]));
  clientRoles(o, p, givenClients);
  const known = new Set<string>([...AD_ROLES.map((r) => r.role), 'oidc-provider', ...cloud]);
  matrixRuleRoles(o, p, matrix, known);

  decideGiven(p, given, opts.onlyAs ?? []);

  const order = matrix.roles.map((r) => r.name);
  const members = p.all(order).filter((m) => roles.has(m.role));
  const undecided = p.undecided.filter((u) => !u.roles || u.roles.some((r) => roles.has(r)));
  const uncovered = matrix.roles.filter((r) => !known.has(r.name) && members.every((m) => m.role !== r.name));
  for (const r of uncovered) undecided.push({ subject: r.name, roles: [r.name], reason: 'no member found: the AD table does not know this role and no host answered its matrix rules to a known source role' });
  return { members, undecided, features: suggestFeatures(p, matrix), connections: o.connections, packets: o.packets };
}

/**
 * What the user decided: a member given with --as or --only-as leaves "Could not decide"; one
 * given with --only-as keeps only the roles given that way (any role its traffic earned is dropped).
 */
function decideGiven(p: Proposals, given: readonly { role: string; member: string }[], onlyAs: readonly { role: string; member: string }[]): void {
  const decided = new Set(given.map((g) => g.member));
  for (let i = p.undecided.length - 1; i >= 0; i--) if (decided.has(p.undecided[i]!.subject)) p.undecided.splice(i, 1);
  const only = new Map<string, Set<string>>();
  for (const g of onlyAs) only.set(g.member, new Set([...(only.get(g.member) ?? []), g.role]));
  for (const [member, roles] of only) for (const role of p.rolesOf(member)) if (!roles.has(role)) p.remove(role, member);
}
