/**
 * Roles the AD table does not know (a custom matrix's), from the matrix's own rules: a host that
 * answers a rule's service to a host holding the rule's source role is a candidate for its
 * destination role. Wide port ranges (the RPC dynamic range) are skipped: any high port would match.
 */
import type { Matrix } from '../../matrix/types.js';
import { answered, listed, served, svc } from './observe.js';
import type { Observation } from './observe.js';
import type { Proposals } from './proposals.js';

const MAX_RANGE = 1024;

export function matrixRuleRoles(o: Observation, p: Proposals, matrix: Matrix, known: ReadonlySet<string>): void {
  const rules = matrix.rules.filter((r) => !known.has(r.destination) && r.portRanges.every((x) => x.to - x.from < MAX_RANGE));
  for (let round = 0; round < 4; round++) {
    let added = 0;
    for (const rule of rules) {
      const sources = new Set(p.members(rule.source));
      if (sources.size === 0) continue;
      const services = rule.portRanges.map((x) => svc(rule.protocol, x.from, x.to));
      for (const [h] of o.byServer) {
        if (sources.has(h) || p.has(rule.destination, h)) continue;
        const ans = answered(served(o, h, services, (c) => sources.has(c)));
        if (ans.length === 0) continue;
        p.add(rule.destination, h, 'medium', [`answered ${rule.service ?? ''} ${rule.protocol}/${rule.ports.join(',')} to ${rule.source} ${listed(ans.map((x) => x.client))} (matrix rule ${rule.id})`.replace('  ', ' ')]);
        added++;
      }
    }
    if (added === 0) break;
  }
}
