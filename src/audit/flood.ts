/**
 * Flood fold: unanswered (or refused) unexpected connections beyond a budget are folded into one
 * aggregate per target (server, protocol, port) instead of one unexpected flow per client, so a
 * flood from many (or spoofed) sources costs a counter and a 4 KiB HyperLogLog, not an unexpected
 * group, a diagnosis and a Community ID sample per source.
 *
 * Policy, fed by the unexpected-groups step with each connection that would open a NEW group:
 *   - an answered connection never folds (an answered flow is a real exposure, listed as usual);
 *   - the first FLOOD_BUDGET unanswered groups of a target are listed as usual, and so is any
 *     unanswered group while fewer than MAX_GROUPS groups exist in all; beyond that the
 *     connection folds into its target's aggregate (so the fold only starts under a flood);
 *   - at most MAX_TARGETS aggregates per port; then per server and protocol (port: null, "many
 *     ports"), then one aggregate for every server ('*'): memory stays bounded whatever the shape.
 * Counts (connections, packets, bytes, outcomes, states, first and last time) are exact; the number
 * of distinct sources is an estimate (HyperLogLog, relative standard error about 1.6%).
 * The connections of a client that already has a group still go to that group.
 */
import type { Connection } from '../flows/connection.js';
import { HLL_ERROR, HyperLogLog } from './hyperloglog.js';
import { zeroOutcomes } from './rule_acc.js';
import type { OutcomeCounts, StateCounts } from './result.js';
import { isoMicros } from './time.js';

/** Unanswered groups listed per target before its unanswered connections fold. */
export const FLOOD_BUDGET = 1000;
/** Groups listed in all before any new unanswered group folds. */
export const MAX_GROUPS = 20_000;
/** Aggregates per port kept; beyond, per server and protocol, then one for all. */
export const MAX_TARGETS = 10_000;
const EXAMPLE_CLIENTS = 5;

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
  text: string;
}

interface Acc {
  server: string;
  serverRoles: readonly string[];
  protocol: string;
  port: number | null;
  connections: number;
  packets: number;
  bytes: number;
  outcomes: OutcomeCounts;
  states: StateCounts;
  first: number;
  last: number;
  clients: HyperLogLog;
  examples: string[];
}

export class FloodFold {
  private readonly groupsPerTarget = new Map<string, number>();
  private readonly aggs = new Map<string, Acc>();
  private perPort = 0;
  private perServer = 0;

  /** Whether `c`, about to open a new unexpected group (`groups` exist), folds instead. */
  folds(c: Connection, groups: number): boolean {
    if (c.outcome === 'answered') return false;
    const key = `${c.server}|${c.protocol}|${c.serverPort}`;
    const n = this.groupsPerTarget.get(key);
    if (groups < MAX_GROUPS && (n ?? 0) < FLOOD_BUDGET && (n !== undefined || this.groupsPerTarget.size < MAX_TARGETS)) {
      this.groupsPerTarget.set(key, (n ?? 0) + 1);
      return false;
    }
    return true;
  }

  /** Fold `c` (from a client with no group of its own) into its target's aggregate. */
  add(c: Connection, serverRoles: readonly string[]): void {
    const a = this.accFor(c, serverRoles);
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
          text:
            `flood to ${target}: ${a.connections} unexpected connections without an answer (${a.outcomes.refused} refused, ${a.outcomes.unanswered} unanswered) ` +
            `from about ${distinct} source addresses (estimate, ±${(HLL_ERROR * 100).toFixed(1)}%; e.g. ${a.examples.join(', ')}), folded into one entry beyond the budget of ${FLOOD_BUDGET} unanswered flows per target`,
        };
      });
  }

  private accFor(c: Connection, serverRoles: readonly string[]): Acc {
    let key = `${c.server}|${c.protocol}|${c.serverPort}`;
    let a = this.aggs.get(key);
    if (a) return a;
    let server = c.server;
    let port: number | null = c.serverPort;
    if (this.perPort >= MAX_TARGETS) {
      port = null;
      key = `${c.server}|${c.protocol}|*`;
      if (!this.aggs.has(key) && this.perServer >= MAX_TARGETS) {
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
    };
    this.aggs.set(key, a);
    return a;
  }
}
