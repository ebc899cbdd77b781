/**
 * Rule accounting: what runAudit keeps per matrix rule while it walks the connections, and the
 * rule's result and status from it (observed, failed, missing, partial, not-visible,
 * not-applicable; see result.ts).
 */
import type { Outcome } from '../flows/conn_state.js';
import type { Connection } from '../flows/connection.js';
import type { Inventory, Matrix, MatrixRule } from '../matrix/types.js';
import { sortAddresses, sortedRecord } from './address_order.js';
import type { AuditWarning, FlowCounts, OutcomeCounts, RuleInsightField, RuleResult } from './result.js';
import { isoMicros } from './time.js';

/** Most addresses listed per rule in `clients`/`servers`. */
const MAX_LISTED = 50;

export interface RuleAcc extends FlowCounts {
  rule: MatrixRule;
  enabled: boolean;
  /** False when neither end's role holds a --vantage host. */
  visible: boolean;
  reason: string | null;
  clients: Set<string>;
  servers: Set<string>;
  /** First and last time (µs) of a matched connection. */
  first: number;
  last: number;
}

export const zeroOutcomes = (): OutcomeCounts => ({ answered: 0, refused: 0, unanswered: 0 });

/**
 * One accumulator per matrix rule, in matrix order. A rule is disabled when its feature is not
 * enabled or one of its roles has no member; invisible when neither role is seen from the vantage
 * (`visible` null: no vantage given, everything visible).
 */
export function ruleAccumulators(matrix: Matrix, inventory: Inventory, features: readonly string[], visible: ReadonlySet<string> | null): RuleAcc[] {
  const roleHasMembers = new Set<string>();
  for (const r of inventory.roles) if (r.members.length > 0) roleHasMembers.add(r.name);
  for (const r of matrix.roles) if (r.hosts && r.hosts.length > 0) roleHasMembers.add(r.name);
  return matrix.rules.map((rule) => {
    let reason: string | null = null;
    if (rule.requirement === 'conditional' && rule.feature && !features.includes(rule.feature)) {
      reason = `feature "${rule.feature}" is not enabled`;
    } else {
      const empty = [rule.source, rule.destination].filter((r) => !roleHasMembers.has(r));
      if (empty.length > 0) reason = `no inventory members for role ${empty.map((r) => `"${r}"`).join(' and ')}`;
    }
    const seen = visible === null || visible.has(rule.source) || visible.has(rule.destination);
    return {
      rule,
      enabled: reason === null,
      visible: seen,
      reason,
      connections: 0,
      packets: 0,
      bytes: 0,
      outcomes: zeroOutcomes(),
      states: {},
      clients: new Set(),
      servers: new Set(),
      first: Infinity,
      last: -Infinity,
    };
  });
}

export function addToRule(a: RuleAcc, c: Connection): void {
  a.connections += c.count; // > 1 for an aggregate of folded idle connections (live capture)
  a.packets += c.packets;
  a.bytes += c.bytes;
  a.outcomes[c.outcome as Outcome] += c.count;
  a.states[c.state] = (a.states[c.state] ?? 0) + c.count;
  a.clients.add(c.client);
  a.servers.add(c.server);
  if (c.firstSeen < a.first) a.first = c.firstSeen;
  if (c.lastSeen > a.last) a.last = c.lastSeen;
}

export function ruleResult(a: RuleAcc): Omit<RuleResult, RuleInsightField> {
  const r = a.rule;
  let status: RuleResult['status'];
  if (!a.enabled) status = 'not-applicable';
  else if (a.connections === 0 && !a.visible) status = 'not-visible';
  else if (a.connections === 0) status = 'missing';
  else if (a.outcomes.answered > 0) status = 'observed';
  else status = 'failed';
  const enforced = a.enabled && a.visible && r.requirement !== 'optional';
  return {
    id: r.id,
    source: r.source,
    destination: r.destination,
    protocol: r.protocol,
    ports: [...r.ports],
    requirement: r.requirement,
    feature: r.feature ?? null,
    service: r.service ?? null,
    description: r.description,
    row: r.row ?? null,
    status,
    reason: status === 'not-applicable' ? a.reason : null,
    enforced,
    connections: a.connections,
    packets: a.packets,
    bytes: a.bytes,
    outcomes: a.outcomes,
    states: sortedRecord(a.states),
    clients: sortAddresses(a.clients).slice(0, MAX_LISTED),
    servers: sortAddresses(a.servers).slice(0, MAX_LISTED),
    firstSeen: a.connections > 0 ? isoMicros(a.first) : null,
    lastSeen: a.connections > 0 ? isoMicros(a.last) : null,
    trigger: r.trigger ?? null,
  };
}

/**
 * The statuses that need the insight fields: `partial` (some members failed while others answered;
 * with --require-all-members also a listed member never tried), and the reasons for not-visible and
 * for missing rules whose host names never resolved.
 */
export function finishStatus(
  r: RuleResult,
  a: RuleAcc,
  requireAll: boolean,
  vantage: string[],
  warnings: AuditWarning[],
  members: Inventory['roles'],
  nameOf: (address: string) => string | null,
): RuleResult {
  if (!a.visible && r.status !== 'not-applicable') {
    const seen = r.connections > 0 ? ` (${r.connections} connection${r.connections === 1 ? '' : 's'} seen anyway)` : '';
    r.reason = `not visible from the vantage ${vantage.join(', ')}: neither ${r.source} nor ${r.destination} holds a host where the capture was taken${seen}`;
    r.memberFailures = [];
    return r;
  }
  const failures = r.status === 'observed' ? [...(r.memberFailures ?? [])] : [];
  if (requireAll && r.status === 'observed') {
    for (const c of r.coverage ?? []) {
      if (c.status !== 'never-tried') continue;
      const name = c.name ?? (c.kind === 'ipv4' || c.kind === 'ipv6' ? nameOf(c.member) : null);
      const who = name ? `${name} (${c.member})` : c.member;
      failures.push({ side: 'member', address: c.member, name: c.name, protocol: r.protocol, port: '', how: 'never-tried', attempts: 0, text: `${who} never tried (--require-all-members)` });
    }
  }
  r.memberFailures = failures;
  if (failures.length > 0) {
    r.status = 'partial';
    r.reason = `answered, but ${failures.map((f) => f.text).join('; ')}`;
  }
  if (r.status === 'missing') {
    // Only the names of a role that has no address member explain a missing rule.
    const nameOnly = (role: string): boolean => !(members.find((m) => m.name === role)?.members ?? []).some((m) => m.kind !== 'host' && m.kind !== 'suffix');
    const names = warnings.filter((w) => w.rules.includes(r.id) && w.roles.some((role) => (role === r.source || role === r.destination) && nameOnly(role))).map((w) => w.name);
    if (names.length > 0) r.reason = `no matching traffic; the inventory host name${names.length === 1 ? '' : 's'} ${names.join(', ')} never resolved in the capture (no DNS answer, TLS SNI or HTTP Host named ${names.length === 1 ? 'it' : 'them'})`;
  }
  return r;
}
