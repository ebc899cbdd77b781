import { describe, expect, it } from 'vitest';
import { DecodeProblem, L3 } from '../../src/decode/index.js';
import { ether, frame, hex, icmp, ipv4, ipv6, tcp, udp, type Ipv6ExtHeader } from '../support/packets.js';
import { dec, summary } from './helpers.js';

const seg = tcp({ sport: 40000, dport: 445, flags: 'PA', payload: hex('deadbeef') });
const v4 = (o: Partial<Parameters<typeof ipv4>[0]> = {}): Uint8Array =>
  ether({ type: 0x0800, payload: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, payload: seg, ...o }) });
const v6 = (o: Partial<Parameters<typeof ipv6>[0]> = {}): Uint8Array =>
  ether({ type: 0x86dd, payload: ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 6, payload: seg, ...o }) });

describe('IPv4', () => {
  it.each([0, 4, 8, 12, 40])('%i bytes of options are skipped', (n) => {
    const d = dec(v4({ options: new Uint8Array(n).fill(1) /* NOP */ }));
    expect([d.ipProto, d.srcPort, d.dstPort, d.l4Offset, d.payloadLength, d.problem]).toEqual([6, 40000, 445, 34 + n, 4, 0]);
  });

  it('header fields: TTL, fragment id, not a fragment with DF', () => {
    const d = dec(v4({ ttl: 128, id: 0xbeef, df: true }));
    expect([d.ttl, d.fragId, d.isFragment, d.moreFragments, d.fragOffset]).toEqual([128, 0xbeef, false, false, 0]);
  });

  it('first fragment (MF, offset 0) reads ports', () => {
    const d = dec(v4({ id: 7, mf: true }));
    expect([d.isFragment, d.moreFragments, d.fragOffset, d.fragId, d.hasPorts, d.dstPort]).toEqual([true, true, 0, 7, true, 445]);
  });

  it.each([
    [8, true],
    [1480, false],
    [65528, false],
  ])('later fragment (offset %i, MF %s) has no ports', (fragOffset, mf) => {
    const d = dec(v4({ id: 7, mf, fragOffset }));
    expect([d.isFragment, d.moreFragments, d.fragOffset, d.hasPorts, d.ipProto, d.tcpFlags]).toEqual([true, mf, fragOffset, false, 6, 0]);
    expect([d.l4Offset, d.payloadOffset, d.payloadLength, d.problem]).toEqual([34, 34, seg.length, 0]);
  });

  it('a later fragment too short to hold a TCP header is fine (no TCP parse)', () => {
    const d = dec(v4({ fragOffset: 16, payload: hex('0102') }));
    expect([d.problem, d.payloadLength]).toEqual([0, 2]);
  });

  it('Ethernet padding after the total length is ignored', () => {
    const f = ether({ type: 0x0800, pad: true, payload: ipv4({ src: '1.2.3.4', dst: '5.6.7.8', proto: 6, payload: tcp({ sport: 1, dport: 2, flags: 'A' }) }) });
    expect(f.length).toBe(60);
    const d = dec(f);
    expect([d.payloadLength, d.truncated, d.problem]).toEqual([0, false, 0]);
  });

  it('total length beyond the capture: truncated, uses what is captured', () => {
    const f = v4();
    const d = dec(f, 1, f.length - 3);
    expect([d.truncated, d.hasPorts, d.payloadLength, d.problem]).toEqual([true, true, 1, 0]);
  });

  it('total length 0 (TSO capture): uses what is captured', () => {
    const d = dec(v4({ totalLength: 0 }));
    expect([d.truncated, d.payloadLength, d.problem]).toEqual([false, 4, 0]);
  });

  it.each([
    ['IHL 4', { versionIhl: 0x44 }, DecodeProblem.IPv4BadHeader],
    ['version 5', { versionIhl: 0x55 }, DecodeProblem.IPv4BadHeader],
    ['version 6 under ethertype IPv4', { versionIhl: 0x65 }, DecodeProblem.IPVersionMismatch],
    ['total length 19', { totalLength: 19 }, DecodeProblem.IPv4BadHeader],
    ['total length < IHL*4', { options: new Uint8Array(4), totalLength: 22 }, DecodeProblem.IPv4BadHeader],
  ])('%s', (_name, o, problem) => {
    const d = dec(v4(o));
    expect([d.problem, d.l3, d.hasPorts]).toEqual([problem, L3.None, false]);
  });

  it('shorter than 20 bytes → IPv4Truncated, nothing else set', () => {
    const d = dec(v4(), 1, 14 + 19);
    expect([d.problem, d.l3, d.etherType]).toEqual([DecodeProblem.IPv4Truncated, L3.None, 0x0800]);
  });

  it('options cut by the capture → IPv4Truncated, addresses from the fixed header kept', () => {
    const d = dec(v4({ options: new Uint8Array(8) }), 1, 14 + 24);
    expect([d.problem, d.l3, d.hasPorts]).toEqual([DecodeProblem.IPv4Truncated, L3.IPv4, false]);
    expect(summary(d)).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2' });
  });

  it('other protocols (GRE, ESP, SCTP) give the protocol and the payload, no ports', () => {
    for (const proto of [47, 50, 132, 253]) {
      const d = dec(v4({ proto, payload: hex('0000 0800 4500') }));
      expect([d.ipProto, d.hasPorts, d.isIcmp, d.l4Offset, d.payloadOffset, d.payloadLength, d.problem]).toEqual([proto, false, false, 34, 34, 6, 0]);
    }
  });
});

const OPT: Ipv6ExtHeader[] = [{ type: 0 }, { type: 43, data: hex('0000 0000 0000') }, { type: 60, data: new Uint8Array(14) }, { type: 51 }, { type: 135 }];

describe('IPv6 extension headers', () => {
  it.each(OPT.map((e) => [e.type, e] as const))('header %i is walked to TCP', (_t, e) => {
    const d = dec(v6({ extHeaders: [e] }));
    const len = e.type === 51 ? 12 : e.type === 60 ? 16 : 8;
    expect([d.ipProto, d.hasPorts, d.dstPort, d.l4Offset, d.payloadLength, d.problem]).toEqual([6, true, 445, 54 + len, 4, 0]);
  });

  it('hop-by-hop + routing + dstopts + AH + dstopts chain', () => {
    const d = dec(v6({ extHeaders: [{ type: 0 }, { type: 43 }, { type: 60 }, { type: 51 }, { type: 60 }], nextHeader: 17, payload: udp({ sport: 53, dport: 9 }) }));
    expect([d.ipProto, d.srcPort, d.dstPort, d.l4Offset, d.problem]).toEqual([17, 53, 9, 54 + 8 * 4 + 12, 0]);
  });

  it('8 extension headers are walked, 9 are too many', () => {
    const eight: Ipv6ExtHeader[] = Array.from({ length: 8 }, () => ({ type: 60 }));
    expect(dec(v6({ extHeaders: eight })).dstPort).toBe(445);
    const d = dec(v6({ extHeaders: [...eight, { type: 60 }] }));
    expect([d.problem, d.l3, d.hasPorts]).toEqual([DecodeProblem.TooManyHeaders, L3.IPv6, false]);
  });

  it('an extension header running past the capture → IPv6Truncated, l3 and addresses kept', () => {
    const f = v6({ extHeaders: [{ type: 0 }, { type: 60, data: new Uint8Array(30) }] });
    const d = dec(f, 1, 14 + 40 + 8 + 16);
    expect([d.problem, d.l3, d.ipProto, d.hasPorts]).toEqual([DecodeProblem.IPv6Truncated, L3.IPv6, 60, false]);
    expect(summary(d)).toMatchObject({ src: '2001:db8::1', dst: '2001:db8::2' });
  });

  it('an extension header longer than the payload length → IPv6Truncated', () => {
    const d = dec(v6({ extHeaders: [{ type: 0, data: new Uint8Array(14) }], payload: new Uint8Array(0), payloadLength: 8 }));
    expect(d.problem).toBe(DecodeProblem.IPv6Truncated);
  });

  it('first fragment: fragment fields and ports', () => {
    const d = dec(v6({ extHeaders: [{ type: 44, offset: 0, more: true, id: 0xdeadbeef }] }));
    expect([d.isFragment, d.moreFragments, d.fragOffset, d.fragId, d.ipProto, d.hasPorts, d.dstPort]).toEqual([true, true, 0, 0xdeadbeef, 6, true, 445]);
  });

  it('later fragment: no ports, ipProto from the fragment header', () => {
    const d = dec(v6({ extHeaders: [{ type: 0 }, { type: 44, offset: 1448, more: false, id: 42 }] }));
    expect([d.isFragment, d.moreFragments, d.fragOffset, d.fragId, d.ipProto, d.hasPorts]).toEqual([true, false, 1448, 42, 6, false]);
    expect([d.l4Offset, d.payloadOffset, d.payloadLength, d.problem]).toEqual([14 + 56, 14 + 56, seg.length, 0]);
  });

  it('atomic fragment (offset 0, no MF) is not a fragment', () => {
    const d = dec(v6({ extHeaders: [{ type: 44, id: 9 }] }));
    expect([d.isFragment, d.fragId, d.hasPorts]).toEqual([false, 9, true]);
  });

  it('ESP and no-next-header stop the walk', () => {
    expect(dec(v6({ nextHeader: 50, payload: new Uint8Array(16) })).ipProto).toBe(50);
    const d = dec(v6({ extHeaders: [{ type: 60 }], nextHeader: 59, payload: new Uint8Array(0) }));
    expect([d.ipProto, d.hasPorts, d.problem]).toEqual([59, false, 0]);
  });

  it('payload length 0 (jumbogram): uses what is captured', () => {
    const d = dec(v6({ payloadLength: 0, extHeaders: [{ type: 0, data: hex('c204 0001 0000') /* jumbo option */ }] }));
    expect([d.dstPort, d.payloadLength, d.truncated, d.problem]).toEqual([445, 4, false, 0]);
  });

  it('payload length beyond the capture: truncated', () => {
    const f = v6();
    const d = dec(f, 1, f.length - 1);
    expect([d.truncated, d.hasPorts, d.payloadLength]).toEqual([true, true, 3]);
  });

  it('Ethernet padding after the payload length is ignored', () => {
    const f = ether({ type: 0x86dd, payload: ipv6({ src: '::1', dst: '::2', nextHeader: 17, payload: udp({ sport: 1, dport: 2 }) }) });
    const padded = Uint8Array.from([...f, 0, 0, 0, 0]);
    expect(dec(padded).payloadLength).toBe(0);
  });

  it.each([
    ['version 4 under ethertype IPv6', 0x45, DecodeProblem.IPVersionMismatch],
    ['version 7', 0x70, DecodeProblem.IPv6BadHeader],
  ])('%s', (_n, firstByte, problem) => {
    expect(dec(v6({ firstByte })).problem).toBe(problem);
  });

  it('shorter than 40 bytes → IPv6Truncated, l3 None', () => {
    const d = dec(v6(), 1, 14 + 39);
    expect([d.problem, d.l3]).toEqual([DecodeProblem.IPv6Truncated, L3.None]);
  });

  it('traffic class and flow label do not disturb the header', () => {
    const d = dec(v6({ trafficClass: 0xff, flowLabel: 0xfffff, hopLimit: 1 }));
    expect([d.ttl, d.dstPort, d.problem]).toEqual([1, 445, 0]);
  });
});

describe('ICMP in fragments', () => {
  it('ICMPv6 echo in a first fragment is ICMP; the later fragment is not', () => {
    const echo = icmp({ type: 128, v6: true, rest: 0x00010001, payload: new Uint8Array(32) });
    const first = dec(ether({ type: 0x86dd, payload: ipv6({ src: '::1', dst: '::2', nextHeader: 58, extHeaders: [{ type: 44, more: true, id: 5 }], payload: echo }) }));
    const later = dec(ether({ type: 0x86dd, payload: ipv6({ src: '::1', dst: '::2', nextHeader: 58, extHeaders: [{ type: 44, offset: 1232, id: 5 }], payload: new Uint8Array(8) }) }));
    expect([first.isIcmp, first.icmpType, first.ipProto]).toEqual([true, 128, 58]);
    expect([later.isIcmp, later.icmpType, later.ipProto]).toEqual([false, 0, 58]);
  });

  it('frame() picks ICMPv6 for IPv6 text', () => {
    const d = dec(frame({ src: 'fe80::1', dst: 'ff02::1', proto: 'icmp' }));
    expect([d.ipProto, d.icmpType]).toEqual([58, 128]);
  });
});
