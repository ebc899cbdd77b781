/**
 * `flowaudit live -i IFACE`: capture from an interface into the same FlowEngine the file readers
 * feed, then audit with the same runAudit and renderers as `flowaudit audit` (one pipeline, another
 * source). Stops on --duration, --packets, SIGINT or SIGTERM: the packet in hand is finished,
 * packets libpcap already holds are drained (bounded), the evidence file is closed and the full
 * report written with the usual exit code. A second Ctrl-C returns 130 at once.
 */
import { hostname, type, release } from 'node:os';
import type { Command } from 'commander';
import { runAudit } from '../../audit/audit.js';
import { attachEvidence } from '../../audit/evidence.js';
import { serverPortsFor } from '../../audit/server_ports.js';
import { generationTime, isoMicros } from '../../audit/time.js';
import { LIVE_CLOCK, LIVE_SNAPLEN, LiveCapture, loadCap, ownAddresses, interfaceAddresses } from '../../capture/live_source.js';
import { PcapngWriter } from '../../capture/pcapng_writer.js';
import { EngineCapture, chooseLiveEngine, engineClock } from '../../capture/engine_capture.js';
import { FlowauditError, UsageError, InputError, messageOf } from '../../errors.js';
import { collectFacts } from '../../flows/facts.js';
import { sha256FilesInBackground } from '../../inputs/file_hash.js';
import { FlowEngine } from '../../flows/flow_engine.js';
import type { InputSummary } from '../../capture/ingest.js';
import { linkTypeName } from '../../decode/enums.js';
import { REPORT_FORMATS, renderReport } from '../../report/render.js';
import { VERSION } from '../../version.js';
import { useColor, type Io } from '../io.js';
import { DEFAULT_MATRIX, addAuditOptions, chooseFormat, loadPolicy } from '../options.js';
import { createProgress, type ProgressStats } from '../progress.js';
import { exitCodeFor } from '../../audit/verdict.js';
import { checkVantage } from '../../audit/vantage.js';
import { checkOutputPath } from '../output.js';
import { emitReport } from './audit.js';

const FORMATS = REPORT_FORMATS;

/** Partial audits for the progress line: at most every second, and at most ~5% of the time. */
const PROGRESS_TICK_MS = 1000;
const PARTIAL_AUDIT_COST_FACTOR = 20;
/** Draining after a stop request: wait until libpcap has been quiet this long, at most DRAIN_MAX_MS. */
const DRAIN_QUIET_MS = 150;
const DRAIN_STEP_MS = 50;
const DRAIN_MAX_MS = 2000;
const ENGINE_LATENCY_MS = 300;

export interface LiveFlags {
  interface: string;
  filter?: string;
  duration?: string;
  packets?: string;
  write?: string;
  as?: string;
  idleTimeout?: string;
  inventory?: string;
  matrix?: string[];
  features?: string[];
  scope?: string;
  format?: string;
  output?: string;
  quiet?: boolean;
  exitZero?: boolean;
  color?: boolean;
  vantage?: string[];
  requireAllMembers?: boolean;
  engine?: string;
}

export function registerLive(program: Command, io: Io, setExit: (code: number) => void, argv: string[] = []): void {
  addAuditOptions(
    program
      .command('live')
      .description('capture from an interface, then audit it like a capture file (exit 0 pass, 1 fail, 2 usage/input/capture error, 3 inconclusive, 130 on a second Ctrl-C)')
      .requiredOption('-i, --interface <name>', 'capture device (see flowaudit interfaces)')
      .option('--engine <name>', 'capture through cap (the libpcap module), dumpcap, tshark or tcpdump (default: cap when it loads, else dumpcap, else tcpdump on PATH)')
      .option('--filter <bpf>', 'libpcap capture filter, e.g. "not port 22"')
      .option('--duration <time>', 'stop after this long: 90s, 10m, 1h (default: until Ctrl-C)')
      .option('--packets <n>', 'stop after this many packets')
      .option('--write <file.pcapng>', 'keep the evidence: write every captured packet to this pcapng file')
      .option('--as <role>', "add this machine's own addresses to ROLE (e.g. ams-server); implies --vantage ROLE")
      .option('--idle-timeout <time>', 'fold connections idle this long into per-service totals (bounded memory)', '10m')
      .option('-q, --quiet', 'no progress line'),
    '--inventory',
  ).action(async (flags: LiveFlags) => {
    setExit(await liveCommand(flags, io, argv));
  });
}

/** "90s", "10m", "1h", "1d", "500ms", or a plain number of seconds → ms. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${option}: "${text}" is not a duration (examples: 30s, 10m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function parseCount(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`${option}: "${text}" is not a positive whole number`);
  return Number(text);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function liveCommand(flags: LiveFlags, io: Io, argv: string[] = []): Promise<number> {
  const format = chooseFormat(flags.format, FORMATS, 'text', flags.output);
  const scope = flags.scope ?? 'inventory';
  if (scope !== 'inventory' && scope !== 'all') throw new UsageError(`unknown scope "${scope}" (expected inventory or all)`);
  const durationMs = flags.duration !== undefined ? parseDuration(flags.duration, '--duration') : null;
  const maxPackets = flags.packets !== undefined ? parseCount(flags.packets, '--packets') : null;
  const idleMs = parseDuration(flags.idleTimeout ?? '10m', '--idle-timeout');
  const device = flags.interface;
  const filter = flags.filter ?? '';

  // Every output path is checked before capturing: a report that cannot be written must not cost the capture.
  if (flags.output !== undefined) checkOutputPath(flags.output);
  if (flags.write !== undefined) checkOutputPath(flags.write, '--write');
  const engineName = chooseLiveEngine(flags.engine, io.env);
  const cap = engineName === 'cap' ? loadCap() : null;
  const asAddresses = flags.as !== undefined ? ownAddresses(device) : [];
  const extra = flags.as !== undefined ? { [flags.as]: asAddresses } : undefined;
  let policy: ReturnType<typeof loadPolicy>;
  try {
    policy = loadPolicy(flags.matrix, flags.inventory, flags.features, extra);
  } catch (e) {
    const m = e instanceof FlowauditError && flags.as !== undefined ? new RegExp(`role "${flags.as.replace(/\W/g, '\\$&')}" is not a role of matrix .*`).exec(e.message) : null;
    if (m) throw new UsageError(`--as ${flags.as}: ${m[0]}`);
    throw e;
  }
  const { matrix, inventory, features } = policy;
  const serverPorts = serverPortsFor(matrix);
  const vantage = [...new Set([...(flags.as !== undefined ? [flags.as] : []), ...(flags.vantage ?? [])])];
  checkVantage(vantage, matrix, inventory);
  const asRecord = flags.as !== undefined ? { role: flags.as, addresses: asAddresses } : null;

  const capture =
    engineName === 'cap'
      ? new LiveCapture({ device, filter }, cap!)
      : new EngineCapture({ engine: engineName, device, filter, maxPackets, write: flags.write ?? null, env: io.env });
  let writer: PcapngWriter | null = null;
  if (flags.write !== undefined && capture instanceof LiveCapture) {
    try {
      writer = PcapngWriter.toFile(flags.write, { userAppl: `flowaudit ${VERSION}`, os: `${type()} ${release()}` });
      writer.addInterface({
        linkType: capture.linkType,
        snapLen: LIVE_SNAPLEN,
        name: device,
        ...(filter ? { filter } : {}),
        tsResolution: 'ns',
        addresses: interfaceAddresses(device), // lets `discover` recognise the AMS server it ran on
      });
    } catch (e) {
      capture.close();
      throw new InputError(`${flags.write}: cannot write the evidence file: ${messageOf(e)}`);
    }
  }

  const engine = new FlowEngine();
  const startedUs = capture.startedUs;
  let stopReason: string | null = null;
  let captureError: string | null = null;
  let wake: () => void = () => {};
  let aborted = false;
  const requestStop = (reason: string): void => {
    if (stopReason === null) stopReason = reason;
    wake();
  };

  // Per packet: decode + count (allocation-free engine), append to the evidence file, check --packets.
  capture.start(
    (pkt) => {
      engine.ingest(pkt);
      writer?.writePacket(0, pkt.tsSec, pkt.tsNsec, pkt.data, pkt.offset, pkt.caplen, pkt.wirelen);
      if (maxPackets !== null && engine.packets >= maxPackets) {
        capture.close(); // cap finishes this packet and delivers no more
        requestStop('packets');
      }
    },
    (e) => {
      captureError = messageOf(e);
      requestStop('error');
    },
  );
  if (capture instanceof EngineCapture) {
    // The program may end by itself (-c reached, interface gone): report then.
    void capture.finished.then(() => requestStop(maxPackets !== null && capture.packets >= maxPackets ? 'packets' : 'capture program ended'));
  }

  const unsubscribe = io.onSignal?.((signal) => {
    if (stopReason !== null && signal === 'SIGINT') {
      aborted = true; // second Ctrl-C: stop now
      wake();
      return;
    }
    if (stopReason === null && !io.stderrIsTTY && !flags.quiet) io.stderr(`flowaudit: ${signal}: stopping, finishing the report (Ctrl-C again to quit at once)\n`);
    else if (stopReason === null && !flags.quiet) io.stderr(`\nflowaudit: ${signal}: stopping, finishing the report (Ctrl-C again to quit at once)\n`);
    requestStop(signal);
  });

  try {
    const label = `live ${device}`;
    const progress = createProgress(io, { quiet: flags.quiet === true, label });
    if (capture instanceof EngineCapture) {
      // The program opens the device after it started (tshark loads its dissectors first): wait for
      // it to say so (at most 30 s) before saying we capture.
      let said = false;
      void capture.ready.then(() => (said = true));
      for (let waited = 0; !said && stopReason === null && waited < 30_000; waited += DRAIN_STEP_MS) await sleep(DRAIN_STEP_MS);
    }
    if (!flags.quiet) {
      const until = [durationMs !== null ? `for ${flags.duration}` : null, maxPackets !== null ? `up to ${maxPackets} packets` : null].filter(Boolean).join(', ');
      io.stderr(
        `flowaudit: capturing on ${device} (${capture instanceof LiveCapture ? linkTypeName(capture.linkType) : `via ${engineName}`}${filter ? `, filter ${JSON.stringify(filter)}` : ''})${until ? ` ${until}` : ''}${flags.write !== undefined ? `, writing ${flags.write}` : ''}; Ctrl-C stops and reports\n`,
      );
    }

    let partial = { rulesObserved: null as number | null, rulesTotal: null as number | null, unexpected: null as number | null };
    let nextPartialAt = 0;
    let nextFoldAt = Math.min(idleMs, 60_000);
    const stats = (): ProgressStats => ({
      elapsedMs: (capture.nowUs() - startedUs) / 1000,
      packets: engine.packets,
      bytes: engine.bytes,
      connections: engine.table.size + engine.folded.connections,
      ...partial,
    });
    const tick = (): void => {
      const elapsed = (capture.nowUs() - startedUs) / 1000;
      if (elapsed >= nextFoldAt) {
        engine.foldIdle(capture.nowUs(), idleMs * 1000, serverPorts);
        nextFoldAt = elapsed + Math.min(Math.max(idleMs / 10, PROGRESS_TICK_MS), 60_000);
      }
      if (!flags.quiet && elapsed >= nextPartialAt) {
        const t0 = performance.now();
        const r = runAudit(collectFacts(engine, [], serverPorts), matrix, inventory, { scope, features, generatedAt: '', vantage, as: asRecord });
        partial = { rulesObserved: r.summary.rulesObserved, rulesTotal: r.rules.length, unexpected: r.summary.unexpected };
        nextPartialAt = elapsed + Math.max(PROGRESS_TICK_MS, (performance.now() - t0) * PARTIAL_AUDIT_COST_FACTOR);
      }
      progress.update(stats());
    };
    const ticker = setInterval(tick, PROGRESS_TICK_MS);
    const timer = durationMs !== null ? setTimeout(() => requestStop('duration'), durationMs) : null;

    try {
      // Wait for a stop request (bounded by --duration / --packets / a signal, as the user chose).
      while (stopReason === null && !aborted) await new Promise<void>((r) => (wake = r));
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      // Drain what libpcap already holds: until quiet for DRAIN_QUIET_MS, at most DRAIN_MAX_MS.
      // (For a capture program: what it is still delivering, before it is asked to stop; tshark
      // passes packets on from its dumpcap every 100 ms, so wait at least ENGINE_LATENCY_MS.)
      if (capture instanceof EngineCapture && !aborted) await sleep(ENGINE_LATENCY_MS);
      for (let waited = 0; !capture.isClosed && !aborted && waited < DRAIN_MAX_MS; waited += DRAIN_STEP_MS) {
        if (Number(process.hrtime.bigint() - capture.lastPacketAt) / 1e6 >= DRAIN_QUIET_MS) break;
        await sleep(DRAIN_STEP_MS);
      }
      if (capture instanceof EngineCapture) {
        // Ask the program to stop (SIGINT) and read its output to the end: the last packets and
        // dumpcap's statistics block come after the signal. A second Ctrl-C kills it.
        capture.close();
        let ended = false;
        void capture.finished.then(() => (ended = true));
        while (!ended && !aborted) await sleep(DRAIN_STEP_MS);
        if (aborted) capture.kill();
      }
    } finally {
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      capture.close();
      try {
        writer?.close();
      } catch (e) {
        captureError ??= `${flags.write}: cannot finish the evidence file: ${messageOf(e)}`;
      }
    }
    if (aborted) {
      if (!flags.quiet) io.stderr(`\nflowaudit: interrupted; no report${flags.write !== undefined ? ` (the evidence file ${flags.write} is complete up to this point)` : ''}\n`);
      return 130;
    }
    const stoppedUs = capture.nowUs();

    let evidenceSha: string | null = capture instanceof EngineCapture && flags.write !== undefined ? capture.sha256 : null;
    if (writer && flags.write !== undefined) {
      const h = (await sha256FilesInBackground([flags.write])).get(flags.write);
      if (h && 'sha256' in h) evidenceSha = h.sha256;
      if (aborted) return 130; // Ctrl-C again while hashing the evidence file
    }
    capture.info.live = {
      interface: device,
      filter: filter || null,
      linkType: capture instanceof LiveCapture ? capture.linkType : (capture.info.interfaces[0]?.linkType ?? -1),
      snapLen: capture instanceof LiveCapture ? LIVE_SNAPLEN : (capture.info.interfaces[0]?.snapLen ?? 0),
      clock: capture instanceof LiveCapture ? LIVE_CLOCK : engineClock(capture.engine),
      dropsAvailable: capture.info.interfaces.some((i) => i.ifDrop !== undefined || i.osDrop !== undefined),
      engine: engineName,
      startedAt: isoMicros(startedUs),
      stoppedAt: isoMicros(stoppedUs),
      stopReason,
      idleTimeoutSec: idleMs / 1000,
      foldedConnections: engine.folded.connections,
      evidence:
        flags.write === undefined
          ? null
          : writer
            ? { path: flags.write, packets: writer.packets, bytes: writer.bytesWritten, sha256: evidenceSha }
            : { path: flags.write, packets: capture.packets, bytes: capture instanceof EngineCapture ? capture.bytesWritten : 0, sha256: evidenceSha },
    };
    if (capture.truncated > 0) {
      const limit = capture instanceof LiveCapture ? `the ${LIVE_SNAPLEN}-byte capture buffer` : `${engineName}'s snap length`;
      capture.info.warnings.push({ offset: -1, message: `${capture.truncated} packets were longer than ${limit} and were cut` });
    }
    const summary: InputSummary = {
      path: capture.info.path,
      // The evidence pcapng's hash, where verify looks for a capture's hash (null without --write).
      sha256: evidenceSha,
      format: 'live',
      info: capture.info,
      packets: engine.packets,
      bytes: engine.bytes,
      firstSeen: engine.packets > 0 ? engine.firstTs : null,
      lastSeen: engine.packets > 0 ? engine.lastTs : null,
      error: captureError !== null ? { offset: -1, message: `live:${device}: ${captureError}` } : null,
    };
    const facts = collectFacts(engine, [summary], serverPorts);
    const audited = runAudit(facts, matrix, inventory, {
      scope,
      features,
      generatedAt: generationTime(io.env),
      vantage,
      requireAllMembers: flags.requireAllMembers === true,
      as: asRecord,
    });
    const matrixSpecs = flags.matrix && flags.matrix.length > 0 ? flags.matrix : [DEFAULT_MATRIX];
    const result = attachEvidence(audited, { argv, matrixSpecs, host: hostname() });
    partial = { rulesObserved: result.summary.rulesObserved, rulesTotal: result.rules.length, unexpected: result.summary.unexpected };
    progress.done({ ...stats(), elapsedMs: (stoppedUs - startedUs) / 1000 });
    const toTerminal = flags.output === undefined && io.stdoutIsTTY;
    const text = renderReport(result, format, { color: flags.color !== false && toTerminal && useColor(io, true) });
    emitReport(io, text, flags.output, format, result);
    if (captureError !== null) io.stderr(`flowaudit: live:${device}: ${captureError}\n`);
    return exitCodeFor(result, flags.exitZero === true);
  } finally {
    unsubscribe?.(); // kept until the report is out, so a second Ctrl-C is always ours
  }
}

