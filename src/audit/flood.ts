/**
 * Flood fold: unanswered (or refused) unexpected connections beyond a budget are folded into one
 * aggregate per target (server, protocol, port) instead of one unexpected flow per client, so a
 * flood from many (or spoofed) sources costs a counter and a 4 KiB HyperLogLog, not an unexpected
 * group, a diagnosis and a Community ID sample per source.
 *
 * Policy, fed by the unexpected-groups step with each connection that would open a NEW group:
 *   - an answered connection never folds (an answered flow is a real exposure, listed as usual);
 *   - the first FLOOD_BUDGET unanswered groups of a target are listed as usual; beyond, the
 *     connection folds into its target's aggregate (server, protocol, port);
 *   - once MAX_GROUPS groups exist in all (or MAX_TARGETS targets are counted), a new unanswered
 *     group folds into its server's "many ports" aggregate (port: null), so a flood over random
 *     ports is one entry per server; after MAX_AGGREGATES per-port and MAX_AGGREGATES per-server
 *     aggregates, one aggregate for every server ('*'): memory stays bounded whatever the shape.
 * Counts (connections, packets, bytes, outcomes, states, first and last time) are exact; the number
 * of distinct sources is an estimate (HyperLogLog, relative standard error about 1.6%).
 * The connections of a client that already has a group still go to that group.
 */
import { ATTEMPT_BUDGET, HARD_BUDGET, type AttemptAggregate } from '../flows/attempt_fold.js';
import type { Connection } from '../flows/connection.js';
import { HLL_ERROR, HyperLogLog } from '../flows/hyperloglog.js';
import { zeroOutcomes } from './rule_acc.js';
import type { OutcomeCounts, StateCounts } from './result.js';
import { isoMicros } from './time.js';

/** Unanswered groups listed per target before its unanswered connections fold. */
export const FLOOD_BUDGET = 1000;
/** Groups listed in all before any new unanswered group folds. */
export const MAX_GROUPS = 2_000;
/** Targets whose listed unanswered groups are counted. */
export const MAX_TARGETS = 5_000;
/** Aggregates per port, and per server, kept; beyond, coarser (see above). */
export const MAX_AGGREGATES = 1_000;
const EXAMPLE_CLIENTS = 5;

/** One verdict reason for all the floods (each is in `floods`). */
export function floodReason(floods: readonly FloodAggregate[]): string | null {
  if (floods.length === 0) return null;
  const total = floods.reduce((n, f) => n + f.connections, 0);
  const top = floods[0]!;
  return `flood: ${total} unanswered unexpected connections folded beyond the budget into ${floods.length} entr${floods.length === 1 ? 'y' : 'ies'}; the largest to ${top.server} ${top.protocol}/${top.port ?? '*'}: ${top.connections} from about ${top.distinctClients} sources`;
}

export interface FloodAggregate {
  /** Server address, or '*' (many servers, after MAX_TARGETS per-server aggregates). */
  server: string;
  serverRoles: string[];
  protocol: string;
  /** Server port; null when the aggregate covers many ports. */
  port: number | null;
  /** Exact counts of the folded connections. */
  connections: number;
  packets: number;
  bytes: number;
  outcomes: OutcomeCounts;
  states: StateCounts;
  firstSeen: string;
  lastSeen: string;
  /** Estimated distinct source addresses (HyperLogLog) and its relative standard error. */
  distinctClients: number;
  distinctClientsError: number;
  /** The first few source addresses folded. */
  exampleClients: string[];
  /** Of `connections`, the attempts (one SYN or datagram, nothing back) the engine folded while reading (flows/attempt_fold.ts). */
  foldedWhileReading?: number;
  /** Replies that came after their attempt was folded while reading: up to that many of the attempts were answered (listed as usual). */
  lateAnswers?: number;
  /** Of those, attempts from inventory addresses, folded only at the engine's hard budget: their rules may lack failed attempts. */
  inventorySourceAttempts?: number;
  text: string;
}

/** A flood aggregate while it fills: the reported counts, plus times as numbers and the sketch. */
interface Acc extends Pick<FloodAggregate, 'server' | 'protocol' | 'port' | 'connections' | 'packets' | 'bytes' | 'outcomes' | 'states'> {
  serverRoles: readonly string[];
  first: number;
  last: number;
  clients: HyperLogLog;
  examples: string[];
  whileReading: number;
  lateAnswers: number;
  keptSources: number;
}

type Target = Pick<Connection, 'server' | 'protocol' | 'serverPort' | 'firstSeen' | 'lastSeen'>;

export class FloodFold {
  private readonly groupsPerTarget = new Map<string, number>();
  private readonly aggs = new Map<string, Acc>();
  private perPort = 0;
  private perServer = 0;
  /** How the last connection that folds folds: its own port's aggregate, or its server's many-ports one. */
  private manyPorts = false;

  /** Whether `c`, about to open a new unexpected group (`groups` exist), folds instead (then call add). */
  folds(c: Connection, groups: number): boolean {
    if (c.outcome === 'answered') return false;
    const key = `${c.server}|${c.protocol}|${c.serverPort}`;
    const n = this.groupsPerTarget.get(key);
    if (n !== undefined && n >= FLOOD_BUDGET) {
      this.manyPorts = false;
      return true;
    }
    if (groups >= MAX_GROUPS || (n === undefined && this.groupsPerTarget.size >= MAX_TARGETS)) {
      this.manyPorts = true;
      return true;
    }
    this.groupsPerTarget.set(key, (n ?? 0) + 1);
    return false;
  }

  /** Fold `c` (from a client with no group of its own) into its aggregate, as folds() decided. */
  add(c: Connection, serverRoles: readonly string[]): void {
    const a = this.accFor(c, serverRoles, this.manyPorts);
    a.connections += c.count;
    a.packets += c.packets;
    a.bytes += c.bytes;
    a.outcomes[c.outcome] += c.count;
    a.states[c.state] = (a.states[c.state] ?? 0) + c.count;
    if (c.firstSeen < a.first) a.first = c.firstSeen;
    if (c.lastSeen > a.last) a.last = c.lastSeen;
    a.clients.addWords(c.clientAddr);
    if (a.examples.length < EXAMPLE_CLIENTS && !a.examples.includes(c.client)) a.examples.push(c.client);
  }

  /**
   * Fold the attempts the engine folded while reading into the same aggregates (their sources are
   * no inventory addresses: the audit keeps those in the table, so no rule could have matched them).
   */
  addAttempts(f: AttemptAggregate, serverRoles: readonly string[]): void {
    const target: Target = { server: f.server, protocol: f.protocol, serverPort: f.port ?? 0, firstSeen: f.firstSeen, lastSeen: f.lastSeen };
    const a = this.accFor(target, serverRoles, f.port === null, f.server === '*');
    a.connections += f.connections;
    a.packets += f.packets;
    a.bytes += f.bytes;
    for (const o of ['answered', 'refused', 'unanswered'] as const) a.outcomes[o] += f.outcomes[o];
    for (const [st, n] of Object.entries(f.states) as [keyof StateCounts, number][]) a.states[st] = (a.states[st] ?? 0) + n;
    if (f.firstSeen < a.first) a.first = f.firstSeen;
    if (f.lastSeen > a.last) a.last = f.lastSeen;
    a.clients.merge(f.sources);
    for (const x of f.exampleClients) if (a.examples.length < EXAMPLE_CLIENTS && !a.examples.includes(x)) a.examples.push(x);
    a.whileReading += f.connections;
    a.lateAnswers += f.lateAnswers;
    if (f.keptSources) a.keptSources += f.connections;
  }

  get size(): number {
    return this.aggs.size;
  }

  results(): FloodAggregate[] {
    return [...this.aggs.values()]
      .sort((x, y) => y.connections - x.connections || (x.server < y.server ? -1 : x.server > y.server ? 1 : 0) || (x.port ?? -1) - (y.port ?? -1))
      .map((a) => {
        const distinct = Math.min(a.clients.estimate(), a.connections);
        const target = `${a.server === '*' ? 'many servers' : a.server} ${a.protocol}/${a.port ?? '*'}`;
        return {
          server: a.server, serverRoles: [...a.serverRoles], protocol: a.protocol, port: a.port,
          connections: a.connections, packets: a.packets, bytes: a.bytes, outcomes: a.outcomes, states: a.states,
          firstSeen: isoMicros(a.first), lastSeen: isoMicros(a.last),
          distinctClients: distinct, distinctClientsError: HLL_ERROR, exampleClients: a.examples,
          ...(a.whileReading > 0 ? { foldedWhileReading: a.whileReading, lateAnswers: a.lateAnswers } : {}),
          ...(a.keptSources > 0 ? { inventorySourceAttempts: a.keptSources } : {}),
          text:
            `flood to ${target}: ${a.connections} unexpected connections without an answer (${a.outcomes.refused} refused, ${a.outcomes.unanswered} unanswered${answeredText(a)}) ` +
            `from about ${distinct} source addresses (estimate, ±${(HLL_ERROR * 100).toFixed(1)}%; e.g. ${a.examples.join(', ')}), ${foldText(a)}`,
        };
      });
  }

  private accFor(c: Target, serverRoles: readonly string[], manyPorts: boolean, anyServer = false): Acc {
    let key = `${c.server}|${c.protocol}|${manyPorts ? '*' : c.serverPort}`;
    let a = this.aggs.get(key);
    if (a) return a;
    let server = c.server;
    let port: number | null = c.serverPort;
    if (manyPorts || this.perPort >= MAX_AGGREGATES) {
      port = null;
      key = `${c.server}|${c.protocol}|*`;
      if (!this.aggs.has(key) && (anyServer || this.perServer >= MAX_AGGREGATES)) {
        server = '*';
        key = `*|${c.protocol}|*`;
      }
      a = this.aggs.get(key);
      if (a) return a;
      if (server !== '*') this.perServer++;
    } else this.perPort++;
    a = {
      server, serverRoles: server === '*' ? [] : serverRoles, protocol: c.protocol, port, connections: 0, packets: 0, bytes: 0,
      outcomes: zeroOutcomes(), states: {}, first: c.firstSeen, last: c.lastSeen, clients: new HyperLogLog(), examples: [],
      whileReading: 0, lateAnswers: 0, keptSources: 0,
    };
    this.aggs.set(key, a);
    return a;
  }
}

/** How the entry's connections were folded: beyond the listed flows, while reading (flows/attempt_fold.ts), or both; and late answers. */
function foldText(a: Acc): string {
  const listed = `the budget of ${FLOOD_BUDGET} unanswered flows per target`;
  const reading = `the budget of ${ATTEMPT_BUDGET.toLocaleString('en')} live connections`;
  const w = a.whileReading;
  const how =
    w === 0
      ? `folded into one entry beyond ${listed}`
      : w === a.connections
        ? `single-packet attempts folded into one entry while reading, beyond ${reading}`
        : `folded into one entry: ${a.connections - w} beyond ${listed}, ${w} single-packet attempts while reading, beyond ${reading}`;
  const late = a.lateAnswers > 0 ? `; ${a.lateAnswers} repl${a.lateAnswers === 1 ? 'y' : 'ies'} came after their attempt was folded, so up to ${a.lateAnswers} of these may have been answered (those replies are listed as connections of their own)` : '';
  const kept =
    a.keptSources > 0
      ? `; ${a.keptSources} of them came from inventory addresses, folded only because the table reached its hard budget of ${HARD_BUDGET.toLocaleString('en')} live connections: they may be allowed flows, and the rules from those sources to this target may count fewer failed attempts than were made`
      : '';
  return how + late + kept;
}

/** Lone datagrams from a server port (no request seen) that the engine folded count as answered: say so. */
function answeredText(a: Acc): string {
  return a.outcomes.answered > 0 ? `, ${a.outcomes.answered} lone replies from a server port with no request seen` : '';
}
