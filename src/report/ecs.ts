/**
 * `--format ecs`: the findings as JSON Lines in the Elastic Common Schema (ECS 8.x), one event per
 * finding, for a SIEM. The mapping (documented in the README, with Splunk CIM equivalents):
 *
 *   unexpected flow group   event.kind alert, category [network], type [connection, denied],
 *                           action unexpected-flow; source.ip/port (client), destination.ip/port
 *                           (server), network.transport/iana_number/type/community_id; no rule.*
 *   failed / partial rule   event.kind alert, type [connection], outcome failure, action
 *                           rule-failed / rule-partial; rule.id/name/description/category
 *                           (requirement)/ruleset (matrix name)/version (matrix SHA-256)
 *   missing rule            event.kind state, type [info], action rule-missing; rule.* as above
 *   the verdict             event.kind state, type [info], action audit-verdict, outcome
 *                           success (pass) / failure (fail) / unknown (inconclusive), reason
 *   firewall finding        (issue 21, --firewall) event.kind alert or state, action firewall-KIND,
 *                           rule.* the host firewall's rule (report/firewall_ecs.ts)
 *
 * Every event: @timestamp (the flow's first packet; for rule and verdict events the end of the
 * audited window, or the generation time when nothing was read), ecs.version, event.module/dataset/created/start/end, observer.* (flowaudit, and
 * the sensor names of a merged report), related.ip, and a `flowaudit` object for the rest (roles,
 * counts, outcomes, states, diagnosis text, near misses, report and matrix hashes).
 */
import type { AuditResult, RuleResult, UnexpectedGroup } from '../audit/result.js';
import { firewallEcsEvents } from './firewall_ecs.js';

export const ECS_VERSION = '8.11.0';

const IANA: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

/** ECS network.transport: the IANA keyword name (ICMPv6 is `ipv6-icmp`). */
export function ecsTransport(protocol: string): string {
  return protocol === 'icmpv6' ? 'ipv6-icmp' : protocol.toLowerCase();
}

type Json = Record<string, unknown>;

function base(r: AuditResult, timestamp: string, kind: string, action: string): Json {
  const observer: Json = { vendor: 'flowaudit', product: 'flowaudit', type: 'sensor', version: r.tool.version };
  const names = r.sensors?.map((s) => s.name) ?? [];
  if (r.evidence?.host) observer.hostname = r.evidence.host;
  if (names.length === 1) observer.name = names[0];
  else if (names.length > 1) observer.name = names;
  return {
    '@timestamp': timestamp,
    ecs: { version: ECS_VERSION },
    event: { kind, module: 'flowaudit', dataset: 'flowaudit.finding', action, created: r.generatedAt },
    observer,
  };
}

function common(r: AuditResult): Json {
  return {
    verdict: r.verdict,
    report_sha256: r.evidence?.resultSha256 ?? null,
    generated_at: r.generatedAt,
    window: { start: r.summary.firstSeen, end: r.summary.lastSeen },
  };
}

/** The fields of a matrix rule the ECS `rule.*` set names, for audit reports and watch events alike. */
export type EcsRuleInput = Pick<RuleResult, 'id' | 'source' | 'destination' | 'protocol' | 'ports' | 'description' | 'requirement'>;

/** ECS `rule.*`: the rule, its matrix as the ruleset and the matrix's sha256 as the version (a URL source as the reference). */
export function ecsRule(rule: EcsRuleInput, matrix: { name: string; sha256: string; source?: string }): Json {
  return {
    id: rule.id,
    name: `${rule.source} → ${rule.destination} ${rule.protocol}/${rule.ports.join(',')}`,
    description: rule.description,
    category: rule.requirement,
    ruleset: matrix.name,
    version: matrix.sha256,
    ...(matrix.source !== undefined && /^https?:\/\//.test(matrix.source) ? { reference: matrix.source } : {}),
  };
}

function ipType(addr: string): 'ipv4' | 'ipv6' {
  return addr.includes(':') ? 'ipv6' : 'ipv4';
}

function unexpectedEvent(r: AuditResult, g: UnexpectedGroup): Json {
  const e = base(r, g.firstSeen, 'alert', 'unexpected-flow');
  const ports = g.protocol === 'tcp' || g.protocol === 'udp';
  Object.assign(e.event as Json, {
    category: ['network'],
    type: ['connection', 'denied'],
    outcome: g.outcomes.answered > 0 ? 'success' : 'failure',
    start: g.firstSeen,
    end: g.lastSeen,
    reason: `unexpected ${g.protocol}${ports ? `/${g.port}` : ''} flow from ${g.client} to ${g.server}: no enabled rule of ${r.matrix.name} allows it`,
  });
  const iana = IANA[g.protocol];
  return {
    ...e,
    source: { ip: g.client },
    destination: { ip: g.server, ...(ports ? { port: g.port } : {}) },
    network: {
      transport: ecsTransport(g.protocol),
      ...(iana !== undefined ? { iana_number: String(iana) } : {}),
      type: ipType(g.server),
      packets: g.packets,
      bytes: g.bytes,
      ...(g.communityIds && g.communityIds.length > 0 ? { community_id: g.communityIds.length === 1 ? g.communityIds[0] : g.communityIds } : {}),
    },
    related: { ip: [...new Set([g.client, g.server])] },
    flowaudit: {
      ...common(r),
      finding: 'unexpected',
      protocol: g.protocol,
      port: g.port,
      client_roles: g.clientRoles,
      server_roles: g.serverRoles,
      connections: g.connections,
      outcomes: g.outcomes,
      states: g.states,
      disabled_rules: g.disabledRules,
      near_misses: (g.nearMisses ?? []).map((n) => n.rule),
      diagnosis: g.diagnosis?.summary ?? null,
    },
  };
}

function ruleEvent(r: AuditResult, rule: RuleResult): Json {
  const missing = rule.status === 'missing';
  const e = base(r, r.summary.lastSeen ?? r.generatedAt, missing ? 'state' : 'alert', `rule-${rule.status}`);
  const ev = e.event as Json;
  Object.assign(ev, {
    category: ['network'],
    type: missing ? ['info'] : ['connection'],
    outcome: missing ? (rule.enforced ? 'failure' : 'unknown') : 'failure',
    reason: missing
      ? (rule.reason ?? `no connection matched ${rule.id}`)
      : `${rule.requirement} rule ${rule.id} ${rule.status}: ${rule.diagnosis?.summary ?? `${rule.connections} attempt${rule.connections === 1 ? '' : 's'}`}`,
  });
  if (r.summary.firstSeen) ev.start = r.summary.firstSeen;
  if (r.summary.lastSeen) ev.end = r.summary.lastSeen;
  const ips = [...new Set([...rule.clients, ...rule.servers])];
  return {
    ...e,
    rule: ecsRule(rule, r.matrix),
    network: { transport: ecsTransport(rule.protocol) },
    ...(ips.length > 0 ? { related: { ip: ips } } : {}),
    flowaudit: {
      ...common(r),
      finding: rule.status,
      enforced: rule.enforced,
      source_role: rule.source,
      destination_role: rule.destination,
      protocol: rule.protocol,
      ports: rule.ports,
      connections: rule.connections,
      outcomes: rule.outcomes,
      states: rule.states,
      clients: rule.clients,
      servers: rule.servers,
      diagnosis: rule.diagnosis?.summary ?? null,
    },
  };
}

function verdictEvent(r: AuditResult): Json {
  const e = base(r, r.summary.lastSeen ?? r.generatedAt, 'state', 'audit-verdict');
  Object.assign(e.event as Json, {
    category: ['network'],
    type: ['info'],
    outcome: r.verdict === 'pass' ? 'success' : r.verdict === 'fail' ? 'failure' : 'unknown',
    reason: r.verdictReasons.length > 0 ? r.verdictReasons.join('; ') : 'every enforced rule observed, no unexpected flow',
    ...(r.summary.firstSeen ? { start: r.summary.firstSeen } : {}),
    ...(r.summary.lastSeen ? { end: r.summary.lastSeen } : {}),
  });
  return {
    ...e,
    flowaudit: {
      ...common(r),
      finding: 'verdict',
      reasons: r.verdictReasons,
      connections: r.summary.connections,
      unexpected: r.summary.unexpected,
      matrix: { name: r.matrix.name, sha256: r.matrix.sha256 },
      inventory: { origin: r.inventory.origin, sha256: r.inventory.sha256 },
      inputs: r.inputs.map((i) => ({ path: i.path, sha256: i.sha256 })),
      ...adInfrastructureField(r),
      ...(r.sensors ? { sensors: r.sensors.map((s) => ({ name: s.name, start: s.firstSeen, end: s.lastSeen, drops: s.drops })) } : {}),
    },
  };
}

/** Findings whose rule events are written: failed, partial and missing rules (not-applicable / not-visible / observed are not findings). */
const RULE_FINDINGS = new Set(['failed', 'partial', 'missing']);

export function ecsEvents(r: AuditResult): Json[] {
  return [
    verdictEvent(r),
    ...r.rules.filter((x) => RULE_FINDINGS.has(x.status)).map((x) => ruleEvent(r, x)),
    ...r.unexpected.map((g) => unexpectedEvent(r, g)),
    ...firewallEcsEvents(r, base, common),
  ];
}

/** JSON Lines: one ECS event per line. */
export function renderEcs(r: AuditResult): string {
  return ecsEvents(r)
    .map((e) => `${JSON.stringify(e)}\n`)
    .join('');
}

/** Issue 20: the pointer to builtin:ad-infrastructure on the verdict event (absent when none). */
function adInfrastructureField(r: AuditResult): Json {
  const h = r.adInfrastructure;
  if (!h) return {};
  return { ad_infrastructure: { matrix: h.matrix, flows: h.flows, of: h.of, connections: h.connections, rules: h.rules.map((x) => x.id), text: h.text } };
}
