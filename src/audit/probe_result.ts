/**
 * The `flowaudit.probe/1` result: what an active probe tried, what each attempt saw, how the
 * matrix judges it, and the evidence block `verify` checks (evidence.resultSha256 as for an audit,
 * audit/evidence.ts). Every report format renders this one object; HTML and Markdown embed it.
 */
import type { NotPlanned, PlannedProbe } from './probe_plan.js';
import type { ProbeState } from '../probe/probe_types.js';

export const PROBE_SCHEMA = 'flowaudit.probe/1';

/**
 *   works      a documented flow answered (open)
 *   fails      a documented flow did not (refused, filtered, unreachable)
 *   finding    an undocumented port is open: no matrix rule allows it
 *   closed     an undocumented port is refused, filtered or unreachable: the evidence sought
 *   unproven   no conclusion (UDP silence: open|filtered; a local error)
 *   not tried  the time budget ran out first
 */
export type ProbeJudgement = 'works' | 'fails' | 'finding' | 'closed' | 'unproven' | 'not tried';

export interface ProbeRow extends PlannedProbe {
  state: ProbeState | 'not tried';
  how: string;
  /** ISO time the attempt started; null when not tried. */
  startedAt: string | null;
  ms: number | null;
  judgement: ProbeJudgement;
}

export type ProbeVerdict = 'pass' | 'fail' | 'inconclusive';

export interface ProbeCapture {
  /** The evidence file, or null when none was written. */
  path: string | null;
  engine: string | null;
  packets: number;
  bytes: number;
  sha256: string | null;
  /** Why no packets were kept (no engine could run), or null. */
  unavailable: string | null;
}

export interface ProbeSummary {
  probes: number;
  tried: number;
  documented: Record<'works' | 'fails' | 'unproven' | 'not tried', number>;
  undocumented: Record<'finding' | 'closed' | 'unproven' | 'not tried', number>;
  notPlanned: number;
}

export interface ProbeControls {
  shows: string[];
  doesNotShow: string[];
  requirements: { id: string; text: string }[];
}

export interface ProbeEvidence {
  tool: { name: 'flowaudit'; version: string };
  argv: string[];
  commandLine: string;
  host: string | null;
  generatedAt: string;
  resultSha256: string;
}

export interface ProbeResult {
  schema: typeof PROBE_SCHEMA;
  tool: { name: 'flowaudit'; version: string };
  generatedAt: string;
  verdict: ProbeVerdict;
  verdictReasons: string[];
  as: string;
  /**
   * The probing host's name and its addresses (where the probes came from); inRole: one of them is
   * listed in the inventory as a member of `as` (false: the test does not show what that role may reach).
   */
  from: { host: string | null; addresses: string[]; inRole: boolean };
  window: { start: string | null; end: string | null };
  settings: { ratePerSecond: number; budgetMs: number; timeoutMs: number; undocumentedPorts: string[] };
  matrix: { name: string; version: string; sha256: string; origin: string };
  inventory: { origin: string; sha256: string | null };
  summary: ProbeSummary;
  results: ProbeRow[];
  notPlanned: NotPlanned[];
  capture: ProbeCapture | null;
  controls: ProbeControls;
  evidence: ProbeEvidence;
}

export function isProbeResult(v: unknown): v is ProbeResult {
  return typeof v === 'object' && v !== null && (v as { schema?: unknown }).schema === PROBE_SCHEMA;
}
