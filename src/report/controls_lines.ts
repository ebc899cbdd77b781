/**
 * "What this evidence shows" for people (issue 17): the controls block of the result (or, for a
 * result written before it existed, the same computed now) as plain lines for the text report and
 * as a table for Markdown. The HTML report renders the same block in html_controls.ts.
 */
import { controlsOf, type ControlsBlock } from '../audit/controls.js';
import { observationCoverage, ruleCoverageNote, type ObservationCoverage } from '../audit/observation.js';
import type { AuditResult, RuleResult } from '../audit/result.js';

export const CONTROLS_HEADING = 'What this evidence shows';

export function controlsFor(r: AuditResult): ControlsBlock {
  return r.controls ?? controlsOf(r);
}

export function coverageFor(r: AuditResult): ObservationCoverage {
  return r.controls?.coverage ?? observationCoverage(r);
}

/** The coverage note of a rule whose status rests on absence ("no attempt seen in 7.4 s …"), else null. */
export function ruleCoverage(r: AuditResult, x: RuleResult): string | null {
  return ruleCoverageNote(x, coverageFor(r));
}

/** Plain lines (no escaping: the caller makes them inert for its terminal). */
export function controlsPlainLines(b: ControlsBlock): string[] {
  const out = [`  ${b.scope}`, `  coverage: ${b.coverage.text}`];
  for (const s of b.statements) {
    out.push(`  ${s.framework} ${s.control} (${s.title})`);
    out.push(`    supports:        ${s.supports}`);
    out.push(`    does not prove:  ${s.doesNotProve}`);
  }
  return out;
}
