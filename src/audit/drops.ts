/**
 * Packets a Windows Packet Monitor trace saw dropped (pktmon drop events), as the audit tells
 * them: by which component (named by the trace's own rundown) and why (pktmon's drop reason).
 * The engine records them by 5-tuple beside the ICMP reports (flows/hint_store.ts `drops`).
 */
import { dropReasonName } from '../capture/etl/packet_events.js';
import type { InputSummary } from '../capture/ingest.js';
import { icmpKey } from '../flows/hints.js';
import type { HintFacts } from '../flows/hint_store.js';
import type { Connection } from '../flows/connection.js';

/** `component/reason` → "tcpip.sys (TCP/IPv4 - L3/L4): filtered (reason 8)". */
export type DropNamer = (key: string) => string;

export function dropNamer(inputs: readonly InputSummary[]): DropNamer {
  const names = new Map<number, string>();
  for (const i of inputs) {
    for (const c of i.info?.etl?.components ?? []) if (!names.has(c.id)) names.set(c.id, `${c.name}${c.description ? ` (${c.description})` : ''}`);
  }
  return (key) => {
    const [component, reason] = key.split('/').map(Number) as [number, number];
    return `${names.get(component) ?? `pktmon component ${component}`}: ${dropReasonName(reason)} (reason ${reason})`;
  };
}

/** The drop events of a connection's packets, both directions; undefined when none. */
export function dropsOf(hints: HintFacts | undefined, c: Connection): ReadonlyMap<string, number> | undefined {
  const m = hints?.drops;
  if (!m || m.size === 0 || c.id < 0) return undefined;
  const a = m.get(icmpKey(c.protocol, c.client, c.clientPort, c.server, c.serverPort));
  const b = m.get(icmpKey(c.protocol, c.server, c.serverPort, c.client, c.clientPort));
  if (!a) return b;
  if (!b) return a;
  const both = new Map(a);
  for (const [k, n] of b) both.set(k, (both.get(k) ?? 0) + n);
  return both;
}

/** "3 packets dropped by tcpip.sys (...): filtered (reason 8)", most first. */
export function dropTexts(drops: ReadonlyMap<string, number>, name: DropNamer): string[] {
  return [...drops]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .map(([k, n]) => `${n} packet${n === 1 ? '' : 's'} dropped by ${name(k)}`);
}
