/**
 * ECS events of the firewall section (issue 21): one per finding. event.kind `alert` for what
 * exposes or breaks (documented-but-blocked, blocked-yet-seen, undocumented-but-permitted),
 * `state` for rule-review facts (permitted-never-seen, shadowed); event.action `firewall-KIND`;
 * rule.id `HOST:CHAIN#N`, rule.name the rule's text, rule.category its action, rule.ruleset the
 * file, rule.version its SHA-256; destination.ip the host.
 */
import type { FirewallFinding, FirewallSection } from '../audit/firewall_types.js';
import type { AuditResult } from '../audit/result.js';

type Json = Record<string, unknown>;
type Base = (r: AuditResult, timestamp: string, kind: string, action: string) => Json;

const ALERTS = new Set(['documented-but-blocked', 'blocked-yet-seen', 'undocumented-but-permitted']);

function ruleFields(f: FirewallFinding, s: FirewallSection): Json {
  const file = s.hosts.find((h) => h.address === f.address)?.file;
  const r = f.rule;
  return {
    id: r ? `${f.host}:${r.chain}#${r.number}` : `${f.host}:${f.decidedBy}`,
    name: r ? r.text : f.decidedBy,
    category: r ? r.target : f.decidedBy.split(' ').pop(),
    description: r?.comment ?? f.text,
    ruleset: file?.path ?? null,
    version: file?.sha256 ?? null,
  };
}

function event(r: AuditResult, s: FirewallSection, f: FirewallFinding, base: Base, common: (r: AuditResult) => Json): Json {
  const e = base(r, r.summary.lastSeen ?? r.generatedAt, ALERTS.has(f.kind) ? 'alert' : 'state', `firewall-${f.kind}`);
  Object.assign(e.event as Json, {
    category: ['network', 'configuration'],
    type: f.kind === 'documented-but-blocked' ? ['connection', 'denied'] : f.kind === 'undocumented-but-permitted' ? ['allowed'] : ['info'],
    outcome: f.verdictEffect === 'fail' ? 'failure' : 'unknown',
    reason: f.text,
  });
  // One source address: the member itself, or the one address a host-name member was judged at.
  const one = f.addresses?.length === 1 ? f.addresses[0]! : f.sources.length === 1 ? f.sources[0]! : '';
  const single = /^[0-9a-f:.]+$/i.test(one) ? one : null;
  const port = f.ports !== null && /^\d+$/.test(f.ports) ? Number(f.ports) : null;
  return {
    ...e,
    rule: ruleFields(f, s),
    destination: { ip: f.address, ...(port !== null ? { port } : {}) },
    ...(single ? { source: { ip: single } } : {}),
    ...(f.protocol ? { network: { transport: f.protocol } } : {}),
    related: { ip: [...new Set([f.address, ...(single ? [single] : [])])] },
    flowaudit: { ...common(r), finding: `firewall-${f.kind}`, host: f.host, ports: f.ports, sources: f.sources, ...(f.addresses ? { addresses: f.addresses } : {}), sources_by_port: f.sourcesByPort, matrix_rule: f.matrixRule, traffic: f.traffic, verdict_effect: f.verdictEffect },
  };
}

export function firewallEcsEvents(r: AuditResult, base: Base, common: (r: AuditResult) => Json): Json[] {
  const s = r.firewall;
  return s ? s.findings.map((f) => event(r, s, f, base, common)) : [];
}
