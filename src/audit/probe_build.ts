/**
 * The whole probe result from the plan and what was seen: rows, summary, verdict, controls, then
 * the evidence block with its hash (the same definition as an audit's, audit/evidence.ts).
 */
import type { Inventory, Matrix } from '../matrix/types.js';
import type { ProbeOutcome } from '../probe/probe_types.js';
import { VERSION } from '../version.js';
import { resultSha256, shellQuote } from './evidence.js';
import { probeControls } from './probe_controls.js';
import { probeRows, probeSummary, probeVerdict } from './probe_judge.js';
import type { ProbePlan } from './probe_plan.js';
import { PROBE_SCHEMA, type ProbeCapture, type ProbeResult } from './probe_result.js';

export interface ProbeContext {
  generatedAt: string;
  argv: string[];
  host: string | null;
  addresses: string[];
  /** One of `addresses` is an inventory member of the probing role. */
  inRole: boolean;
  settings: ProbeResult['settings'];
  capture: ProbeCapture | null;
}

function window(rows: ProbeResult['results']): ProbeResult['window'] {
  const times = rows.filter((r) => r.startedAt !== null).map((r) => Date.parse(r.startedAt!) + (r.ms ?? 0));
  const starts = rows.filter((r) => r.startedAt !== null).map((r) => r.startedAt!).sort();
  if (starts.length === 0) return { start: null, end: null };
  return { start: starts[0]!, end: new Date(Math.max(...times)).toISOString() };
}

export function buildProbeResult(plan: ProbePlan, outcomes: readonly (ProbeOutcome | null)[], matrix: Matrix, inventory: Inventory, ctx: ProbeContext): ProbeResult {
  const results = probeRows(plan, outcomes);
  const summary = probeSummary(results, plan.notPlanned.length);
  let { verdict, reasons } = probeVerdict(results);
  if (!ctx.inRole && verdict !== 'fail') {
    verdict = 'inconclusive';
    reasons = [`this host (${ctx.addresses.join(', ') || 'no address'}) is not listed in the inventory as a member of ${plan.as}: the test does not show what ${plan.as} may reach`, ...reasons];
  }
  const body = {
    as: plan.as,
    from: { host: ctx.host, addresses: [...ctx.addresses], inRole: ctx.inRole },
    window: window(results),
    settings: ctx.settings,
    summary,
    results,
    notPlanned: plan.notPlanned,
    capture: ctx.capture,
  };
  const out: ProbeResult = {
    schema: PROBE_SCHEMA,
    tool: { name: 'flowaudit', version: VERSION },
    generatedAt: ctx.generatedAt,
    verdict,
    verdictReasons: reasons,
    ...body,
    matrix: { name: matrix.name, version: matrix.version, sha256: matrix.sha256, origin: matrix.origin },
    inventory: { origin: inventory.origin, sha256: inventory.sha256 },
    controls: probeControls(body),
    evidence: { tool: { name: 'flowaudit', version: VERSION }, argv: [...ctx.argv], commandLine: shellQuote(['flowaudit', ...ctx.argv]), host: ctx.host, generatedAt: ctx.generatedAt, resultSha256: '' },
  };
  out.evidence.resultSha256 = resultSha256(out);
  return out;
}
