/**
 * The verdict and the exit code (issue 8): pure functions over a finished audit.
 *
 * Fail safe: PASS only when the audit could judge and found nothing wrong.
 *   1. An input that could not be read at all          → inconclusive (never pass or fail).
 *   2. No inventory, every rule not applicable (or not visible), no packets, or no connection
 *      touching an inventory host → inconclusive: nothing was checked, so a "missing" rule or an
 *      "unexpected" flow only means "not known" (listed as seen, not judged).
 *   3. Any violation (unexpected flow; enforced rule failed, partial or missing) → fail.
 *   4. Otherwise inconclusive when an input broke midway or is damaged (ends inside a record,
 *      packets lost to a live snap length: audit/damage.ts): evidence with a hole cannot prove
 *      the absence of a violation. --accept-damaged keeps the damage from deciding (said as an
 *      "accepted with --accept-damaged" reason, even on a pass).
 *   5. Otherwise pass.
 *
 * Exit codes: 0 pass, 1 fail, 2 usage or input error (also when the report was written), 3
 * inconclusive. `--exit-zero` turns only fail into 0.
 */
import { acceptedDamage } from './damage.js';
import type { AuditResult, InputResult, RuleResult, UnexpectedGroup, Verdict } from './result.js';

export const EXIT = { pass: 0, fail: 1, error: 2, inconclusive: 3 } as const;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export interface VerdictFacts {
  rules: readonly RuleResult[];
  unexpected: readonly UnexpectedGroup[];
  inputs: readonly InputResult[];
  packets: number;
  /** Connections (not control flows) with at least one end holding an inventory role. */
  touchingInventory: number;
  /** Whether an inventory file (or live --as) gave any member. */
  inventoryGiven: boolean;
  vantage: readonly string[];
  /** Violations found elsewhere (scanning clients, issue 13), listed after the unexpected flows. */
  extraViolations?: readonly string[];
  /** Issue 17: damaged inputs (audit/damage.ts), and whether --accept-damaged was given. */
  damage?: readonly string[];
  acceptDamaged?: boolean;
}

/** An input with an error and no packet read: it could not be read at all. */
export function unreadable(i: InputResult): boolean {
  return i.error !== null && i.packets === 0;
}

export function decideVerdict(f: VerdictFacts): { verdict: Verdict; reasons: string[] } {
  const dead = f.inputs.filter(unreadable);
  const broken = f.inputs.filter((i) => i.error !== null && !unreadable(i));
  const inconclusive: string[] = [];
  for (const i of dead) inconclusive.push(`input ${i.path} could not be read: ${stripPath(i.error!.message, i.path)}`);

  const violations: string[] = [];
  if (f.unexpected.length > 0) {
    const conns = f.unexpected.reduce((n, g) => n + g.connections, 0);
    violations.push(`${plural(f.unexpected.length, 'unexpected flow')} (${plural(conns, 'connection')})`);
  }
  violations.push(...(f.extraViolations ?? []));
  const flowViolations = [...violations]; // what was seen; rule violations below need a judged audit
  const enforced = f.rules.filter((r) => r.enforced);
  for (const r of enforced.filter((x) => x.status === 'failed')) violations.push(`${r.requirement} rule ${r.id} failed: attempted but never answered`);
  for (const r of enforced.filter((x) => x.status === 'partial')) {
    violations.push(`${r.requirement} rule ${r.id} partial: ${(r.memberFailures ?? []).map((m) => m.text).join('; ') || r.reason || 'some members failed'}`);
  }
  for (const r of enforced.filter((x) => x.status === 'missing')) {
    violations.push(`${r.requirement} rule ${r.id} missing: ${r.reason ?? 'no matching traffic'}`);
  }

  const readSome = f.inputs.some((i) => !unreadable(i) && i.packets > 0);
  const seen = (v: string): string => `(in what was read: ${v})`;
  if (dead.length > 0) return { verdict: 'inconclusive', reasons: [...inconclusive, ...(readSome ? violations.map(seen) : [])] };

  for (const i of broken) {
    inconclusive.push(`input ${i.path} broke after ${plural(i.packets, 'packet')} (${stripPath(i.error!.message, i.path)}): evidence that stopped early cannot prove the absence of a violation`);
  }
  const accepted: string[] = [];
  if (f.acceptDamaged) accepted.push(...(f.damage ?? []).map(acceptedDamage));
  else inconclusive.push(...(f.damage ?? []));
  const checkable = f.rules.filter((r) => r.status !== 'not-applicable' && r.status !== 'not-visible');
  // Without a checkable rule, "unexpected" only means "not known": nothing can fail, nothing can pass.
  let judged = true;
  if (!f.inventoryGiven) {
    judged = false;
    inconclusive.push('no inventory given: no rule can be checked without the roles\' hosts (use --inventory FILE)');
  } else if (checkable.length === 0) {
    judged = false;
    const why = f.rules.some((r) => r.status === 'not-visible') ? ` or not visible from the vantage ${f.vantage.join(', ')}` : '';
    inconclusive.push(`the inventory leaves every rule not applicable${why}: nothing was checked`);
  }
  if (f.packets === 0) {
    judged = false;
    inconclusive.push('the capture holds no packets');
  } else if (f.touchingInventory === 0 && f.inventoryGiven) {
    judged = false;
    inconclusive.push('no connection touches an inventory host: is this the right capture, or the right inventory?');
  }

  if (!judged) return { verdict: 'inconclusive', reasons: [...inconclusive, ...flowViolations.map((v) => `(seen, but not judged: ${v})`)] };
  if (violations.length > 0) return { verdict: 'fail', reasons: [...violations, ...inconclusive, ...accepted] };
  if (inconclusive.length > 0) return { verdict: 'inconclusive', reasons: [...inconclusive, ...accepted] };
  return { verdict: 'pass', reasons: accepted };
}

function stripPath(message: string, path: string): string {
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}

/** The documented exit code for a finished audit (input errors first: the report may still have been written). */
export function exitCodeFor(r: Pick<AuditResult, 'verdict' | 'inputs'>, exitZero: boolean): number {
  if (r.inputs.some((i) => i.error !== null)) return EXIT.error;
  if (r.verdict === 'pass') return EXIT.pass;
  if (r.verdict === 'fail') return exitZero ? EXIT.pass : EXIT.fail;
  return EXIT.inconclusive;
}

/** How every format names the verdict. */
export const VERDICT_LABEL: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };
