/**
 * Matrix × host firewall, the first half of issue 21's three-way check: for every matrix rule whose
 * destination role includes the host, and every source member, what the host's firewall does with
 * each documented port: `permitted`, `blocked` (by which rule), `partly-blocked`, or `inconclusive`
 * (with why). Pure. A matrix range is evaluated once per stretch of ports no rule's port criterion
 * splits, a CIDR or range member once per stretch of addresses no rule's source criterion splits
 * (firewall_members.ts), a host-name member at the addresses the audit's evidence gave the name;
 * results are runs of ports (and, for those members, addresses) decided the same way.
 */
import type { Inventory, Matrix, MatrixRule, PortRange } from '../matrix/index.js';
import { addressWords, parseMember } from '../matrix/inventory.js';
import type { FirewallRuleset } from '../firewall/ruleset.js';
import { evaluate, type FirewallDecision } from './firewall_evaluate.js';
import { MAX_PIECES, addressBreaks, addressText, pieceText, resolveHost, splitMember, type AddressPiece, type NameFacts } from './firewall_members.js';

export type DocumentedFlowStatus = 'permitted' | 'blocked' | 'partly-blocked' | 'inconclusive';

export interface PortRun {
  ports: PortRange;
  decision: FirewallDecision;
  /** CIDR, range and host-name members: the source addresses this run holds for (`10.0.2.0/25`, …). */
  addresses?: string[];
}

export interface DocumentedFlowCheck {
  ruleId: string;
  requirement: MatrixRule['requirement'];
  /** The source member as written in the inventory. */
  source: string;
  protocol: MatrixRule['protocol'];
  status: DocumentedFlowStatus;
  runs: PortRun[];
  /** Why the check could not be made (status inconclusive without runs). */
  reason?: string;
  /** Host-name members: the addresses evaluated and where each came from (`10.0.0.10 by DNS in the capture`). */
  resolved?: string;
  /** partly-blocked CIDR, range and host-name members: one source and port on each side (`10.0.2.5 tcp/389`). */
  examples?: { admitted: string; blocked: string };
  /** A host-name member whose every address is another member of the role: those members (it adds no finding). */
  listedAs?: string[];
}

/**
 * Ports where some rule's port criterion starts or stops matching: between two of them every rule
 * matches or misses alike, so one evaluation decides the whole stretch (a 16384-port range costs
 * a handful of evaluations, not 16384).
 */
export function portBreaks(rs: FirewallRuleset): number[] {
  const breaks = new Set<number>();
  for (const chain of rs.chains.values()) {
    for (const rule of chain.rules) {
      for (const r of rule.match.dports?.value ?? []) {
        breaks.add(r.from);
        breaks.add(r.to + 1);
      }
    }
  }
  return [...breaks].sort((a, b) => a - b);
}

function runsFor(rs: FirewallRuleset, src: string, rule: MatrixRule, breaks: readonly number[]): PortRun[] {
  const runs: PortRun[] = [];
  for (const r of rule.portRanges) {
    const starts = [r.from, ...breaks.filter((b) => b > r.from && b <= r.to)];
    starts.forEach((from, k) => {
      const to = k + 1 < starts.length ? starts[k + 1]! - 1 : r.to;
      const d = evaluate(rs, { src, dstPort: from, proto: rule.protocol });
      const last = runs[runs.length - 1];
      if (last && last.ports.to === from - 1 && last.decision.decidedBy === d.decidedBy && last.decision.action === d.action) last.ports.to = to;
      else runs.push({ ports: { from, to }, decision: d });
    });
  }
  return runs;
}

function statusOf(runs: PortRun[]): DocumentedFlowStatus {
  if (runs.some((r) => r.decision.action === 'inconclusive')) return 'inconclusive';
  const accepted = runs.filter((r) => r.decision.action === 'ACCEPT').length;
  if (accepted === runs.length) return 'permitted';
  return accepted === 0 ? 'blocked' : 'partly-blocked';
}

interface Group {
  texts: string[];
  first: string;
  runs: PortRun[];
  last: AddressPiece;
}

function signature(runs: PortRun[]): string {
  return runs.map((r) => `${r.ports.from}-${r.ports.to} ${r.decision.action} ${r.decision.decidedBy}`).join('|');
}

/** Pieces decided alike (same ports, same rules) are one group; adjacent pieces become one stretch. */
function groupPieces(rs: FirewallRuleset, pieces: AddressPiece[], rule: MatrixRule, breaks: readonly number[]): Group[] {
  const groups = new Map<string, Group>();
  for (const p of pieces) {
    const first = addressText(p.lo, p.family);
    const runs = runsFor(rs, first, rule, breaks);
    const key = signature(runs);
    const g = groups.get(key);
    if (!g) groups.set(key, { texts: [], first, runs, last: { ...p } });
    else if (g.last.hi + 1n === p.lo && g.last.family === p.family) {
      g.last.hi = p.hi;
    } else {
      g.texts.push(pieceText(g.last));
      g.last = { ...p };
    }
  }
  for (const g of groups.values()) g.texts.push(pieceText(g.last));
  return [...groups.values()];
}

function exampleOf(groups: Group[], protocol: string, admitted: boolean): string | undefined {
  for (const g of groups) {
    const run = g.runs.find((r) => (r.decision.action === 'ACCEPT') === admitted && r.decision.action !== 'inconclusive');
    if (run) return `${g.first} ${protocol}/${run.ports.from}`;
  }
  return undefined;
}

type Base = Pick<DocumentedFlowCheck, 'ruleId' | 'requirement' | 'source' | 'protocol'>;

/** A CIDR, range or resolved host member: every piece evaluated, runs labelled with their addresses. */
function piecesCheck(rs: FirewallRuleset, base: Base, pieces: AddressPiece[], rule: MatrixRule, breaks: readonly number[]): DocumentedFlowCheck {
  const groups = groupPieces(rs, pieces, rule, breaks);
  const runs = groups.flatMap((g) => g.runs.map((r) => ({ ...r, addresses: g.texts })));
  const status = statusOf(runs);
  if (status !== 'partly-blocked') return { ...base, status, runs };
  const admitted = exampleOf(groups, rule.protocol, true);
  const blocked = exampleOf(groups, rule.protocol, false);
  return { ...base, status, runs, ...(admitted && blocked ? { examples: { admitted, blocked } } : {}) };
}

interface CheckContext {
  breaks: readonly number[];
  addrBreaks: readonly bigint[];
  names: NameFacts;
  /** The address members of the rule's source role (addresses, CIDRs, ranges), each judged on its own. */
  listed: readonly { text: string; lo: bigint; hi: bigint }[];
}

function memberCheck(rs: FirewallRuleset, base: Base, m: { kind: string; text: string }, rule: MatrixRule, ctx: CheckContext): DocumentedFlowCheck {
  if (m.kind === 'ipv4' || m.kind === 'ipv6') {
    const runs = runsFor(rs, m.text, rule, ctx.breaks);
    return { ...base, status: statusOf(runs), runs };
  }
  if (m.kind === 'cidr' || m.kind === 'range') {
    const pieces = splitMember(m.text, ctx.addrBreaks);
    if (pieces === null) return { ...base, status: 'inconclusive', runs: [], reason: `the rules' source addresses split ${m.text} into more than ${MAX_PIECES} stretches; not evaluated` };
    if (pieces.length === 0) return { ...base, status: 'inconclusive', runs: [], reason: `source member ${m.text} does not parse as a ${m.kind}` };
    return piecesCheck(rs, base, pieces, rule, ctx.breaks);
  }
  if (m.kind === 'host') {
    const r = resolveHost(m.text, ctx.names);
    if (r.how === null) return { ...base, status: 'inconclusive', runs: [], reason: `no address seen for ${m.text} in the window` };
    // Addresses that are members of the role too are judged there: only the others are this member's own.
    const within = (p: AddressPiece) => ctx.listed.filter((l) => l.lo <= p.lo && p.hi <= l.hi);
    const own = r.pieces.filter((p) => within(p).length === 0);
    if (own.length > 0) return { ...piecesCheck(rs, base, own, rule, ctx.breaks), resolved: r.how };
    const listedAs = [...new Set(r.pieces.flatMap((p) => within(p).map((l) => l.text)))];
    return { ...piecesCheck(rs, base, r.pieces, rule, ctx.breaks), resolved: r.how, listedAs };
  }
  return { ...base, status: 'inconclusive', runs: [], reason: `source member ${m.text} is a name pattern; the addresses it covers are not known` };
}

/**
 * Checks every documented flow towards `hostAddress` against that host's firewall. `names`: the
 * audit's names block (addresses with the names the capture gave them), for host-name members.
 */
export function checkDocumentedFlows(matrix: Matrix, inventory: Inventory, hostAddress: string, rs: FirewallRuleset, names: NameFacts = []): DocumentedFlowCheck[] {
  const hostRoles = new Set(inventory.rolesForAddress(addressWords(hostAddress)));
  const out: DocumentedFlowCheck[] = [];
  const ctx = { breaks: portBreaks(rs), addrBreaks: addressBreaks(rs), names };
  for (const rule of matrix.rules) {
    if (!hostRoles.has(rule.destination)) continue;
    const sources = inventory.roles.find((r) => r.name === rule.source)?.members ?? [];
    const listed = sources.flatMap((m) => {
      const p = parseMember(m.text);
      return p.ok && 'lo' in p.member ? [{ text: m.text, lo: p.member.lo, hi: p.member.hi }] : [];
    });
    for (const m of sources) {
      const base = { ruleId: rule.id, requirement: rule.requirement, source: m.text, protocol: rule.protocol };
      out.push(memberCheck(rs, base, m, rule, { ...ctx, listed }));
    }
  }
  return out;
}
