/**
 * The observed flows towards hosts whose firewall is given: connections grouped by (client,
 * server, protocol, server port) with their outcomes. Facts only; the firewall judges them in
 * firewall_findings.ts. Bounded: at most MAX_FLOWS_PER_HOST distinct flows per host are kept, the
 * rest are counted (a scan of one host cannot grow memory without limit).
 */
import type { Connection } from '../flows/connection.js';

export const MAX_FLOWS_PER_HOST = 5000;

export interface ObservedFlow {
  client: string;
  server: string;
  protocol: 'tcp' | 'udp';
  port: number;
  connections: number;
  answered: number;
  refused: number;
  unanswered: number;
}

export interface ObservedFlows {
  flows: ObservedFlow[];
  /** Per server address: connections left out past the bound (their flows are not listed). */
  omitted: Record<string, number>;
}

/** Something that visits connections one at a time (CaptureFacts.connections). */
export interface ConnectionVisitor {
  forEach(visit: (c: Connection) => void): void;
}

/** Groups the TCP/UDP connections whose server is one of `servers`. */
export function observedFlowsTo(connections: ConnectionVisitor, servers: ReadonlySet<string>): ObservedFlows {
  const byKey = new Map<string, ObservedFlow>();
  const perHost = new Map<string, number>();
  const omitted: Record<string, number> = {};
  connections.forEach((c) => {
    if ((c.protocol !== 'tcp' && c.protocol !== 'udp') || !servers.has(c.server)) return;
    const key = `${c.client}|${c.server}|${c.protocol}|${c.serverPort}`;
    let f = byKey.get(key);
    if (!f) {
      const n = perHost.get(c.server) ?? 0;
      if (n >= MAX_FLOWS_PER_HOST) {
        omitted[c.server] = (omitted[c.server] ?? 0) + c.count;
        return;
      }
      perHost.set(c.server, n + 1);
      f = { client: c.client, server: c.server, protocol: c.protocol, port: c.serverPort, connections: 0, answered: 0, refused: 0, unanswered: 0 };
      byKey.set(key, f);
    }
    f.connections += c.count;
    f[c.outcome] += c.count;
  });
  const flows = [...byKey.values()].sort((a, b) => cmp(a.server, b.server) || a.protocol.localeCompare(b.protocol) || a.port - b.port || cmp(a.client, b.client));
  return { flows, omitted };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
