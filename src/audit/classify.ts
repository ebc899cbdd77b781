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
  const ranges = rule.portRanges; // indexed loops here and below: no iterator object per call before V8 optimises
  for (let i = 0; i < ranges.length; i++) if (port >= ranges[i]!.from && port <= ranges[i]!.to) return true;
  return false;
}

/** Ids of the rules (in matrix order) that this connection satisfies. */
export function matchingRules(v: RoleView, rules: readonly MatrixRule[]): MatrixRule[] {
  const out: MatrixRule[] = [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.protocol !== v.protocol) continue;
    if (!portInRule(rule, v.serverPort)) continue;
    if (!v.clientRoles.includes(rule.source)) continue;
    if (!v.serverRoles.includes(rule.destination)) continue;
    out.push(rule);
  }
  return out;
}

/**
 * matchingRules, remembered per client role list, server role list, protocol and server port. The
 * role lists of ends known by address alone are shared arrays (one per set of roles: the
 * inventory's address table), so a capture has few of them; lists built from names are not
 * remembered. At most MAX_REMEMBERED answers are kept (a scan over every port stays bounded).
 */
export class RuleMatcher {
  private readonly memo = new Map<readonly string[], Map<readonly string[], Map<number, MatrixRule[]>>>();
  private remembered = 0;
  constructor(private readonly rules: readonly MatrixRule[]) {}

  /** `shared`: both role lists are the shared arrays of address-only ends (else not remembered). */
  match(v: RoleView, shared: boolean): MatrixRule[] {
    const proto = v.protocol === 'tcp' ? 0 : v.protocol === 'udp' ? 1 : -1;
    if (!shared || proto < 0) return matchingRules(v, this.rules);
    let byServer = this.memo.get(v.clientRoles);
    if (byServer === undefined) this.memo.set(v.clientRoles, (byServer = new Map()));
    let byPort = byServer.get(v.serverRoles);
    if (byPort === undefined) byServer.set(v.serverRoles, (byPort = new Map()));
    const key = v.serverPort * 2 + proto;
    let rules = byPort.get(key);
    if (rules === undefined) {
      rules = matchingRules(v, this.rules);
      if (this.remembered < MAX_REMEMBERED) {
        byPort.set(key, rules);
        this.remembered++;
      }
    }
    return rules;
  }
}
const MAX_REMEMBERED = 100_000;

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
