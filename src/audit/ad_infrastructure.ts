/**
 * The pointer to `builtin:ad-infrastructure` (issue 20): the vendor table omits the ordinary
 * traffic of an Active Directory domain (Kerberos, SMB, LDAPS, DC-to-DC replication, DNS between
 * DCs, an agent's Kerberos and DNS), so a real domain's audit lists it as unexpected. When some
 * unexpected flows are exactly what that matrix describes, the report says how many, names the
 * option and what it would add. Pure over the unexpected groups and the matrix in use.
 */
import { BUILTIN_PREFIX } from '../matrix/builtin/index.js';
import { loadMatrix } from '../matrix/load_matrix.js';
import type { Matrix, MatrixRule } from '../matrix/types.js';
import { matchingRules } from './classify.js';
import type { UnexpectedGroup } from './result.js';

export const AD_MATRIX_SPEC = `${BUILTIN_PREFIX}ad-infrastructure`;

export interface AdInfrastructureHint {
  /** The option's value: builtin:ad-infrastructure. */
  matrix: string;
  /** Unexpected flows (client → server pairs) the matrix would make expected, of `of`. */
  flows: number;
  of: number;
  connections: number;
  /** The rules that would match, in the matrix's order, with how many flows each. */
  rules: { id: string; service: string; protocol: string; ports: string; flows: number }[];
  /** The sentence every format shows. */
  text: string;
}

let adRules: readonly MatrixRule[] | null = null;

function rulesOfAdMatrix(): readonly MatrixRule[] {
  adRules ??= loadMatrix(AD_MATRIX_SPEC).rules;
  return adRules;
}

/** "Kerberos tcp/88, SMB tcp/445 and 3 more" */
function listed(rules: AdInfrastructureHint['rules'], max = 6): string {
  const xs = [...new Map(rules.map((r) => [`${r.service} ${r.protocol}/${r.ports}`, true])).keys()];
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}

/** The hint, or null when no unexpected flow is AD infrastructure or the matrix is in use already. */
export function adInfrastructureHint(unexpected: readonly UnexpectedGroup[], matrix: Matrix): AdInfrastructureHint | null {
  if (unexpected.length === 0) return null;
  const ad = rulesOfAdMatrix();
  const inUse = new Set(matrix.rules.map((r) => r.id));
  if (ad.some((r) => inUse.has(r.id))) return null;
  const counts = new Map<string, number>();
  let flows = 0;
  let connections = 0;
  for (const g of unexpected) {
    if (g.protocol !== 'tcp' && g.protocol !== 'udp') continue;
    const hit = matchingRules({ protocol: g.protocol, serverPort: g.port, clientRoles: g.clientRoles, serverRoles: g.serverRoles }, ad);
    if (hit.length === 0) continue;
    flows++;
    connections += g.connections;
    for (const r of hit) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  }
  if (flows === 0) return null;
  const rules = ad
    .filter((r) => counts.has(r.id))
    .map((r) => ({ id: r.id, service: r.service ?? r.id, protocol: r.protocol, ports: r.ports.join(','), flows: counts.get(r.id)! }));
  const of = unexpected.length;
  const text =
    `${flows} of the ${of} unexpected flow${of === 1 ? '' : 's'} (${connections} connection${connections === 1 ? '' : 's'}) ${flows === 1 ? 'is' : 'are'} ordinary Active Directory traffic the vendor table omits ` +
    `(${listed(rules)}): re-run with ${[...matrix.origin.split(', '), AD_MATRIX_SPEC].map((m) => `--matrix ${m}`).join(' ')} to expect ${flows === 1 ? 'it' : 'them'} ` +
    `(${rules.length} optional rule${rules.length === 1 ? '' : 's'}: ${rules.map((r) => r.id).join(', ')}; never required, so nothing new can fail).`;
  return { matrix: AD_MATRIX_SPEC, flows, of, connections, rules, text };
}
