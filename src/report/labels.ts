/**
 * What every report format says about an address and about the grouped unexpected flows: the
 * address followed by its best name and the evidence for it ("10.0.0.10 (ams1 [inventory])"), and
 * the clients of a server group as a count, their common role or prefix, and the top few.
 * Plain strings: each renderer escapes them for its own format.
 */
import { clientsText, commonPrefix, groupUnexpected, labelAddress, namesByAddress, type NameRef, type UnexpectedServerGroup } from '../audit/grouping.js';
import { summarise, type DiagnosisCounts } from '../audit/diagnosis.js';
import type { NearMiss } from '../audit/insight.js';
import type { NameEntry } from '../audit/names.js';
import type { AuditResult, RuleResult } from '../audit/result.js';
import { unexpectedCountText } from '../audit/controls.js';
import { coverageFor } from './controls_lines.js';

export type Labeller = (address: string) => string;

/** address → "address (best name [source])" from the result's `names` block. */
export function labeller(r: Pick<AuditResult, 'names'>): Labeller {
  const names = namesByAddress(r);
  return (a) => labelAddress(a, names.get(a));
}

/** address → its names (best first), for renderers that format name and source apart. */
export function nameRefs(r: Pick<AuditResult, 'names'>): (address: string) => NameRef[] {
  const names = namesByAddress(r);
  return (a) => names.get(a) ?? [];
}

/** The groups of the result, or computed from `unexpected[]` for a result written before they existed. */
export function serverGroups(r: AuditResult): UnexpectedServerGroup[] {
  return r.unexpectedByServer ?? groupUnexpected(r.unexpected, namesByAddress(r));
}

/** One address's names, each with its evidence ("dns ttl 60s" for a DNS answer), in the block's order. */
export function namesWithEvidence(e: { names: readonly NameEntry[] }): [string, string[]][] {
  const byName = new Map<string, string[]>();
  for (const n of e.names) {
    const what = n.source === 'dns' && n.ttl !== undefined ? `dns ttl ${n.ttl}s` : n.source;
    const l = byName.get(n.name) ?? [];
    if (!l.includes(what)) l.push(what);
    byName.set(n.name, l);
  }
  return [...byName];
}

/** Groups for a table people read: most clients first, then most connections, then address order. */
export function byWeight(groups: readonly UnexpectedServerGroup[]): UnexpectedServerGroup[] {
  return [...groups].sort((a, b) => b.clients - a.clients || b.connections - a.connections);
}

/** "47 web-user clients in 10.66.3.0/24", or the one client's label. */
export function clientsSummary(g: UnexpectedServerGroup, label: Labeller): string {
  return g.clients === 1 && g.topClients[0] ? label(g.topClients[0].client) : clientsText(g);
}

/** "top: 10.66.3.5 (pc5 [dns]) 12, 10.66.3.9 9, 10.66.3.1 4" (empty for one client). */
export function topClientsText(g: UnexpectedServerGroup, label: Labeller): string {
  if (g.clients <= 1) return '';
  const more = g.clients - g.topClients.length;
  return `top: ${g.topClients.map((c) => `${label(c.client)} ${c.connections}`).join(', ')}${more > 0 ? `, +${more} more` : ''}`;
}

/**
 * How a group's connections went, in one line per group with failures: its own finding for one
 * client; for many, the summed counts and one client's finding as an example (all are in JSON).
 */
export function groupDiagnosisLines(r: AuditResult, groups: readonly UnexpectedServerGroup[], label: Labeller): { text: string; answered: number }[] {
  const out: { text: string; answered: number }[] = [];
  for (const g of groups) {
    const entries = r.unexpected.slice(g.firstEntry, g.firstEntry + g.clients);
    const findings = entries.flatMap((u) => u.diagnosis?.findings ?? []);
    if (findings.length === 0) continue;
    if (g.clients === 1) {
      for (const f of findings) out.push({ text: f.text, answered: f.answered });
      continue;
    }
    const t: DiagnosisCounts = { attempts: 0, answered: 0, refused: 0, unanswered: 0, resetMidway: 0, udpNoReply: 0, icmpUnreachable: 0 };
    for (const u of entries) for (const k of Object.keys(t) as (keyof DiagnosisCounts)[]) t[k] += u.diagnosis?.[k] ?? 0;
    out.push({ text: `${clientsText(g)} → ${label(g.server)} ${g.protocol}/${g.port}: ${summarise(t)}; e.g. ${findings[0]!.text}`, answered: t.answered });
  }
  return out;
}

/** Why the group is close to allowed: a feature that is off, or a near miss (one side's role). */
export function groupNote(g: UnexpectedServerGroup): string {
  const parts: string[] = [];
  if (g.disabledRules.length) parts.push(`would match ${g.disabledRules.join(', ')} if its feature were enabled`);
  if (g.nearMissRules.length) parts.push(`near miss of ${g.nearMissRules.join(', ')}`);
  return parts.join('; ');
}

/**
 * Near misses for people: those of one rule, server, port and missing client role folded into one
 * line ("16 clients in 10.0.7.0/27 → 10.0.0.10 (ams1 [inventory]) tcp/443 would match web-https if
 * they were in role web-user"); a single one keeps its own text.
 */
export function nearMissLines(r: AuditResult, label: Labeller): string[] {
  const misses = r.nearMisses ?? [];
  const groups = new Map<string, NearMiss[]>();
  for (const m of misses) {
    const k = m.side === 'source' ? `s|${m.rule}|${m.server}|${m.protocol}|${m.port}|${m.missingRole}` : `d|${m.rule}|${m.client}|${m.server}|${m.protocol}|${m.port}`;
    const l = groups.get(k);
    if (l) l.push(m);
    else groups.set(k, [m]);
  }
  return [...groups.values()].map((l) => {
    const m = l[0]!;
    if (l.length === 1) return m.text;
    const clients = l.map((x) => x.client);
    const prefix = commonPrefix(clients);
    const conns = l.reduce((n, x) => n + x.connections, 0);
    return `${l.length} clients${prefix ? ` in ${prefix}` : ''} (${conns} connection${conns === 1 ? '' : 's'}) → ${label(m.server)} ${m.protocol}/${m.port} would match ${m.rule} if they were in role ${m.missingRole} — an inventory gap, or clients that should not use it`;
  });
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "1 connection", "12 connections". */
export function conns(n: number): string {
  return plural(n, 'connection');
}

export { plural };

/**
 * The one count of unexpected flows every format prints, in the verdict's words: "15 unexpected
 * flows (44 connections)". A flow is one client → server, protocol and port; the tables group them
 * by server and port for reading, and say how many rows that makes.
 */
export function unexpectedCount(r: Pick<AuditResult, 'unexpected'>): string {
  return unexpectedCountText(r.unexpected.length, r.unexpected.reduce((n, u) => n + u.connections, 0));
}

/** "shown in 11 rows by server and port" when grouping folds flows together; '' when each flow is its own row. */
export function groupedRowsText(r: AuditResult): string {
  const rows = serverGroups(r).length;
  return rows === r.unexpected.length ? '' : `shown in ${plural(rows, 'row')} by server and port`;
}

const MAX_NOTE = 80;

/** A rule's status in a few words for the one-line-per-rule table (the detail section says the rest). */
export function ruleSummaryNote(r: AuditResult, x: RuleResult): string {
  let note = '';
  if (x.status === 'failed') note = `attempted, never answered: ${x.outcomes.refused} refused, ${x.outcomes.unanswered} no reply`;
  else if (x.status === 'partial') note = (x.memberFailures ?? []).map((m) => m.text).join('; ') || (x.reason ?? '');
  else if (x.status === 'missing' || x.status === 'not-visible') {
    const cov = coverageFor(r);
    const unresolved = x.reason?.includes('never resolved') ? '; a host name never resolved' : '';
    note = `no attempt seen in ${cov.seconds === null ? 'an empty capture' : cov.window}${x.enforced ? '' : ' (not enforced)'}${unresolved}`;
  } else if (x.status === 'not-applicable') note = x.reason ?? '';
  return note.length > MAX_NOTE ? `${note.slice(0, MAX_NOTE - 1)}…` : note;
}
