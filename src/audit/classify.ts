/**
 * Classification is policy: a pure function from a connection's facts (protocol, server port,
 * the roles of each end) and the matrix's rules to the rules it satisfies. No I/O, no state.
 */
import type { Connection } from '../flows/connection.js';
import type { MatrixRule } from '../matrix/types.js';

export interface RoleView {
  protocol: string;
  serverPort: number;
  clientRoles: readonly string[];
  serverRoles: readonly string[];
}

export function portInRule(rule: MatrixRule, port: number): boolean {
  for (const r of rule.portRanges) if (port >= r.from && port <= r.to) return true;
  return false;
}

/** Ids of the rules (in matrix order) that this connection satisfies. */
export function matchingRules(v: RoleView, rules: readonly MatrixRule[]): MatrixRule[] {
  const out: MatrixRule[] = [];
  for (const rule of rules) {
    if (rule.protocol !== v.protocol) continue;
    if (!portInRule(rule, v.serverPort)) continue;
    if (!v.clientRoles.includes(rule.source)) continue;
    if (!v.serverRoles.includes(rule.destination)) continue;
    out.push(rule);
  }
  return out;
}

const ICMP4_ERRORS = new Set([3, 4, 5, 11, 12]);
// ICMPv6 errors (1-4), MLD (130-132, 143), router/neighbour discovery (133-137).
const ICMP6_CONTROL = new Set([1, 2, 3, 4, 130, 131, 132, 133, 134, 135, 136, 137, 143]);

/**
 * Control-plane packets that belong to the network, not to an application flow: ICMP errors (they
 * are about another flow) and ICMPv6 neighbour discovery / MLD. Counted, not audited.
 */
export function isControlFlow(c: Pick<Connection, 'protocol' | 'icmpType'>): boolean {
  if (c.protocol === 'icmp') return ICMP4_ERRORS.has(c.icmpType);
  if (c.protocol === 'icmpv6') return ICMP6_CONTROL.has(c.icmpType);
  return false;
}

/** The "port" used to group a connection: server port for TCP/UDP, ICMP type, else 0. */
export function groupPort(c: Pick<Connection, 'protocol' | 'serverPort' | 'icmpType'>): number {
  if (c.protocol === 'tcp' || c.protocol === 'udp') return c.serverPort;
  if (c.protocol === 'icmp' || c.protocol === 'icmpv6') return Math.max(c.icmpType, 0);
  return 0;
}
