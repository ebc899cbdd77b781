/**
 * The trace's clock. TRACE_LOGFILE_HEADER (the first buffer's SYSTEM event, group 0 type 0)
 * gives StartTime (FILETIME: 100 ns since 1601), PerfFreq and ReservedFlags (the clock type:
 * 1 QueryPerformanceCounter, 2 system time, 3 CPU cycle counter); the SYSTEM event's own
 * timestamp is the clock's value at StartTime. An event stamped `t` happened at
 *   StartTime + (t − start) / frequency seconds   (clock types 1 and 3),
 *   t as a FILETIME                               (clock type 2).
 * Checked against the real pktmon trace and the pcapng Windows made from it: equal to the µs.
 *
 * TRACE_LOGFILE_HEADER (pointer size P = 4 or 8): +0 BufferSize · +4 Version · +8 ProviderVersion
 * (the Windows build) · +12 NumberOfProcessors · +16 EndTime · +24 TimerResolution · +28
 * MaximumFileSize · +32 LogFileMode · +36 BuffersWritten · +40 StartBuffers · +44 PointerSize ·
 * +48 EventsLost · +52 CpuSpeedInMHz · +56 LoggerName and LogFileName (pointers, P bytes each) ·
 * TimeZone (172 bytes) · then, 8-byte aligned: BootTime · PerfFreq · StartTime · ReservedFlags
 * (u32) · BuffersLost (u32); the logger and file names follow as UTF-16 strings.
 */
import { utf16z } from './etl_format.js';

/** 100-ns intervals between 1601-01-01 and 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116444736000000000n;

export interface EtlTraceHeader {
  /** Windows build (ProviderVersion), e.g. 20348 for Windows Server 2022. */
  build: number;
  version: string;
  processors: number;
  pointerSize: number;
  clockType: number;
  frequency: number;
  eventsLost: number;
  buffersLost: number;
  buffersWritten: number;
  loggerName: string;
  logFileName: string;
  startUnixSec: number;
  startUnixNsec: number;
  startTicks: number;
}

export const CLOCK_NAMES: Record<number, string> = { 1: 'QueryPerformanceCounter', 2: 'system time (FILETIME)', 3: 'CPU cycle counter' };

/** Parse the TRACE_LOGFILE_HEADER at `p` (length `n`), the SYSTEM event stamped `startTicks`. */
export function parseTraceHeader(b: Uint8Array, v: DataView, p: number, n: number, startTicks: number, pointerSizeHint: number): EtlTraceHeader {
  if (n < 64) throw new Error(`trace header of ${n} bytes is too short`);
  const ptr = v.getUint32(p + 44, true) === 4 || v.getUint32(p + 44, true) === 8 ? v.getUint32(p + 44, true) : pointerSizeHint;
  const tail = (56 + 2 * ptr + 172 + 7) & ~7;
  if (n < tail + 32) throw new Error(`trace header of ${n} bytes is too short for pointer size ${ptr}`);
  const ver = v.getUint32(p + 4, true);
  const perfFreq = Number(v.getBigInt64(p + tail + 8, true));
  const startFt = v.getBigInt64(p + tail + 16, true);
  const clockType = v.getUint32(p + tail + 24, true);
  const cpuMHz = v.getUint32(p + 52, true);
  const since = startFt - FILETIME_UNIX_EPOCH;
  const sec = since / 10000000n;
  const rem = since - sec * 10000000n;
  const names = utf16z(b, p + tail + 32, p + n);
  const file = utf16z(b, names.next, p + n);
  return {
    build: v.getUint32(p + 8, true),
    version: `${ver & 0xff}.${(ver >>> 8) & 0xff}`,
    processors: v.getUint32(p + 12, true),
    pointerSize: ptr,
    clockType,
    frequency: clockType === 3 ? cpuMHz * 1e6 : perfFreq,
    eventsLost: v.getUint32(p + 48, true),
    buffersLost: v.getUint32(p + tail + 28, true),
    buffersWritten: v.getUint32(p + 36, true),
    loggerName: names.text,
    logFileName: file.text,
    startUnixSec: Number(sec),
    startUnixNsec: Number(rem) * 100,
    startTicks,
  };
}

/**
 * Convert an event's timestamp to Unix seconds and nanoseconds (written into `out`): `ticks` is
 * its value as a number; FILETIME values pass 2^53, so that clock reads the 64 bits at `at` exactly.
 */
export function eventTime(h: EtlTraceHeader, ticks: number, v: DataView, at: number, out: { tsSec: number; tsNsec: number }): void {
  let sec: number;
  let nsec: number;
  if (h.clockType === 2 || h.frequency <= 0) {
    const unix100 = (at >= 0 ? v.getBigInt64(at, true) : BigInt(ticks)) - FILETIME_UNIX_EPOCH;
    const s = unix100 / 10000000n;
    sec = Number(s);
    nsec = Number(unix100 - s * 10000000n) * 100;
  } else {
    const d = ticks - h.startTicks;
    const whole = Math.floor(d / h.frequency);
    const rem = d - whole * h.frequency;
    sec = h.startUnixSec + whole;
    nsec = h.startUnixNsec + Math.round((rem * 1e9) / h.frequency);
  }
  // Normalise (a damaged header can give any clock): 0 ≤ nsec < 1e9, sec finite.
  const carry = Math.floor(nsec / 1e9);
  sec += carry;
  nsec -= carry * 1e9;
  if (!Number.isFinite(sec) || !Number.isFinite(nsec)) {
    sec = 0;
    nsec = 0;
  }
  out.tsSec = sec;
  out.tsNsec = nsec;
}
