/**
 * The findings of the three-way check, each with the firewall rule and one line for people:
 * documented-but-blocked and blocked-yet-seen (from the per-host checks), undocumented-but-permitted,
 * permitted-never-seen and shadowed (from the rules). Pure. What changes the verdict is decided
 * here (`verdictEffect`) and applied in firewall_verdict.ts.
 */
import type { FirewallRule, FirewallRuleset } from '../firewall/ruleset.js';
import type { Inventory, Matrix } from '../matrix/index.js';
import type { FirewallHostInput } from './firewall_findings.js';
import { addressInTexts } from './firewall_members.js';
import { addressesText, decisionText, documentedSource, hostLabel, ruleLabel, ruleRef, splitByAddress } from './firewall_refs.js';
import { shadowedRules } from './firewall_shadowed.js';
import { undocumentedPermits } from './firewall_undocumented.js';
import type { FirewallDocumentedCheck, FirewallFinding, FirewallHostResult, FirewallObservedCheck } from './firewall_types.js';

const MAX_SOURCES_IN_TEXT = 6;

function portsIn(ports: string, port: number): boolean {
  const [a, b] = ports.split('-').map(Number);
  return port >= a! && port <= (b ?? a!);
}

type Decision = FirewallDocumentedCheck['decisions'][number];

/** Whether an observed client is one of the sources a run holds for (its addresses, or the single-address member). */
function fromSource(client: string, c: FirewallDocumentedCheck, d: Decision): boolean {
  return d.addresses ? addressInTexts(client, d.addresses) : client === c.source;
}

/** What the traffic shows for a blocked documented flow: answered (a contradiction), failed, or not tried. */
function trafficFor(r: FirewallHostResult, c: FirewallDocumentedCheck, d: Decision): 'answered' | 'failed' | 'not tried' {
  const seen = r.observed.filter((o) => fromSource(o.client, c, d) && o.protocol === c.protocol && portsIn(d.ports, o.port));
  if (seen.some((o) => o.answered > 0)) return 'answered';
  return seen.length > 0 ? 'failed' : 'not tried';
}

const TRAFFIC_WORDS = {
  answered: 'yet the traffic shows it answered (see blocked-yet-seen)',
  failed: 'and the traffic shows the failure',
  'not tried': 'and nobody tried it in the window',
} as const;

function documentedBlocked(r: FirewallHostResult): FirewallFinding[] {
  const out: FirewallFinding[] = [];
  const who = hostLabel(r.host, r.address);
  for (const c of r.documented) {
    if ((c.status !== 'blocked' && c.status !== 'partly-blocked') || c.listedAs) continue; // listedAs: found under that member
    for (const d of c.decisions) {
      if (d.action !== 'DROP' && d.action !== 'REJECT') continue;
      const traffic = trafficFor(r, c, d);
      const effect = !c.enforced || traffic === 'answered' ? null : 'fail';
      const part = d.addresses && splitByAddress(c) ? ` (for ${addressesText(d.addresses)})` : '';
      const text = `${who}: ${c.requirement} flow ${c.ruleId} ${c.protocol}/${d.ports} from ${documentedSource(c)}${part} is blocked: ${decisionText(d)}, ${TRAFFIC_WORDS[traffic]}`;
      const addresses = d.addresses && !(d.addresses.length === 1 && d.addresses[0] === c.source) ? { addresses: d.addresses } : {};
      out.push({ kind: 'documented-but-blocked', host: r.host, address: r.address, rule: d.rule, decidedBy: d.decidedBy, protocol: c.protocol, ports: d.ports, sources: [c.source], sourcesByPort: null, ...addresses, matrixRule: c.ruleId, traffic, verdictEffect: effect, text });
    }
  }
  return out;
}

function blockedYetSeen(r: FirewallHostResult, o: FirewallObservedCheck): FirewallFinding {
  const who = hostLabel(r.host, r.address);
  const text = `${who}: ${o.client} → ${o.protocol}/${o.port} was answered ${o.answered} time${o.answered === 1 ? '' : 's'}, yet the rules given would ${o.decision.action} it (${decisionText(o.decision)}): the capture contradicts the firewall file (the host may not run it)`;
  return { kind: 'blocked-yet-seen', host: r.host, address: r.address, rule: o.decision.rule, decidedBy: o.decision.decidedBy, protocol: o.protocol, ports: `${o.port}`, sources: [o.client], sourcesByPort: null, matrixRule: null, traffic: 'answered', verdictEffect: 'inconclusive', text };
}

/** documented-but-blocked and blocked-yet-seen, from a host's checks. */
export function blockedFindings(r: FirewallHostResult): FirewallFinding[] {
  return [...documentedBlocked(r), ...r.observed.filter((o) => o.status === 'blocked-yet-seen').map((o) => blockedYetSeen(r, o))];
}

function sourcesText(sources: string[]): string {
  const shown = sources.slice(0, MAX_SOURCES_IN_TEXT).join(', ');
  return sources.length > MAX_SOURCES_IN_TEXT ? `${shown} and ${sources.length - MAX_SOURCES_IN_TEXT} more` : shown;
}

/** Chains reachable from the input chains through jumps and gotos. */
function inboundChains(rs: FirewallRuleset): Set<string> {
  const seen = new Set<string>();
  const todo = [...rs.inputChains];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const rule of rs.chains.get(name)?.rules ?? []) if (rule.target.kind === 'jump' || rule.target.kind === 'goto') todo.push(rule.target.chain);
  }
  return seen;
}

/** An ACCEPT rule that can admit a NEW connection from the network (not loopback-only, not ESTABLISHED-only). */
function admitsNew(rule: FirewallRule): boolean {
  if (rule.target.kind !== 'verdict' || rule.target.verdict !== 'ACCEPT') return false;
  const st = rule.match.ctState;
  if (st && st.negate === st.value.includes('NEW')) return false;
  const i = rule.match.inIface;
  return !(i && !i.negate && i.value === 'lo');
}

function neverSeen(h: FirewallHostInput, r: FirewallHostResult, seconds: number): FirewallFinding[] {
  const who = hostLabel(r.host, r.address);
  const used = new Set(r.observed.filter((o) => o.status === 'admitted').map((o) => `${o.decision.rule?.chain}#${o.decision.rule?.number}`));
  const out: FirewallFinding[] = [];
  const reach = inboundChains(h.ruleset);
  for (const chain of h.ruleset.chains.values()) {
    if (!reach.has(chain.name)) continue;
    for (const rule of chain.rules) {
      if (!admitsNew(rule) || used.has(`${rule.chain}#${rule.number}`)) continue;
      const ref = ruleRef(rule);
      const omitted =
        r.observedOmitted > 0
          ? ` (${r.observedOmitted} connections to this host were not judged one by one)`
          : r.observed.length === 0
            ? ' (no connection to this host was seen at all: check that the capture point sees its traffic)'
            : '';
      const text = `${who}: ${ruleLabel(ref)} admitted no observed connection in the ${seconds} s window${omitted}: a removal candidate under PCI DSS 1.2.7 if no business need remains`;
      out.push({ kind: 'permitted-never-seen', host: r.host, address: r.address, rule: ref, decidedBy: `${rule.chain} #${rule.number}`, protocol: null, ports: null, sources: [], sourcesByPort: null, matrixRule: null, traffic: null, verdictEffect: null, text });
    }
  }
  return out;
}

/** `tcp/88, 445 from A, B; tcp/389 from B`: ports grouped by the sources they are admitted from. */
function portsFromText(protocol: string, ports: number[], byPort: Record<number, string[]>): string {
  const bySources = new Map<string, number[]>();
  for (const p of ports) {
    const key = sourcesText(byPort[p] ?? []);
    bySources.set(key, [...(bySources.get(key) ?? []), p]);
  }
  return [...bySources].map(([from, list]) => `${protocol}/${list.join(', ')} from ${from}`).join('; ');
}

function undocumented(matrix: Matrix, inventory: Inventory, h: FirewallHostInput, r: FirewallHostResult): { findings: FirewallFinding[]; notFullyChecked: FirewallRule[] } {
  const who = hostLabel(r.host, r.address);
  const u = undocumentedPermits(matrix, inventory, h.address, h.ruleset);
  const findings = u.permits.map((p): FirewallFinding => {
    const ref = p.rule ? ruleRef(p.rule) : null;
    const by = ref ? ruleLabel(ref) : p.decidedBy;
    const ports = p.ports.join(', ');
    const text = `${who}: ${by} admits ${portsFromText(p.protocol, p.ports, p.sourcesByPort)}; no matrix rule documents it for ${r.roles.length > 0 ? `role${r.roles.length === 1 ? '' : 's'} ${r.roles.join(', ')}` : 'this host (it holds no role)'}`;
    return { kind: 'undocumented-but-permitted', host: r.host, address: r.address, rule: ref, decidedBy: p.decidedBy, protocol: p.protocol, ports, sources: p.sources, sourcesByPort: Object.fromEntries(p.ports.map((n) => [String(n), p.sourcesByPort[n] ?? []])), matrixRule: null, traffic: null, verdictEffect: null, text };
  });
  return { findings, notFullyChecked: u.notFullyChecked };
}

function shadowed(h: FirewallHostInput, r: FirewallHostResult): FirewallFinding[] {
  const who = hostLabel(r.host, r.address);
  return shadowedRules(h.ruleset).map(({ rule, by }) => {
    const ref = ruleRef(rule);
    const text = `${who}: ${ruleLabel(ref)} is never reached: ${ruleLabel(ruleRef(by))} decides every packet it would match first`;
    return { kind: 'shadowed', host: r.host, address: r.address, rule: ref, decidedBy: `${rule.chain} #${rule.number}`, protocol: null, ports: null, sources: [], sourcesByPort: null, matrixRule: `${by.chain} #${by.number}`, traffic: null, verdictEffect: null, text };
  });
}

/** undocumented-but-permitted, permitted-never-seen and shadowed, from the rules and the host's checks. */
export function ruleFindings(matrix: Matrix, inventory: Inventory, h: FirewallHostInput, r: FirewallHostResult, seconds: number): { findings: FirewallFinding[]; notFullyChecked: FirewallRule[] } {
  const u = undocumented(matrix, inventory, h, r);
  return { findings: [...u.findings, ...neverSeen(h, r, seconds), ...shadowed(h, r)], notFullyChecked: u.notFullyChecked };
}
