/**
 * How flow-log inputs show in the audit result (issue 11): their byte basis, malformed and ignored
 * lines as input warnings, and what a flow record cannot carry said as unavailable (not looked
 * for), never as absent, in the next steps every report format prints.
 */
import { BYTE_BASIS_TEXT, UNAVAILABLE_TEXT, type ByteBasis, type RecordInputInfo } from '../inputs/record_input.js';
import type { InputProblem } from '../inputs/input_problem.js';
import type { AuditResult, InputResult } from './result.js';

/** The basis of the run's byte totals: the inputs' common basis, 'mixed', or null when none counted bytes. */
export function overallByteBasis(inputs: readonly InputResult[]): ByteBasis | 'mixed' | null {
  const bases = new Set(inputs.map((i) => i.byteBasis).filter((b): b is ByteBasis | 'mixed' => b !== null && b !== undefined));
  if (bases.size === 0) return null;
  return bases.size === 1 ? [...bases][0]! : 'mixed';
}

export function recordInputWarnings(path: string, r: RecordInputInfo): InputProblem[] {
  const out: string[] = [];
  if (r.malformed > 0) {
    const shown = r.problems.map((p) => `${path}:${p.line}: ${p.message}`).join('; ');
    out.push(`${r.malformed} malformed line${r.malformed === 1 ? '' : 's'} skipped (${shown}${r.malformed > r.problems.length ? '; ...' : ''})`);
  }
  const ign = Object.entries(r.ignored);
  if (ign.length > 0) out.push(`records that are not connections, ignored: ${ign.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.untimed > 0) out.push(`${r.untimed} record${r.untimed === 1 ? '' : 's'} with an unreadable time (kept, time unknown)`);
  if (r.unavailable.length > 0) out.push(`not available from this log (not looked for, not absent): ${r.unavailable.map((u) => UNAVAILABLE_TEXT[u]).join(', ')}`);
  return out.map((message) => ({ offset: 0, message }));
}

export function recordLogSteps(r: AuditResult): string[] {
  const steps: string[] = [];
  const logs = r.inputs.filter((i) => i.records);
  if (logs.length === 0) return steps;
  const unavailable = [...new Set(logs.flatMap((i) => i.records!.unavailable))];
  if (unavailable.length > 0) {
    steps.push(
      `Flow logs carry no ${unavailable.map((u) => UNAVAILABLE_TEXT[u as keyof typeof UNAVAILABLE_TEXT]).join(', ')}: roles that depend on them (host names, RPC hand-outs) were judged from inventory addresses only for those inputs${unavailable.includes('tls-sni') || unavailable.includes('dns-answers') ? '; give Zeek ssl.log / dns.log beside the conn.log to add names' : ''}.`,
    );
  }
  const basis = r.summary.byteBasis;
  if (basis === 'mixed') {
    steps.push(`Byte counts mix bases across inputs (${[...new Set(r.inputs.map((i) => `${i.byteBasis}`))].join(', ')}): ${BYTE_BASIS_TEXT.mixed}; compare packets, not bytes, across inputs.`);
  }
  return steps;
}

/**
 * When no input could name hosts (every input a flow log without SNI and DNS answers), a host name
 * that "never resolved" was not looked for: say so where the audit reports it (rule reasons and
 * unresolved-name warnings), so a missing name-only rule is not read as evidence of absence.
 */
export function qualifyUnavailableNames(r: AuditResult): void {
  const blind = r.inputs.length > 0 && r.inputs.every((i) => i.records && i.records.unavailable.includes('tls-sni') && i.records.unavailable.includes('dns-answers'));
  if (!blind) return;
  const note = 'host names are not available from the flow-log inputs (no TLS SNI, no DNS answers: unavailable, not absent)';
  for (const rule of r.rules) if (rule.reason?.includes('never resolved')) rule.reason = `${rule.reason}; ${note}`;
  for (const w of r.warnings ?? []) if (w.kind === 'unresolved-name') w.text = `${w.text}; ${note}`;
}
