/**
 * One live capture from start to stop, for any engine: start it, wait until it captures (an
 * engine that cannot start is one error, before anything is said), feed every packet to the
 * FlowEngine and the evidence writer, keep the progress line and idle folding going, wait for a
 * stop request (--duration, --packets, Ctrl-C/SIGTERM, the engine ending), then let the engine
 * deliver what it still holds. A second Ctrl-C at any point stops at once: `aborted`.
 */
import { runAudit } from '../../audit/audit.js';
import type { LiveEngine } from '../../capture/live_engine.js';
import { linkTypeName } from '../../decode/enums.js';
import { messageOf } from '../../errors.js';
import { collectFacts } from '../../flows/facts.js';
import type { FlowEngine } from '../../flows/flow_engine.js';
import type { Io } from '../io.js';
import { createProgress, type Progress, type ProgressStats } from '../progress.js';
import type { EvidenceWriter } from './evidence_writer.js';
import type { LiveFlags, LivePlan } from './live_plan.js';

/** Partial audits for the progress line: at most every second, and at most ~5% of the time. */
const PROGRESS_TICK_MS = 1000;
const PARTIAL_AUDIT_COST_FACTOR = 20;

export interface SessionOutcome {
  stopReason: string | null;
  /** A second Ctrl-C: no report. */
  aborted: boolean;
  /** An error that ended the capture after it started (the report says so). */
  captureError: string | null;
  stoppedUs: number;
  /** The progress line, for its last update once the report is ready. */
  progress: Progress;
}

/** Stop requests: the first signal asks to stop and report, a second Ctrl-C aborts. */
export interface StopControl {
  stopReason: string | null;
  aborted: boolean;
  wake: () => void;
  requestStop(reason: string): void;
  /** Stop listening for signals: only once the report is out, so a second Ctrl-C is always ours. */
  dispose(): void;
}

export function watchStops(io: Io, flags: LiveFlags): StopControl {
  const ctl: StopControl = {
    stopReason: null,
    aborted: false,
    wake: () => {},
    requestStop(reason: string): void {
      if (ctl.stopReason === null) ctl.stopReason = reason;
      ctl.wake();
    },
    dispose: () => {},
  };
  const unsubscribe = io.onSignal?.((signal) => {
    if (ctl.stopReason !== null && signal === 'SIGINT') {
      ctl.aborted = true; // second Ctrl-C: stop now
      ctl.wake();
      return;
    }
    if (ctl.stopReason === null && !flags.quiet) io.stderr(`${io.stderrIsTTY ? '\n' : ''}flowaudit: ${signal}: stopping, finishing the report (Ctrl-C again to quit at once)\n`);
    ctl.requestStop(signal);
  });
  ctl.dispose = () => unsubscribe?.();
  return ctl;
}

export async function runSession(plan: LivePlan, flags: LiveFlags, io: Io, ctl: StopControl, engine: LiveEngine, flows: FlowEngine, writer: EvidenceWriter | null): Promise<SessionOutcome> {
  let captureError: string | null = null;
  const requestStop = (reason: string): void => ctl.requestStop(reason);
  try {
    engine.start(
      (pkt) => {
        flows.ingest(pkt);
        writer?.write(pkt);
        if (plan.maxPackets !== null && flows.packets >= plan.maxPackets) {
          engine.close(); // the engine finishes this packet and delivers no more
          requestStop('packets');
        }
      },
      (e) => {
        captureError = messageOf(e);
        requestStop('error');
      },
      (pkt, component, reason) => flows.noteDrop(pkt, component, reason),
    );
    void engine.ended.then((reason) => requestStop(plan.maxPackets !== null && engine.packets >= plan.maxPackets ? 'packets' : reason));
    await untilReady(engine, ctl);
    if (!flags.quiet) io.stderr(capturingLine(plan, flags, engine));
    const progress = createProgress(io, { quiet: flags.quiet === true, label: `live ${plan.device}` });
    await captureUntilStopped(plan, flags, engine, flows, ctl, progress);
    await engine.stop(() => ctl.aborted);
    if (ctl.aborted) engine.kill();
    return { stopReason: ctl.stopReason, aborted: ctl.aborted, captureError, stoppedUs: engine.nowUs(), progress };
  } catch (e) {
    engine.kill();
    throw e;
  }
}

/**
 * The engine's ready(), unless the user stops first (Ctrl-C while tshark loads). A start failure
 * is thrown as is.
 */
async function untilReady(engine: LiveEngine, ctl: StopControl): Promise<void> {
  let settled = false;
  const ready = engine.ready().then(
    () => void (settled = true),
    (e: unknown) => {
      settled = true;
      throw e;
    },
  );
  ready.catch(() => {}); // a failure after a Ctrl-C is reported by stop() instead
  await Promise.race([ready, new Promise<void>((r) => (ctl.wake = r))]);
  // The engine ending or failing ends the wait too: its ready() settles right after (bounded).
  if (settled || !ctl.aborted && ctl.stopReason !== 'SIGINT' && ctl.stopReason !== 'SIGTERM') await ready;
}

function capturingLine(plan: LivePlan, flags: LiveFlags, engine: LiveEngine): string {
  const until = [plan.durationMs !== null ? `for ${flags.duration}` : null, plan.maxPackets !== null ? `up to ${plan.maxPackets} packets` : null].filter(Boolean).join(', ');
  const how = engine.via ?? linkTypeName(engine.facts().linkType);
  const filter = plan.filter ? `, filter ${JSON.stringify(plan.filter)}` : '';
  const traced = plan.engine === 'pktmon' ? `, ${plan.trace.filters.length > 0 ? `pktmon filters: ${plan.trace.filters.map((f) => f.label).join(' ')}` : 'all traffic'}` : '';
  return `flowaudit: capturing on ${plan.device} (${how}${filter}${traced})${until ? ` ${until}` : ''}${flags.write !== undefined ? `, writing ${flags.write}` : ''}; Ctrl-C stops and reports\n`;
}

/** Wait for a stop request while keeping the progress line and idle folding going. */
async function captureUntilStopped(plan: LivePlan, flags: LiveFlags, engine: LiveEngine, flows: FlowEngine, ctl: StopControl, progress: Progress): Promise<void> {
  let partial = { rulesObserved: null as number | null, rulesTotal: null as number | null, unexpected: null as number | null };
  let nextPartialAt = 0;
  let nextFoldAt = Math.min(plan.idleMs, 60_000);
  const stats = (): ProgressStats => ({
    elapsedMs: (engine.nowUs() - engine.startedUs) / 1000,
    packets: flows.packets,
    bytes: flows.bytes,
    connections: flows.table.size + flows.folded.connections,
    ...partial,
  });
  const tick = (): void => {
    const elapsed = (engine.nowUs() - engine.startedUs) / 1000;
    if (elapsed >= nextFoldAt) {
      flows.foldIdle(engine.nowUs(), plan.idleMs * 1000, plan.serverPorts);
      nextFoldAt = elapsed + Math.min(Math.max(plan.idleMs / 10, PROGRESS_TICK_MS), 60_000);
    }
    if (!flags.quiet && elapsed >= nextPartialAt) {
      const t0 = performance.now();
      const r = runAudit(collectFacts(flows, [], plan.serverPorts, false), plan.matrix, plan.inventory, { scope: plan.scope, features: plan.features, generatedAt: '', vantage: plan.vantage, as: plan.as });
      partial = { rulesObserved: r.summary.rulesObserved, rulesTotal: r.rules.length, unexpected: r.summary.unexpected };
      nextPartialAt = elapsed + Math.max(PROGRESS_TICK_MS, (performance.now() - t0) * PARTIAL_AUDIT_COST_FACTOR);
    }
    progress.update(stats());
  };
  const ticker = setInterval(tick, PROGRESS_TICK_MS);
  const timer = plan.durationMs !== null ? setTimeout(() => ctl.requestStop('duration'), plan.durationMs) : null;
  try {
    while (ctl.stopReason === null && !ctl.aborted) await new Promise<void>((r) => (ctl.wake = r));
  } finally {
    clearInterval(ticker);
    if (timer) clearTimeout(timer);
  }
}
