/**
 * What a live capture reports about itself: inputs[].live (engine, clock, link, stop reason,
 * folding, evidence file) and the InputSummary the audit reads, the same shape as a file's.
 */
import { isoMicros } from '../../audit/time.js';
import type { LiveEngine } from '../../capture/live_engine.js';
import type { FlowEngine } from '../../flows/flow_engine.js';
import type { InputSummary } from '../../capture/ingest.js';
import type { EvidenceRecord } from './evidence_writer.js';
import type { LivePlan } from './live_plan.js';
import type { SessionOutcome } from './capture_session.js';

export function liveInputSummary(plan: LivePlan, engine: LiveEngine, flows: FlowEngine, outcome: SessionOutcome, evidence: EvidenceRecord | null): InputSummary {
  const info = engine.info;
  const facts = engine.facts();
  info.live = {
    interface: plan.device,
    filter: plan.filter || null,
    linkType: facts.linkType,
    snapLen: facts.snapLen,
    clock: facts.clock,
    dropsAvailable: info.interfaces.some((i) => i.ifDrop !== undefined || i.osDrop !== undefined),
    engine: engine.name,
    startedAt: isoMicros(engine.startedUs),
    stoppedAt: isoMicros(outcome.stoppedUs),
    stopReason: outcome.stopReason,
    idleTimeoutSec: plan.idleMs / 1000,
    foldedConnections: flows.folded.connections,
    evidence,
  };
  // pktmon and netsh say it themselves, naming --pkt-size 0 (capture/pktmon.ts truncationWarning).
  if (engine.truncated > 0 && engine.name !== 'pktmon' && engine.name !== 'netsh') info.warnings.push({ offset: -1, message: `${engine.truncated} packets were longer than ${facts.snapLimit} and were cut` });
  if (plan.trace.note !== null) info.warnings.push({ offset: -1, message: `pktmon filters: ${plan.trace.note}` });
  return {
    path: info.path,
    // The evidence pcapng's hash, where verify looks for a capture's hash (null without --write: not kept).
    sha256: evidence?.sha256 ?? null,
    format: 'live',
    info,
    packets: flows.packets,
    bytes: flows.bytes,
    firstSeen: flows.packets > 0 ? flows.firstTs : null,
    lastSeen: flows.packets > 0 ? flows.lastTs : null,
    ...(engine.copiesCollapsed !== undefined ? { copiesCollapsed: engine.copiesCollapsed } : {}),
    error: outcome.captureError !== null ? { offset: -1, message: `live:${plan.device}: ${outcome.captureError}` } : null,
  };
}
