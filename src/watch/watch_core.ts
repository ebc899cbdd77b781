/**
 * The heart of `flowaudit watch`: batches of complete log lines in (from the follower), events out,
 * and the rows of each reporting interval kept for its report. Time is the LOG's time (the rows'
 * timestamps), so a replay gives the same events as the live run did; the wall clock is never read
 * here.
 *
 * Per row: parsed by the audit's record reader (followed_files.ts), oriented and added to a
 * FlowAggregates (bounded: MAX_TUPLES distinct tuples, then a fresh one), classified once per
 * distinct tuple (tuple_class.ts), then:
 *   - a watched rule's attempt → RuleWatch (quiet / back, failing / recovered per member);
 *   - an unexpected flow → UnexpectedWatch (first event, then counts at most every --repeat);
 *   - the row is appended to the interval's kept rows (kept_rows.ts).
 * When the log time passes the interval's end, the interval is closed (its report is the caller's:
 * `closed` returns it); a policy reload closes it early, so one report never mixes two policies.
 * State is bounded by the number of distinct tuples, groups and rule members, never by rows.
 */
import { AddressNames, emptyConnection, type Connection } from '../flows/connection.js';
import { OUTCOMES, type FlowTuple } from '../records/flow_aggregate.js';
import type { FlowRecord } from '../records/flow_record.js';
import { baseEvent, type EventContext, type WatchEvent } from './events.js';
import { FollowedFiles, type FollowedFile } from './followed_files.js';
import { KeptRows } from './kept_rows.js';
import { policyHashes, type WatchPolicy } from './policy.js';
import { RuleWatch } from './rule_watch.js';
import { classifyTuple, type TupleClass } from './tuple_class.js';
import { UnexpectedWatch } from './unexpected_watch.js';
import { RowFlow, WatchCollector } from './row_feed.js';
import { fromSaved, toSaved } from './saved_state.js';
import { STATE_VERSION, type SavedPolicy, type WatchState } from './watch_state.js';

export { MAX_TUPLES } from './row_feed.js';
const TICK_US = 1e6;

/** What watch needs of a follower batch (follow/follow_logs.ts FollowBatch has these and more). */
export interface WatchBatch {
  file: string;
  lines: string[];
  firstLineNo: number;
  newFile: boolean;
  /** The file's leading '#' lines when this first batch starts mid-file (a resumed checkpoint). */
  header?: string[];
}

export interface ClosedInterval {
  startUs: number;
  endUs: number;
  /** Log time of the last row taken (the report's window ends there). */
  lastUs: number;
  files: string[];
  rows: number;
  policy: WatchPolicy;
  /** Why it closed before its end: 'stopped', 'policy reloaded'; null at its end. */
  early: string | null;
}

/** What became of the state file at start (watch-started says it: `note` in the reason, '' for nothing to say; `fields` as flowaudit.state). */
export interface StartedState {
  note: string;
  fields: Record<string, unknown>;
}

export interface WatchCoreOptions {
  policy: WatchPolicy;
  repeatUs: number;
  quietAfterUs: number | null;
  learnUs: number | null;
  host: string | null;
  emit: (e: WatchEvent) => void;
  /** Where the rows of each interval are kept (null: no rolling reports). */
  reportDir: string | null;
  reportEveryUs: number;
  note: (message: string) => void;
}

export class WatchCore {
  private policy: WatchPolicy;
  private collector: WatchCollector;
  private readonly files: FollowedFiles;
  private readonly rules: RuleWatch;
  private readonly groups: UnexpectedWatch;
  private classes: (TupleClass | undefined)[] = [];
  private readonly conn: Connection = emptyConnection();
  private readonly addrNames = new AddressNames();
  private readonly flow = new RowFlow();
  private readonly out: WatchEvent[] = [];
  private readonly closedList: ClosedInterval[] = [];
  /** Log time: the latest row time seen (µs); -Infinity before any. */
  now = -Infinity;
  private nextTick = -Infinity;
  private learnUntil: number | null = null;
  private learningOver = false;
  private learningEndedAt = NaN;
  private kept: KeptRows | null = null;
  private intervalStart = NaN;
  /** Set by the record hook: the current line was a connection record (kept). */
  private taken = false;
  rows = 0;

  constructor(private readonly o: WatchCoreOptions) {
    this.policy = o.policy;
    this.ctx = { hashes: policyHashes(o.policy), host: o.host, learning: false };
    this.rules = new RuleWatch({ quietAfterUs: o.quietAfterUs });
    this.groups = new UnexpectedWatch(o.repeatUs);
    this.collector = this.newCollector();
    this.files = new FollowedFiles(this.collector, o.note);
  }

  private newCollector(): WatchCollector {
    return new WatchCollector(this.policy, (r, i, t) => this.record(r, i, t), () => (this.classes = []));
  }

  private ctx: EventContext;

  /** The context of the next event (one object, updated when the policy or the learning state changes). */
  get context(): EventContext {
    const learning = this.learnUntil !== null && this.now < this.learnUntil;
    if (this.ctx.learning !== learning) this.ctx = { ...this.ctx, learning };
    return this.ctx;
  }

  /** One batch of complete lines; the events are emitted before this returns. */
  ingest(b: WatchBatch): void {
    const f = this.files.get(b.file, b.newFile, b.lines, b.header);
    if (f !== null) {
      let no = b.firstLineNo;
      for (const line of b.lines) this.line(f, line, no++);
    }
    this.drain();
  }

  private line(f: FollowedFile, line: string, no: number): void {
    if (line.startsWith('#')) {
      if (f.format === 'zeek-conn-tsv') this.files.headerLine(f, line);
      return;
    }
    f.inHeader = false;
    this.taken = false;
    f.reader.line(line, no);
    if (this.taken && this.kept) this.kept.write(f.format, f.format === 'zeek-conn-tsv' ? f.header : null, line);
  }

  /** The hook: one oriented record (tuple index i of the current aggregates). */
  private record(r: FlowRecord, i: number, t: FlowTuple): void {
    const at = Number.isNaN(r.firstSeen) ? this.now : r.firstSeen;
    if (Number.isFinite(at)) this.advance(at);
    this.taken = true;
    this.rows++;
    let cls = this.classes[i];
    const c = this.conn;
    this.collector.agg.fill(i, this.addrNames, c);
    if (cls === undefined) cls = this.classes[i] = classifyTuple(c, this.policy);
    if (cls.kind === 'skip') return;
    const when = Number.isFinite(at) ? at : 0;
    const flow = this.flow.of(c, t);
    const ctx = this.context;
    if (cls.kind === 'unexpected') return this.groups.add(cls, when, c.outcome === 'answered', flow, ctx, this.out);
    for (const id of cls.tracked) this.rules.attempt(this.policy.tracked.get(id)!, when, OUTCOMES[t.outcome]!, flow, ctx, this.out);
  }

  /** Log time moves to `t`: learning end, quiet rules, the interval's end. */
  private advance(t: number): void {
    if (this.learnUntil === null && this.o.learnUs !== null && !this.learningOver) this.learnUntil = t + this.o.learnUs;
    const every = this.o.reportEveryUs;
    if (t > this.now) {
      this.now = t;
      if (this.learnUntil !== null && !this.learningOver && t >= this.learnUntil) this.endLearning();
      if (t >= this.nextTick) {
        this.rules.tick(t, this.policy.tracked, this.context, this.out);
        this.nextTick = t + TICK_US;
      }
      if (this.kept && t >= this.intervalStart + every) this.closeInterval(null);
    }
    if (this.o.reportDir !== null && !this.kept) {
      this.intervalStart = Math.floor(this.now / every) * every;
      this.kept = new KeptRows(this.o.reportDir, this.intervalStart);
    }
  }

  private endLearning(): void {
    this.learningOver = true;
    const at = this.learnUntil!;
    this.learningEndedAt = at;
    this.out.push(
      baseEvent({ ...this.context, learning: false }, at, 'state', 'learning-ended', `learning period over: ${this.groups.baseline} unexpected group(s) learned as baseline (not alerted from now on); rules' check-in intervals learned`, {
        baseline_groups: this.groups.baseline,
        rules: this.rules.summary(),
      }),
    );
    this.learnUntil = null;
  }

  private closeInterval(early: string | null): void {
    const k = this.kept;
    if (!k) return;
    this.kept = null;
    const files = k.close();
    if (files.length === 0) return;
    this.closedList.push({ startUs: k.startUs, endUs: k.startUs + this.o.reportEveryUs, lastUs: this.now, files, rows: k.rows, policy: this.policy, early });
  }

  /** Intervals closed since the last call (their reports are the caller's to write). */
  closed(): ClosedInterval[] {
    return this.closedList.splice(0);
  }

  private drain(): void {
    for (const e of this.out.splice(0)) this.o.emit(e);
  }

  /** SIGHUP: a new policy. The interval so far is closed under the old one; an event says what changed. */
  reload(next: WatchPolicy): void {
    const before = policyHashes(this.policy);
    this.closeInterval('policy reloaded');
    this.policy = next;
    this.ctx = { hashes: policyHashes(next), host: this.o.host, learning: this.ctx.learning };
    this.collector = this.newCollector();
    this.classes = [];
    this.files.rebind(this.collector);
    const after = policyHashes(next);
    const at = Number.isFinite(this.now) ? this.now : 0;
    this.out.push(
      baseEvent(this.context, at, 'state', 'policy-reloaded', `reloaded on SIGHUP: matrix ${after.matrix.origin} sha256 ${after.matrix.sha256}, inventory ${after.inventory.origin} sha256 ${after.inventory.sha256 ?? '(none)'}`, {
        previous_policy: before,
      }),
    );
    this.drain();
  }

  /** SIGHUP with a bad matrix or inventory: the old policy stays; an event says why. */
  reloadFailed(message: string): void {
    const at = Number.isFinite(this.now) ? this.now : 0;
    const e = baseEvent(this.context, at, 'alert', 'policy-error', `reload on SIGHUP failed, the previous matrix and inventory stay in force: ${message}`);
    (e.event as Record<string, unknown>).outcome = 'failure';
    this.out.push(e);
    this.drain();
  }

  /** Stop: pending counts, a summary event, and the final (partial) interval closed. */
  finish(): void {
    const at = Number.isFinite(this.now) ? this.now : 0;
    this.groups.flush(at, this.context, this.out);
    this.out.push(
      baseEvent(this.context, at, 'state', 'watch-stopped', `watch stopped after ${this.rows} connection records; ${this.groups.size} unexpected group(s)`, {
        rows: this.rows,
        unexpected_groups: this.groups.size,
        rules: this.rules.summary(),
        files: this.files.problems(),
      }),
    );
    this.drain();
    this.closeInterval('stopped');
  }

  /** The policy in force as the state file records it (hashes, features, scope). */
  savedPolicy(): SavedPolicy {
    return { ...policyHashes(this.policy), features: [...this.policy.features], scope: this.policy.scope };
  }

  /** What a restart needs to go on as if it had not happened (watch_state.ts). */
  snapshot(): WatchState {
    return {
      flowauditWatchState: STATE_VERSION,
      policy: this.savedPolicy(),
      now: toSaved(this.now),
      learning: { until: this.learnUntil, over: this.learningOver, endedAt: toSaved(this.learningEndedAt) },
      groups: this.groups.snapshot(),
      rules: this.rules.snapshot(),
    };
  }

  /**
   * Resumes a state saved under this policy (the caller compared it): groups already alerted stay
   * alerted, learned intervals stay learned, a learning period that ended is not started again, one
   * under way goes on to its end (when --learn is still given). Before any row is read.
   */
  resume(s: WatchState): { groups: number; rules: number } {
    this.groups.restore(s.groups);
    this.rules.restore(s.rules);
    this.now = fromSaved(s.now, -Infinity);
    this.learningOver = s.learning.over;
    this.learningEndedAt = fromSaved(s.learning.endedAt, NaN);
    this.learnUntil = !s.learning.over && this.o.learnUs !== null ? s.learning.until : null;
    return { groups: this.groups.size, rules: this.rules.size };
  }

  /** Started: one event naming what is watched, the policy and the options in force (no row read yet: stamped by the caller's clock). */
  started(atUs: number, what: string, state?: StartedState): void {
    const o = this.o;
    const options = {
      repeat_seconds: o.repeatUs / 1e6,
      quiet_after_seconds: o.quietAfterUs === null ? null : o.quietAfterUs / 1e6,
      learn_seconds: o.learnUs === null ? null : o.learnUs / 1e6,
      report_every_seconds: o.reportDir === null ? null : o.reportEveryUs / 1e6,
      watched_rules: [...this.policy.tracked.keys()],
    };
    const reason = state?.note ? `watching ${what}; ${state.note}` : `watching ${what}`;
    this.out.push(baseEvent(this.context, atUs, 'state', 'watch-started', reason, { options, ...(state ? { state: state.fields } : {}) }));
    this.drain();
  }
}
