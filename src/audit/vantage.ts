/**
 * Vantage point (issue 8): `--vantage ROLE` says the capture was taken on the hosts of ROLE (e.g.
 * on the AMS server's own NIC). A flow can only cross that capture point when one of its ends is a
 * vantage host, so a rule whose source and destination roles both exclude every vantage host is
 * `not-visible`: reported, never enforced. Roles overlap through shared members (a DC listed as
 * domain-controller and global-catalog), so a role is visible when it is a vantage role or shares an
 * address or host name with one.
 */
import { UsageError } from '../errors.js';
import { parseMember, type ParsedMember } from '../matrix/inventory.js';
import type { Inventory, Matrix } from '../matrix/types.js';

function overlaps(a: ParsedMember, b: ParsedMember): boolean {
  if ('host' in a || 'host' in b) {
    if (!('host' in a) || !('host' in b)) return false;
    if (a.kind === 'host' && b.kind === 'host') return a.host === b.host;
    if (a.kind === 'suffix' && b.kind === 'host') return b.host.endsWith(`.${a.host}`);
    if (a.kind === 'host' && b.kind === 'suffix') return a.host.endsWith(`.${b.host}`);
    return a.host === b.host || a.host.endsWith(`.${b.host}`) || b.host.endsWith(`.${a.host}`);
  }
  return a.lo <= b.hi && b.lo <= a.hi;
}

function parsedMembers(inventory: Inventory, role: string): ParsedMember[] {
  const r = inventory.roles.find((x) => x.name === role);
  const out: ParsedMember[] = [];
  for (const m of r?.members ?? []) {
    const p = parseMember(m.text);
    if (p.ok) out.push(p.member);
  }
  return out;
}

/** Check the --vantage roles against the matrix and inventory (usage error naming the problem). */
export function checkVantage(vantage: readonly string[], matrix: Matrix, inventory: Inventory): void {
  const known = new Set(matrix.roles.map((r) => r.name));
  for (const v of vantage) {
    if (!known.has(v)) throw new UsageError(`--vantage ${v}: not a role of matrix ${matrix.name} (known roles: ${[...known].join(', ')})`);
    if (parsedMembers(inventory, v).length === 0) {
      throw new UsageError(`--vantage ${v}: the inventory lists no member of role ${v}, so nothing says where the capture was taken`);
    }
  }
}

/** The roles that hold at least one vantage host; null when no vantage was given (everything visible). */
export function visibleRoles(vantage: readonly string[], matrix: Matrix, inventory: Inventory): Set<string> | null {
  if (vantage.length === 0) return null;
  const hosts = vantage.flatMap((v) => parsedMembers(inventory, v));
  const out = new Set<string>(vantage);
  for (const r of matrix.roles) {
    if (out.has(r.name)) continue;
    if (parsedMembers(inventory, r.name).some((m) => hosts.some((h) => overlaps(m, h)))) out.add(r.name);
  }
  return out;
}
