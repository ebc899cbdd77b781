/** The probe's judgement: documented works/fails, undocumented finding/closed, and a fail-safe verdict. */
import { describe, expect, it } from 'vitest';
import { judgementOf, probeRows, probeVerdict } from '../../src/audit/probe_judge.js';
import type { PlannedProbe, ProbePlan } from '../../src/audit/probe_plan.js';
import type { ProbeOutcome, ProbeState } from '../../src/probe/probe_types.js';

const seen = (state: ProbeState): ProbeOutcome => ({ state, how: state, startedAt: 0, ms: 1 });

describe('judgementOf', () => {
  it.each([
    ['documented', 'open', 'works'],
    ['documented', 'refused', 'fails'],
    ['documented', 'filtered', 'fails'],
    ['documented', 'unreachable', 'fails'],
    ['documented', 'open|filtered', 'unproven'],
    ['documented', 'error', 'unproven'],
    ['documented', null, 'not tried'],
    ['undocumented', 'open', 'finding'],
    ['undocumented', 'refused', 'closed'],
    ['undocumented', 'filtered', 'closed'],
    ['undocumented', 'unreachable', 'closed'],
    ['undocumented', 'open|filtered', 'unproven'],
    ['undocumented', 'error', 'unproven'],
    ['undocumented', null, 'not tried'],
  ] as const)('%s %s → %s', (kind, state, want) => {
    expect(judgementOf({ kind }, state === null ? null : seen(state))).toBe(want);
  });
});

function probe(kind: PlannedProbe['kind'], port: number, required = kind === 'documented'): PlannedProbe {
  return { protocol: 'tcp', address: '10.0.0.2', port, member: 'dc1', roles: ['domain-controller'], kind, rules: kind === 'documented' ? [`r${port}`] : [], required };
}

const plan = (probes: PlannedProbe[]): ProbePlan => ({ as: 'ams-server', probes, notPlanned: [], undocumentedPorts: [] });

describe('probeVerdict', () => {
  it.each([
    ['every probe as expected', [['documented', 389, 'open'], ['undocumented', 22, 'refused'], ['undocumented', 23, 'filtered']], 'pass'],
    ['an undocumented port open', [['documented', 389, 'open'], ['undocumented', 3389, 'open']], 'fail'],
    ['a required flow refused', [['documented', 389, 'refused'], ['undocumented', 22, 'refused']], 'fail'],
    ['a probe not tried (budget)', [['documented', 389, 'open'], ['undocumented', 22, null]], 'inconclusive'],
    ['a UDP silence', [['documented', 389, 'open'], ['undocumented', 22, 'open|filtered']], 'inconclusive'],
    ['nothing planned', [], 'inconclusive'],
  ] as const)('%s → %s', (_n, rows, want) => {
    const p = plan(rows.map(([k, port]) => probe(k, port)));
    const outcomes = rows.map(([, , s]) => (s === null ? null : seen(s)));
    expect(probeVerdict(probeRows(p, outcomes)).verdict).toBe(want);
  });

  it('an optional documented flow that fails is listed, not a failure', () => {
    const p = plan([probe('documented', 443, false), probe('undocumented', 22)]);
    const rows = probeRows(p, [seen('filtered'), seen('refused')]);
    expect(rows[0]!.judgement).toBe('fails');
    expect(probeVerdict(rows).verdict).toBe('pass');
  });

  it('names each finding in the reasons', () => {
    const p = plan([probe('undocumented', 3389)]);
    expect(probeVerdict(probeRows(p, [seen('open')])).reasons).toEqual(['undocumented tcp/3389 on dc1 (10.0.0.2) is open: no matrix rule allows it']);
  });
});

it('a failing test still says what the budget left untried', () => {
  const p = plan([probe('undocumented', 3389), probe('undocumented', 22)]);
  expect(probeVerdict(probeRows(p, [seen('open'), null])).reasons).toEqual([
    'undocumented tcp/3389 on dc1 (10.0.0.2) is open: no matrix rule allows it',
    '1 of 2 probes not tried: the time budget ran out (raise --budget or --rate)',
  ]);
});
