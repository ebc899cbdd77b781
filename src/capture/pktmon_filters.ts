/**
 * pktmon packet filters for a set of ports (the matrix's). pktmon matches a packet when it meets
 * every condition of at least one filter; a filter names one transport and at most one port here
 * (two ports would mean "between these two"), and at most 32 filters can be active
 * (learn.microsoft.com, "pktmon filter add"). So:
 * - one filter per port: `-t TCP -p 443`;
 * - a range that does not fit in the budget (the RPC dynamic range 49152-65535) makes its whole
 *   transport one filter (`-t TCP`): more traffic than asked, never less;
 * - other transports (ICMP, a protocol number) one filter each by number;
 * - still over 32: no filter at all (all traffic), said in `note`.
 * Pure: the caller passes plain port ranges, so capture/ never reads the matrix.
 */

export const PKTMON_MAX_FILTERS = 32;

export interface PortRangeSpec {
  /** 'tcp', 'udp', or another IP protocol by name or number. */
  protocol: string;
  from: number;
  to: number;
}

export interface PktmonFilter {
  /** What the filter matches, in words ("tcp/443", "all tcp"). */
  label: string;
  /** Arguments after `pktmon filter add NAME`. */
  args: string[];
}

export interface PktmonFilterPlan {
  /** Empty: capture all traffic. */
  filters: PktmonFilter[];
  /** Why the plan captures more than the ports asked, if it does. */
  note: string | null;
}

export function pktmonFilters(ranges: readonly PortRangeSpec[], max = PKTMON_MAX_FILTERS): PktmonFilterPlan {
  const byProto = new Map<string, PortRangeSpec[]>();
  for (const r of ranges) {
    const p = r.protocol.toLowerCase();
    byProto.set(p, [...(byProto.get(p) ?? []), r]);
  }
  const filters: PktmonFilter[] = [];
  const widened: string[] = [];
  for (const [proto, list] of [...byProto].sort(([a], [b]) => a.localeCompare(b))) {
    const transport = proto === 'tcp' || proto === 'udp' ? proto.toUpperCase() : proto;
    if (proto !== 'tcp' && proto !== 'udp') {
      filters.push({ label: `all ${proto}`, args: ['-t', transport] });
      continue;
    }
    const ports = new Set<number>();
    let tooWide: PortRangeSpec | null = null;
    for (const r of list) {
      if (r.to - r.from + 1 > max) tooWide ??= r;
      else for (let p = r.from; p <= r.to; p++) ports.add(p);
    }
    if (tooWide !== null) {
      widened.push(`${proto}/${tooWide.from}-${tooWide.to} cannot be a pktmon port filter, so all ${proto} is captured`);
      filters.push({ label: `all ${proto}`, args: ['-t', transport] });
      continue;
    }
    for (const p of [...ports].sort((a, b) => a - b)) filters.push({ label: `${proto}/${p}`, args: ['-t', transport, '-p', String(p)] });
  }
  if (filters.length > max) {
    return { filters: [], note: `the matrix needs ${filters.length} pktmon filters and pktmon allows ${max}: capturing all traffic` };
  }
  return { filters, note: widened.length > 0 ? widened.join('; ') : null };
}
