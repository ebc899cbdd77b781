/**
 * Which live engine, and opening it: the one place that knows the engines' classes. Everything
 * after this speaks LiveEngine (live_engine.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, PermissionError, UsageError } from '../errors.js';
import { EngineCapture, ENGINES, chooseLiveEngine, findEngine, type EngineName } from './engine_capture.js';
import type { LiveEngine, LiveEngineName } from './live_engine.js';
import { LiveCapture, deviceKnown, loadCap } from './live_source.js';
import type { PktmonFilter } from './pktmon_filters.js';
import { TraceCapture, type TraceEngineName } from './windows_trace.js';

const TRACE_ENGINES: readonly TraceEngineName[] = ['pktmon', 'netsh'];

export function isTraceEngine(name: string): name is TraceEngineName {
  return (TRACE_ENGINES as readonly string[]).includes(name);
}

/**
 * As asked, or by default: cap when it loads, else dumpcap, else tcpdump; on Windows with none of
 * them, pktmon (it ships with Windows 10 1809 / Server 2019 and later).
 */
export function chooseEngine(asked: string | undefined, env: Record<string, string | undefined>, platform: string = process.platform): LiveEngineName {
  if (asked !== undefined && isTraceEngine(asked)) return asked;
  if (asked !== undefined && asked !== 'cap' && !(ENGINES as readonly string[]).includes(asked)) {
    throw new UsageError(`--engine: unknown engine "${asked}" (expected cap, dumpcap, tshark, tcpdump, pktmon or netsh)`);
  }
  try {
    return chooseLiveEngine(asked, env);
  } catch (e) {
    if (asked === undefined && platform === 'win32' && findEngine('pktmon', env) !== null) return 'pktmon';
    throw e;
  }
}

export interface OpenEngineOptions {
  device: string;
  filter: string;
  maxPackets: number | null;
  /** --write: dumpcap and tshark keep their own pcapng stream there; the others' packets are written by the caller. */
  write: string | null;
  env: Record<string, string | undefined>;
  /** pktmon's filters (from the matrix's ports; empty for all traffic). */
  traceFilters: readonly PktmonFilter[];
}

/** Open (and for programs, start) the engine. A device that cannot be opened is an error naming the engine. */
export function openLiveEngine(name: LiveEngineName, o: OpenEngineOptions): LiveEngine {
  if (name === 'cap') {
    const cap = loadCap();
    if (!deviceKnown(cap, o.device)) throw new InputError(`cap (libpcap) on ${o.device}: no such capture device (run "flowaudit interfaces" to list capture devices)`);
    try {
      return new LiveCapture({ device: o.device, filter: o.filter }, cap);
    } catch (e) {
      if (e instanceof PermissionError) throw new PermissionError(`cap (libpcap) on ${e.message}`);
      if (e instanceof InputError) throw new InputError(`cap (libpcap) on ${e.message}`, e.offset);
      throw e;
    }
  }
  if (isTraceEngine(name)) {
    if (o.filter !== '') throw new UsageError(`--filter: ${name} takes no capture filter (pktmon filters come from the matrix's ports; --all-traffic for none)`);
    const etl = etlPathFor(o.write);
    return new TraceCapture({ engine: name, device: o.device, filters: name === 'pktmon' ? o.traceFilters : [], etlPath: etl.path, removeAfter: etl.temporary, env: o.env });
  }
  return new EngineCapture({ engine: name as EngineName, device: o.device, filter: o.filter, maxPackets: o.maxPackets, write: o.write, env: o.env });
}

/** The trace file: beside the evidence (x.pcapng → x.etl, kept), else in a fresh temporary folder (removed once read). */
export function etlPathFor(write: string | null): { path: string; temporary: string | null } {
  if (write !== null) {
    const etl = `${write.replace(/\.(pcapng|pcap|cap)$/i, '')}.etl`;
    return { path: etl === write ? `${write}.trace.etl` : etl, temporary: null };
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowaudit-trace-'));
  return { path: join(dir, 'trace.etl'), temporary: dir };
}
