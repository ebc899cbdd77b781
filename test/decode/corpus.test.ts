/**
 * Decode every packet of the real-capture corpus and rebuild tshark's per-flow table
 * (reference/*.flows.tsv: one row per (proto, src, sport, dst, dport), both directions, made
 * with IP reassembly off) from our DecodedPacket fields alone. Every row must match exactly:
 * addresses, ports, packet and byte counts per direction, first frame, and the non-IP count.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DecodedPacket, DecodeProblem, L3, decodePacket, formatAddress } from '../../src/decode/index.js';
import { walkCapture } from './pcap_walk.js';
import { CORPUS_DIR as CORPUS, describeShared } from '../support/shared.js';

const haveCorpus = existsSync(`${CORPUS}/MANIFEST.tsv`);

interface Row {
  proto: string;
  src: string;
  sport: string;
  dst: string;
  dport: string;
  packets: number;
  bytes: number;
  packetsFwd: number;
  bytesFwd: number;
  packetsRev: number;
  bytesRev: number;
  firstFrame: number;
}

function protoLabel(d: DecodedPacket): string {
  if (d.hasPorts) return d.ipProto === 6 ? 'tcp' : 'udp';
  if (d.fragOffset > 0) return `ipproto-${d.ipProto}`; // a later fragment: tshark cannot name it
  if (d.ipProto === 1) return 'icmp';
  if (d.ipProto === 58) return 'icmpv6';
  if (d.ipProto === 47) return 'gre';
  return `ipproto-${d.ipProto}`;
}

/** Our flow table, in tshark's row format. */
function flowsOf(path: string): { rows: Row[]; nonIpFrames: number; nonIpBytes: number; problems: number[] } {
  const d = new DecodedPacket();
  const byKey = new Map<string, Row>();
  const problems: number[] = [];
  let nonIpFrames = 0;
  let nonIpBytes = 0;
  let frame = 0;
  for (const p of walkCapture(path)) {
    frame++;
    decodePacket(p.data, p.offset, p.caplen, p.linkType, d);
    if (d.problem !== DecodeProblem.None) problems.push(d.problem);
    if (d.l3 !== L3.IPv4 && d.l3 !== L3.IPv6) {
      nonIpFrames++;
      nonIpBytes += p.wirelen;
      continue;
    }
    const proto = protoLabel(d);
    const src = formatAddress(d.src);
    const dst = formatAddress(d.dst);
    const sport = d.hasPorts ? String(d.srcPort) : '-';
    const dport = d.hasPorts ? String(d.dstPort) : '-';
    const a = `${src} ${sport}`;
    const b = `${dst} ${dport}`;
    const key = `${proto} ${a < b ? a : b} ${a < b ? b : a}`;
    let row = byKey.get(key);
    if (!row) {
      row = { proto, src, sport, dst, dport, packets: 0, bytes: 0, packetsFwd: 0, bytesFwd: 0, packetsRev: 0, bytesRev: 0, firstFrame: frame };
      byKey.set(key, row);
    }
    row.packets++;
    row.bytes += p.wirelen;
    if (row.src === src && row.sport === sport) {
      row.packetsFwd++;
      row.bytesFwd += p.wirelen;
    } else {
      row.packetsRev++;
      row.bytesRev += p.wirelen;
    }
  }
  return { rows: [...byKey.values()], nonIpFrames, nonIpBytes, problems };
}

function reference(file: string): { rows: Row[]; nonIp: string } {
  const lines = readFileSync(`${CORPUS}/reference/${file}.flows.tsv`, 'utf8').trim().split('\n');
  const rows: Row[] = [];
  let nonIp = '';
  for (const line of lines.slice(1)) {
    if (line.startsWith('#non-ip')) {
      nonIp = line;
      continue;
    }
    const c = line.split('\t');
    const n = (i: number): number => Number(c[i]);
    rows.push({
      proto: c[0]!, src: c[1]!, sport: c[2]!, dst: c[3]!, dport: c[4]!,
      packets: n(5), bytes: n(6), packetsFwd: n(7), bytesFwd: n(8), packetsRev: n(9), bytesRev: n(10), firstFrame: n(11),
    });
  }
  return { rows, nonIp };
}

const sortRows = (rows: Row[]): Row[] => [...rows].sort((x, y) => x.firstFrame - y.firstFrame || x.proto.localeCompare(y.proto));

/** Captures whose every packet we can walk (the corrupt ones belong to the capture readers' tests). */
const FILES = haveCorpus
  ? readFileSync(`${CORPUS}/MANIFEST.tsv`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'))
      .filter((c) => c[9] !== 'corrupt')
      .map((c) => c[0]!)
  : [];

/**
 * Where we rightly differ from tshark's flows.tsv (see the corpus README). Each entry rewrites
 * the reference rows into what we must produce, with the reason. Empty today: the README's
 * differences concern tshark's conversation table (conv.txt), not flows.tsv; see the
 * "decoder details" tests below.
 */
const KNOWN_DIFFERENCES: Record<string, { reason: string; fix: (rows: Row[]) => Row[] }> = {};

describeShared('corpus: per-flow counts match tshark', () => {
  it('has the captures', () => {
    expect(FILES.length).toBeGreaterThan(30);
  });

  it.each(FILES)('%s', (file) => {
    const ours = flowsOf(`${CORPUS}/captures/${file}`);
    const ref = reference(file);
    const known = KNOWN_DIFFERENCES[file];
    const want = known ? known.fix(ref.rows) : ref.rows;
    expect(sortRows(ours.rows)).toEqual(sortRows(want));
    expect(`#non-ip\tframes=${ours.nonIpFrames}\tbytes=${ours.nonIpBytes}`).toBe(ref.nonIp);
  });
});

describeShared('corpus: decoder details', () => {
  const all = (file: string): DecodedPacket[] => {
    const out: DecodedPacket[] = [];
    for (const p of walkCapture(`${CORPUS}/captures/${file}`)) {
      const d = new DecodedPacket();
      decodePacket(p.data, p.offset, p.caplen, p.linkType, d);
      out.push(d);
    }
    return out;
  };

  it('QinQinQ: three tags stripped, outer VLAN id kept', () => {
    const ds = all('zeek__vlan-qinqinq.pcap');
    expect(ds.every((d) => d.vlanDepth === 3 && d.etherType === 0x0800 && d.hasPorts)).toBe(true);
    expect(new Set(ds.map((d) => d.vlanId)).size).toBe(1);
  });

  it('IPv6 fragments: first fragments give ICMPv6 type, later ones only the fragment fields', () => {
    const ds = all('chrissanders__ipv6_fragments.pcapng');
    const first = ds.filter((d) => d.isFragment && d.fragOffset === 0);
    const later = ds.filter((d) => d.fragOffset > 0);
    expect(first.length).toBe(10);
    expect(later.length).toBe(10);
    expect(first.every((d) => d.isIcmp && d.moreFragments && d.ipProto === 58)).toBe(true);
    expect(later.every((d) => !d.isIcmp && d.ipProto === 58 && d.fragId !== 0)).toBe(true);
  });

  it('snaplen 68: SYNs with options cut inside the TCP header still give ports, flagged truncated', () => {
    const ds = all('zeek__tcp-truncated-header.pcap');
    expect(ds.every((d) => d.hasPorts && d.problem === DecodeProblem.None)).toBe(true);
    expect(ds.some((d) => d.truncated && d.payloadLength === 0)).toBe(true);
  });

  it('type-0 routing header: we report the IPv6 header destination (like flows.tsv), not the final hop', () => {
    const [d] = all('zeek__ipv6-hbh-routing0.pcap');
    expect(d && formatAddress(d.dst)).toBe('2001:4f8:4:7:2e0:81ff:fe52:9a6b');
    expect(d?.ipProto).toBe(17); // after hop-by-hop (0) and routing (43)
    expect(d?.hasPorts && d.srcPort === 53 && d.dstPort === 53).toBe(true);
    // tshark's conversation table instead names the routing header's last address:
    const conv = readFileSync(`${CORPUS}/reference/zeek__ipv6-hbh-routing0.pcap.conv.txt`, 'utf8');
    expect(conv).toContain('2001:78:1:32::2:53');
  });

  it('VXLAN is not decoded: the outer UDP 4789 flow is the flow', () => {
    const ds = all('zeek__tunnels-vxlan-encapsulated-http.pcap');
    expect(ds.every((d) => d.ipProto === 17 && d.dstPort === 4789)).toBe(true);
  });

  it('GRE (PPTP) has no ports', () => {
    const gre = all('tcpdump__pptp.pcap').filter((d) => d.ipProto === 47);
    expect(gre.length).toBeGreaterThan(0);
    expect(gre.every((d) => !d.hasPorts && d.l4Offset > 0)).toBe(true);
  });
});
