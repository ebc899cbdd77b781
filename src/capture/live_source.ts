/**
 * Live capture through the optional `cap` module (libpcap). This file is the only importer of
 * `cap`: it is loaded lazily with createRequire inside a try, so a missing or unbuilt module is a
 * LiveUnavailableError (exit 2) and file auditing never depends on it.
 *
 * Buffer handling: cap copies each packet into the one Buffer we hand to `open()` and then emits
 * 'packet' synchronously (libpcap's pcap_dispatch callback → EmitPacket → emit). The next packet is
 * copied into that Buffer only after our listener returns. So the listener feeds the engine (and the
 * evidence writer) synchronously, inside the callback, straight from that Buffer: no copy and no
 * allocation of ours per packet, and the bytes are never read after they could be overwritten.
 *
 * Timestamps: cap does not pass libpcap's pcap_pkthdr.ts on, so packets are stamped from the host
 * clock when they are delivered to JavaScript: process.hrtime.bigint() (monotonic, ns) anchored once
 * to Date.now() when the capture opens. The stamp is therefore the delivery time (libpcap runs in
 * immediate mode on Linux, so usually well under a millisecond after the kernel saw the packet, but
 * later when the event loop is busy), and wall-clock steps during the capture do not move it.
 *
 * Drops: cap exposes neither pcap_stats nor the wire length: kernel drop counts are reported as
 * unavailable (null, never 0), and the wire length is the captured length (snaplen 65535).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { networkInterfaces } from 'node:os';
import { FlowauditError, UsageError, InputError, LiveUnavailableError, PermissionError, messageOf } from '../errors.js';
import { drainUntilQuiet, type LiveEngine, type LiveEngineFacts } from './live_engine.js';
import type { CaptureInfo, LiveClock, RawPacket } from './source.js';
import { newRawPacket } from './source.js';

/** What cap's `open()` returns, mapped to LINKTYPE_* values (pcap-linktype(7)). */
export const CAP_LINK_TYPES: Readonly<Record<string, number>> = Object.freeze({
  NULL: 0, // LINKTYPE_NULL (BSD loopback)
  ETHERNET: 1, // LINKTYPE_ETHERNET
  RAW: 101, // LINKTYPE_RAW (DLT_RAW is 12 or 14 depending on the OS; the file value is 101)
  LINKTYPE_LINUX_SLL: 113, // cap spells this one with its prefix
  LINUX_SLL: 113,
});

/** cap sets snaplen 65535 itself (pcap_set_snaplen in its binding). */
export const LIVE_SNAPLEN = 65535;

export const CAP_INSTALL_HINT = 'apt-get install libpcap-dev && npm rebuild cap';
export const PERMISSION_HINT =
  'live capture needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities, for example: setcap cap_net_raw,cap_net_admin=eip "$(command -v node)"';

/** The part of cap's API we use. */
interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}
interface CapDevice {
  name: string;
  description?: string;
  addresses: { addr: string; netmask?: string; broadaddr?: string; dstaddr?: string }[];
  flags?: string;
}
export interface CapModule {
  Cap: { new (): CapInstance; deviceList(): CapDevice[] };
}

const cache = new Map<string, CapModule | Error>();

/**
 * Every cap instance that was ever opened stays reachable for the life of the process: cap's
 * close() stops its uv_poll handle but never uv_close()s it, and the handle lives inside the native
 * object, so letting the object be garbage-collected frees memory libuv still links to (a segfault
 * a few GCs later). One small object per capture opened is the price.
 */
const neverCollect: CapInstance[] = [];

function newCap(mod: CapModule): CapInstance {
  const c = new mod.Cap();
  neverCollect.push(c);
  return c;
}

/**
 * Load `cap` once. Throws LiveUnavailableError (exit 2) when it is missing or not built.
 * `moduleName` exists for the test of that message.
 */
export function loadCap(moduleName = 'cap'): CapModule {
  let cached = cache.get(moduleName);
  if (cached === undefined) {
    try {
      const mod = createRequire(import.meta.url)(moduleName) as CapModule;
      if (typeof mod?.Cap?.deviceList !== 'function') throw new Error('the module does not export Cap');
      cached = mod;
    } catch (e) {
      cached = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(moduleName, cached);
  }
  if (cached instanceof Error) {
    throw new LiveUnavailableError(
      `live capture is not available: the optional module "cap" could not be loaded (${firstLine(cached.message)}). Enable it with: ${CAP_INSTALL_HINT}`
    );
  }
  return cached;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

export interface LiveDevice {
  name: string;
  description: string | null;
  addresses: string[];
  loopback: boolean;
  /** From /sys/class/net/NAME/flags (IFF_UP); null when the OS does not say (pseudo-devices). */
  up: boolean | null;
}

/** Capture devices as libpcap lists them, with their addresses and whether each is up. */
export function listDevices(cap: CapModule = loadCap()): LiveDevice[] {
  let devs: CapDevice[];
  try {
    devs = cap.Cap.deviceList();
  } catch (e) {
    throw liveError(e, '', '');
  }
  return devs.map((d) => ({
    name: d.name,
    description: d.description ?? null,
    addresses: d.addresses.map((a) => a.addr),
    loopback: d.flags === 'PCAP_IF_LOOPBACK',
    up: interfaceUp(d.name),
  }));
}

/**
 * False only when the device is surely absent: libpcap does not list it and (on Linux) the kernel
 * has no such interface. Asked before opening, because libpcap itself prints a warning on stderr
 * for a missing device before it fails (one line of ours is the whole answer).
 */
export function deviceKnown(cap: CapModule, name: string): boolean {
  try {
    if (cap.Cap.deviceList().some((d) => d.name === name)) return true;
  } catch {
    return true; // cannot tell: let open() answer
  }
  if (process.platform !== 'linux') return false;
  return /^[\w.@:-]+$/.test(name) && interfaceUp(name) !== null;
}

export function interfaceUp(name: string): boolean | null {
  if (!/^[\w.@:-]+$/.test(name)) return null;
  try {
    const flags = Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
    return Number.isFinite(flags) ? (flags & 1) === 1 : null; // IFF_UP
  } catch {
    return null;
  }
}

/** The capture interface's own addresses with prefix lengths (written into the evidence pcapng's IDB). */
export function interfaceAddresses(device: string): { address: string; prefix: number }[] {
  return (networkInterfaces()[device] ?? []).map((a) => ({ address: a.address.split('%')[0]!, prefix: Number((a.cidr ?? '/0').split('/')[1] ?? 0) }));
}

/**
 * The machine's own addresses (for `--as ROLE`): every address of every interface that Node sees,
 * loopback included only for the capture interface itself when it is a loopback.
 */
export function ownAddresses(captureInterface: string): string[] {
  const out = new Set<string>();
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal && name !== captureInterface) continue;
      out.add(a.address.split('%')[0]!);
    }
  }
  return [...out];
}

export const LIVE_CLOCK: LiveClock = Object.freeze({
  source: 'host clock at delivery to flowaudit: process.hrtime.bigint() (monotonic), anchored once to Date.now() at start',
  resolution: 'ns',
  precision:
    'time the packet reached flowaudit, not the kernel capture time (cap does not pass libpcap timestamps on): usually under 1 ms later, more when the host is busy; the anchor to wall time is only as good as the system clock at start (±1 ms)',
}) as LiveClock;

export interface LiveCaptureOptions {
  device: string;
  filter?: string;
  /** libpcap's kernel buffer (default 32 MiB). */
  bufferSize?: number;
}

/**
 * An open live capture. `start(onPacket)` delivers every packet through one reused RawPacket,
 * synchronously, from inside cap's callback; `close()` stops it (also from inside the callback).
 */
export class LiveCapture implements LiveEngine {
  readonly name = 'cap' as const;
  readonly via = null;
  readonly ownEvidence = null;
  /** cap runs until closed: it never ends by itself. */
  readonly ended: Promise<string> = new Promise(() => {});
  readonly info: CaptureInfo;
  readonly linkType: number;
  readonly device: string;
  readonly filter: string;
  /** Packets delivered so far, and when the last one arrived (process.hrtime.bigint()). */
  packets = 0;
  truncated = 0;
  lastPacketAt = 0n;

  private readonly cap: CapInstance;
  private readonly buffer: Buffer;
  private readonly pkt: RawPacket = newRawPacket();
  private readonly anchorSec: number;
  private readonly anchorNsec: number;
  private readonly hr0: bigint;
  private closed = false;

  constructor(opts: LiveCaptureOptions, mod: CapModule = loadCap()) {
    this.device = opts.device;
    this.filter = opts.filter ?? '';
    this.buffer = Buffer.alloc(LIVE_SNAPLEN + 1);
    const bufSize = opts.bufferSize ?? 32 << 20;
    const cap = newCap(mod);
    let linkName: string;
    try {
      linkName = cap.open(this.device, this.filter, bufSize, this.buffer);
    } catch (e) {
      // No close() here: after a failed open() cap's close() would stop a uv_poll handle it never
      // initialised (a segfault). The half-open libpcap handle is left to the process exit.
      // Which step failed? libpcap's filter messages do not always say "filter": if the same
      // device opens without the filter, the filter was the problem.
      if (this.filter !== '' && !isPermission(e) && !isNoDevice(e)) {
        const probe = newCap(mod);
        let opened = false;
        try {
          probe.open(this.device, '', 1 << 16, Buffer.alloc(LIVE_SNAPLEN + 1));
          opened = true;
        } catch {
          // fall through to the general error (and never close() a cap whose open() failed)
        }
        if (opened) safeClose(probe);
        if (opened) throw new UsageError(`invalid capture filter ${JSON.stringify(this.filter)}: ${messageOf(e)}`);
      }
      throw liveError(e, this.device, this.filter);
    }
    const linkType = CAP_LINK_TYPES[linkName];
    if (linkType === undefined) {
      safeClose(cap);
      throw new InputError(
        `${this.device}: link type ${JSON.stringify(linkName)} is not supported for live capture (supported: Ethernet, Linux cooked (SLL), raw IP, BSD loopback)`
      );
    }
    this.linkType = linkType;
    this.cap = cap;
    this.hr0 = process.hrtime.bigint();
    const now = Date.now();
    this.anchorSec = Math.floor(now / 1000);
    this.anchorNsec = (now - this.anchorSec * 1000) * 1e6;
    this.lastPacketAt = this.hr0;
    this.info = {
      path: `live:${this.device}`,
      format: 'live',
      byteOrder: 'host',
      version: '',
      interfaces: [
        {
          section: 0,
          index: 0,
          linkType,
          snapLen: LIVE_SNAPLEN,
          name: this.device,
          ...(this.filter ? { filter: this.filter } : {}),
          tsUnitsPerSec: 1e9,
          tsOffsetSec: 0,
        },
      ],
      packets: 0,
      bytesRead: 0,
      fileSize: 0,
      truncated: false,
      warnings: [],
    };
  }

  /** Wall-clock µs since the epoch at which the capture opened. */
  get startedUs(): number {
    return this.anchorSec * 1e6 + this.anchorNsec / 1e3;
  }

  /** The capture clock now, in µs since the epoch (same clock as packet stamps). */
  nowUs(): number {
    const d = Number(process.hrtime.bigint() - this.hr0);
    return this.anchorSec * 1e6 + (this.anchorNsec + d) / 1e3;
  }

  /**
   * Deliver packets to `onPacket` (synchronously, from cap's callback). The RawPacket and the bytes
   * it points to are valid only during the call. An exception thrown by `onPacket` stops the capture
   * and is passed to `onError`.
   */
  start(onPacket: (pkt: RawPacket) => void, onError: (e: unknown) => void): void {
    const pkt = this.pkt;
    pkt.data = this.buffer;
    pkt.offset = 0;
    pkt.linkType = this.linkType;
    pkt.interfaceId = 0;
    pkt.fileOffset = -1;
    this.cap.on('packet', (nbytes: number, truncated: boolean) => {
      if (this.closed) return;
      const hr = process.hrtime.bigint();
      this.lastPacketAt = hr;
      const total = this.anchorNsec + Number(hr - this.hr0);
      const carry = Math.floor(total / 1e9);
      pkt.tsSec = this.anchorSec + carry;
      pkt.tsNsec = total - carry * 1e9;
      pkt.caplen = nbytes;
      pkt.wirelen = nbytes;
      this.packets++;
      this.info.packets++;
      if (truncated) this.truncated++;
      try {
        onPacket(pkt);
      } catch (e) {
        this.close();
        onError(e);
      }
    });
  }

  /** Stop capturing (idempotent; safe inside the packet callback: cap stops after the current packet). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    safeClose(this.cap);
    this.cap.removeAllListeners('packet');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** cap opened the device in the constructor (which throws when it cannot): capturing already. */
  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** Drain what libpcap already holds (until quiet, bounded), then close. */
  async stop(aborted: () => boolean): Promise<void> {
    if (!this.closed) await drainUntilQuiet(this, aborted);
    this.close();
  }

  kill(): void {
    this.close();
  }

  facts(): LiveEngineFacts {
    return { linkType: this.linkType, snapLen: LIVE_SNAPLEN, clock: LIVE_CLOCK, snapLimit: `the ${LIVE_SNAPLEN}-byte capture buffer` };
  }
}

function safeClose(c: CapInstance | undefined): void {
  try {
    c?.close();
  } catch {
    // already closed or never opened
  }
}


function isPermission(e: unknown): boolean {
  return /permission|not permitted|EPERM|EACCES/i.test(messageOf(e));
}

function isNoDevice(e: unknown): boolean {
  return /no such device|doesn't exist|does not exist/i.test(messageOf(e));
}

/** A libpcap error as a typed error (PermissionError, InputError, UsageError) with advice. */
export function liveError(e: unknown, device: string, filter: string): FlowauditError {
  const msg = messageOf(e);
  const where = device ? `${device}: ` : '';
  if (isPermission(e)) return new PermissionError(`${where}${msg}. ${PERMISSION_HINT[0]!.toUpperCase()}${PERMISSION_HINT.slice(1)}`);
  if (isNoDevice(e)) return new InputError(`${where}${msg} (run "flowaudit interfaces" to list capture devices)`);
  if (filter && /filter|syntax|parse/i.test(msg)) return new UsageError(`invalid capture filter ${JSON.stringify(filter)}: ${msg}`);
  return new InputError(`${where}cannot capture: ${msg}`);
}
