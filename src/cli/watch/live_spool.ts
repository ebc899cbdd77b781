/**
 * `flowaudit watch -i IFACE`: packets from a live engine (the same ones `live` uses: cap,
 * dumpcap, tshark, tcpdump, pktmon, netsh) become connection facts in the packet FlowEngine, and
 * each connection, once it is done with, becomes one line of flowaudit's own `flows` JSON Lines
 * (the `flowaudit flows --format jsonl` format, read back by src/records/flowaudit_flows.ts) in a
 * spool file. The watch pipeline then follows the spool directory like any sensor's log directory:
 * the same events, rolling reports (with these rows kept beside them) and `verify`.
 *
 * A connection is written (and leaves memory) when:
 *   - it ended: TCP with a RST, or a FIN from both sides (one side, when seen midstream), and
 *     nothing more for CLOSE_GRACE (so the last ACK does not start a new connection);
 *   - it was idle for --idle-timeout (UDP, ICMP, unanswered attempts, half-closed TCP);
 *   - a reporting interval ends (engine clock): every connection left is written as it is so
 *     far, marked `"cut": "interval-end"` unless it is TCP that ended; later packets of a cut one
 *     make a new row (no SYN then: oriented by the server port);
 *   - watch stops: everything left, marked `"cut": "stopped"` likewise.
 * The spool is written every TICK (events within about a second of a connection ending) and
 * rotated at each interval end (flows.jsonl → flows.jsonl.<start>, the Zeek way, which the follower
 * follows); only the last KEEP_ROTATED rotated files stay. The packet table is bounded by the
 * attempt fold (flows/attempt_fold.ts): attempts folded there under a flood are counted, not spooled.
 */
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LiveEngine, LiveEngineName } from '../../capture/live_engine.js';
import { openLiveEngine } from '../../capture/live_engines.js';
import { pktmonFilters } from '../../capture/pktmon_filters.js';
import { messageOf } from '../../errors.js';
import { EV_FIN, EV_RST } from '../../flows/conn_state.js';
import type { Connection } from '../../flows/connection.js';
import type { ConnectionTable } from '../../flows/connection_table.js';
import type { ServerPorts } from '../../flows/direction.js';
import { FlowEngine } from '../../flows/flow_engine.js';
import type { Inventory, Matrix } from '../../matrix/types.js';
import { flowRecord } from '../commands/flows.js';

/** The spool file the follower watches (its rotated copies: flows.jsonl.<start>). */
export const SPOOL_NAME = 'flows.jsonl';
export const SPOOL_NAMES = /^flows\.jsonl$/;
export const TICK_MS = 250;
export const CLOSE_GRACE_US = 500_000;
export const KEEP_ROTATED = 3;

export interface LiveSpoolOptions {
  device: string;
  engine: LiveEngineName;
  filter: string;
  /** pktmon: no port filters from the matrix. */
  allTraffic: boolean;
  matrix: Matrix;
  inventory: Inventory;
  serverPorts: ServerPorts;
  dir: string;
  everyUs: number;
  idleUs: number;
  env: Record<string, string | undefined>;
}

type Cut = 'interval-end' | 'stopped' | null;

export class LiveSpool {
  private readonly flows: FlowEngine;
  private fd = -1;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private interval = NaN;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  /** Rows written so far. */
  rows = 0;
  /** Set when the capture ended by itself (the engine's error or its end). */
  captureError: string | null = null;
  private endedBySelf: (reason: string) => void = () => {};
  /** Resolves when the engine ended by itself (an error, its program exiting): watch then stops. */
  readonly ended = new Promise<string>((r) => (this.endedBySelf = r));

  private constructor(
    private readonly o: LiveSpoolOptions,
    readonly engine: LiveEngine,
  ) {
    this.flows = new FlowEngine({ serverPorts: o.serverPorts, keepClient: (a) => o.inventory.hasAddress(a) });
  }

  /** Open the engine and the spool, wait until the engine captures (a start failure is thrown). */
  static async start(o: LiveSpoolOptions): Promise<LiveSpool> {
    mkdirSync(o.dir, { recursive: true });
    const trace = o.engine === 'pktmon' && !o.allTraffic ? pktmonFilters(o.matrix.rules.flatMap((r) => r.portRanges.map((p) => ({ protocol: r.protocol, from: p.from, to: p.to })))) : { filters: [] };
    const engine = openLiveEngine(o.engine, { device: o.device, filter: o.filter, maxPackets: null, write: null, env: o.env, traceFilters: trace.filters });
    const s = new LiveSpool(o, engine);
    try {
      s.fd = openSync(join(o.dir, SPOOL_NAME), 'a');
      engine.start(
        (pkt) => s.flows.ingest(pkt),
        (e) => s.selfEnded(messageOf(e)),
        (pkt, component, reason) => s.flows.noteDrop(pkt, component, reason),
      );
      void engine.ended.then((reason) => s.selfEnded(null, reason));
      await engine.ready();
    } catch (e) {
      engine.kill();
      s.closeFile();
      throw e;
    }
    s.interval = Math.floor(engine.nowUs() / o.everyUs);
    s.ticker = setInterval(() => s.safeTick(), TICK_MS);
    return s;
  }

  get path(): string {
    return join(this.o.dir, SPOOL_NAME);
  }

  get packets(): number {
    return this.flows.packets;
  }

  /** The capture ended without being asked (an error, the program exiting): for a sensor, a failure (exit 2). */
  private selfEnded(error: string | null, reason = 'error'): void {
    if (this.stopped) return;
    if (this.captureError === null) this.captureError = error ?? `the capture ended by itself (${reason})`;
    this.endedBySelf(error ?? reason);
  }

  /** A spool that cannot be written (disk full, directory removed) ends the capture: one line, the final report. */
  private safeTick(): void {
    try {
      this.tick();
    } catch (e) {
      if (this.ticker) clearInterval(this.ticker);
      this.ticker = null;
      this.selfEnded(`the spool ${this.path} cannot be written: ${messageOf(e)}`);
    }
  }

  /** Every TICK: ended and idle connections out; at an interval's end, all of them, then rotate. */
  private tick(): void {
    const now = this.engine.nowUs();
    const iv = Math.floor(now / this.o.everyUs);
    if (iv > this.interval) {
      this.spool(() => true, 'interval-end');
      this.rotate(this.interval * this.o.everyUs);
      this.interval = iv;
      return;
    }
    const idle = this.o.idleUs;
    this.spool((t, id) => {
      const quiet = now - t.lastTs[id]!;
      return quiet > idle || (quiet > CLOSE_GRACE_US && ended(t, id));
    }, null);
  }

  /** Write the connections `pick` chooses as rows and take them out of the table. */
  private spool(pick: (t: ConnectionTable, id: number) => boolean, cut: Cut): void {
    let text = '';
    const names = this.flows.hints.facts;
    this.flows.release(pick, (c: Connection) => {
      const row: Record<string, unknown> = flowRecord(c, names);
      if (cut !== null && !(c.ipProto === 6 && ENDED.has(c.state))) row.cut = cut;
      text += `${JSON.stringify(row)}\n`;
      this.rows++;
    });
    if (text === '') return;
    if (this.fd < 0) throw new Error(`${this.rows} connection row(s) so far; the last ones could not be written (the file is not open)`);
    writeSync(this.fd, text);
  }

  /** The Zeek way: the live file renamed with its interval's start, a new one begun; old copies removed. */
  private rotate(startUs: number): void {
    this.closeFile();
    const stamp = new Date(startUs / 1000).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
    try {
      renameSync(this.path, `${this.path}.${stamp}`);
    } catch {
      // nothing written yet (or already moved): a new file is begun all the same
    }
    this.fd = openSync(this.path, 'a');
    const old = readdirSync(this.o.dir)
      .filter((n) => n.startsWith(`${SPOOL_NAME}.`))
      .sort();
    for (const n of old.slice(0, Math.max(0, old.length - KEEP_ROTATED))) {
      try {
        unlinkSync(join(this.o.dir, n));
      } catch {
        // removed by someone else: fine
      }
    }
  }

  /** Stop the engine, let it deliver what it holds, write every connection still open, close the spool. */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    try {
      await this.engine.stop(() => false);
    } catch (e) {
      if (this.captureError === null) this.captureError = messageOf(e);
    }
    this.flows.finish();
    try {
      this.spool(() => true, 'stopped');
    } catch (e) {
      if (this.captureError === null) this.captureError = `the spool ${this.path} cannot be written: ${messageOf(e)}`;
    }
    this.closeFile();
  }

  /** Attempts folded under a flood (counted, not spooled), for the closing note. */
  get foldedAttempts(): number {
    return this.flows.attempts.attempts - this.flows.attempts.restored;
  }

  private closeFile(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** TCP states of a connection that ended (not marked cut when written at an interval's end). */
const ENDED = new Set(['SF', 'REJ', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH']);

/**
 * TCP that ended: a RST from either side, or a FIN from both; for a connection seen midstream (no
 * SYN nor SYN-ACK: the rest of one cut at an interval's end, or begun before the capture), a FIN
 * from either side, since the other's may have come before.
 */
function ended(t: ConnectionTable, id: number): boolean {
  if (t.proto[id] !== 6) return false;
  const a = t.events[id << 1]!;
  const b = t.events[(id << 1) | 1]!;
  if (((a | b) & EV_RST) !== 0 || (a & b & EV_FIN) !== 0) return true;
  return t.handshake[id] === 0 && ((a | b) & EV_FIN) !== 0;
}
