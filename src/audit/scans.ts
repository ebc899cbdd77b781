/**
 * Scan summary: one client reaching many ports or many hosts, mostly without an answer (a port
 * scan, a host sweep, a worm), is reported as ONE finding per scanning client instead of one
 * unexpected flow per probed port: how many probes, ports and hosts, how many were answered.
 *
 * Policy over connection facts, fed by runAudit with the connections that matched no rule:
 * - an answered connection is always also reported as an unexpected flow (an open port is a
 *   real exposure), and counts here towards the client's ports, hosts and answered probes;
 * - an unanswered or refused one is held back by its id (4 bytes, no object, no string) until
 *   the audit knows whether its client is a scanner. A scanner's probes are only counted here;
 *   the held probes of any other client are handed back to become unexpected flows as usual.
 * A client becomes a scanner once it has at least MIN_PROBES unanswered/refused unexpected
 * connections, more of them than answered ones, over at least MIN_TARGETS distinct server ports
 * or MIN_TARGETS distinct hosts. So a 1,000,000-port SYN scan costs a finding and a port set, and
 * one client hammering a single port stays one unexpected flow.
 */
import type { Connection } from '../flows/connection.js';
import { isoMicros } from './time.js';

export const MIN_PROBES = 100;
export const MIN_TARGETS = 50;
/**
 * Clients tracked at most (a flood of spoofed sources must not cost a tracker per source): the
 * connections of further clients are not held; they go to the unexpected groups, where a flood
 * past its budget folds (flood.ts).
 */
export const MAX_TRACKED_CLIENTS = 5_000;
/** Answered (open) ports listed per finding. */
const MAX_OPEN_LISTED = 50;

export interface ScanFinding {
  client: string;
  clientRoles: string[];
  /** Protocols probed ('tcp', 'udp', 'icmp', ...), sorted. */
  protocols: string[];
  /** Unexpected connections from this client (all outcomes). */
  probes: number;
  answered: number;
  refused: number;
  unanswered: number;
  /** Distinct server ports (TCP/UDP) and distinct hosts reached. */
  ports: number;
  hosts: number;
  lowPort: number | null;
  highPort: number | null;
  /** Answered server:port pairs ("10.0.0.2 tcp/389"), sorted, at most 50; they are also unexpected flows. */
  open: string[];
  firstSeen: string;
  lastSeen: string;
  text: string;
  /** Issue 12: names of the scanning client, best first, with their evidence source (audit/grouping.ts). */
  clientNames?: { name: string; source: string }[];
}

interface ClientAcc {
  client: string;
  clientRoles: readonly string[];
  index: number;
  scanner: boolean;
  probes: number;
  answered: number;
  refused: number;
  unanswered: number;
  ports: Set<number>;
  hosts: Set<string>;
  protocols: Set<string>;
  open: Set<string>;
  first: number;
  last: number;
}

/** Growable Int32 list (held ids and their client index: 8 bytes per held probe). */
class IntList {
  a = new Int32Array(256);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

export class ScanDetector {
  private readonly clients = new Map<string, ClientAcc>();
  private readonly list: ClientAcc[] = [];
  private readonly heldIds = new IntList();
  private readonly heldClient = new IntList();

  /**
   * Account one unexpected connection (it matched no enabled rule). Returns true when the caller
   * must NOT report it as an unexpected flow now: it is a probe of a scanner (counted here), or it
   * is held until release() decides.
   */
  add(c: Connection, clientRoles: readonly string[]): boolean {
    let a = this.clients.get(c.client);
    if (a === undefined) {
      if (this.list.length >= MAX_TRACKED_CLIENTS) return false;
      a = {
        client: c.client, clientRoles, index: this.list.length, scanner: false,
        probes: 0, answered: 0, refused: 0, unanswered: 0,
        ports: new Set(), hosts: new Set(), protocols: new Set(), open: new Set(),
        first: c.firstSeen, last: c.lastSeen,
      };
      this.clients.set(c.client, a);
      this.list.push(a);
    }
    const n = c.count;
    a.probes += n;
    if (c.protocol === 'tcp' || c.protocol === 'udp') a.ports.add(c.serverPort);
    a.hosts.add(c.server);
    a.protocols.add(c.protocol);
    if (c.firstSeen < a.first) a.first = c.firstSeen;
    if (c.lastSeen > a.last) a.last = c.lastSeen;
    if (c.outcome === 'answered') {
      a.answered += n;
      if (a.open.size < 10_000) a.open.add(`${c.server} ${c.protocol}/${c.serverPort}`);
      return false;
    }
    if (c.outcome === 'refused') a.refused += n;
    else a.unanswered += n;
    if (a.scanner) return true;
    this.heldIds.push(c.id);
    this.heldClient.push(a.index);
    const failed = a.refused + a.unanswered;
    if (failed >= MIN_PROBES && failed > a.answered && (a.ports.size >= MIN_TARGETS || a.hosts.size >= MIN_TARGETS)) a.scanner = true;
    return true;
  }

  /** Ids of held connections whose client turned out not to be a scanner, in the order they came. */
  release(): number[] {
    const out: number[] = [];
    const ids = this.heldIds.a;
    const cl = this.heldClient.a;
    for (let i = 0; i < this.heldIds.n; i++) if (!this.list[cl[i]!]!.scanner) out.push(ids[i]!);
    return out;
  }

  /** One finding per scanning client, sorted by probes (most first), then client. */
  findings(short: (address: string) => string = (a) => a): ScanFinding[] {
    return this.list
      .filter((a) => a.scanner)
      .map((a) => finding(a, short))
      .sort((x, y) => y.probes - x.probes || (x.client < y.client ? -1 : x.client > y.client ? 1 : 0));
  }
}

function finding(a: ClientAcc, short: (address: string) => string): ScanFinding {
  let low: number | null = null;
  let high: number | null = null;
  for (const p of a.ports) {
    if (low === null || p < low) low = p;
    if (high === null || p > high) high = p;
  }
  // 12,345: grouped by hand rather than toLocaleString, which loads ICU's number formatting (~10 ms).
  const fmt = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const plural = (n: number, w: string): string => `${fmt(n)} ${w}${n === 1 ? '' : 's'}`;
  const range = low === null ? '' : low === high ? ` (port ${low})` : ` (ports ${low}–${high})`;
  const text =
    `${short(a.client)} probed ${plural(a.ports.size, 'port')}${range} on ${plural(a.hosts.size, 'host')}: ` +
    `${plural(a.probes, 'connection')}, ${fmt(a.answered)} answered, ${fmt(a.refused)} refused, ${fmt(a.unanswered)} unanswered — a scan pattern; ` +
    `its answered connections are listed as unexpected flows`;
  return {
    client: a.client,
    clientRoles: [...a.clientRoles],
    protocols: [...a.protocols].sort(),
    probes: a.probes,
    answered: a.answered,
    refused: a.refused,
    unanswered: a.unanswered,
    ports: a.ports.size,
    hosts: a.hosts.size,
    lowPort: low,
    highPort: high,
    open: [...a.open].sort().slice(0, MAX_OPEN_LISTED),
    firstSeen: isoMicros(a.first),
    lastSeen: isoMicros(a.last),
    text,
  };
}

/** The pure form: the scan findings over a list of unexpected connections (tests, small inputs). */
export function detectScans(unexpected: Iterable<Connection>, rolesOf: (c: Connection) => readonly string[] = () => []): ScanFinding[] {
  const d = new ScanDetector();
  for (const c of unexpected) d.add(c, rolesOf(c));
  return d.findings();
}
