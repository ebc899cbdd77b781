/**
 * What one flow tuple is under the policy in force, decided once per distinct tuple (the key of
 * FlowAggregates: client, server, protocol, server port, state, outcome) and remembered by the
 * tuple's index, so a row costs a lookup: the audit's own classification (isControlFlow, the
 * scope rule, RuleMatcher over the enabled rules, groupPort), without its per-report insight.
 *
 *   skip        a control flow (ICMP errors, neighbour discovery) or, in scope inventory, a
 *               connection touching no inventory host: not audited;
 *   rule        matched enabled rules; `tracked` the ones watch keeps time for;
 *   unexpected  no enabled rule allows it: grouped by (client roles, or the client address when it
 *               has none; server; protocol; port), as `flowaudit watch` alerts per group.
 */
import { groupPort, isControlFlow, portInRule } from '../audit/classify.js';
import type { Connection } from '../flows/connection.js';
import type { WatchPolicy } from './policy.js';

export interface UnexpectedKey {
  key: string;
  /** The client's roles joined with '+', or its address when it has none. */
  client: string;
  clientRoles: readonly string[];
  server: string;
  serverRoles: readonly string[];
  protocol: string;
  port: number;
  /**
   * The expected configuration for this protocol and port: the enabled rules that allow it between
   * other roles ("web-https: web-user → ams-server tcp/443"), shown with the alert; [] when none.
   */
  expected: readonly string[];
}

export type TupleClass = { kind: 'skip' } | { kind: 'rule'; tracked: readonly string[] } | ({ kind: 'unexpected' } & UnexpectedKey);

const SKIP: TupleClass = { kind: 'skip' };

export function classifyTuple(c: Connection, p: WatchPolicy): TupleClass {
  if (isControlFlow(c)) return SKIP;
  const ends = p.names.rolesOf(c);
  const clientRoles = ends.client.roles;
  const serverRoles = ends.server.roles;
  if (p.scope === 'inventory' && clientRoles.length === 0 && serverRoles.length === 0) return SKIP;
  const view = { protocol: c.protocol, serverPort: c.serverPort, clientRoles, serverRoles };
  const matched = p.matcher.match(view, ends.client.byName === null && ends.server.byName === null);
  if (matched.length > 0) return { kind: 'rule', tracked: matched.filter((r) => p.tracked.has(r.id)).map((r) => r.id) };
  const port = groupPort(c);
  const client = clientRoles.length > 0 ? clientRoles.join('+') : c.client;
  return {
    kind: 'unexpected',
    key: `${client}|${c.server}|${c.protocol}|${port}`,
    client,
    clientRoles: [...clientRoles],
    server: c.server,
    serverRoles: [...serverRoles],
    protocol: c.protocol,
    port,
    expected: expectedFor(p, c.protocol, c.serverPort),
  };
}

function expectedFor(p: WatchPolicy, protocol: string, port: number): readonly string[] {
  const key = `${protocol}|${port}`;
  let e = p.expected.get(key);
  if (e === undefined) {
    e = p.enabled.filter((r) => r.protocol === protocol && portInRule(r, port)).map((r) => `${r.id}: ${r.source} → ${r.destination} ${r.protocol}/${r.ports.join(',')}`);
    p.expected.set(key, e);
  }
  return e;
}
