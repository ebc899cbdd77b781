/** The probe scheduler with a fake clock and fake probes: the rate, the budget, the in-flight cap. */
import { expect, it } from 'vitest';
import { runProbes, type RunDeps } from '../../src/probe/run_probes.js';
import type { ProbeOutcome, ProbeTarget } from '../../src/probe/probe_types.js';

function fake(answerMs: number): { deps: RunDeps; starts: number[]; maxInFlight: () => number } {
  let t = 0;
  let inFlight = 0;
  let max = 0;
  const starts: number[] = [];
  const deps: RunDeps = {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    probe: async (_t: ProbeTarget): Promise<ProbeOutcome> => {
      starts.push(t);
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, 2)); // a real macrotask: the scheduler runs on meanwhile
      inFlight--;
      return { state: 'open', how: 'fake', startedAt: t, ms: answerMs };
    },
  };
  return { deps, starts, maxInFlight: () => max };
}

const targets = (n: number): ProbeTarget[] => Array.from({ length: n }, (_, i) => ({ protocol: 'tcp', address: '10.0.0.1', port: 1000 + i }));

it('starts probes no faster than the rate', async () => {
  const f = fake(1);
  const out = await runProbes(targets(5), { ratePerSecond: 10, budgetMs: 60_000, timeoutMs: 1000 }, f.deps);
  expect(f.starts).toEqual([0, 100, 200, 300, 400]);
  expect(out.every((o) => o?.state === 'open')).toBe(true);
});

it('leaves untried (null) every probe that could not finish inside the budget', async () => {
  const f = fake(1);
  // rate 10/s, timeout 1 s, budget 1.35 s: starts at 0, 100, 200, 300 end by 1.3 s; 400 would end at 1.4 s.
  const out = await runProbes(targets(8), { ratePerSecond: 10, budgetMs: 1350, timeoutMs: 1000 }, f.deps);
  expect(out.map((o) => (o === null ? 'not tried' : o.state))).toEqual(['open', 'open', 'open', 'open', 'not tried', 'not tried', 'not tried', 'not tried']);
});

it('tries nothing when the budget is shorter than one timeout', async () => {
  const f = fake(1);
  const out = await runProbes(targets(3), { ratePerSecond: 10, budgetMs: 500, timeoutMs: 1000 }, f.deps);
  expect(out).toEqual([null, null, null]);
  expect(f.starts).toEqual([]);
});

it('keeps at most maxInFlight probes running at once', async () => {
  const f = fake(1);
  await runProbes(targets(10), { ratePerSecond: 1000, budgetMs: 60_000, timeoutMs: 1000, maxInFlight: 2 }, f.deps);
  expect(f.maxInFlight()).toBe(2);
  const g = fake(1);
  await runProbes(targets(10), { ratePerSecond: 1000, budgetMs: 60_000, timeoutMs: 1000 }, g.deps);
  expect(g.maxInFlight()).toBe(10); // without the cap they overlap
});
