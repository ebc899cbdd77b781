/**
 * What `flowaudit watch` follows: a directory or log a sensor writes (the path argument), or a
 * live interface (`-i IFACE`, live_spool.ts) whose connections are spooled as flowaudit flows
 * lines into a directory that the same follower then reads. The stop order for an interface: the
 * signal stops the engine, the spool writes every connection still open and closes, and only then
 * is the follower told to stop (it reads the spool one last time), so no connection is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseEngine, isTraceEngine } from '../../capture/live_engines.js';
import { serverPortsFor } from '../../audit/server_ports.js';
import { UsageError } from '../../errors.js';
import type { WatchPolicy } from '../../watch/policy.js';
import type { Io } from '../io.js';
import { parseDuration } from '../live/live_plan.js';
import { LiveSpool, SPOOL_NAMES } from './live_spool.js';

/** --idle-timeout's default. */
export const DEFAULT_IDLE = '30s';

export interface WatchSourceFlags {
  interface?: string;
  engine?: string;
  filter?: string;
  allTraffic?: boolean;
  idleTimeout?: string;
  spoolDir?: string;
  reportDir?: string;
  once?: boolean;
  names?: string;
}

export interface WatchSource {
  /** The directory or file the follower reads. */
  path: string;
  /** Which files of the directory are live logs (the spool's for an interface). */
  names?: RegExp;
  /** The follower's stop signal. */
  signal: AbortSignal;
  /** For the watch-started event. */
  what: string;
  /** After the follower stopped: the engine's error if it ended by itself, cleanup. */
  finish(): Promise<string | null>;
}

/** The flags that only make sense with -i, or only without it. */
export function checkSourceFlags(path: string | undefined, f: WatchSourceFlags): void {
  if (f.interface === undefined) {
    if (path === undefined) throw new UsageError('watch: give a directory or log file to follow, or -i IFACE to watch an interface');
    for (const [v, opt] of [[f.engine, '--engine'], [f.filter, '--filter'], [f.idleTimeout, '--idle-timeout'], [f.spoolDir, '--spool-dir'], [f.allTraffic, '--all-traffic']] as const) {
      if (v !== undefined) throw new UsageError(`${opt}: only with -i IFACE (watching an interface)`);
    }
    return;
  }
  if (path !== undefined) throw new UsageError(`watch: either a path (${path}) or -i ${f.interface}, not both`);
  if (f.once) throw new UsageError('--once: for replaying logs; an interface is watched until SIGTERM or Ctrl-C');
  if (f.names !== undefined) throw new UsageError('--names: for a log directory; with -i the spool is followed');
}

export async function watchSource(path: string | undefined, f: WatchSourceFlags, everyUs: number, policy: WatchPolicy, io: Io, stop: AbortController): Promise<WatchSource> {
  checkSourceFlags(path, f);
  if (f.interface === undefined) return { path: path!, signal: stop.signal, what: path!, finish: async () => null };
  const engine = chooseEngine(f.engine, io.env);
  if (f.allTraffic === true && engine !== 'pktmon') throw new UsageError('--all-traffic: only for --engine pktmon (the other engines capture all traffic unless --filter says otherwise)');
  const idleUs = parseDuration(f.idleTimeout ?? DEFAULT_IDLE, '--idle-timeout') * 1000;
  if (idleUs < 1e6) throw new UsageError('--idle-timeout: at least 1s (a shorter one splits every connection)');
  const temporary = f.spoolDir === undefined && f.reportDir === undefined;
  const dir = f.spoolDir ?? (f.reportDir !== undefined ? join(f.reportDir, '.spool') : mkdtempSync(join(tmpdir(), 'flowaudit-watch-spool-')));
  const spool = await LiveSpool.start({
    device: f.interface,
    engine,
    filter: f.filter ?? '',
    allTraffic: f.allTraffic === true,
    matrix: policy.matrix,
    inventory: policy.inventory,
    serverPorts: serverPortsFor(policy.matrix),
    dir,
    everyUs,
    idleUs,
    env: io.env,
  });
  const how = spool.engine.via ?? engine;
  io.stderr(`flowaudit: watch: capturing on ${f.interface} (${how}${f.filter ? `, filter ${JSON.stringify(f.filter)}` : ''}); connections spooled to ${spool.path} as they end; SIGTERM or Ctrl-C stops\n`);
  // windows_trace.ts reads the ETL once the trace stops: no packet (so no event) before then.
  if (isTraceEngine(engine)) io.stderr(`flowaudit: watch: note: ${engine} hands its packets over when its trace stops: connections, events and reports come at SIGTERM or Ctrl-C, not as they happen (for alerts as they happen, use an engine that streams, or follow a sensor's logs)\n`);
  const follow = new AbortController();
  const drain = (): void => void spool.stop().finally(() => follow.abort());
  if (stop.signal.aborted) drain();
  else stop.signal.addEventListener('abort', drain, { once: true });
  void spool.ended.then((reason) => {
    io.stderr(`flowaudit: watch: the capture on ${f.interface} ended (${reason}): writing the final interval's report\n`);
    stop.abort();
  });
  return {
    path: dir,
    names: SPOOL_NAMES,
    signal: follow.signal,
    what: `interface ${f.interface} (${how}; packets are not kept: the rows kept with each report are the connections seen)`,
    finish: async () => {
      await spool.stop();
      const folded = spool.foldedAttempts > 0 ? `; ${spool.foldedAttempts} one-packet attempts of a flood were folded (counted, not spooled: no row, no event)` : '';
      io.stderr(`flowaudit: watch: ${f.interface}: ${spool.packets} packets captured, ${spool.rows} connections spooled${folded}\n`);
      if (temporary) rmSync(dir, { recursive: true, force: true });
      return spool.captureError;
    },
  };
}
