/**
 * The judgement of a probe, a pure function of the plan and what each attempt saw (ProbeOutcome,
 * or null: not tried). Documented flows work or fail; undocumented ports are a finding when open
 * and the sought evidence when closed. Fail safe: the verdict is `pass` only when every planned
 * probe was tried and answered definitely; a probe not tried is never counted as closed.
 */
import type { ProbeOutcome } from '../probe/probe_types.js';
import type { PlannedProbe, ProbePlan } from './probe_plan.js';
import type { ProbeJudgement, ProbeRow, ProbeSummary, ProbeVerdict } from './probe_result.js';

export function judgementOf(p: Pick<PlannedProbe, 'kind'>, o: ProbeOutcome | null): ProbeJudgement {
  if (o === null) return 'not tried';
  if (o.state === 'open|filtered' || o.state === 'error') return 'unproven';
  if (p.kind === 'documented') return o.state === 'open' ? 'works' : 'fails';
  return o.state === 'open' ? 'finding' : 'closed';
}

export function probeRows(plan: ProbePlan, outcomes: readonly (ProbeOutcome | null)[]): ProbeRow[] {
  return plan.probes.map((p, i) => {
    const o = outcomes[i] ?? null;
    const base = { ...p, rules: [...p.rules], roles: [...p.roles] };
    if (o === null) return { ...base, state: 'not tried', how: 'not tried: the time budget ran out first', startedAt: null, ms: null, judgement: 'not tried' };
    return { ...base, state: o.state, how: o.how, startedAt: new Date(o.startedAt).toISOString(), ms: o.ms, judgement: judgementOf(p, o) };
  });
}

export function probeSummary(rows: readonly ProbeRow[], notPlanned: number): ProbeSummary {
  const s: ProbeSummary = {
    probes: rows.length,
    tried: rows.filter((r) => r.judgement !== 'not tried').length,
    documented: { works: 0, fails: 0, unproven: 0, 'not tried': 0 },
    undocumented: { finding: 0, closed: 0, unproven: 0, 'not tried': 0 },
    notPlanned,
  };
  for (const r of rows) {
    if (r.kind === 'documented') s.documented[r.judgement as keyof ProbeSummary['documented']]++;
    else s.undocumented[r.judgement as keyof ProbeSummary['undocumented']]++;
  }
  return s;
}

const label = (r: ProbeRow): string => `${r.protocol}/${r.port} on ${r.member}${r.member !== r.address ? ` (${r.address})` : ''}`;

export function probeVerdict(rows: readonly ProbeRow[]): { verdict: ProbeVerdict; reasons: string[] } {
  const findings = rows.filter((r) => r.judgement === 'finding');
  const failed = rows.filter((r) => r.judgement === 'fails' && r.required);
  const reasons: string[] = [];
  for (const r of findings) reasons.push(`undocumented ${label(r)} is open: no matrix rule allows it`);
  for (const r of failed) reasons.push(`required ${label(r)} (${r.rules.join(', ')}) ${r.state}: ${r.how}`);
  const notTried = rows.filter((r) => r.judgement === 'not tried').length;
  const budget = `${notTried} of ${rows.length} probes not tried: the time budget ran out (raise --budget or --rate)`;
  if (reasons.length > 0) return { verdict: 'fail', reasons: notTried > 0 ? [...reasons, budget] : reasons };
  const unproven = rows.filter((r) => r.judgement === 'unproven');
  if (rows.length === 0) reasons.push('nothing to probe: no rule from this role reaches an inventory address on a single port');
  if (notTried > 0) reasons.push(budget);
  for (const r of unproven) reasons.push(`${label(r)} unproven: ${r.how}`);
  if (reasons.length > 0) return { verdict: 'inconclusive', reasons };
  return { verdict: 'pass', reasons: [] };
}
