/**
 * What an audit could see (issue 17): the observation window, the vantage, packet drops, damaged
 * inputs and one-sided connections. A negative result ("missing", "no unexpected flow") is only as
 * strong as this coverage, so every format prints it beside such results. Pure functions over a
 * finished result.
 */
import type { AuditResult, RuleResult, StateCounts } from './result.js';

/** States in which only one side of a connection was seen (no reply; or only the reply). */
const ONE_SIDED_STATES = ['S0', 'SH', 'SHR', 'RSTOS0', 'RSTRH'] as const;

export interface ObservationCoverage {
  firstSeen: string | null;
  lastSeen: string | null;
  /** Length of the window in seconds (null without packets), and the same in words ("7 min 24 s"). */
  seconds: number | null;
  window: string;
  /** --vantage roles (empty when not given: the capture point is not stated). */
  vantage: string[];
  /** Packets the capture engines say they dropped (interface + OS), null when no input records drops. */
  drops: number | null;
  /** Inputs that record drop counts, of all inputs. */
  inputsWithDropCounts: number;
  inputs: number;
  /** Inputs that ended early or inside a record (their packets after the damage are not in the audit). */
  damagedInputs: string[];
  /** Audited connections seen from one side only (states S0, SH, SHR, RSTOS0, RSTRH). */
  oneSided: number;
  /** All of the above in one line, for every format. */
  text: string;
}

/** "7.4 s", "7 min 24 s", "2 h 5 min", "3 d 4 h". */
export function durationText(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function oneSidedIn(states: StateCounts): number {
  return ONE_SIDED_STATES.reduce((n, k) => n + (states[k] ?? 0), 0);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Where the capture was taken, in words. */
export function vantageText(vantage: readonly string[]): string {
  return vantage.length ? `on the hosts of ${vantage.join(', ')} (--vantage)` : 'at the capture point (no --vantage given)';
}

function dropsText(c: Pick<ObservationCoverage, 'drops' | 'inputsWithDropCounts' | 'inputs'>): string {
  if (c.drops === null) return 'drops not recorded by the capture';
  const partial = c.inputsWithDropCounts < c.inputs ? ` (recorded by ${c.inputsWithDropCounts} of ${c.inputs} inputs)` : '';
  return `${plural(c.drops, 'drop')}${partial}`;
}

export function observationCoverage(r: Pick<AuditResult, 'summary' | 'inputs' | 'options' | 'rules' | 'unexpected'>): ObservationCoverage {
  const s = r.summary;
  const seconds = s.firstSeen && s.lastSeen ? Math.max(0, (Date.parse(s.lastSeen) - Date.parse(s.firstSeen)) / 1000) : null;
  const recording = r.inputs.filter((i) => i.drops !== null);
  const drops = recording.length ? recording.reduce((n, i) => n + (i.drops!.ifDrop ?? 0) + (i.drops!.osDrop ?? 0), 0) : null;
  const damagedInputs = r.inputs.filter((i) => i.error !== null || i.truncated).map((i) => i.path);
  const oneSided = r.rules.reduce((n, x) => n + oneSidedIn(x.states), 0) + r.unexpected.reduce((n, u) => n + oneSidedIn(u.states), 0);
  const c = {
    firstSeen: s.firstSeen,
    lastSeen: s.lastSeen,
    seconds,
    window: seconds === null ? 'no packets' : durationText(seconds),
    vantage: [...(r.options.vantage ?? [])],
    drops,
    inputsWithDropCounts: recording.length,
    inputs: r.inputs.length,
    damagedInputs,
    oneSided,
  };
  const window = seconds === null ? 'no traffic seen' : `${c.window} of traffic (${s.firstSeen} → ${s.lastSeen})`;
  return { ...c, text: `${window}; ${vantageText(c.vantage)}; ${completenessText(c)}` };
}

/** Drops, damaged inputs and one-sided connections: "drops not recorded by the capture; no damaged input; 3 connections seen from one side only". */
export function completenessText(c: Pick<ObservationCoverage, 'drops' | 'inputsWithDropCounts' | 'inputs' | 'damagedInputs' | 'oneSided'>): string {
  const damaged = c.damagedInputs.length ? `damaged input${c.damagedInputs.length === 1 ? '' : 's'}: ${c.damagedInputs.join(', ')}` : 'no damaged input';
  return `${dropsText(c)}; ${damaged}; ${plural(c.oneSided, 'connection')} seen from one side only`;
}

/** "no attempt seen in 7.4 s at the capture point (no --vantage given), drops not recorded by the capture". */
export function absenceText(c: ObservationCoverage, what = 'no attempt'): string {
  const where = vantageText(c.vantage);
  const damaged = c.damagedInputs.length ? `, ${plural(c.damagedInputs.length, 'damaged input')}` : '';
  return `${what} seen in ${c.seconds === null ? 'an empty capture' : c.window} ${where}, ${dropsText(c)}${damaged}`;
}

/** For a rule whose status rests on what was not seen (missing, not-visible): its coverage; else null. */
export function ruleCoverageNote(x: Pick<RuleResult, 'status'>, c: ObservationCoverage): string | null {
  if (x.status === 'missing') return absenceText(c);
  if (x.status === 'not-visible') return `not judged: ${absenceText(c)}`;
  return null;
}
