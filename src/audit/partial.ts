/**
 * Per-member failures of one rule (issue 8): a server that was tried and never answered while the
 * rule was answered elsewhere (dc2 refuses tcp/3268 while dc1 answers), or a client whose every
 * attempt went unanswered while other clients got through. Either makes the rule `partial`: AMS
 * picks any domain controller, so a firewall that blocks one of them is a real failure.
 */
import type { Connection } from '../flows/connection.js';

export type FailureHow = 'refused' | 'unanswered' | 'icmp-unreachable' | 'no-reply' | 'mixed' | 'never-tried';

export interface MemberFailure {
  /** 'server': a destination member never answered; 'client': a source never got an answer; 'member': --require-all-members, never tried. */
  side: 'server' | 'client' | 'member';
  /** Address, or the inventory member text for a never-tried member. */
  address: string;
  name: string | null;
  protocol: string;
  /** Server port(s) tried, comma-separated ('' for a never-tried member). */
  port: string;
  how: FailureHow;
  attempts: number;
  /** e.g. "dc2 (10.66.0.3) tcp/3268 refused". */
  text: string;
}

interface EndAcc {
  protocol: string;
  attempts: number;
  answered: number;
  refused: number;
  unanswered: number;
  icmp: number;
  noReply: number;
  /** The first 8 server ports tried (an array: one of these per client and rule, thousands of them). */
  ports: number[];
}

const MAX_ENDS = 5000;
const MAX_LISTED = 20;

/**
 * An end answered at least once is never a failing member, so it keeps no counts: the map holds
 * `true` for it (no object per answered client: thousands per rule in a large capture, all of
 * which the garbage collector would otherwise copy). An end keeps an EndAcc while every one of
 * its connections failed.
 */
type End = EndAcc | true;

function bump(m: Map<string, End>, key: string, c: Connection, icmp: boolean): void {
  let e = m.get(key);
  if (e === true) return;
  if (c.outcome === 'answered') {
    if (e !== undefined || m.size < MAX_ENDS) m.set(key, true);
    return;
  }
  if (!e) {
    if (m.size >= MAX_ENDS) return;
    m.set(key, (e = { protocol: c.protocol, attempts: 0, answered: 0, refused: 0, unanswered: 0, icmp: 0, noReply: 0, ports: [c.serverPort] }));
  }
  const n = c.count;
  e.attempts += n;
  const ports = e.ports;
  if (ports.length < 8 && !ports.includes(c.serverPort)) ports.push(c.serverPort);
  if (icmp) e.icmp += n;
  else if (c.protocol === 'udp') e.noReply += n;
  else if (c.outcome === 'refused') e.refused += n;
  else e.unanswered += n;
}

function howOf(e: EndAcc): FailureHow {
  const kinds = [e.refused > 0, e.unanswered > 0, e.icmp > 0, e.noReply > 0].filter(Boolean).length;
  if (kinds > 1) return 'mixed';
  if (e.refused > 0) return 'refused';
  if (e.icmp > 0) return 'icmp-unreachable';
  if (e.noReply > 0) return 'no-reply';
  return 'unanswered';
}

function howText(e: EndAcc): string {
  const parts: string[] = [];
  if (e.refused) parts.push(e.attempts === e.refused ? 'refused' : `${e.refused} refused`);
  if (e.unanswered) parts.push(e.attempts === e.unanswered ? 'unanswered' : `${e.unanswered} unanswered`);
  if (e.icmp) parts.push(e.attempts === e.icmp ? 'ICMP unreachable' : `${e.icmp} ICMP unreachable`);
  if (e.noReply) parts.push(e.attempts === e.noReply ? 'no reply' : `${e.noReply} without reply`);
  return parts.join(', ');
}

/** "dc2 (10.66.0.3)" when the address has a name, else the address. */
export type NameOf = (address: string) => string | null;
export function nameFirst(address: string, name: string | null): string {
  return name && name !== address ? `${name} (${address})` : address;
}

export class PartialAcc {
  private readonly servers = new Map<string, End>();
  private readonly clients = new Map<string, End>();
  private answered = 0;

  /** `icmp`: an ICMP unreachable quoted one of this connection's packets. */
  add(c: Connection, icmp: boolean): void {
    if (c.outcome === 'answered') this.answered += c.count;
    bump(this.servers, c.server, c, icmp);
    bump(this.clients, c.client, c, icmp);
  }

  /** Members that were tried and never answered, when the rule was answered for someone (else none). */
  finish(nameOf: NameOf, sortAddrs: (xs: Iterable<string>) => string[]): MemberFailure[] {
    if (this.answered === 0) return [];
    const out: MemberFailure[] = [];
    const side = (m: Map<string, End>, kind: 'server' | 'client'): void => {
      const failing: string[] = [];
      m.forEach((e, a) => {
        if (e !== true && e.attempts > 0) failing.push(a);
      }); // forEach: no iterator entry per end (thousands per rule)
      // A client failing while others succeed only counts if the rule was answered for other clients.
      if (failing.length === m.size) return;
      for (const a of sortAddrs(failing)) {
        const e = m.get(a) as EndAcc;
        const name = nameOf(a);
        const port = `${[...e.ports].sort((x, y) => x - y).join(',')}`;
        const who = kind === 'client' ? `client ${nameFirst(a, name)}` : nameFirst(a, name);
        out.push({ side: kind, address: a, name, protocol: e.protocol, port, how: howOf(e), attempts: e.attempts, text: `${who} ${e.protocol}/${port} ${howText(e)}` });
      }
    };
    side(this.servers, 'server');
    side(this.clients, 'client');
    return out.slice(0, MAX_LISTED);
  }
}
