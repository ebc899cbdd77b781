/**
 * Firewall facts → the report's plain data (FirewallRuleRef, FirewallDecisionRef) and the words
 * every renderer and finding uses for them (`INPUT #3 (line 9: -A INPUT …)`). Pure.
 */
import type { FirewallRule } from '../firewall/ruleset.js';
import type { FirewallDecision } from './firewall_evaluate.js';
import type { FirewallDecisionRef, FirewallDocumentedCheck, FirewallRuleRef } from './firewall_types.js';

function targetText(rule: FirewallRule): string {
  const t = rule.target;
  switch (t.kind) {
    case 'verdict':
      return t.verdict;
    case 'return':
      return 'RETURN';
    case 'jump':
    case 'goto':
      return `${t.kind} ${t.chain}`;
    case 'continue':
    case 'unknown':
      return t.name;
    default:
      return '(none)';
  }
}

export function ruleRef(rule: FirewallRule): FirewallRuleRef {
  return {
    chain: rule.chain,
    number: rule.number,
    line: rule.line,
    handle: rule.handle ?? null,
    text: rule.text,
    target: targetText(rule),
    comment: rule.comment ?? null,
  };
}

export function decisionRef(d: FirewallDecision): FirewallDecisionRef {
  return { action: d.action, decidedBy: d.decidedBy, rule: d.rule ? ruleRef(d.rule) : null, reason: d.reason ?? null };
}

/** Where the rule is: `line 9`, `handle 15`, or nothing (Windows export: the position names it). */
export function ruleWhere(r: FirewallRuleRef): string {
  if (r.line > 0) return `line ${r.line}`;
  if (r.handle !== null) return `handle ${r.handle}`;
  return '';
}

/** `INPUT #3 (line 9: -A INPUT -p tcp --dport 135 -j DROP)`: the rule named so a reader can find it. */
export function ruleLabel(r: FirewallRuleRef): string {
  const where = ruleWhere(r);
  return `${r.chain} #${r.number} (${where ? `${where}: ` : ''}${r.text})`;
}

/** A decision in words: `DROP by INPUT #3 (line 9: …)` or `DROP by INPUT policy DROP`. */
export function decisionText(d: FirewallDecisionRef): string {
  if (d.action === 'inconclusive') return `inconclusive: ${d.reason ?? d.decidedBy}`;
  return `${d.action} by ${d.rule ? ruleLabel(d.rule) : d.decidedBy}`;
}

/** `dc2 (10.0.0.3)`, or the address alone when it was given as the host. */
export function hostLabel(host: string, address: string): string {
  return host === address ? address : `${host} (${address})`;
}

const MAX_ADDRESSES_IN_TEXT = 6;

/** `10.0.2.0/25, 10.0.2.200-10.0.2.255` (at most six stretches named, then how many more). */
export function addressesText(list: readonly string[]): string {
  const shown = list.slice(0, MAX_ADDRESSES_IN_TEXT).join(', ');
  return list.length > MAX_ADDRESSES_IN_TEXT ? `${shown} and ${list.length - MAX_ADDRESSES_IN_TEXT} more` : shown;
}

/** The source member as the reader sees it: `ams.corp.example (10.0.0.10 by DNS in the capture)`. */
export function documentedSource(c: Pick<FirewallDocumentedCheck, 'source' | 'resolved' | 'listedAs'>): string {
  if (!c.resolved) return c.source;
  return c.listedAs ? `${c.source} (${c.resolved}; as member ${c.listedAs.join(', ')})` : `${c.source} (${c.resolved})`;
}

/** Whether the runs of a check hold for different stretches of its member (then each run names its addresses). */
export function splitByAddress(c: Pick<FirewallDocumentedCheck, 'decisions'>): boolean {
  const keys = new Set(c.decisions.map((d) => (d.addresses ?? []).join(',')));
  return keys.size > 1;
}

/** `10.0.2.128/25 ` before a run's ports when the member is split by address, else nothing. */
export function runAddresses(c: Pick<FirewallDocumentedCheck, 'decisions'>, d: FirewallDocumentedCheck['decisions'][number]): string {
  return d.addresses && splitByAddress(c) ? `${addressesText(d.addresses)} ` : '';
}

/** One run in words: `10.0.2.128/25 tcp/389: DROP by …` (addresses only when the member is split). */
export function runText(c: Pick<FirewallDocumentedCheck, 'decisions' | 'protocol'>, d: FirewallDocumentedCheck['decisions'][number]): string {
  return `${runAddresses(c, d)}${c.protocol}/${d.ports}: ${decisionText(d)}`;
}

/** `partly-blocked (e.g. admitted 10.0.2.5 tcp/389, blocked 10.0.2.200 tcp/389)`. */
export function statusText(c: Pick<FirewallDocumentedCheck, 'status' | 'examples'>): string {
  return c.examples ? `${c.status} (e.g. admitted ${c.examples.admitted}, blocked ${c.examples.blocked})` : c.status;
}
