/**
 * `flowaudit watch DIR|FILE`: follow the logs a sensor writes and rotates (Zeek conn.log, Suricata
 * eve.json; src/watch/follow), judge every connection record against the matrix and inventory as
 * `audit` does (src/watch/watch_core.ts), write events as ECS NDJSON to standard output, a file or
 * syslog (src/watch/sinks), and with --report-dir the full audit of every --report-every interval,
 * each verifiable alone (src/watch/rolling_report.ts). With -i IFACE the source is a live interface:
 * its connections are spooled as flowaudit flows lines and followed the same way (../watch/watch_live.ts).
 *
 * SIGTERM / SIGINT: stop following, write the final (partial) interval's report, flush the sinks,
 * exit 0. SIGHUP: reload the matrix and inventory; the interval so far is reported under the old
 * policy, the next events and reports carry the new hashes; a bad file keeps the old policy and
 * emits a policy-error event (watch goes on). --once reads what the logs hold and stops (replays).
 * What watch learned is kept in a state file beside the checkpoint and resumed on start under the
 * same policy (../watch/watch_state_file.ts).
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generationTime } from '../../audit/time.js';
import { UsageError, messageOf } from '../../errors.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../report/render.js';
import { followLogs, type FollowBatch } from '../../watch/follow/follow_logs.js';
import { openSink } from '../../watch/sinks/event_sink.js';
import { watchPolicy, type WatchPolicy } from '../../watch/policy.js';
import { intervalAudit, intervalLine, reportPath } from '../../watch/rolling_report.js';
import { WatchCore, type ClosedInterval } from '../../watch/watch_core.js';
import { HeapBudget } from '../../watch/heap_budget.js';
import { deliverReport, prepareDelivery } from '../deliver.js';
import { loadFirewalls } from '../firewall_option.js';
import type { FirewallHostInput } from '../../audit/firewall_findings.js';
import type { Io } from '../io.js';
import { DEFAULT_MATRIX, collectList, collectRepeat, loadPolicy } from '../options.js';
import { parseCount, parseDuration } from '../live/live_plan.js';
import { analyseFiles } from '../pipeline.js';
import type { Ed25519SigningKey } from '../../evidence/openssh_key.js';
import { checkSourceFlags, watchSource, type WatchSourceFlags, type WatchSource } from '../watch/watch_live.js';
import { statePathFor, WatchStateFile } from '../watch/watch_state_file.js';

/** Heap in use past which a full collection is asked for (heap_budget.ts): well under the 200 MB a week-long watch must fit in. */
const HEAP_BUDGET = 40 << 20;
/**
 * Bytes per follower batch (1 MiB by default): a smaller batch is judged in a few ms, so its lines
 * die in the young generation rather than being promoted while it is worked on (docs/watch.md, Memory).
 */
const WATCH_CHUNK = 128 << 10;

export interface WatchFlags extends WatchSourceFlags {
  inventory?: string;
  matrix?: string[];
  features?: string[];
  scope?: string;
  output?: string;
  outputMaxBytes?: string;
  outputKeep?: string;
  repeat?: string;
  quietAfter?: string;
  learn?: string;
  reportDir?: string;
  reportEvery?: string;
  format?: string[];
  signKey?: string;
  checkpoint?: string;
  state?: string;
  startAt?: string;
  poll?: string;
  names?: string;
  once?: boolean;
  firewall?: string[];
}

export function registerWatch(program: Command, io: Io, setExit: (code: number) => void, argv: string[] = []): void {
  program
    .command('watch')
    .description('follow the logs a sensor writes (Zeek conn.log, Suricata eve.json; rotations followed) or an interface (-i), alert on the first unexpected flow of each group and on required rules that go quiet or fail, keep a verifiable report per interval (exit 0 when stopped by SIGTERM/Ctrl-C, 2 usage/input error)')
    .argument('[path]', 'a directory a sensor writes (conn.log / eve.json and their rotated siblings), or one log file (or -i IFACE)')
    .option('-i, --interface <name>', 'watch a live interface instead of logs (the engines of flowaudit live); connections are spooled as flowaudit flows lines and followed')
    .option('--engine <name>', 'with -i: cap, dumpcap, tshark, tcpdump, or on Windows pktmon or netsh (default as for live)')
    .option('--filter <bpf>', 'with -i: libpcap capture filter (not for pktmon/netsh)')
    .option('--all-traffic', "with -i --engine pktmon: capture all traffic (default: pktmon filters for the matrix's ports)")
    .option('--idle-timeout <time>', 'with -i: a connection idle this long is written (one ended by FIN/RST at once; default 30s)')
    .option('--spool-dir <dir>', 'with -i: where the connections are spooled (default DIR/.spool with --report-dir, else a temporary directory)')
    .option('--inventory <file>', 'inventory JSON mapping roles to addresses, CIDRs, ranges and host names')
    .option('-m, --matrix <spec>', 'matrix file or builtin:NAME (repeatable, merged; default builtin:ams)', collectRepeat)
    .option('--features <list>', 'enable conditional features, comma-separated', collectList)
    .option('--scope <scope>', 'inventory: only connections touching an inventory host; all: every connection', 'inventory')
    .option('-o, --output <spec>', 'where events go: - (standard output, NDJSON), FILE (appended, rotated by size), syslog+udp://HOST:PORT or syslog+tcp://HOST:PORT', '-')
    .option('--output-max-bytes <n>', 'rotate the --output FILE beyond this many bytes (default 100 MiB)')
    .option('--output-keep <n>', 'rotated --output files kept: FILE.1 … FILE.N (default 5)')
    .option('--repeat <time>', 'an unexpected group: a count update at most this often', '1h')
    .option('--quiet-after <time>', 'a required rule with no attempt for this long is quiet (default: 3× the interval learned from the traffic, at least 5m)')
    .option('--learn <time>', 'learning period from the first row (e.g. 1d): events are marked learning (event.kind event, not alert); groups seen are a baseline, not alerted later')
    .option('--report-dir <dir>', 'write the full audit of every interval here, with the rows it was made from (verifiable alone: flowaudit verify DIR/watch-START.json)')
    .option('--report-every <time>', 'the reporting interval (log time, aligned to the epoch)', '1h')
    .option('-f, --format <list>', `report formats for --report-dir, comma-separated: ${REPORT_FORMATS.join(', ')} (default json)`, collectList)
    .option('--firewall <host=file>', "a host's firewall rules (iptables-save, nft -j, Windows Firewall JSON), checked in every rolling report; read at start (repeatable)", collectRepeat)
    .option('--sign-key <file>', 'sign every report (FILE.sig) with this OpenSSH ed25519 key (SSHSIG, namespace flowaudit)')
    .option('--checkpoint <file>', 'where the follower records how far it read (resume after a restart; default DIR/.watch-checkpoint.json with --report-dir)')
    .option('--state <file>', 'where what watch learned (groups alerted, check-in intervals, learning) is kept across a restart (default beside the checkpoint: DIR/.watch-state.json with --report-dir)')
    .option('--start-at <where>', 'without a checkpoint: beginning (default) or end of the logs')
    .option('--poll <time>', 'how often the logs are polled (wall clock)', '500ms')
    .option('--names <regex>', 'which files of the directory are the live logs (default ^(conn\\.log|eve\\.json)$)')
    .option('--once', 'read what the logs hold now, then stop (a replay)')
    .action(async (path: string | undefined, flags: WatchFlags) => {
      setExit(await watchCommand(path, flags, io, argv));
    });
}

interface WatchPlan {
  formats: ReportFormat[];
  repeatUs: number;
  quietAfterUs: number | null;
  learnUs: number | null;
  everyUs: number;
  pollMs: number;
  names: RegExp | undefined;
  startAt: 'beginning' | 'end';
  scope: 'inventory' | 'all';
}

function planWatch(flags: WatchFlags): WatchPlan {
  const us = (v: string | undefined, opt: string): number | null => (v === undefined ? null : parseDuration(v, opt) * 1000);
  const formats = (flags.format ?? ['json']).map((f) => f.toLowerCase());
  for (const f of formats) if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`unknown format "${f}" (expected: ${REPORT_FORMATS.join(', ')})`);
  if (flags.format && flags.reportDir === undefined) throw new UsageError('--format is for the rolling reports: give --report-dir DIR');
  if (flags.firewall && flags.reportDir === undefined) throw new UsageError('--firewall is checked in the rolling reports: give --report-dir DIR');
  if (flags.signKey && flags.reportDir === undefined) throw new UsageError('--sign-key signs the rolling reports: give --report-dir DIR');
  const startAt = flags.startAt ?? 'beginning';
  if (startAt !== 'beginning' && startAt !== 'end') throw new UsageError(`--start-at ${startAt}: expected beginning or end`);
  const scope = flags.scope ?? 'inventory';
  if (scope !== 'inventory' && scope !== 'all') throw new UsageError(`unknown scope "${scope}" (expected inventory or all)`);
  const everyUs = us(flags.reportEvery ?? '1h', '--report-every')!;
  if (everyUs < 1e6) throw new UsageError('--report-every: at least 1s');
  let names: RegExp | undefined;
  try {
    names = flags.names === undefined ? undefined : new RegExp(flags.names);
  } catch (e) {
    throw new UsageError(`--names: ${messageOf(e)}`);
  }
  return {
    formats: formats as ReportFormat[],
    repeatUs: us(flags.repeat ?? '1h', '--repeat')!,
    quietAfterUs: us(flags.quietAfter, '--quiet-after'),
    learnUs: us(flags.learn, '--learn'),
    everyUs,
    pollMs: parseDuration(flags.poll ?? '500ms', '--poll'),
    names,
    startAt,
    scope,
  };
}

function loadWatchPolicy(flags: WatchFlags, scope: 'inventory' | 'all'): WatchPolicy {
  const { matrix, inventory, features } = loadPolicy(flags.matrix, flags.inventory, flags.features);
  return watchPolicy(matrix, inventory, features, scope);
}

/**
 * A sensor runs for weeks (as a service, from any directory): policy paths are made absolute once,
 * so SIGHUP re-reads the same files and every report names files verify can find from anywhere.
 */
function absolutePolicyPaths(given: WatchFlags): WatchFlags {
  return {
    ...given,
    ...(given.inventory !== undefined ? { inventory: resolve(given.inventory) } : {}),
    ...(given.matrix !== undefined ? { matrix: given.matrix.map((m) => (m.startsWith('builtin:') ? m : resolve(m))) } : {}),
  };
}

/** SIGHUP: the policy re-read; a bad one is said (event and stderr) and the old one stays. */
function reloadPolicy(core: WatchCore, flags: WatchFlags, scope: WatchPlan['scope'], io: Io, reports: ReportQueue, state: WatchStateFile | null): void {
  try {
    const policy = loadWatchPolicy(flags, scope);
    core.reload(policy);
    io.stderr(`flowaudit: watch: SIGHUP: reloaded matrix sha256 ${policy.matrix.sha256}, inventory sha256 ${policy.inventory.sha256 ?? '(none)'}\n`);
  } catch (e) {
    core.reloadFailed(messageOf(e));
    io.stderr(`flowaudit: watch: SIGHUP: reload failed, the previous policy stays: ${messageOf(e)}\n`);
  }
  try {
    state?.save(true); // what was learned goes on under the new policy (as in memory): a restart now resumes it
  } catch (e) {
    io.stderr(`flowaudit: watch: SIGHUP: ${messageOf(e)}\n`);
  }
  reports.add(core.closed());
}

export async function watchCommand(path: string | undefined, given: WatchFlags, io: Io, argv: string[] = []): Promise<number> {
  const flags = absolutePolicyPaths(given);
  const plan = planWatch(flags);
  checkSourceFlags(path, flags);
  const checkpointFile = flags.checkpoint ?? (flags.reportDir !== undefined ? `${flags.reportDir}/.watch-checkpoint.json` : undefined);
  const statePath = statePathFor(flags.state, checkpointFile);
  const policy = loadWatchPolicy(flags, plan.scope);
  // Each report is a file in --report-dir (planWatch made sure there is one when a key is given).
  const key = await prepareDelivery({ signKey: flags.signKey, ...(flags.reportDir !== undefined ? { output: join(flags.reportDir, 'watch-START.json') } : {}) }, io.env);
  if (flags.reportDir !== undefined) mkdirSync(flags.reportDir, { recursive: true });
  const maxBytes = flags.outputMaxBytes === undefined ? undefined : parseCount(flags.outputMaxBytes, '--output-max-bytes');
  const keep = flags.outputKeep === undefined ? undefined : parseCount(flags.outputKeep, '--output-keep');
  const sink = openSink(flags.output ?? '-', { ...(maxBytes ? { maxBytes } : {}), ...(keep ? { keep } : {}), stdout: { write: (t: string) => io.stdout(t) } });
  const stop = new AbortController();
  const core = new WatchCore({
    policy,
    repeatUs: plan.repeatUs,
    quietAfterUs: plan.quietAfterUs,
    learnUs: plan.learnUs,
    host: hostname(),
    emit: (e) => sink.write(e),
    reportDir: flags.reportDir ?? null,
    reportEveryUs: plan.everyUs,
    note: (m) => io.stderr(`flowaudit: watch: ${m}\n`),
  });
  const heap = new HeapBudget(HEAP_BUDGET);
  const firewalls = loadFirewalls(flags.firewall, policy.inventory);
  const reports = new ReportQueue(io, flags, argv, key, plan.formats, heap, firewalls);
  // Signals are ours before the capture starts and says so: a SIGHUP right after "capturing on" must
  // reload, not kill the process (Node's default for SIGHUP).
  const state = statePath === null ? null : new WatchStateFile(statePath, core, (m) => io.stderr(`flowaudit: watch: ${m}\n`));
  const detach = attachSignals(io, stop, () => reloadPolicy(core, flags, plan.scope, io, reports, state));
  let source: WatchSource;
  try {
    source = await watchSource(path, flags, plan.everyUs, policy, io, stop);
  } catch (e) {
    detach();
    await sink.close(); // an engine that cannot start: nothing was watched, the one line is main's
    throw e;
  }
  let captureError: string | null = null;
  try {
    core.started(Date.parse(generationTime(io.env)) * 1000, source.what, state?.load());
    if (flags.once) stop.abort();
    const names = source.names ?? plan.names;
    const batches = followLogs({
      path: source.path, chunkBytes: WATCH_CHUNK, pollMs: plan.pollMs, startAt: plan.startAt, signal: source.signal,
      ...(names ? { names } : {}), ...(checkpointFile ? { checkpointFile } : {}), ...(state ? { beforeCheckpoint: () => state.save() } : {}), paced: true,
    });
    for await (const b of batches) {
      feed(core, b, io);
      reports.add(core.closed());
      await reports.idle(); // a slow report holds the follower (the logs wait on disk), never memory
      heap.check();
    }
    core.finish();
    reports.add(core.closed());
    await reports.idle();
    state?.save(true); // the counts written at stop are not written again after a restart (after the report: evidence first)
  } finally {
    captureError = await source.finish();
    detach();
    await sink.flush();
    await sink.close();
  }
  if (sink.dropped > 0) io.stderr(`flowaudit: watch: ${sink.dropped} event(s) could not be delivered to ${sink.name} and were dropped\n`);
  if (captureError !== null) io.stderr(`flowaudit: watch: ${flags.interface}: ${captureError}\n`);
  return reports.failed > 0 || captureError !== null ? 2 : 0;
}

function feed(core: WatchCore, b: FollowBatch, io: Io): void {
  for (const n of b.notes ?? []) io.stderr(`flowaudit: watch: ${n}\n`);
  if (b.overlong) io.stderr(`flowaudit: watch: ${b.file}: ${b.overlong} overlong line(s) skipped before line ${b.firstLineNo}\n`);
  core.ingest(b);
}

/** SIGINT/SIGTERM stop the follower; SIGHUP reloads (only in a real process: io.onSignal). */
function attachSignals(io: Io, stop: AbortController, reload: () => void): () => void {
  const off = io.onSignal?.((signal) => {
    io.stderr(`flowaudit: watch: ${signal}: stopping, writing the final interval's report\n`);
    stop.abort();
  });
  if (!io.onSignal) return () => {};
  process.on('SIGHUP', reload);
  return () => {
    off?.();
    process.off('SIGHUP', reload);
  };
}

/** Interval reports, written one after the other (a reload and a batch may close intervals together). */
class ReportQueue {
  private chain: Promise<void> = Promise.resolve();
  failed = 0;
  constructor(
    private readonly io: Io,
    private readonly flags: WatchFlags,
    private readonly argv: string[],
    private readonly key: Ed25519SigningKey | null,
    private readonly formats: ReportFormat[],
    private readonly heap: HeapBudget,
    private readonly firewalls: readonly FirewallHostInput[] = [],
  ) {}

  add(intervals: ClosedInterval[]): void {
    for (const iv of intervals) {
      this.chain = this.chain.then(() =>
        this.write(iv).catch((e: unknown) => {
          this.failed++;
          this.io.stderr(`flowaudit: watch: the report of the interval starting ${new Date(iv.startUs / 1000).toISOString()} could not be written: ${messageOf(e)}\n`);
        }),
      );
    }
  }

  idle(): Promise<void> {
    return this.chain;
  }

  private async write(iv: ClosedInterval): Promise<void> {
    const dir = this.flags.reportDir!;
    this.heap.collect();
    const facts = await analyseFiles(iv.files, iv.policy.serverPorts);
    this.heap.check(true);
    const matrixSpecs = this.flags.matrix && this.flags.matrix.length > 0 ? this.flags.matrix : [DEFAULT_MATRIX];
    const result = intervalAudit(iv, facts, { argv: this.argv, matrixSpecs, host: hostname(), generatedAt: generationTime(this.io.env), firewalls: this.firewalls });
    this.heap.check(true);
    const paths: string[] = [];
    for (const format of this.formats) {
      const out = reportPath(dir, iv, format);
      paths.push(out);
      const text = renderReport(result, format, { color: false });
      this.heap.check(true);
      await deliverReport(quietIo(this.io), result, text, format, { output: out }, this.key, { matrix: iv.policy.matrix, matrixSpecs, inventoryPath: this.flags.inventory });
    }
    this.io.stderr(`flowaudit: ${intervalLine(iv, result, paths)}\n`);
  }
}

/** deliverReport's own lines (one per file) are left out: watch says one line per interval. */
function quietIo(io: Io): Io {
  return { ...io, stderr: () => {} };
}
