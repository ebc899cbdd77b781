/**
 * Live capture on Windows with nothing installed: the trace programs that ship with Windows.
 * - pktmon (Windows 10 1809 / Server 2019 and later): `pktmon filter remove`, one `pktmon filter
 *   add` per matrix port (see pktmon_filters.ts; none with --all-traffic), `pktmon start --capture
 *   --pkt-size 0 --file-name F.etl`, and at the end `pktmon stop` and `pktmon filter remove`.
 * - netsh (Server 2016): `netsh trace start capture=yes report=disabled tracefile=F.etl`, `netsh
 *   trace stop`. netsh has no port filter: it records all traffic.
 * The ETL is read natively (the same capture reader as files, which recognises ETL by content)
 * once the trace has stopped: packets reach the audit then, not during the capture.
 *
 * Every program runs from an argument array, never through a shell. Whatever ends flowaudit (Ctrl-C,
 * a second Ctrl-C, SIGTERM, an uncaught error) stops the trace: an 'exit' hook runs the stop command
 * synchronously. Only SIGKILL (or power loss) can leave it running; `pktmon stop` ends it then.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { InputError, LiveUnavailableError, PermissionError } from '../errors.js';
import { CaptureInput } from './capture_input.js';
import { findEngine } from './engine_capture.js';
import { HashService } from '../inputs/input_hash.js';
import type { DropSink, LiveEngine, LiveEngineFacts } from './live_engine.js';
import { EtlReader } from './etl/etl_reader.js';
import { EtlPacketCollapser } from './etl/pktmon_fold.js';
import { copyCollapserFor, truncationWarning } from './pktmon.js';
import type { PktmonFilter } from './pktmon_filters.js';
import type { CaptureInfo, LiveClock, RawPacket } from './source.js';
import { newRawPacket } from './source.js';

export type TraceEngineName = 'pktmon' | 'netsh';

const PROGRAM_OUTPUT_KEEP = 8192;

export const TRACE_INSTALL_HINT: Record<TraceEngineName, string> = {
  pktmon: 'pktmon ships with Windows 10 1809 and Windows Server 2019 or later (C:\\Windows\\System32\\pktmon.exe); on Windows Server 2016 use --engine netsh',
  netsh: 'netsh ships with every Windows (C:\\Windows\\System32\\netsh.exe); "netsh trace" needs Windows 7 / Server 2008 R2 or later',
};

const ELEVATION_HINT = 'run flowaudit from an elevated prompt (Run as administrator)';

export interface TraceCaptureOptions {
  engine: TraceEngineName;
  /** `-i`: a pktmon component selector (`nics`, component ids) or netsh CaptureInterface; `all`/`any` for every one. */
  device: string;
  /** pktmon filters (from the matrix's ports); empty = all traffic. Ignored by netsh (it has no port filter). */
  filters: readonly PktmonFilter[];
  /** Where the trace writes its ETL. */
  etlPath: string;
  /** A temporary folder holding the ETL, removed once the trace was read (no --write). */
  removeAfter?: string | null;
  env?: Record<string, string | undefined>;
}

export interface ProgramResult {
  code: number | null;
  output: string;
}

/** Run a program from an argument array (no shell) and collect its output, stdout and stderr together. */
export function runProgram(program: string, args: readonly string[]): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let output = '';
    const keep = (d: Buffer): void => {
      if (output.length < PROGRAM_OUTPUT_KEEP) output += d.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => resolve({ code: -1, output: `${output}\n${e.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The commands one trace runs, in order: what `start` and `stop` do, testable without Windows. */
export function traceCommands(o: Pick<TraceCaptureOptions, 'engine' | 'device' | 'filters' | 'etlPath'>): { setup: string[][]; start: string[]; stop: string[][] } {
  const every = /^(all|any)$/i.test(o.device);
  if (o.engine === 'netsh') {
    return {
      setup: [],
      start: ['trace', 'start', 'capture=yes', 'report=disabled', `tracefile=${o.etlPath}`, 'overwrite=yes', ...(every ? [] : [`captureinterface=${o.device}`])],
      stop: [['trace', 'stop']],
    };
  }
  const setup = o.filters.length > 0 ? [['filter', 'remove'], ...o.filters.map((f, i) => ['filter', 'add', `flowaudit-${i + 1}`, ...f.args])] : [['filter', 'remove']];
  return {
    setup,
    start: ['start', '--capture', '--pkt-size', '0', '--file-name', o.etlPath, ...(every ? [] : ['--comp', o.device])],
    stop: [['stop'], ['filter', 'remove']],
  };
}

/** The program's own message in one line: its non-empty lines, the usage text left out. */
export function programSaid(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.slice(0, 3).join(' / ') || '(no message)';
}

export class TraceCapture implements LiveEngine {
  readonly name: TraceEngineName;
  readonly device: string;
  readonly via: string;
  readonly ownEvidence = null;
  /** A trace runs until it is stopped. */
  readonly ended: Promise<string> = new Promise(() => {});
  info: CaptureInfo;
  /** When the trace started (set again once `pktmon start` succeeded: the set-up commands take a while). */
  startedUs: number;
  packets = 0;
  truncated = 0;
  lastPacketAt: bigint = process.hrtime.bigint();
  /** sha256 of the ETL as read (one read: the reader hashes the bytes it parses). */
  etlSha256: string | null = null;
  private readonly program: string;
  private readonly commands: ReturnType<typeof traceCommands>;
  private readonly etlPath: string;
  private readonly removeAfter: string | null;
  private onPacket: ((pkt: RawPacket) => void) | null = null;
  private onDrop: DropSink | null = null;
  copiesCollapsed: number | undefined;
  private readyPromise: Promise<void> | null = null;
  /** The trace was started and not yet stopped: the exit hook must stop it. */
  private running = false;
  private closed = false;
  private readonly exitHook = (): void => this.stopSync();

  constructor(opts: TraceCaptureOptions) {
    this.name = opts.engine;
    this.device = opts.device;
    this.etlPath = opts.etlPath;
    this.removeAfter = opts.removeAfter ?? null;
    const program = findEngine(opts.engine, opts.env);
    if (program === null) {
      const where = process.platform === 'win32' ? 'is not on PATH' : `is a Windows program and is not on PATH here (${process.platform})`;
      throw new LiveUnavailableError(`live capture with --engine ${opts.engine}: ${opts.engine} ${where}. ${TRACE_INSTALL_HINT[opts.engine]}`);
    }
    this.program = program;
    this.commands = traceCommands(opts);
    this.via = `via ${opts.engine}, packets are read when the trace stops`;
    this.startedUs = Date.now() * 1000;
    this.info = { path: `live:${this.device}`, format: 'live', byteOrder: 'host', version: '', interfaces: [], packets: 0, bytesRead: 0, fileSize: 0, truncated: false, warnings: [] };
  }

  start(onPacket: (pkt: RawPacket) => void, onError: (e: unknown) => void, onDrop?: DropSink): void {
    this.onPacket = onPacket;
    this.onDrop = onDrop ?? null;
    this.readyPromise = this.begin();
    this.readyPromise.catch(onError);
  }

  ready(): Promise<void> {
    return this.readyPromise ?? Promise.reject(new Error(`${this.name}: ready() before start()`));
  }

  /** Set-up commands, then the start command; any failure is the program's own message and leaves nothing running. */
  private async begin(): Promise<void> {
    process.once('exit', this.exitHook);
    for (const args of this.commands.setup) await this.must(args);
    this.running = true; // from here on, the exit hook runs `stop` even if start failed half-way
    await this.must(this.commands.start);
    this.startedUs = Date.now() * 1000;
  }

  private async must(args: string[]): Promise<void> {
    if (this.closed) throw new InputError(`${this.name}: stopped before the trace started`);
    const r = await runProgram(this.program, args);
    if (r.code === 0) return;
    this.stopSync();
    const said = programSaid(r.output);
    const elevated = /access is denied|administrator|elevat|privilege|0x80070005/i.test(said) ? `; ${ELEVATION_HINT}` : '';
    const message = `${this.name} ${args.slice(0, 2).join(' ')} failed (exit status ${r.code}): ${said}${elevated}`;
    throw elevated ? new PermissionError(message) : new InputError(message);
  }

  /** Stop the trace (and remove flowaudit's filters) synchronously: the exit hook and kill(). */
  private stopSync(): void {
    if (!this.running) return;
    this.running = false;
    for (const args of this.commands.stop) spawnSync(this.program, args, { stdio: 'ignore', windowsHide: true, timeout: 60_000 });
  }

  /** `pktmon stop` / `netsh trace stop`, then read the ETL it wrote and deliver every packet. */
  async stop(aborted: () => boolean): Promise<void> {
    if (this.closed) return;
    await this.readyPromise?.catch(() => {});
    const failures: string[] = [];
    if (this.running) {
      this.running = false;
      for (const args of this.commands.stop) {
        const r = await runProgram(this.program, args);
        if (r.code !== 0) failures.push(`${this.name} ${args.join(' ')} (exit status ${r.code}): ${programSaid(r.output)}`);
      }
    }
    process.off('exit', this.exitHook);
    if (failures.length > 0) this.info.warnings.push({ offset: -1, message: failures.join('; ') });
    try {
      if (!aborted()) await this.readTrace(aborted);
    } finally {
      this.closed = true;
      this.removeTemporary();
    }
  }

  private removeTemporary(): void {
    if (this.removeAfter !== null) rmSync(this.removeAfter, { recursive: true, force: true });
  }

  private async readTrace(aborted: () => boolean): Promise<void> {
    const hashes = new HashService({ worker: false });
    const input = await CaptureInput.open(this.etlPath, hashes.open());
    if (input.reader === null) {
      throw new InputError(`${this.etlPath}: ${this.name} wrote a trace this flowaudit cannot read as packets (not an ETL with packet events)`);
    }
    const warnings = this.info.warnings;
    this.info = input.reader.info;
    this.info.path = `live:${this.device}`;
    this.info.format = 'live';
    this.info.warnings.push(...warnings);
    // As `audit` reads a trace (capture/ingest.ts): each packet once, whatever the components that
    // recorded it, and pktmon's drop events to the sink.
    const reader = input.reader;
    const collapse = reader instanceof EtlReader ? new EtlPacketCollapser(reader) : copyCollapserFor(this.info);
    const etl = reader instanceof EtlReader ? reader : null;
    const pkt = newRawPacket();
    for (;;) {
      while (!aborted() && this.onPacket !== null && input.next(pkt)) {
        if (collapse === null || !collapse.isCopy(pkt, pkt.tsSec * 1e6 + pkt.tsNsec / 1000)) {
          this.packets++;
          if (pkt.caplen < pkt.wirelen) this.truncated++;
          this.onPacket(pkt);
        }
        if (etl !== null && etl.meta.dropped) this.onDrop?.(pkt, etl.meta.component, etl.meta.dropReason);
      }
      if (aborted() || this.onPacket === null || !input.waiting) break;
      await input.more();
    }
    if (collapse?.collapsing) this.copiesCollapsed = collapse.collapsed;
    if (collapse && collapse.collapsed > 0) this.info.warnings.push({ offset: -1, message: collapse.describe(this.packets) });
    if (collapse instanceof EtlPacketCollapser && this.info.etl) collapse.finish(this.info.etl, this.info.warnings);
    const tw = truncationWarning(this.info, this.truncated, this.packets);
    if (tw) this.info.warnings.push({ offset: -1, message: tw });
    this.lastPacketAt = process.hrtime.bigint();
    this.etlSha256 = await input.finish();
    if (input.error) throw input.error;
  }

  kill(): void {
    this.closed = true;
    this.stopSync();
    process.off('exit', this.exitHook);
    this.removeTemporary();
  }

  close(): void {
    // --packets reached while reading the ETL: the rest is not delivered (the trace is stopped already).
    this.onPacket = null;
  }

  nowUs(): number {
    return Date.now() * 1000;
  }

  facts(): LiveEngineFacts {
    return {
      linkType: this.info.interfaces[0]?.linkType ?? -1,
      snapLen: this.info.interfaces[0]?.snapLen ?? 0,
      clock: traceClock(this.name),
      snapLimit: `${this.name}'s packet size`,
    };
  }
}

export function traceClock(engine: TraceEngineName): LiveClock {
  return {
    source: `${engine}'s packet event timestamps (ETW, taken by Windows when the network component saw the packet)`,
    resolution: 'ns',
    precision: 'the trace clock as recorded in the ETL (100 ns FILETIME ticks at best); not the time flowaudit read the packet',
  } as LiveClock;
}
