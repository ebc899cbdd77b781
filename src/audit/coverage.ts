/**
 * Per-member coverage of a rule: for each member of the rule's destination role, whether it was
 * reached (an answered connection), failed (connections, none answered) or never tried. Single
 * addresses and host names are members one by one; a CIDR, range or *.suffix member summarises
 * the addresses that fell in it.
 */
import type { Connection } from '../flows/connection.js';
import { parseMember } from '../matrix/inventory.js';
import type { InventoryMember, MemberKind } from '../matrix/types.js';

export type CoverageStatus = 'reached' | 'failed' | 'never-tried';

export interface CoverageEntry {
  /** The member as written in the inventory (or the matrix's default host name). */
  member: string;
  kind: MemberKind;
  /** Friendly name from the inventory, or null. */
  name: string | null;
  status: CoverageStatus;
  connections: number;
  answered: number;
  /** Servers that fell under this member (sorted, at most 20); for a CIDR/range/suffix, how many in all. */
  servers: string[];
  serverCount: number;
}

interface ServerCov {
  words: Uint32Array;
  names: Set<string>;
  connections: number;
  answered: number;
}

const MAX_SERVERS = 5000;
const MAX_LISTED = 20;

function wordsToBigint(a: Uint32Array): bigint {
  return (BigInt(a[0]!) << 96n) | (BigInt(a[1]!) << 64n) | (BigInt(a[2]!) << 32n) | BigInt(a[3]!);
}

export class CoverageAcc {
  private readonly servers = new Map<string, ServerCov>();

  /** Count connection `c` for its server, which held the destination role through `names` (may be empty). */
  add(c: Connection, names: readonly string[]): void {
    let s = this.servers.get(c.server);
    if (!s) {
      if (this.servers.size >= MAX_SERVERS) return;
      s = { words: c.serverAddr.slice(), names: new Set(), connections: 0, answered: 0 };
      this.servers.set(c.server, s);
    }
    for (let i = 0; i < names.length; i++) if (s.names.size < 16) s.names.add(names[i]!);
    s.connections += c.count;
    if (c.outcome === 'answered') s.answered += c.count;
  }

  finish(members: readonly InventoryMember[], sortAddrs: (xs: Iterable<string>) => string[]): CoverageEntry[] {
    const out: CoverageEntry[] = [];
    const vals = new Map<string, bigint>();
    for (const [a, s] of this.servers) vals.set(a, wordsToBigint(s.words));
    for (const m of members) {
      const p = parseMember(m.text);
      if (!p.ok) continue;
      const pm = p.member;
      const hit: string[] = [];
      for (const [a, s] of this.servers) {
        if ('host' in pm) {
          const h = pm.host;
          const ok = pm.kind === 'host' ? s.names.has(h) : [...s.names].some((n) => n.endsWith(`.${h}`));
          if (ok) hit.push(a);
        } else {
          const v = vals.get(a)!;
          if (v >= pm.lo && v <= pm.hi) hit.push(a);
        }
      }
      let connections = 0;
      let answered = 0;
      for (const a of hit) {
        const s = this.servers.get(a)!;
        connections += s.connections;
        answered += s.answered;
      }
      const sorted = sortAddrs(hit);
      out.push({
        member: m.text,
        kind: m.kind,
        name: m.name ?? null,
        status: connections === 0 ? 'never-tried' : answered > 0 ? 'reached' : 'failed',
        connections,
        answered,
        servers: sorted.slice(0, MAX_LISTED),
        serverCount: sorted.length,
      });
    }
    return out;
  }
}
