/**
 * The three-way check of issue 21: matrix × host firewall × traffic. For each host whose firewall
 * file is given: every documented flow towards it (permitted, or blocked by which rule), every
 * observed flow to it (which rule admitted it, or "blocked yet seen"), and the findings
 * (documented-but-blocked, blocked-yet-seen, undocumented-but-permitted, permitted-never-seen,
 * shadowed), each naming the rule. Pure: facts in, the report's `firewall` section out; `audit`,
 * `live`, `verify` and `watch` call it the same way.
 */
import type { FirewallRuleset } from '../firewall/ruleset.js';
import type { Inventory, Matrix, MatrixRule } from '../matrix/index.js';
import { addressWords } from '../matrix/inventory.js';
import { evaluate } from './firewall_evaluate.js';
import { checkDocumentedFlows } from './firewall_matrix.js';
import type { NameFacts } from './firewall_members.js';
import type { ObservedFlows } from './firewall_observed.js';
import { decisionRef, ruleRef } from './firewall_refs.js';
import { blockedFindings, ruleFindings } from './firewall_finding_text.js';
import type { FirewallDocumentedCheck, FirewallFinding, FirewallFindingKind, FirewallHostResult, FirewallObservedCheck, FirewallSection } from './firewall_types.js';

export interface FirewallHostInput {
  /** As given (`dc2` or `10.0.0.3`). */
  host: string;
  address: string;
  file: { path: string; sha256: string };
  ruleset: FirewallRuleset;
}

export interface FirewallFindingsOptions {
  /** Features enabled in the audit (conditional rules with these are enforced). */
  features: readonly string[];
  /** The observation window (ISO times), for "permitted, never seen". */
  window: { firstSeen: string | null; lastSeen: string | null };
  /** The audit's names block: the addresses host-name source members are evaluated at. */
  names?: NameFacts;
}

const KIND_ORDER: FirewallFindingKind[] = ['documented-but-blocked', 'blocked-yet-seen', 'undocumented-but-permitted', 'permitted-never-seen', 'shadowed'];

export const FIREWALL_LIMITS = [
  'The rules were read from the files given with --firewall: they show what those files say, not that the host runs them (compare with the live rules, e.g. iptables-save or Get-NetFirewallRule on the host, at the time of the capture).',
  'Each decision is one inbound packet opening a connection (state NEW, a non-loopback interface); rules with criteria flowaudit does not evaluate make a decision inconclusive, never a guess.',
  'Undocumented permits are found by evaluating the common admin ports and the ports the ACCEPT rules name, from every single-address inventory member and one documentation address outside the inventory; no passive capture shows that other ports are closed.',
];

function enforcedRule(rule: MatrixRule, features: readonly string[]): boolean {
  return rule.requirement === 'required' || (rule.requirement === 'conditional' && rule.feature !== undefined && features.includes(rule.feature));
}

function documentedChecks(matrix: Matrix, inventory: Inventory, h: FirewallHostInput, opts: FirewallFindingsOptions): FirewallDocumentedCheck[] {
  const byId = new Map(matrix.rules.map((r) => [r.id, r]));
  return checkDocumentedFlows(matrix, inventory, h.address, h.ruleset, opts.names).map((c) => ({
    ruleId: c.ruleId,
    requirement: c.requirement,
    enforced: enforcedRule(byId.get(c.ruleId)!, opts.features),
    source: c.source,
    protocol: c.protocol,
    status: c.status,
    decisions: c.runs.map((r) => ({ ports: r.ports.from === r.ports.to ? `${r.ports.from}` : `${r.ports.from}-${r.ports.to}`, ...(r.addresses ? { addresses: r.addresses } : {}), ...decisionRef(r.decision) })),
    reason: c.reason ?? null,
    ...(c.resolved !== undefined ? { resolved: c.resolved } : {}),
    ...(c.examples !== undefined ? { examples: c.examples } : {}),
    ...(c.listedAs !== undefined ? { listedAs: c.listedAs } : {}),
  }));
}

function observedChecks(h: FirewallHostInput, observed: ObservedFlows): FirewallObservedCheck[] {
  return observed.flows
    .filter((f) => f.server === h.address)
    .map((f) => {
      const d = decisionRef(evaluate(h.ruleset, { src: f.client, dstPort: f.port, proto: f.protocol }));
      const blocked = d.action === 'DROP' || d.action === 'REJECT';
      const status = d.action === 'inconclusive' ? 'inconclusive' : !blocked ? 'admitted' : f.answered > 0 ? 'blocked-yet-seen' : 'blocked';
      const { client, protocol, port, connections, answered, refused, unanswered } = f;
      return { client, protocol, port, connections, answered, refused, unanswered, status, decision: d, note: status === 'blocked' ? failureNote(d.action, f) : null };
    });
}

/** When a blocked flow failed otherwise than the rule would make it fail, say so (facts, not a verdict). */
function failureNote(action: string, f: ObservedFlows['flows'][number]): string | null {
  if (action === 'REJECT' && f.refused === 0 && f.unanswered > 0) return 'the rule REJECTs (the host would answer with a reset or ICMP error), yet no answer was seen: something on the path dropped it, or the host runs other rules';
  if (action === 'DROP' && f.refused > 0) return 'the rule DROPs silently, yet the attempt was refused: another device answered, or the host runs other rules';
  return null;
}

function ruleCount(rs: FirewallRuleset): number {
  let n = 0;
  for (const c of rs.chains.values()) n += c.rules.length;
  return n;
}

function windowSeconds(w: FirewallFindingsOptions['window']): number {
  if (w.firstSeen === null || w.lastSeen === null) return 0;
  const s = (Date.parse(w.lastSeen) - Date.parse(w.firstSeen)) / 1000;
  return Number.isFinite(s) && s > 0 ? Math.round(s * 10) / 10 : 0;
}

function hostResult(matrix: Matrix, inventory: Inventory, h: FirewallHostInput, observed: ObservedFlows, opts: FirewallFindingsOptions): FirewallHostResult {
  return {
    host: h.host,
    address: h.address,
    roles: [...inventory.rolesForAddress(addressWords(h.address))],
    file: { path: h.file.path, sha256: h.file.sha256, format: h.ruleset.format, rules: ruleCount(h.ruleset), skippedTables: [...h.ruleset.skippedTables] },
    documented: documentedChecks(matrix, inventory, h, opts),
    observed: observedChecks(h, observed),
    observedOmitted: observed.omitted[h.address] ?? 0,
    notFullyChecked: [],
  };
}

/** The `firewall` section of a report: per host, the checks and the findings. */
export function firewallFindings(matrix: Matrix, inventory: Inventory, hosts: readonly FirewallHostInput[], observed: ObservedFlows, opts: FirewallFindingsOptions): FirewallSection {
  const seconds = windowSeconds(opts.window);
  const results: FirewallHostResult[] = [];
  const findings: FirewallFinding[] = [];
  for (const h of hosts) {
    const r = hostResult(matrix, inventory, h, observed, opts);
    const fromRules = ruleFindings(matrix, inventory, h, r, seconds);
    r.notFullyChecked = fromRules.notFullyChecked.map(ruleRef);
    results.push(r);
    const mine = [...blockedFindings(r), ...fromRules.findings];
    mine.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
    findings.push(...mine);
  }
  return { window: { ...opts.window, seconds }, hosts: results, findings, limits: [...FIREWALL_LIMITS] };
}
