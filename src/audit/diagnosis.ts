/**
 * How the connections of a rule or an unexpected group went, counted and said in an admin's words:
 * answered, refused (RST to the SYN: REJ), unanswered (S0), reset mid-way (RSTO/RSTR after the
 * handshake), UDP without a reply, and ICMP unreachables that quote one of the connection's packets.
 */
import type { Connection } from '../flows/connection.js';
import type { IcmpQuote } from '../flows/hints.js';
import { dropTexts, type DropNamer } from './drops.js';

export interface DiagnosisCounts {
  attempts: number;
  answered: number;
  /** TCP attempts refused with a reset (REJ). */
  refused: number;
  /** TCP attempts with no reply at all (S0 and the like). */
  unanswered: number;
  /** Answered TCP connections that ended in a reset (RSTO, RSTR). */
  resetMidway: number;
  /** UDP exchanges without any reply. */
  udpNoReply: number;
  /** Connections an ICMP destination-unreachable was received for. */
  icmpUnreachable: number;
}

/** One server (or one client → server pair) whose connections did not all go well. */
export interface DiagnosisFinding extends DiagnosisCounts {
  client: string;
  server: string;
  protocol: string;
  port: string;
  /** ICMP reports: e.g. "administratively prohibited from 10.0.0.1". */
  icmp: string[];
  /** Windows Packet Monitor drop events of these connections' packets (ETL inputs): which component dropped them, and why. */
  drops?: string[];
  text: string;
  /** Issue 12: names of the client (when one address) and the server, best first (audit/grouping.ts). */
  clientNames?: { name: string; source: string }[];
  serverNames?: { name: string; source: string }[];
}

export interface Diagnosis extends DiagnosisCounts {
  /** One line summing up the counts. */
  summary: string;
  /** Per server (and its clients) with a problem, worst first (none answered before partly answered). */
  findings: DiagnosisFinding[];
}

const MAX_SERVERS = 1000;
const MAX_FINDINGS = 20;

const zero = (): DiagnosisCounts => ({ attempts: 0, answered: 0, refused: 0, unanswered: 0, resetMidway: 0, udpNoReply: 0, icmpUnreachable: 0 });

interface ServerAcc extends DiagnosisCounts {
  server: string;
  protocol: string;
  clients: Set<string>;
  moreClients: boolean;
  ports: Set<number>;
  icmp: Map<string, number>;
  lastClient: string;
  lastPort: number;
  /** pktmon drop events, `component/reason` → packets. */
  drops: Map<string, number> | null;
}

/** ICMP unreachable codes in words (RFC 792/1812, RFC 4443). */
export function icmpUnreachableText(v6: boolean, code: number): string {
  if (v6) {
    return ['no route to destination', 'administratively prohibited', 'beyond scope of source address', 'address unreachable', 'port unreachable', 'source address failed ingress/egress policy', 'reject route to destination'][code] ?? `unreachable code ${code}`;
  }
  const v4: Record<number, string> = {
    0: 'network unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable', 4: 'fragmentation needed',
    5: 'source route failed', 6: 'destination network unknown', 7: 'destination host unknown', 9: 'network administratively prohibited',
    10: 'host administratively prohibited', 13: 'administratively prohibited', 11: 'network unreachable for TOS', 12: 'host unreachable for TOS',
  };
  return v4[code] ?? `unreachable code ${code}`;
}

function bump(x: DiagnosisCounts, c: Connection, n: number, icmp: boolean): void {
  x.attempts += n;
  if (c.outcome === 'answered') {
    x.answered += n;
    if (c.state === 'RSTO' || c.state === 'RSTR') x.resetMidway += n;
  } else if (icmp) x.icmpUnreachable += n;
  else if (c.protocol === 'udp') x.udpNoReply += n;
  else if (c.outcome === 'refused') x.refused += n;
  else x.unanswered += n;
}

export class DiagnosisAcc {
  readonly total: DiagnosisCounts = zero();
  private readonly servers = new Map<string, ServerAcc>();

  add(c: Connection, icmp: IcmpQuote | undefined, drops?: ReadonlyMap<string, number>): void {
    const n = c.count;
    const t = this.total;
    let s = this.servers.get(c.server);
    if (!s && this.servers.size < MAX_SERVERS) {
      s = { ...zero(), server: c.server, protocol: c.protocol, clients: new Set(), moreClients: false, ports: new Set(), icmp: new Map(), lastClient: '', lastPort: -1, drops: null };
      this.servers.set(c.server, s);
    }
    bump(t, c, n, icmp !== undefined);
    if (s) bump(s, c, n, icmp !== undefined);
    if (s) {
      // Most connections repeat the previous client and port of their server: skip the Set work then.
      if (c.client !== s.lastClient) {
        s.lastClient = c.client;
        if (s.clients.size < 4) s.clients.add(c.client);
        else if (!s.clients.has(c.client)) s.moreClients = true;
      }
      if (c.serverPort !== s.lastPort) {
        s.lastPort = c.serverPort;
        if (s.ports.size < 8) s.ports.add(c.serverPort);
      }
      if (drops) {
        s.drops ??= new Map();
        for (const [k, n] of drops) s.drops.set(k, (s.drops.get(k) ?? 0) + n);
      }
      if (icmp && c.outcome !== 'answered') {
        const what = `${icmpUnreachableText(icmp.icmpv6, icmp.code)} from ${icmp.from}`;
        s.icmp.set(what, (s.icmp.get(what) ?? 0) + n);
      }
    }
  }

  /** The result, with labels for addresses (inventory or learned names) where known. */
  finish(label: (address: string) => string, dropName?: DropNamer): Diagnosis {
    const t = this.total;
    const findings: DiagnosisFinding[] = [];
    for (const s of this.servers.values()) {
      const failedN = s.attempts - s.answered;
      if (failedN === 0 && s.resetMidway === 0 && s.drops === null) continue;
      const clients = [...s.clients].sort();
      const client = clients.length === 1 && !s.moreClients ? clients[0]! : `${s.moreClients ? 'more than ' : ''}${clients.length} clients`;
      const port = [...s.ports].sort((a, b) => a - b).join(',');
      const icmp = [...s.icmp.keys()].sort();
      const who = `${clients.length === 1 && !s.moreClients ? label(client) : client} → ${label(s.server)} ${s.protocol}/${port}`;
      const between = `between ${clients.length === 1 && !s.moreClients ? client : 'the clients'} and ${s.server}`;
      findings.push({
        client, server: s.server, protocol: s.protocol, port, icmp,
        attempts: s.attempts, answered: s.answered, refused: s.refused, unanswered: s.unanswered,
        resetMidway: s.resetMidway, udpNoReply: s.udpNoReply, icmpUnreachable: s.icmpUnreachable,
        text: `${who}: ${explain(s, between, icmp)}`,
      });
      if (s.drops !== null && dropName) {
        // The capturing host itself dropped them: that, not a guess about a firewall on the way, is the cause.
        const f = findings[findings.length - 1]!;
        f.drops = dropTexts(s.drops, dropName);
        const seen = `Windows Packet Monitor saw ${f.drops.join(', ')}`;
        f.text = s.answered === 0 && failedN > 0 ? `${who}: ${plural(s.attempts, 'attempt')}, none answered — dropped on the capturing host: ${seen}` : `${f.text}; ${seen}`;
      }
    }
    findings.sort((a, b) => Number(a.answered > 0) - Number(b.answered > 0) || b.attempts - a.attempts || (a.server < b.server ? -1 : a.server > b.server ? 1 : 0));
    return { ...t, summary: summarise(t), findings: findings.slice(0, MAX_FINDINGS) };
  }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "5 attempts: 3 answered, 1 refused (REJ), 1 unanswered (S0)". */
export function summarise(t: DiagnosisCounts): string {
  if (t.attempts === 0) return 'no attempts';
  const parts: string[] = [];
  if (t.answered) parts.push(`${t.answered} answered`);
  if (t.resetMidway) parts.push(`${t.resetMidway} reset mid-way`);
  if (t.refused) parts.push(`${t.refused} refused (REJ)`);
  if (t.unanswered) parts.push(`${t.unanswered} unanswered (S0)`);
  if (t.udpNoReply) parts.push(`${t.udpNoReply} UDP without reply`);
  if (t.icmpUnreachable) parts.push(`${t.icmpUnreachable} ICMP unreachable`);
  return `${plural(t.attempts, 'attempt')}: ${parts.join(', ')}`;
}

function explain(s: ServerAcc, between: string, icmp: string[]): string {
  const n = s.attempts;
  const failed = n - s.answered;
  const att = plural(n, 'attempt');
  if (s.answered > 0) {
    const parts: string[] = [];
    if (s.refused) parts.push(`${s.refused} refused`);
    if (s.unanswered) parts.push(`${s.unanswered} unanswered`);
    if (s.udpNoReply) parts.push(`${s.udpNoReply} without reply`);
    if (s.icmpUnreachable) parts.push(`${s.icmpUnreachable} ICMP unreachable`);
    const resets = s.resetMidway ? `${plural(s.resetMidway, 'connection')} reset mid-way` : '';
    if (failed === 0) return `${att}, all answered, but ${resets} — check for idle timeouts or a middlebox resetting sessions ${between}`;
    return `${att}, ${s.answered} answered, ${failed} failed (${parts.join(', ')})${resets ? `, ${resets}` : ''} — intermittent: check load balancing, rate limits or a flapping path ${between}`;
  }
  if (s.icmpUnreachable === failed) {
    const prohibited = [...s.icmp.keys()].some((k) => /prohibited|policy|reject/.test(k));
    const from = icmp.map((x) => x.replace(/^.* from /, '')).filter((x, i, a) => a.indexOf(x) === i);
    const atServer = from.length === 1 && from[0] === s.server;
    const cause = prohibited
      ? `rejected by a firewall at ${from.join(', ')}`
      : atServer
        ? `nothing listens on ${s.server} ${s.protocol}/${[...s.ports].join(',')}`
        : `not reachable from here (router ${from.join(', ')})`;
    return `${att}, none answered; ICMP ${icmp.join('; ')} — ${cause}`;
  }
  if (s.refused === failed) return `${att}, ${n === 1 ? 'refused' : 'all refused'} (TCP reset) — nothing listens on ${s.server} ${s.protocol}/${[...s.ports].join(',')}, or a firewall rejects it`;
  if (s.unanswered === failed) return `${att}, none answered — likely dropped by a firewall ${between}`;
  if (s.udpNoReply === failed) return `${plural(n, 'UDP exchange')} without a reply — dropped by a firewall ${between}, or no service listening`;
  const parts: string[] = [];
  if (s.refused) parts.push(`${s.refused} refused`);
  if (s.unanswered) parts.push(`${s.unanswered} unanswered`);
  if (s.udpNoReply) parts.push(`${s.udpNoReply} UDP without reply`);
  if (s.icmpUnreachable) parts.push(`${s.icmpUnreachable} ICMP unreachable (${icmp.join('; ')})`);
  return `${att}, none answered (${parts.join(', ')}) — check host firewalls and network ACLs ${between}`;
}
