/**
 * Per-connection packet and byte counts must agree with tshark's on the real third-party captures
 * in shared/corpus (reference made with `-o ip.defragment:FALSE`, see shared/corpus/README.md).
 * Where they cannot agree, the difference is written down below with its reason and checked
 * exactly, rather than tuned away.
 */
import { expect, it } from 'vitest';
import { describeShared } from '../support/shared.js';
import { join } from 'node:path';
import { defaultServerPorts } from '../../src/flows/direction.js';
import { analyseFiles } from '../../src/cli/pipeline.js';
import type { Connection } from '../../src/flows/connection.js';
import { CAPTURES, captureNames, readReference, type RefFlow } from './reference.js';

interface Agreement {
  capture: string;
  compared: number;
}

/** Why some captures differ from the tshark reference, and how (checked exactly). */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'zeek__ipv4-fragmented-4.pcap':
    'IPv4 fragments: tshark (reassembly off) lists later fragments as portless "ipproto-6" rows; flowaudit counts them in the flow of their first fragment, as the issue asks.',
  'ndpi__dns_fragmented.pcap':
    'IPv4 fragments of DNS answers: later fragments are counted in their UDP flow (tshark: "ipproto-17" rows).',
  'chrissanders__ipv6_fragments.pcapng':
    'IPv6 fragments: later fragments are counted in their UDP/ICMPv6 flow (tshark: "ipproto-N" rows).',
};

const endpoint = (addr: string, port: number | null): string => `${addr}#${port ?? '-'}`;
const keyOf = (proto: string, a: string, b: string): string => (a < b ? `${proto}|${a}|${b}` : `${proto}|${b}|${a}`);

function ourFlows(conns: Connection[]): Map<string, Connection> {
  const m = new Map<string, Connection>();
  for (const c of conns) {
    const hasPorts = c.protocol === 'tcp' || c.protocol === 'udp';
    const a = endpoint(c.client, hasPorts ? c.clientPort : null);
    const b = endpoint(c.server, hasPorts ? c.serverPort : null);
    m.set(keyOf(c.protocol, a, b), c);
  }
  return m;
}

/**
 * Fold tshark's portless later-fragment rows into the flow of their first fragment. tshark's rows
 * do not say which datagram a fragment belongs to, so when several flows share the address pair
 * (ndpi__dns_fragmented: 5 DNS exchanges), the check is on their sum: `groups` lists those keys.
 */
function foldFragments(flows: RefFlow[]): { flows: RefFlow[]; groups: { keys: string[]; packets: number; bytes: number }[] } {
  const main = flows.filter((f) => !f.proto.startsWith('ipproto-')).map((f) => ({ ...f }));
  const groups = new Map<string, { keys: string[]; packets: number; bytes: number }>();
  for (const frag of flows.filter((f) => f.proto.startsWith('ipproto-'))) {
    const n = Number(frag.proto.slice('ipproto-'.length));
    const name = n === 6 ? 'tcp' : n === 17 ? 'udp' : n === 58 ? 'icmpv6' : frag.proto;
    const owners = main.filter(
      (f) => f.proto === name && ((f.src === frag.src && f.dst === frag.dst) || (f.src === frag.dst && f.dst === frag.src)),
    );
    expect(owners.length, `fragment rows ${frag.src} → ${frag.dst} need a ${name} owner`).toBeGreaterThan(0);
    if (owners.length > 1) {
      const gk = keyOf(name, frag.src, frag.dst);
      let g = groups.get(gk);
      if (!g) {
        g = {
          keys: owners.map((o) => keyOf(o.proto, endpoint(o.src, o.sport), endpoint(o.dst, o.dport))),
          packets: owners.reduce((a, o) => a + o.packets, 0),
          bytes: owners.reduce((a, o) => a + o.bytes, 0),
        };
        groups.set(gk, g);
      }
      g.packets += frag.packets;
      g.bytes += frag.bytes;
      for (const o of owners) (o as RefFlow & { grouped?: boolean }).grouped = true;
      continue;
    }
    const o = owners[0]!;
    o.packets += frag.packets;
    o.bytes += frag.bytes;
    if (o.src === frag.src) {
      o.packetsFwd += frag.packetsFwd;
      o.bytesFwd += frag.bytesFwd;
      o.packetsRev += frag.packetsRev;
      o.bytesRev += frag.bytesRev;
    } else {
      o.packetsFwd += frag.packetsRev;
      o.bytesFwd += frag.bytesRev;
      o.packetsRev += frag.packetsFwd;
      o.bytesRev += frag.bytesFwd;
    }
  }
  return { flows: main, groups: [...groups.values()] };
}

const names = captureNames().filter((n) => readReference(n) !== null);

describeShared('tshark agreement on the real-capture corpus', () => {
  const summary: Agreement[] = [];

  it.each(names)('%s', async (name) => {
    const ref = readReference(name)!;
    const facts = await analyseFiles([join(CAPTURES, name)], defaultServerPorts());
    const ours = ourFlows(facts.connections.toArray());
    const hasFragments = ref.flows.some((f) => f.proto.startsWith('ipproto-'));
    expect(hasFragments, 'fragment captures must be listed in KNOWN_DIFFERENCES').toBe(name in KNOWN_DIFFERENCES);
    const { flows: expected, groups } = foldFragments(ref.flows);
    for (const g of groups) {
      const cs = g.keys.map((k) => ours.get(k));
      expect(cs.every(Boolean), `flowaudit has every flow of ${g.keys.join(', ')}`).toBe(true);
      expect({ packets: cs.reduce((a, c) => a + c!.packets, 0), bytes: cs.reduce((a, c) => a + c!.bytes, 0) }).toEqual({
        packets: g.packets,
        bytes: g.bytes,
      });
    }
    for (const f of expected) {
      if ((f as RefFlow & { grouped?: boolean }).grouped) continue;
      const c = ours.get(keyOf(f.proto, endpoint(f.src, f.sport), endpoint(f.dst, f.dport)));
      const what = `${f.proto} ${f.src}:${f.sport} ↔ ${f.dst}:${f.dport}`;
      expect(c, `flowaudit has no connection for ${what}`).toBeDefined();
      if (!c) continue;
      expect({ what, packets: c.packets, bytes: c.bytes }).toEqual({ what, packets: f.packets, bytes: f.bytes });
      // Per direction: tshark's "fwd" is the sender of the first frame.
      const srcIsClient = c.client === f.src && (f.sport === null || c.clientPort === f.sport);
      const fwd = srcIsClient ? [c.packetsToServer, c.bytesToServer] : [c.packetsToClient, c.bytesToClient];
      const rev = srcIsClient ? [c.packetsToClient, c.bytesToClient] : [c.packetsToServer, c.bytesToServer];
      expect({ what, fwd, rev }).toEqual({ what, fwd: [f.packetsFwd, f.bytesFwd], rev: [f.packetsRev, f.bytesRev] });
    }
    // flowaudit has no TCP/UDP flow that tshark does not list.
    const refKeys = new Set(expected.map((f) => keyOf(f.proto, endpoint(f.src, f.sport), endpoint(f.dst, f.dport))));
    const extra = [...ours.entries()].filter(([k, c]) => (c.protocol === 'tcp' || c.protocol === 'udp') && !refKeys.has(k)).map(([k]) => k);
    expect(extra).toEqual([]);
    // tshark's "non-ip" frames include those of link types it cannot take apart (D-Bus):
    // flowaudit counts those as the decode problem unsupported-link-type.
    expect(facts.nonIpFrames + (facts.decodeErrors['unsupported-link-type'] ?? 0)).toBe(ref.nonIpFrames);
    summary.push({ capture: name, compared: expected.length });
  });

  it('compared a meaningful number of flows', () => {
    const total = summary.reduce((n, s) => n + s.compared, 0);
    // Printed so the test log shows the agreement, not only a green tick.
    console.log(`tshark agreement: ${summary.length} captures, ${total} flows identical in packets and bytes per direction`);
    expect(summary.length).toBe(names.length);
    expect(total).toBeGreaterThan(150);
  });
});
