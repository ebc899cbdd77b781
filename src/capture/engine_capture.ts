/**
 * Live capture through a capture program: Wireshark's dumpcap or tshark, or tcpdump. flowaudit
 * starts the program itself (an argv array, no shell: the interface and filter never pass through
 * a shell, and no PowerShell pipe can corrupt the bytes), reads the pcapng/pcap it writes to its
 * standard output through the incremental reader (capture_input.ts), and stops it gracefully.
 *
 * What this gives over `cap`: packet timestamps from the capture program (the kernel's / libpcap's
 * time, in the stream), dumpcap's and tshark's interface statistics (ISB: received and dropped),
 * and no node-gyp build.
 *
 * Stopping: SIGINT to the program (its own process group, so a terminal's Ctrl-C reaches only
 * flowaudit), which makes dumpcap/tshark write the final statistics block and tcpdump flush its
 * buffer; we read until its output ends. If it is still running after STOP_GRACE_MS it gets
 * SIGTERM, then SIGKILL. (On Windows, Node can only terminate a program: dumpcap then writes no
 * final statistics.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, closeSync, openSync, writeSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FlowauditError, UsageError, InputError, LiveUnavailableError, PermissionError, messageOf } from '../errors.js';
import { CaptureInput } from './capture_input.js';
import { HashService } from '../inputs/input_hash.js';
import { loadCap } from './live_source.js';
import { drainUntilQuiet, sleep, type LiveEngine, type LiveEngineFacts, type OwnEvidence } from './live_engine.js';
import type { CaptureInfo, LiveClock, RawPacket } from './source.js';
import { newRawPacket } from './source.js';

export type EngineName = 'dumpcap' | 'tshark' | 'tcpdump';
export const ENGINES: readonly EngineName[] = ['dumpcap', 'tshark', 'tcpdump'];
/** The engines whose stream is pcapng (kept byte for byte as the evidence); tcpdump writes pcap. */
export const WRITES_PCAPNG: Readonly<Record<EngineName, boolean>> = { dumpcap: true, tshark: true, tcpdump: false };
const STOP_GRACE_MS = 5000;
const STDERR_KEEP = 8192;
/**
 * dumpcap and tcpdump write their stream header as soon as the device is open: that is "ready".
 * tshark holds its header back until a packet comes, so after its "Capturing on" (printed before
 * the device is opened) this long without failing means it captures; for the others a fallback.
 */
const BANNER_GRACE_MS: Readonly<Record<EngineName, number>> = { dumpcap: 3000, tshark: 1500, tcpdump: 3000 };
/** tshark loads its dissectors before it opens the device: wait at most this long for it to say so. */
const READY_MAX_MS = 30_000;
/** tshark passes packets on from its dumpcap every 100 ms: after a stop request, wait at least this long. */
const ENGINE_LATENCY_MS = 300;

export const ENGINE_INSTALL_HINT: Record<EngineName, string> = {
  dumpcap: 'Debian/Ubuntu: apt-get install wireshark-common (dumpcap); macOS: brew install --cask wireshark (or brew install wireshark); Windows: install Wireshark with Npcap (dumpcap.exe is in C:\\Program Files\\Wireshark)',
  tshark: 'Debian/Ubuntu: apt-get install tshark; macOS: brew install wireshark; Windows: install Wireshark with Npcap (tshark.exe is in C:\\Program Files\\Wireshark)',
  tcpdump: 'Debian/Ubuntu: apt-get install tcpdump; macOS: tcpdump is part of the system; Windows: no tcpdump, use dumpcap from Wireshark with Npcap',
};

const PERMISSION_ADVICE: Record<EngineName, string> = {
  dumpcap: 'live capture needs root, or on Debian: dpkg-reconfigure wireshark-common and add yourself to the wireshark group',
  tshark: 'live capture needs root, or on Debian: dpkg-reconfigure wireshark-common and add yourself to the wireshark group',
  tcpdump: 'live capture needs root, or: setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)"',
};

export function engineClock(engine: EngineName): LiveClock {
  return {
    source: `${engine}'s packet timestamps (libpcap, taken by the kernel when the packet was captured)`,
    resolution: 'ns',
    precision: `as recorded in the ${engine === 'tcpdump' ? 'pcap' : 'pcapng'} stream ${engine} wrote (microseconds for tcpdump and dumpcap by default); not the time flowaudit read the packet`,
  } as LiveClock;
}

/** The program on PATH (or the Wireshark folder on Windows), or null. */
export function findEngine(name: string, env: Record<string, string | undefined> = process.env): string | null {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  // Wireshark's installer does not add its folder to PATH on Windows; sbin is often off a user's PATH.
  if (process.platform === 'win32') dirs.push('C:\\Program Files\\Wireshark');
  else if (env.PATH === undefined) dirs.push('/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin', '/opt/homebrew/bin');
  else dirs.push('/usr/sbin', '/usr/local/sbin');
  for (const d of dirs) {
    const p = join(d, exe);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

export function missingEngine(name: EngineName): LiveUnavailableError {
  return new LiveUnavailableError(`live capture with --engine ${name}: ${name} is not installed or not on PATH. Install it: ${ENGINE_INSTALL_HINT[name]}`);
}

/** The program's arguments: write the capture to stdout, unbuffered, whole packets. */
export function engineArgs(engine: EngineName, device: string, filter: string, maxPackets: number | null): string[] {
  const count = maxPackets !== null ? ['-c', String(maxPackets)] : [];
  switch (engine) {
    case 'dumpcap':
      return ['-i', device, '-w', '-', '-q', '-s', '0', ...count, ...(filter ? ['-f', filter] : [])];
    case 'tshark':
      return ['-i', device, '-w', '-', '-q', '-s', '0', '-F', 'pcapng', ...count, ...(filter ? ['-f', filter] : [])];
    case 'tcpdump':
      // -U: flush after every packet; --: the filter is never read as an option.
      return ['-i', device, '-w', '-', '-U', '-n', '-s', '0', '--immediate-mode', ...count, ...(filter ? ['--', filter] : [])];
  }
}

export interface EngineCaptureOptions {
  engine: EngineName;
  device: string;
  filter?: string;
  maxPackets?: number | null;
  /** Copy the program's stream, byte for byte, to this file (the evidence); its sha256 is the stream's. */
  write?: string | null;
  env?: Record<string, string | undefined>;
}

/**
 * A running capture program. `start(onPacket, onError)` reads its stream; `close()` asks it to stop;
 * `finished` resolves when its output has ended and everything was delivered.
 */
export class EngineCapture implements LiveEngine {
  readonly engine: EngineName;
  readonly name: EngineName;
  readonly via: string;
  readonly ended: Promise<string>;
  readonly device: string;
  readonly filter: string;
  /** Replaced by the reader's info (interfaces, ISB drops) once the stream header arrived. */
  info: CaptureInfo;
  packets = 0;
  truncated = 0;
  lastPacketAt: bigint;
  /** sha256 of the stream (= of the --write file), when it ended. */
  sha256: string | null = null;
  bytesWritten = 0;
  finished: Promise<void> = Promise.resolve();
  /** When the program said it is capturing ("Capturing on", "listening on"), and whether its stream header arrived. */
  private bannerAt: number | null = null;
  private headerSeen = false;
  private readonly readyPromise: Promise<void>;
  readonly startedUs: number;
  private readonly child: ChildProcess;
  private stderrText = '';
  private closed = false;
  private exit: { code: number | null; signal: string | null } | null = null;
  private exited: Promise<void>;
  private writeFd = -1;
  private readonly writePath: string | null;

  constructor(opts: EngineCaptureOptions) {
    this.engine = opts.engine;
    this.name = opts.engine;
    this.via = `via ${opts.engine}`;
    this.device = opts.device;
    this.filter = opts.filter ?? '';
    // Only a pcapng stream is kept byte for byte; the caller writes pcapng from tcpdump's packets.
    this.writePath = WRITES_PCAPNG[opts.engine] ? (opts.write ?? null) : null;
    const program = findEngine(opts.engine, opts.env);
    if (program === null) throw missingEngine(opts.engine);
    if (this.writePath !== null) {
      try {
        this.writeFd = openSync(this.writePath, 'w');
      } catch (e) {
        throw new InputError(`${this.writePath}: cannot write the evidence file: ${messageOf(e)}`);
      }
    }
    this.startedUs = Date.now() * 1000;
    this.lastPacketAt = process.hrtime.bigint();
    this.child = spawn(program, engineArgs(opts.engine, opts.device, this.filter, opts.maxPackets ?? null), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32', // its own process group: the terminal's Ctrl-C is ours to forward
      windowsHide: true,
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      // Bounded: the first lines (the banner) and the last ones (tshark's reason comes after pages of configuration complaints).
      this.stderrText += d.toString('utf8');
      if (this.stderrText.length > 2 * STDERR_KEEP) this.stderrText = `${this.stderrText.slice(0, STDERR_KEEP / 2)}\n${this.stderrText.slice(-STDERR_KEEP)}`;
      if (this.bannerAt === null && /Capturing on|listening on/i.test(this.stderrText)) this.bannerAt = Date.now();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      this.child.on('error', (e) => {
        this.stderrText += `\n${e.message}`;
        this.exit = { code: -1, signal: null };
        resolve();
      });
    });
    this.readyPromise = this.waitReady();
    this.readyPromise.catch(() => {}); // observed by ready(); never an unhandled rejection
    this.ended = this.exited.then(() => 'capture program ended');
    const kill = (): void => {
      if (this.exit === null) this.child.kill('SIGKILL'); // flowaudit ends (or crashes): never leave the program running
    };
    process.once('exit', kill);
    void this.exited.then(() => process.off('exit', kill));
    this.info = {
      path: `live:${this.device}`,
      format: 'live',
      byteOrder: 'host',
      version: '',
      interfaces: [],
      packets: 0,
      bytesRead: 0,
      fileSize: 0,
      truncated: false,
      warnings: [],
    };
  }

  get ownEvidence(): OwnEvidence | null {
    return this.writePath === null ? null : { path: this.writePath, bytes: this.bytesWritten, sha256: this.sha256 };
  }

  /**
   * Capturing once the stream header arrived, or the program said so and did not fail within
   * BANNER_GRACE_MS (they print "Capturing on" before they open the device). A program that
   * exits with an error first could not start: its own message, one line.
   */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  private async waitReady(): Promise<void> {
    const t0 = Date.now();
    while (this.exit === null && !this.headerSeen && Date.now() - t0 < READY_MAX_MS) {
      if (this.bannerAt !== null && Date.now() - this.bannerAt >= BANNER_GRACE_MS[this.engine]) return;
      await sleep(25);
    }
    if (this.exit !== null && this.packets === 0 && !this.closed && (this.exit.code !== 0 || this.exit.signal !== null)) throw this.programError(null);
  }

  facts(): LiveEngineFacts {
    return {
      linkType: this.info.interfaces[0]?.linkType ?? -1,
      snapLen: this.info.interfaces[0]?.snapLen ?? 0,
      clock: engineClock(this.engine),
      snapLimit: `${this.engine}'s snap length`,
    };
  }

  /**
   * Let the program deliver what it still holds (at least ENGINE_LATENCY_MS, then until quiet),
   * ask it to stop (SIGINT) and read its output to the end: the last packets and dumpcap's
   * statistics block come after the signal. `aborted()` (a second Ctrl-C) kills it.
   */
  async stop(aborted: () => boolean): Promise<void> {
    if (!this.closed && !aborted()) {
      await sleep(ENGINE_LATENCY_MS);
      await drainUntilQuiet(this, aborted);
    }
    this.close();
    let ended = false;
    void this.finished.then(() => (ended = true));
    while (!ended && !aborted()) await sleep(50);
    if (aborted()) this.kill();
  }

  /** The host clock in µs since the epoch (progress and idle folding; packets carry their own stamps). */
  nowUs(): number {
    return Date.now() * 1000;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Read the program's stream; `onPacket` gets each packet synchronously through one reused RawPacket. */
  start(onPacket: (pkt: RawPacket) => void, onError: (e: unknown) => void): void {
    this.finished = this.run(onPacket).catch((e) => onError(e));
  }

  private async run(onPacket: (pkt: RawPacket) => void): Promise<void> {
    const hashes = new HashService({ worker: false });
    const stdout = this.child.stdout!;
    const tee = this.writeFd;
    const self = this;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for await (const c of stdout as AsyncIterable<Buffer>) {
        if (tee >= 0) {
          let off = 0;
          while (off < c.length) off += writeSync(tee, c, off, c.length - off);
          self.bytesWritten += c.length;
        }
        yield c;
      }
    }
    let input: CaptureInput;
    try {
      input = await CaptureInput.fromStream(`live:${this.device}`, chunks(), hashes.open());
    } catch (e) {
      await this.exited;
      throw this.programError(e);
    }
    this.headerSeen = true;
    const info = input.reader?.info;
    if (info) {
      info.path = `live:${this.device}`;
      info.format = 'live';
      this.info = info;
    }
    const pkt = newRawPacket();
    let failure: unknown = null;
    try {
      for (;;) {
        while (input.next(pkt)) {
          this.packets++;
          this.lastPacketAt = process.hrtime.bigint();
          if (pkt.caplen < pkt.wirelen) this.truncated++;
          onPacket(pkt);
        }
        if (!input.waiting) break;
        await input.more();
      }
    } catch (e) {
      failure = e;
    }
    this.sha256 = await input.finish();
    this.closeWrite();
    await this.exited;
    if (failure) throw failure;
    if (input.error) throw input.error;
    if (!this.closed && this.exit && this.exit.code !== 0 && this.exit.signal === null) throw this.programError(null);
  }

  private programError(e: unknown): FlowauditError {
    const said = engineSaid(this.engine, this.stderrText);
    const how = this.exit ? (this.exit.signal ? `was stopped by ${this.exit.signal}` : `exited with status ${this.exit.code}`) : 'failed';
    const extra = e instanceof Error && !said ? `: ${messageOf(e)}` : '';
    const perm = /permission|not permitted|privilege/i.test(said) ? ` (${PERMISSION_ADVICE[this.engine]})` : '';
    const message = `${this.engine} on ${this.device} ${how}${said ? `: ${said}` : extra}${perm}`;
    return /permission|not permitted/i.test(said) ? new PermissionError(message) : new InputError(message);
  }

  /** Ask the program to stop (SIGINT), then SIGTERM and SIGKILL if it lingers. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.exit !== null) return;
    this.child.kill('SIGINT');
    const t1 = setTimeout(() => {
      if (this.exit === null) this.child.kill('SIGTERM');
    }, STOP_GRACE_MS);
    const t2 = setTimeout(() => {
      if (this.exit === null) this.child.kill('SIGKILL');
    }, 2 * STOP_GRACE_MS);
    void this.exited.then(() => {
      clearTimeout(t1);
      clearTimeout(t2);
    });
  }

  /** Stop at once (second Ctrl-C): SIGKILL, keep what was written. */
  kill(): void {
    this.closed = true;
    if (this.exit === null) this.child.kill('SIGKILL');
  }

  private closeWrite(): void {
    if (this.writeFd >= 0) {
      closeSync(this.writeFd);
      this.writeFd = -1;
    }
  }
}

/**
 * The program's own message, in one line: its first line that names the failure ("dumpcap: You do
 * not have permission to capture on device", "There is no device named", "No such device") with the
 * reason in brackets that follows it; else its first "engine: …" line; else its last three lines.
 * The advice paragraphs dumpcap adds (dpkg-reconfigure …) are left out: ours is shorter.
 */
export function engineSaid(engine: string, stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim());
  const useful = (l: string): boolean => l !== '' && !/^(Capturing on|Running as user|listening on)/i.test(l) && !/^\S+:\s*$/.test(l);
  const withReason = (i: number): string => {
    const next = lines[i + 1] ?? '';
    return /^\(.*\)$/.test(next) ? `${lines[i]} ${next}` : lines[i]!;
  };
  const device = /permission to capture|permission to perform this capture|no device named|no such device|doesn't exist|does not exist/i;
  const failure = /not found|denied|not permitted|cannot|can't|couldn't|failed/i;
  const own = new RegExp(`^${engine}:\\s*\\S`);
  // tshark first complains about its configuration files (another user's HOME): not the reason.
  const config = /config|preferences|heuristic|cfilters|dfilters|Error loading table|Could not open your/i;
  let i = lines.findIndex((l) => own.test(l) && device.test(l));
  if (i < 0) i = lines.findIndex((l) => own.test(l) && failure.test(l) && !config.test(l));
  if (i < 0) i = lines.findIndex((l) => own.test(l) && !config.test(l));
  if (i >= 0) return withReason(i);
  return lines.filter(useful).slice(-3).join(' / ');
}

/** `dumpcap -D` / `tcpdump -D` / `tshark -D` lines: "1. eth0", "2. lo (Loopback)", "1.eth0 [Up, Running, Connected]". */
export function parseEngineInterfaces(text: string): { name: string; description: string | null }[] {
  const out: { name: string; description: string | null }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\.\s*(\S+)\s*(?:\((.*)\))?\s*(?:\[(.*)\])?\s*$/.exec(line);
    if (!m) continue;
    const desc = [m[2], m[3]].filter(Boolean).join('; ');
    out.push({ name: m[1]!, description: desc || null });
  }
  return out;
}

/**
 * The capture engine: as asked (a missing program is a clear error naming what to install), or by
 * default `cap` when the module loads, else the first of dumpcap and tcpdump on PATH.
 */
export function chooseLiveEngine(asked: string | undefined, env: Record<string, string | undefined>): 'cap' | EngineName {
  if (asked !== undefined) {
    if (asked === 'cap') return 'cap';
    if (!(ENGINES as readonly string[]).includes(asked)) throw new UsageError(`--engine: unknown engine "${asked}" (expected cap, dumpcap, tshark or tcpdump)`);
    if (findEngine(asked as EngineName, env) === null) throw missingEngine(asked as EngineName);
    return asked as EngineName;
  }
  try {
    loadCap();
    return 'cap';
  } catch (e) {
    for (const name of ['dumpcap', 'tcpdump'] as const) if (findEngine(name, env) !== null) return name;
    throw new LiveUnavailableError(
      `live capture is not available: ${messageOf(e)}; nor is dumpcap or tcpdump on PATH. Install one: dumpcap — ${ENGINE_INSTALL_HINT.dumpcap}; tcpdump — ${ENGINE_INSTALL_HINT.tcpdump}`
    );
  }
}
