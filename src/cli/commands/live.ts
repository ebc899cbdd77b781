/**
 * `flowaudit live -i IFACE`: capture through any live engine (cap, dumpcap, tshark, tcpdump,
 * pktmon, netsh: one LiveEngine interface) into the same FlowEngine the file readers feed, then
 * audit with the same runAudit and renderers as `flowaudit audit` (one pipeline, another source).
 * Stops on --duration, --packets, SIGINT or SIGTERM: the packet in hand is finished, what the
 * engine still holds is delivered, the evidence file is closed and the full report written with
 * the usual exit code. An engine that cannot start is one line, exit 2, no report. A second Ctrl-C
 * returns 130 at once: "interrupted; no report".
 *
 * The parts: live/live_plan.ts (flags, policy), capture/live_engines.ts (which engine),
 * live/capture_session.ts (start, stop, drain), live/evidence_writer.ts (--write),
 * live/live_summary.ts (inputs[].live).
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { runAudit } from '../../audit/audit.js';
import { attachEvidence } from '../../audit/evidence.js';
import { auditFirewalls } from '../../audit/firewall_verdict.js';
import { generationTime } from '../../audit/time.js';
import { exitCodeFor } from '../../audit/verdict.js';
import { openLiveEngine } from '../../capture/live_engines.js';
import { InputError, messageOf } from '../../errors.js';
import { collectFacts } from '../../flows/facts.js';
import { FlowEngine } from '../../flows/flow_engine.js';
import { renderReport } from '../../report/render.js';
import { useColor, type Io } from '../io.js';
import { DEFAULT_MATRIX, addAuditOptions } from '../options.js';
import { runSession, watchStops, type SessionOutcome } from '../live/capture_session.js';
import { EvidenceWriter, evidenceRecord } from '../live/evidence_writer.js';
import { planLive, type LiveFlags, type LivePlan } from '../live/live_plan.js';
import { liveInputSummary } from '../live/live_summary.js';
import { deliverReport, prepareDelivery } from '../deliver.js';
import type { Ed25519SigningKey } from '../../evidence/openssh_key.js';

export { parseDuration, type LiveFlags } from '../live/live_plan.js';

export function registerLive(program: Command, io: Io, setExit: (code: number) => void, argv: string[] = []): void {
  addAuditOptions(
    program
      .command('live')
      .description('capture from an interface, then audit it like a capture file (exit 0 pass, 1 fail, 2 usage/input/capture error, 3 inconclusive, 130 on a second Ctrl-C)')
      .requiredOption('-i, --interface <name>', 'capture device (see flowaudit interfaces); for pktmon a component selector (nics, ids) or all; for netsh an interface or all')
      .option('--engine <name>', 'capture through cap (the libpcap module), dumpcap, tshark, tcpdump, or on Windows pktmon or netsh (default: cap when it loads, else dumpcap, else tcpdump; on Windows then pktmon)')
      .option('--filter <bpf>', 'libpcap capture filter, e.g. "not port 22" (not for pktmon/netsh)')
      .option('--all-traffic', "pktmon: capture all traffic (default: pktmon filters for the matrix's ports)")
      .option('--duration <time>', 'stop after this long: 90s, 10m, 1h (default: until Ctrl-C)')
      .option('--packets <n>', 'stop after this many packets')
      .option('--write <file.pcapng>', 'keep the evidence: write every captured packet to this pcapng file (pktmon/netsh also keep their trace beside it as .etl)')
      .option('--as <role>', "add this machine's own addresses to ROLE (e.g. ams-server); implies --vantage ROLE")
      .option('--idle-timeout <time>', 'fold connections idle this long into per-service totals (bounded memory)', '10m')
      .option('-q, --quiet', 'no progress line'),
    '--inventory',
  ).action(async (flags: LiveFlags) => {
    setExit(await liveCommand(flags, io, argv));
  });
}

export async function liveCommand(flags: LiveFlags, io: Io, argv: string[] = []): Promise<number> {
  const plan = planLive(flags, io);
  const key = await prepareDelivery(flags, io.env);
  const engine = openLiveEngine(plan.engine, {
    device: plan.device,
    filter: plan.filter,
    maxPackets: plan.maxPackets,
    write: flags.write ?? null,
    env: io.env,
    traceFilters: plan.trace.filters,
  });
  let writer: EvidenceWriter | null;
  try {
    writer = EvidenceWriter.forEngine(flags.write, engine, plan.filter);
  } catch (e) {
    engine.kill();
    throw e;
  }
  const flows = new FlowEngine({ serverPorts: plan.serverPorts, keepClient: (a) => plan.inventory.hasAddress(a) });
  const stops = watchStops(io, flags);
  try {
    let outcome: SessionOutcome;
    try {
      outcome = await runSession(plan, flags, io, stops, engine, flows, writer);
    } finally {
      try {
        writer?.close();
      } catch (e) {
        io.stderr(`flowaudit: ${flags.write}: cannot finish the evidence file: ${messageOf(e)}\n`);
      }
    }
    if (outcome.aborted) return interrupted(io, flags);
    // An engine that failed before delivering a packet has nothing to audit: its own message, one line.
    if (outcome.captureError !== null && flows.packets === 0) throw new InputError(`live --engine ${engine.name}: ${outcome.captureError}`);
    const evidence = await evidenceRecord(flags.write, writer, engine);
    if (stops.aborted) return interrupted(io, flags); // Ctrl-C again while the evidence file was hashed
    return await report(plan, flags, io, argv, flows, liveInputSummary(plan, engine, flows, outcome, evidence), outcome, engine.startedUs, key);
  } finally {
    stops.dispose(); // kept until the report is out, so a second Ctrl-C is always ours
  }
}

/** A second Ctrl-C: whatever the engine, one line and exit 130. */
function interrupted(io: Io, flags: LiveFlags): number {
  io.stderr(`\nflowaudit: interrupted; no report${flags.write !== undefined ? ` (the evidence file ${flags.write} is complete up to this point)` : ''}\n`);
  return 130;
}

async function report(
  plan: LivePlan,
  flags: LiveFlags,
  io: Io,
  argv: string[],
  flows: FlowEngine,
  summary: ReturnType<typeof liveInputSummary>,
  outcome: SessionOutcome,
  startedUs: number,
  key: Ed25519SigningKey | null,
): Promise<number> {
  const facts = collectFacts(flows, [summary], plan.serverPorts);
  const plain = runAudit(facts, plan.matrix, plan.inventory, {
    scope: plan.scope,
    features: plan.features,
    generatedAt: generationTime(io.env),
    vantage: plan.vantage,
    requireAllMembers: flags.requireAllMembers === true,
    as: plan.as,
    acceptDamaged: flags.acceptDamaged === true,
  });
  const audited = auditFirewalls(plain, facts.connections, plan.matrix, plan.inventory, plan.firewalls);
  const matrixSpecs = flags.matrix && flags.matrix.length > 0 ? flags.matrix : [DEFAULT_MATRIX];
  const result = attachEvidence(audited, { argv, matrixSpecs, host: hostname() });
  outcome.progress.done({
    elapsedMs: (outcome.stoppedUs - startedUs) / 1000,
    packets: flows.packets,
    bytes: flows.bytes,
    connections: flows.table.size + flows.folded.connections,
    rulesObserved: result.summary.rulesObserved,
    rulesTotal: result.rules.length,
    unexpected: result.summary.unexpected,
  });
  const toTerminal = flags.output === undefined && io.stdoutIsTTY;
  const text = renderReport(result, plan.format, { color: flags.color !== false && toTerminal && useColor(io, true) });
  await deliverReport(io, result, text, plan.format, flags, key, { matrix: plan.matrix, matrixSpecs, inventoryPath: flags.inventory });
  if (outcome.captureError !== null) io.stderr(`flowaudit: live:${plan.device}: ${outcome.captureError}\n`);
  return exitCodeFor(result, flags.exitZero === true);
}
