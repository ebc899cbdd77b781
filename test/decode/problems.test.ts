import { describe, expect, it } from 'vitest';
import { DECODE_PROBLEM_NAMES, DecodeProblem, DecodedPacket, L3, decodePacket } from '../../src/decode/index.js';
import { ether, frame, hex, ipv6, nullLink, sll2, tcp } from '../support/packets.js';
import { allFields, dec } from './helpers.js';

/** The smallest packet we know for each problem: [problem, linkType, bytes]. */
const MINIMAL: [DecodeProblem, number, Uint8Array][] = [
  [DecodeProblem.UnsupportedLinkType, 147, hex('00')],
  [DecodeProblem.LinkTruncated, 1, hex('ffff ffff ffff 0000 5e00 5301 08')],
  [DecodeProblem.IPv4Truncated, 228, hex('4500 0014 0000 0000 4006')],
  [DecodeProblem.IPv4BadHeader, 228, hex('4300 0014 0000 0000 4006 0000 0a00 0001 0a00 0002')],
  [DecodeProblem.IPv6Truncated, 229, hex('6000 0000 0000 3b40')],
  [DecodeProblem.IPv6BadHeader, 1, ether({ type: 0x86dd, payload: hex('5000 0000') })],
  [DecodeProblem.TcpTruncated, 228, hex('4500 0018 0000 0000 4006 0000 0a00 0001 0a00 0002 0050 0050')],
  [DecodeProblem.TcpBadHeader, 228, Uint8Array.from([...hex('4500 0028 0000 0000 4006 0000 0a00 0001 0a00 0002'), ...tcp({ sport: 1, dport: 2, dataOffset: 0 })])],
  [DecodeProblem.UdpTruncated, 228, hex('4500 0018 0000 0000 4011 0000 0a00 0001 0a00 0002 0035 0035')],
  [DecodeProblem.IcmpTruncated, 228, hex('4500 0016 0000 0000 4001 0000 0a00 0001 0a00 0002 0800')],
  [DecodeProblem.ArpTruncated, 1, ether({ type: 0x0806, payload: hex('0001 0800 0604 0001') })],
  [DecodeProblem.TooManyHeaders, 1, ether({ vlans: new Array<number>(9).fill(1), type: 0x0800, payload: hex('') })],
  [DecodeProblem.IPVersionMismatch, 0, nullLink({ family: 30, payload: hex('4500 0014') })],
];

describe('every DecodeProblem is reachable', () => {
  it('the table covers every reason', () => {
    const covered = new Set(MINIMAL.map(([p]) => p));
    for (let p = 1; p < DecodeProblem.Count; p++) expect(covered.has(p), DECODE_PROBLEM_NAMES[p]).toBe(true);
    expect(DECODE_PROBLEM_NAMES.length).toBe(DecodeProblem.Count);
  });

  it.each(MINIMAL.map(([p, lt, b]) => [DECODE_PROBLEM_NAMES[p]!, p, lt, b] as const))('%s', (_name, problem, lt, bytes) => {
    const d = dec(bytes, lt);
    expect(d.problem).toBe(problem);
    expect(d.hasPorts).toBe(false);
    expect(d.isIcmp).toBe(false);
  });
});

/** A varied set of packets; decoding any one after any other must give what a fresh decode gives. */
const SAMPLES: [string, number, Uint8Array][] = [
  ['qinq ipv6 tcp, later fragment', 1, ether({ vlans: [10, 20], type: 0x86dd, payload: ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 6, extHeaders: [{ type: 0 }, { type: 44, offset: 8, more: true, id: 99 }], payload: new Uint8Array(24) }) })],
  ['vlan ipv4 tcp SYN with options, cut', 1, frame({ vlan: 7, src: '10.9.8.7', dst: '10.0.0.1', proto: 'tcp', sport: 3, dport: 4, flags: 'SEC', seq: 123456, ack: 654321, payload: 'xyz' }).subarray(0, 60)],
  ['sll2 ipv6 icmp error', 276, sll2({ protocol: 0x86dd, payload: ipv6({ src: 'fe80::1', dst: 'fe80::2', nextHeader: 58, hopLimit: 255, payload: hex('0304 0000 0000 0000 6000') }) })],
  ['null udp', 0, frame({ link: 'null', src: '127.0.0.1', dst: '127.0.0.1', proto: 'udp', sport: 53, dport: 5353, payload: 'q' })],
  ['ARP', 1, ether({ type: 0x0806, payload: hex('0001 0800 0604 0001 0000 5e00 5301 0a00 0001 0000 0000 0000 0a00 0002') })],
  ['LLDP', 1, ether({ type: 0x88cc, payload: new Uint8Array(30) })],
  ['unsupported link', 231, hex('0102 0304')],
  ['tcp bad header', 1, MINIMAL[7]![2]],
  ['empty', 1, new Uint8Array(0)],
];

describe('reusing one DecodedPacket leaves nothing from the previous packet', () => {
  const fresh = SAMPLES.map(([, lt, b]) => allFields(dec(b, lt)));
  const pairs = SAMPLES.flatMap((a, i) => SAMPLES.map((b, j) => [a[0], b[0], i, j] as const));
  it.each(pairs)('%s, then %s', (_a, _b, i, j) => {
    const d = new DecodedPacket();
    const [, ltA, a] = SAMPLES[i]!;
    const [, ltB, b] = SAMPLES[j]!;
    decodePacket(a, 0, a.length, ltA, d);
    decodePacket(b, 0, b.length, ltB, d);
    expect(allFields(d)).toEqual(fresh[j]);
  });

  it('the samples really differ in every field group', () => {
    const keys = Object.keys(fresh[0]!);
    for (const k of keys) {
      if (k === 'linkType') continue;
      const values = new Set(fresh.map((f) => JSON.stringify(f[k])));
      expect(values.size, k).toBeGreaterThan(1);
    }
  });

  it('decodes at an offset inside a larger buffer, and ignores bytes past caplen', () => {
    const f = frame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1, dport: 2, payload: 'abc' });
    const buf = new Uint8Array(200).fill(0xee);
    buf.set(f, 77);
    const d = new DecodedPacket();
    decodePacket(buf, 77, f.length, 1, d);
    expect([d.ipOffset, d.payloadOffset, d.payloadLength, d.dstPort]).toEqual([77 + 14, 77 + 42, 3, 2]);
    decodePacket(buf, 77, f.length - 2, 1, d);
    expect([d.payloadLength, d.truncated]).toEqual([1, true]);
  });

  it('caplen larger than the buffer is clamped, not read past', () => {
    const f = frame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1, dport: 2, payload: 'abc' });
    const d = dec(f, 1, f.length + 1000);
    expect([d.payloadLength, d.truncated]).toEqual([3, false]);
  });
});

describe('snaplen cuts and garbage never throw', () => {
  const frames: [string, number, Uint8Array][] = [
    ...SAMPLES,
    ['vlan v4 tcp', 1, frame({ vlan: 5, src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1, dport: 2, payload: 'hello' })],
    ['v6 ext udp', 1, ether({ type: 0x86dd, payload: ipv6({ src: '::1', dst: '::2', nextHeader: 17, extHeaders: [{ type: 0 }, { type: 60 }, { type: 51 }], payload: hex('0001 0002 000a 0000 4142') }) })],
  ];

  it.each(frames)('%s cut at every length', (_name, lt, f) => {
    const d = new DecodedPacket();
    const full = dec(f, lt);
    for (let caplen = 0; caplen <= f.length; caplen++) {
      decodePacket(f, 0, caplen, lt, d);
      // Once ports are in the capture they are read; they never appear with a problem.
      if (d.hasPorts) {
        expect([d.srcPort, d.dstPort, d.problem]).toEqual([full.srcPort, full.dstPort, DecodeProblem.None]);
      }
      expect(d.payloadOffset + d.payloadLength).toBeLessThanOrEqual(caplen);
      if (caplen === f.length) expect(allFields(d)).toEqual(allFields(full));
    }
  });

  it('ports show up as soon as the fixed transport header is captured', () => {
    const f = frame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1, dport: 2, payload: 'hello' });
    expect(dec(f, 1, 14 + 20 + 19).hasPorts).toBe(false);
    expect(dec(f, 1, 14 + 20 + 20)).toMatchObject({ hasPorts: true, truncated: true, problem: 0 });
  });

  it('random bytes on every link type', () => {
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    const d = new DecodedPacket();
    const buf = new Uint8Array(128);
    let ip = 0;
    for (let i = 0; i < 20000; i++) {
      for (let k = 0; k < buf.length; k++) buf[k] = rnd();
      // Bias towards plausible headers so the deeper layers are reached.
      buf[12] = 0x08;
      buf[13] = i & 1 ? 0x00 : 0x06;
      buf[14] = i & 2 ? 0x45 : 0x60;
      buf[0] = i & 4 ? 0x45 : 0x60;
      const lt = [1, 113, 276, 101, 228, 229, 0, 108][i & 7]!;
      const caplen = rnd() % 129;
      decodePacket(buf, 0, caplen, lt, d);
      if (d.l3 === L3.IPv4 || d.l3 === L3.IPv6) ip++;
      expect(d.payloadOffset + d.payloadLength).toBeLessThanOrEqual(caplen);
      expect(d.problem).toBeLessThan(DecodeProblem.Count);
    }
    expect(ip).toBeGreaterThan(1000);
  });
});
