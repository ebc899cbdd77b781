/**
 * Time kept per watched rule (required, or conditional and enabled): the last attempt and the last
 * answered one, a learned check-in interval, and per member (the server address that received the
 * attempts) the run of refused/unanswered attempts since its last answer. Bounded: a few numbers
 * per rule, at most MAX_MEMBERS members per rule (beyond, new members are counted, not tracked).
 *
 * Quiet: no attempt for longer than quiet-after: `--quiet-after` when given, else QUIET_FACTOR × the
 * learned interval (the 90th percentile of the last GAPS gaps between attempts), at least
 * QUIET_FLOOR; before MIN_GAPS gaps are known (the interval is still being learned) a rule is not
 * called quiet. A rule never seen is not quiet: it is `missing` in the rolling report.
 * Failing: FAIL_AFTER attempts in a row to one member refused or unanswered; recovered at its next
 * answered attempt.
 */
import type { Outcome } from '../flows/conn_state.js';
import type { MatrixRule } from '../matrix/types.js';
import { baseEvent, ruleBlock, spoken, type EventContext, type FlowSample, type WatchEvent, flowBlocks } from './events.js';
import { fromSaved, toSaved, type SavedMember, type SavedRule } from './saved_state.js';

export const QUIET_FACTOR = 3;
export const QUIET_FLOOR_US = 5 * 60e6;
export const MIN_GAPS = 5;
export const FAIL_AFTER = 3;
export const GAPS = 32;
export const MAX_MEMBERS = 10_000;

interface MemberState {
  lastAttempt: number;
  lastSuccess: number;
  streak: number;
  firstFailure: number;
  failing: boolean;
}

interface RuleState {
  lastAttempt: number;
  lastSuccess: number;
  gaps: Float64Array;
  gapCount: number;
  /** learnedInterval(), cached: recomputed every few gaps (a slow-moving figure; sorting per row is not). */
  learned: number | null;
  quiet: boolean;
  members: Map<string, MemberState>;
  untrackedMembers: number;
}

export interface RuleWatchOptions {
  /** Fixed quiet-after (µs), or null to learn it per rule. */
  quietAfterUs: number | null;
}

export class RuleWatch {
  private readonly rules = new Map<string, RuleState>();

  constructor(private readonly opts: RuleWatchOptions) {}

  private state(id: string): RuleState {
    let s = this.rules.get(id);
    if (!s) {
      s = { lastAttempt: -Infinity, lastSuccess: -Infinity, gaps: new Float64Array(GAPS), gapCount: 0, learned: null, quiet: false, members: new Map(), untrackedMembers: 0 };
      this.rules.set(id, s);
    }
    return s;
  }

  /** The quiet-after in force for rule `id` (µs), or null while its interval is still learned. */
  quietAfter(id: string): number | null {
    if (this.opts.quietAfterUs !== null) return this.opts.quietAfterUs;
    const learned = this.rules.get(id)?.learned ?? null;
    return learned === null ? null : Math.max(QUIET_FLOOR_US, QUIET_FACTOR * learned);
  }

  /** The learned check-in interval of rule `id` (µs), or null. */
  learned(id: string): number | null {
    return this.rules.get(id)?.learned ?? null;
  }

  /** One attempt on a watched rule at log time `t`; the events it causes. */
  attempt(rule: MatrixRule, t: number, outcome: Outcome, flow: FlowSample, ctx: EventContext, out: WatchEvent[]): void {
    const s = this.state(rule.id);
    if (s.quiet) {
      s.quiet = false;
      const silence = t - s.lastAttempt;
      out.push(
        baseEvent(ctx, t, 'event', 'rule-back', `required rule ${rule.id} is back: ${flow.client} → ${flow.server} ${flow.protocol}/${flow.port} after ${spoken(silence)} without an attempt`, {
          rule_id: rule.id,
          silence_seconds: Math.round(silence / 1e6),
          last_attempt_before: isoOf(s.lastAttempt),
        }),
      );
      Object.assign(out[out.length - 1]!, { rule: ruleBlock(rule, ctx.hashes), ...flowBlocks(flow) });
    }
    if (Number.isFinite(s.lastAttempt) && t > s.lastAttempt) {
      s.gaps[s.gapCount % GAPS] = t - s.lastAttempt;
      s.gapCount++;
      if (s.gapCount <= 2 * GAPS || s.gapCount % 8 === 0) s.learned = learnedInterval(s);
    }
    if (t > s.lastAttempt) s.lastAttempt = t;
    if (outcome === 'answered' && t > s.lastSuccess) s.lastSuccess = t;
    this.member(rule, s, t, outcome, flow, ctx, out);
  }

  private member(rule: MatrixRule, s: RuleState, t: number, outcome: Outcome, flow: FlowSample, ctx: EventContext, out: WatchEvent[]): void {
    let m = s.members.get(flow.server);
    if (!m) {
      if (s.members.size >= MAX_MEMBERS) {
        s.untrackedMembers++;
        return;
      }
      m = { lastAttempt: -Infinity, lastSuccess: -Infinity, streak: 0, firstFailure: NaN, failing: false };
      s.members.set(flow.server, m);
    }
    m.lastAttempt = Math.max(m.lastAttempt, t);
    const extra = (): Record<string, unknown> => ({ rule: ruleBlock(rule, ctx.hashes), ...flowBlocks(flow) });
    if (outcome === 'answered') {
      if (m.failing) {
        out.push(
          baseEvent(ctx, t, 'event', 'rule-recovered', `required rule ${rule.id}: ${flow.server} answers again (${flow.protocol}/${flow.port}, from ${flow.client}) after failing since ${isoOf(m.firstFailure)}`, {
            rule_id: rule.id,
            member: flow.server,
            failed_attempts: m.streak,
          }),
        );
        Object.assign(out[out.length - 1]!, extra());
      }
      m.failing = false;
      m.streak = 0;
      m.lastSuccess = Math.max(m.lastSuccess, t);
      return;
    }
    if (m.streak === 0) m.firstFailure = t;
    m.streak++;
    if (!m.failing && m.streak >= FAIL_AFTER) {
      m.failing = true;
      const ever = Number.isFinite(m.lastSuccess) ? `last answered ${isoOf(m.lastSuccess)}` : 'never answered since watch started';
      out.push(
        baseEvent(ctx, t, 'alert', 'rule-failing', `required rule ${rule.id} is failing for ${flow.server}: ${m.streak} attempts in a row ${outcome} (${flow.protocol}/${flow.port}, latest from ${flow.client}); ${ever}`, {
          rule_id: rule.id,
          member: flow.server,
          failed_attempts: m.streak,
          outcome,
          first_failure: isoOf(m.firstFailure),
        }),
      );
      Object.assign(out[out.length - 1]!, extra());
      (out[out.length - 1]!.event as Record<string, unknown>).outcome = 'failure';
    }
  }

  /** Log time advanced to `now`: rules that went quiet (the event stamped at their deadline). */
  tick(now: number, rulesById: ReadonlyMap<string, MatrixRule>, ctx: EventContext, out: WatchEvent[]): void {
    for (const [id, s] of this.rules) {
      if (s.quiet || !Number.isFinite(s.lastAttempt)) continue;
      const rule = rulesById.get(id);
      if (!rule) continue; // no longer watched (a reloaded policy dropped it)
      const after = this.quietAfter(id);
      if (after === null || now - s.lastAttempt <= after) continue;
      s.quiet = true;
      const learned = s.learned;
      const how = this.opts.quietAfterUs !== null ? '--quiet-after' : `${QUIET_FACTOR}× the learned interval of ${spoken(learned ?? 0)}, at least ${spoken(QUIET_FLOOR_US)}`;
      const e = baseEvent(ctx, s.lastAttempt + after, 'alert', 'rule-quiet', `required rule ${rule.id} is quiet: no attempt since ${isoOf(s.lastAttempt)} (${spoken(after)}: ${how})`, {
        rule_id: id,
        last_attempt: isoOf(s.lastAttempt),
        last_success: Number.isFinite(s.lastSuccess) ? isoOf(s.lastSuccess) : null,
        quiet_after_seconds: Math.round(after / 1e6),
        learned_interval_seconds: learned === null ? null : Math.round(learned / 1e6),
      });
      (e.event as Record<string, unknown>).outcome = 'failure';
      out.push({ ...e, rule: ruleBlock(rule, ctx.hashes) });
    }
  }

  /** Rules with state (for watch-started when resumed). */
  get size(): number {
    return this.rules.size;
  }

  /** What the state file keeps (watch_state.ts): every number of every rule, -Infinity/NaN as null. */
  snapshot(): Record<string, SavedRule> {
    const out: Record<string, SavedRule> = {};
    for (const [id, s] of this.rules) {
      const members: SavedMember[] = [];
      for (const [addr, m] of s.members) members.push([addr, toSaved(m.lastAttempt), toSaved(m.lastSuccess), m.streak, toSaved(m.firstFailure), m.failing]);
      out[id] = {
        lastAttempt: toSaved(s.lastAttempt),
        lastSuccess: toSaved(s.lastSuccess),
        gaps: Array.from(s.gaps.subarray(0, Math.min(s.gapCount, GAPS))),
        gapCount: s.gapCount,
        learned: s.learned,
        quiet: s.quiet,
        untrackedMembers: s.untrackedMembers,
        members,
      };
    }
    return out;
  }

  /** Resumes a snapshot (checked by watch_state.ts: bounded as the live state is). Replaces all rule state. */
  restore(saved: Record<string, SavedRule>): void {
    this.rules.clear();
    for (const [id, r] of Object.entries(saved)) {
      const gaps = new Float64Array(GAPS);
      gaps.set(r.gaps.slice(0, GAPS));
      const members = new Map<string, MemberState>();
      for (const [addr, la, ls, streak, ff, failing] of r.members) {
        members.set(addr, { lastAttempt: fromSaved(la, -Infinity), lastSuccess: fromSaved(ls, -Infinity), streak, firstFailure: fromSaved(ff, NaN), failing });
      }
      const [lastAttempt, lastSuccess] = [fromSaved(r.lastAttempt, -Infinity), fromSaved(r.lastSuccess, -Infinity)];
      this.rules.set(id, { lastAttempt, lastSuccess, gaps, gapCount: r.gapCount, learned: r.learned, quiet: r.quiet, members, untrackedMembers: r.untrackedMembers });
    }
  }

  /** Per watched rule: learned interval, quiet-after, state (for learning-ended and watch-stopped). */
  summary(): Record<string, { learned_interval_seconds: number | null; quiet_after_seconds: number | null; quiet: boolean; failing_members: string[] }> {
    const out: ReturnType<RuleWatch['summary']> = {};
    for (const [id, s] of [...this.rules].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const l = s.learned;
      const q = this.quietAfter(id);
      out[id] = {
        learned_interval_seconds: l === null ? null : Math.round(l / 1e6),
        quiet_after_seconds: q === null ? null : Math.round(q / 1e6),
        quiet: s.quiet,
        failing_members: [...s.members].filter(([, m]) => m.failing).map(([a]) => a),
      };
    }
    return out;
  }
}

function learnedInterval(s: RuleState): number | null {
  if (s.gapCount < MIN_GAPS) return null;
  const n = Math.min(s.gapCount, GAPS);
  const sorted = Array.from(s.gaps.subarray(0, n)).sort((a, b) => a - b);
  return sorted[Math.min(n - 1, Math.floor(0.9 * n))]!;
}

function isoOf(us: number): string | null {
  return Number.isFinite(us) ? new Date(Math.floor(us / 1000)).toISOString() : null;
}
