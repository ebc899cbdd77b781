/**
 * Unexpected flows, per group (client roles or address, server, protocol, port): ONE event when a
 * group is first seen, then its count at most once per `--repeat` (written when a connection of
 * the group arrives after the repeat has passed, and for every group with new connections when
 * watch stops). Never one event per connection.
 *
 * Bounded: a client sweeping ports on a server gets PORTS_PER_PAIR groups, then one "many ports"
 * group (port `*`); beyond MAX_GROUPS groups, a new group folds into its server's group for any
 * client (`*`, one per server, protocol and port), and beyond MAX_GROUPS of those into one group for
 * everything else: the event says what was folded (`flowaudit.folded`). A group first seen during --learn is
 * a baseline group: reported as learned, never alerted afterwards (it stays in every rolling report).
 */
import { baseEvent, flowBlocks, keepFlow, spoken, type EventContext, type FlowSample, type WatchEvent } from './events.js';
import type { SavedGroups } from './saved_state.js';
import type { UnexpectedKey } from './tuple_class.js';

export const MAX_GROUPS = 5_000;
export const PORTS_PER_PAIR = 16;

const pairOf = (k: UnexpectedKey): string => `${k.client}|${k.server}|${k.protocol}`;

const FOLDED_TEXT = {
  ports: `more than ${PORTS_PER_PAIR} ports from this client to this server: every further port`,
  clients: `more than ${MAX_GROUPS} groups: every client of this server and port`,
  all: `more than twice the group budget (${MAX_GROUPS}): every further flow`,
} as const;

export interface Group {
  k: UnexpectedKey;
  first: number;
  last: number;
  connections: number;
  answered: number;
  /** Connections counted in the last event written. */
  reported: number;
  lastEventAt: number;
  baseline: boolean;
  folded: 'none' | 'ports' | 'clients' | 'all';
  sample: FlowSample;
}

export class UnexpectedWatch {
  private readonly groups = new Map<string, Group>();
  private folded = 0;
  /** Port groups per (client, server, protocol): beyond PORTS_PER_PAIR a sweep folds into one "many ports" group. */
  private readonly pairPorts = new Map<string, number>();

  constructor(private readonly repeatUs: number) {}

  get size(): number {
    return this.groups.size;
  }

  /** Groups first seen during the learning period. */
  get baseline(): number {
    let n = 0;
    for (const g of this.groups.values()) if (g.baseline) n++;
    return n;
  }

  /** One unexpected connection at log time `t`. */
  add(k: UnexpectedKey, t: number, answered: boolean, flow: FlowSample, ctx: EventContext, out: WatchEvent[]): void {
    let g = this.groups.get(k.key);
    let isNew = false;
    if (g === undefined) {
      const r = this.resolve(k);
      g = this.groups.get(r.k.key);
      if (g === undefined) {
        isNew = true;
        g = { k: r.k, first: t, last: t, connections: 0, answered: 0, reported: 0, lastEventAt: t, baseline: ctx.learning, folded: r.folded, sample: keepFlow(flow) };
        this.groups.set(r.k.key, g);
        if (r.folded === 'none') this.pairPorts.set(pairOf(k), (this.pairPorts.get(pairOf(k)) ?? 0) + 1);
        else if (r.folded === 'clients') this.folded++;
      }
    }
    g.connections++;
    if (answered) g.answered++;
    if (t > g.last) g.last = t;
    if (isNew) {
      g.reported = g.connections;
      out.push(this.event(g, t, 'unexpected-flow', ctx));
      return;
    }
    if (g.baseline && !ctx.learning) return;
    if (g.connections > g.reported && t - g.lastEventAt >= this.repeatUs) out.push(this.update(g, t, ctx));
  }

  /** The group a connection with no exact group goes to: its own, or a fold (see the file comment). */
  private resolve(k: UnexpectedKey): { k: UnexpectedKey; folded: Group['folded'] } {
    if ((this.pairPorts.get(pairOf(k)) ?? 0) >= PORTS_PER_PAIR) return { k: { ...k, key: `${pairOf(k)}|*`, port: -1, expected: [] }, folded: 'ports' };
    if (this.groups.size < MAX_GROUPS) return { k, folded: 'none' };
    if (this.folded < MAX_GROUPS) return { k: { ...k, key: `*|${k.server}|${k.protocol}|${k.port}`, client: '*', clientRoles: [] }, folded: 'clients' };
    return { k: { key: '*', client: '*', clientRoles: [], server: '*', serverRoles: [], protocol: '*', port: -1, expected: [] }, folded: 'all' };
  }

  private fields(g: Group): Record<string, unknown> {
    return {
      group_key: g.k.key,
      client: g.k.client,
      client_roles: g.k.clientRoles,
      server: g.k.server,
      server_roles: g.k.serverRoles,
      protocol: g.k.protocol,
      port: g.k.port,
      expected_rules: g.k.expected,
      connections: g.connections,
      answered: g.answered,
      first_seen: new Date(Math.floor(g.first / 1000)).toISOString(),
      last_seen: new Date(Math.floor(g.last / 1000)).toISOString(),
      ...(g.baseline ? { baseline: true } : {}),
      ...(g.folded !== 'none' ? { folded: FOLDED_TEXT[g.folded] } : {}),
    };
  }

  private event(g: Group, t: number, action: string, ctx: EventContext): WatchEvent {
    const what = `${g.k.protocol}${g.k.protocol === 'tcp' || g.k.protocol === 'udp' ? `/${g.k.port < 0 ? '*' : g.k.port}` : ''} from ${g.k.client} to ${g.k.server}`;
    const reason = `unexpected ${what}: no enabled rule of ${ctx.hashes.matrix.name} allows it${g.baseline ? ' (learning: baseline, not alerted later)' : ''}`;
    const e = baseEvent(ctx, t, 'alert', action, reason, this.fields(g));
    const ev = e.event as Record<string, unknown>;
    ev.type = ['connection', 'denied'];
    g.lastEventAt = t;
    return { ...e, ...flowBlocks(g.sample) };
  }

  private update(g: Group, t: number, ctx: EventContext): WatchEvent {
    const since = g.connections - g.reported;
    const previous = g.lastEventAt;
    const e = this.event(g, t, 'unexpected-flow-count', ctx);
    const ev = e.event as Record<string, unknown>;
    ev.reason = `${since} more unexpected connection${since === 1 ? '' : 's'} ${g.k.protocol}/${g.k.port < 0 ? '*' : g.k.port} from ${g.k.client} to ${g.k.server} in ${spoken(t - previous)}; ${g.connections} since ${new Date(Math.floor(g.first / 1000)).toISOString()}`;
    (e.flowaudit as Record<string, unknown>).new_connections = since;
    g.reported = g.connections;
    return e;
  }

  /** What the state file keeps (saved_state.ts): every group as it stands, and the fold counters. */
  snapshot(): SavedGroups {
    return { folded: this.folded, pairPorts: [...this.pairPorts], list: [...this.groups.values()].map((g) => ({ ...g })) };
  }

  /** Resumes a snapshot (checked by watch_state.ts: at most as many groups as the live state holds). Replaces all groups. */
  restore(saved: SavedGroups): void {
    this.groups.clear();
    this.pairPorts.clear();
    this.folded = saved.folded;
    for (const [pair, n] of saved.pairPorts) this.pairPorts.set(pair, n);
    for (const g of saved.list) this.groups.set(g.k.key, { ...g });
  }

  /** Watch stops: a count event for every group with connections not yet reported. */
  flush(t: number, ctx: EventContext, out: WatchEvent[]): void {
    for (const g of this.groups.values()) {
      if (g.connections > g.reported && !(g.baseline && !ctx.learning)) out.push(this.update(g, t, ctx));
    }
  }
}
