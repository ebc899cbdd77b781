/**
 * What `flowaudit probe --as ROLE` tries, as a pure function of the matrix and the inventory:
 *   documented   every rule whose source is ROLE (conditional rules only with their feature on),
 *                to every destination member that is a single address, on each single port;
 *   undocumented a bounded list of admin and lateral-movement ports (UNDOCUMENTED_PORTS, plus
 *                --ports, at most MAX_EXTRA_PORTS) on the same members, where no rule from ROLE to
 *                any of the member's roles allows them.
 * Never a sweep: port ranges (RPC dynamic 49152-65535), CIDR and range members and host names are
 * listed as not tried, with the reason. Every target is an inventory address; refuseOutside()
 * checks it again before anything is sent.
 */
import { UsageError } from '../errors.js';
import { addressWords, formatPortRange } from '../matrix/index.js';
import type { Inventory, Matrix, MatrixRule, Protocol } from '../matrix/types.js';
import type { ProbeTarget, UdpRequestKind } from '../probe/probe_types.js';

/** Ports tried on every documented destination member where no rule allows them (SSH, Telnet, RPC, NetBIOS, SMB, RDP, WinRM). */
export const UNDOCUMENTED_PORTS: readonly number[] = [22, 23, 135, 139, 445, 3389, 5985, 5986];
export const MAX_EXTRA_PORTS = 16;

/** UDP services with a protocol-correct request: the port's request. */
const UDP_REQUESTS: Record<number, UdpRequestKind> = { 53: 'dns', 389: 'cldap' };

export interface PlannedProbe extends ProbeTarget {
  /** The member's friendly name from the inventory, else its address. */
  member: string;
  /** The inventory roles of the address (sorted). */
  roles: readonly string[];
  kind: 'documented' | 'undocumented';
  /** Rule ids this probe tests (documented); empty for undocumented. */
  rules: string[];
  /** One of its rules is `required` (a failure fails the test). */
  required: boolean;
}

export interface NotPlanned {
  rule: string;
  protocol: Protocol;
  ports: string;
  /** The member as written in the inventory, or the role name. */
  target: string;
  reason: string;
}

export interface ProbePlan {
  as: string;
  probes: PlannedProbe[];
  notPlanned: NotPlanned[];
  /** The undocumented ports tried (defaults and --ports), as "tcp/22". */
  undocumentedPorts: string[];
}

export interface PortSpec {
  protocol: Protocol;
  port: number;
}

/** `--ports 8080,udp/161,tcp/8443`: single ports only, at most MAX_EXTRA_PORTS. */
export function parseProbePorts(items: readonly string[]): PortSpec[] {
  const out: PortSpec[] = [];
  for (const raw of items) {
    const m = /^(?:(tcp|udp)\/)?(\d{1,5})$/i.exec(raw.trim());
    if (!m) throw new UsageError(`--ports: "${raw}" is not a port (PORT, tcp/PORT or udp/PORT; a probe tries single ports, never a range)`);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new UsageError(`--ports: port ${port} is out of range 1-65535`);
    const protocol = (m[1]?.toLowerCase() ?? 'tcp') as Protocol;
    if (!out.some((p) => p.protocol === protocol && p.port === port)) out.push({ protocol, port });
  }
  if (out.length > MAX_EXTRA_PORTS) throw new UsageError(`--ports: ${out.length} ports; at most ${MAX_EXTRA_PORTS} (a probe is a bounded test, never a sweep)`);
  return out;
}

const key = (p: ProbeTarget): string => `${p.protocol}/${p.address}/${p.port}`;

function documentedRules(matrix: Matrix, inventory: Inventory, as: string, notPlanned: NotPlanned[]): MatrixRule[] {
  const out: MatrixRule[] = [];
  for (const r of matrix.rules) {
    if (r.source !== as) continue;
    if (r.requirement === 'conditional' && r.feature !== undefined && !inventory.features.includes(r.feature)) {
      notPlanned.push({ rule: r.id, protocol: r.protocol, ports: r.ports.join(','), target: r.destination, reason: `conditional on feature "${r.feature}", not enabled in the inventory` });
    } else out.push(r);
  }
  return out;
}

/** The single-address members of `role` (others into notPlanned, with the reason). */
function addressMembers(inventory: Inventory, matrix: Matrix, r: MatrixRule, notPlanned: NotPlanned[]): string[] {
  const role = inventory.roles.find((x) => x.name === r.destination);
  const ports = r.ports.join(',');
  const out: string[] = [];
  for (const m of role?.members ?? []) {
    if (m.kind === 'ipv4' || m.kind === 'ipv6') out.push(m.text);
    else notPlanned.push({ rule: r.id, protocol: r.protocol, ports, target: m.text, reason: m.kind === 'host' || m.kind === 'suffix' ? 'a host name: a probe targets inventory addresses only (no name is resolved)' : `a ${m.kind} member: a probe targets single addresses, never a sweep` });
  }
  const hosts = matrix.roles.find((x) => x.name === r.destination)?.hosts ?? [];
  for (const h of hosts) notPlanned.push({ rule: r.id, protocol: r.protocol, ports, target: h, reason: 'a host name: a probe targets inventory addresses only (no name is resolved)' });
  if (out.length === 0 && hosts.length === 0 && (role?.members.length ?? 0) === 0) notPlanned.push({ rule: r.id, protocol: r.protocol, ports, target: r.destination, reason: 'the inventory lists no member of this role' });
  return out;
}

function memberOf(inventory: Inventory, address: string): Pick<PlannedProbe, 'member' | 'roles'> {
  const w = addressWords(address);
  return { member: inventory.nameForAddress?.(w) ?? address, roles: inventory.rolesForAddress(w) };
}

/** True when a rule from `as` to one of `roles` allows protocol/port. */
function documented(rules: readonly MatrixRule[], roles: readonly string[], protocol: Protocol, port: number): boolean {
  return rules.some((r) => r.protocol === protocol && roles.includes(r.destination) && r.portRanges.some((x) => port >= x.from && port <= x.to));
}

export function planProbes(matrix: Matrix, inventory: Inventory, as: string, extraPorts: readonly PortSpec[] = []): ProbePlan {
  if (!matrix.roles.some((r) => r.name === as)) throw new UsageError(`--as: "${as}" is not a role of the matrix ${matrix.name} (roles: ${matrix.roles.map((r) => r.name).join(', ')})`);
  const notPlanned: NotPlanned[] = [];
  const byKey = new Map<string, PlannedProbe>();
  const allFromAs = matrix.rules.filter((r) => r.source === as);
  for (const r of documentedRules(matrix, inventory, as, notPlanned)) {
    const addresses = addressMembers(inventory, matrix, r, notPlanned);
    for (const range of r.portRanges) {
      if (range.from !== range.to) {
        notPlanned.push({ rule: r.id, protocol: r.protocol, ports: formatPortRange(range), target: r.destination, reason: `port range ${formatPortRange(range)}: a probe tries single ports, never a sweep` });
        continue;
      }
      for (const address of addresses) {
        const t: ProbeTarget = { protocol: r.protocol, address, port: range.from, ...(r.protocol === 'udp' ? { request: UDP_REQUESTS[range.from] ?? null } : {}) };
        const had = byKey.get(key(t));
        const required = r.requirement === 'required';
        if (had) {
          had.rules.push(r.id);
          had.required ||= required;
        } else byKey.set(key(t), { ...t, ...memberOf(inventory, address), kind: 'documented', rules: [r.id], required });
      }
    }
  }
  const ports: PortSpec[] = [...UNDOCUMENTED_PORTS.map((port) => ({ protocol: 'tcp' as const, port })), ...extraPorts.filter((p) => !(p.protocol === 'tcp' && UNDOCUMENTED_PORTS.includes(p.port)))];
  const members = [...new Set([...byKey.values()].map((p) => p.address))];
  for (const address of members) {
    const who = memberOf(inventory, address);
    for (const p of ports) {
      const t: ProbeTarget = { protocol: p.protocol, address, port: p.port, ...(p.protocol === 'udp' ? { request: UDP_REQUESTS[p.port] ?? null } : {}) };
      if (documented(allFromAs, who.roles, p.protocol, p.port) || byKey.has(key(t))) continue;
      byKey.set(key(t), { ...t, ...who, kind: 'undocumented', rules: [], required: false });
    }
  }
  const seen = new Set<string>();
  const unique = notPlanned.filter((n) => {
    const k = `${n.rule}/${n.protocol}/${n.ports}/${n.target}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  const plan: ProbePlan = { as, probes: [...byKey.values()], notPlanned: unique, undocumentedPorts: ports.map((p) => `${p.protocol}/${p.port}`) };
  refuseOutside(plan.probes, inventory);
  return plan;
}

/** Throws unless every target is a single address listed in the inventory: a probe never leaves it. */
export function refuseOutside(targets: readonly ProbeTarget[], inventory: Inventory): void {
  for (const t of targets) {
    let w: Uint32Array;
    try {
      w = addressWords(t.address);
    } catch {
      throw new UsageError(`probe: refused: "${t.address}" is not an address (a probe targets inventory addresses only)`);
    }
    if (!inventory.hasAddress(w)) throw new UsageError(`probe: refused: ${t.address} is not in the inventory ${inventory.origin} (a probe targets inventory members only)`);
  }
}
