import { describe, expect, it } from 'vitest';
import { DecodeProblem, L3, etherTypeHex, etherTypeName } from '../../src/decode/index.js';
import { LINK_TYPE, type LinkName, ether, frame, hex, ipv4, ipv6, loop, nullLink, sll, sll2, tcp, udp } from '../support/packets.js';
import { dec, summary } from './helpers.js';

describe('hand-written frames', () => {
  it('Ethernet / IPv4 / TCP SYN', () => {
    // 10.0.0.1.49152 > 10.0.0.2.389: Flags [S], seq 1, win 65535, length 0
    const d = dec(
      hex(`
        0x0000:  0000 5e00 5302 0000 5e00 5301 0800 4500  ..^.S...^.S...E.
        0x0010:  0028 0001 0000 4006 66cd 0a00 0001 0a00  .(....@.f.......
        0x0020:  0002 c000 0185 0000 0001 0000 0000 5002  ..............P.
        0x0030:  ffff da59 0000                           ...Y..`),
    );
    expect(summary(d)).toEqual({ l3: L3.IPv4, src: '10.0.0.1', dst: '10.0.0.2', proto: 6, sport: 49152, dport: 389, problem: 0, truncated: false });
    expect([d.etherType, d.ipOffset, d.l4Offset, d.ttl, d.tcpFlags, d.tcpSeq, d.tcpAck]).toEqual([0x0800, 14, 34, 64, 0x02, 1, 0]);
    expect([d.payloadOffset, d.payloadLength, d.vlanDepth, d.vlanId, d.linkType]).toEqual([54, 0, 0, -1, 1]);
  });

  it('ARP request', () => {
    // ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28
    const d = dec(
      hex(`
        0x0000:  ffff ffff ffff 0000 5e00 5301 0806 0001  ........^.S.....
        0x0010:  0800 0604 0001 0000 5e00 5301 0a00 0001  ........^.S.....
        0x0020:  0000 0000 0000 0a00 0002                 ..........`),
    );
    expect([d.l3, d.etherType, d.problem, d.hasPorts]).toEqual([L3.ARP, 0x0806, DecodeProblem.None, false]);
  });

  it('LLDP is L3.Other and prints as 0x88cc', () => {
    // LLDP, length 24: Chassis ID TLV, Port ID TLV "eth0", TTL 120, End
    const d = dec(
      hex(`
        0x0000:  0180 c200 000e 0000 5e00 5301 88cc 0207  ........^.S.....
        0x0010:  0400 005e 0053 0104 0203 6574 6830 0602  ...^.S....eth0..
        0x0020:  0078 0000                                .x..`),
    );
    expect([d.l3, d.etherType, d.problem]).toEqual([L3.Other, 0x88cc, DecodeProblem.None]);
    expect(etherTypeName(d.etherType)).toBe('0x88cc');
    expect(etherTypeHex(d.etherType)).toBe('0x88cc');
  });

  it('RAW / IPv6 / UDP', () => {
    // 2001:db8::1.5353 > 2001:db8::2.53: UDP, length 2
    const d = dec(
      hex(`
        0x0000:  6000 0000 000a 1140 2001 0db8 0000 0000  \`......@ .......
        0x0010:  0000 0000 0000 0001 2001 0db8 0000 0000  ........ .......
        0x0020:  0000 0000 0000 0002 14e9 0035 000a 26de  ...........5..&.
        0x0030:  6869                                     hi`),
      101,
    );
    expect(summary(d)).toEqual({ l3: L3.IPv6, src: '2001:db8::1', dst: '2001:db8::2', proto: 17, sport: 5353, dport: 53, problem: 0, truncated: false });
    expect([d.etherType, d.ipOffset, d.l4Offset, d.payloadOffset, d.payloadLength, d.ttl]).toEqual([0, 0, 40, 48, 2, 64]);
  });

  it('NULL (little-endian AF_INET) / IPv4 / ICMP echo', () => {
    // IP 192.0.2.1 > 192.0.2.2: ICMP echo request, id 0, seq 0, length 10
    const d = dec(
      hex(`
        0x0000:  0200 0000 4500 001e 0001 0000 4001 f6da  ....E.......@...
        0x0010:  c000 0201 c000 0202 0800 969d 0000 0000  ................
        0x0020:  6162                                     ab`),
      0,
    );
    expect(summary(d)).toEqual({ l3: L3.IPv4, src: '192.0.2.1', dst: '192.0.2.2', proto: 1, sport: null, dport: null, problem: 0, truncated: false });
    expect([d.isIcmp, d.icmpType, d.icmpCode, d.payloadOffset, d.payloadLength]).toEqual([true, 8, 0, 28, 6]);
  });
});

const LINKS: LinkName[] = ['ether', 'sll', 'sll2', 'null', 'null-be', 'loop', 'raw', 'ipv4', 'ipv6'];
const ADDRS = [
  ['10.1.2.3', '192.168.200.1'],
  ['2001:db8::10', 'fe80::1:2'],
] as const;

describe('every link type carries IPv4 and IPv6, TCP and UDP', () => {
  const cases = LINKS.flatMap((link) =>
    ADDRS.flatMap(([src, dst]) => (['tcp', 'udp'] as const).map((proto) => ({ link, src, dst, proto }))),
  ).filter((c) => !(c.link === 'ipv4' && c.src.includes(':')) && !(c.link === 'ipv6' && !c.src.includes(':')));

  it.each(cases)('$link $proto $src', ({ link, src, dst, proto }) => {
    const f = frame({ link, src, dst, proto, sport: 1234, dport: 88, flags: 'PA', payload: 'hello' });
    const d = dec(f, LINK_TYPE[link]);
    const v6 = src.includes(':');
    expect(summary(d)).toEqual({ l3: v6 ? L3.IPv6 : L3.IPv4, src, dst, proto: proto === 'tcp' ? 6 : 17, sport: 1234, dport: 88, problem: 0, truncated: false });
    expect(d.linkType).toBe(LINK_TYPE[link]);
    expect(d.payloadLength).toBe(5);
    expect(new TextDecoder().decode(f.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength))).toBe('hello');
    const linkLen = { ether: 14, sll: 16, sll2: 20, null: 4, 'null-be': 4, loop: 4, raw: 0, ipv4: 0, ipv6: 0 }[link];
    expect(d.ipOffset).toBe(linkLen);
    expect(d.etherType).toBe(['ether', 'sll', 'sll2'].includes(link) ? (v6 ? 0x86dd : 0x0800) : 0);
  });

  it.each([12, 14])('RAW alias %i decodes as RAW', (lt) => {
    expect(summary(dec(frame({ link: 'raw', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1, dport: 2 }), lt))).toMatchObject({ l3: L3.IPv4, sport: 1, dport: 2 });
    expect(summary(dec(frame({ link: 'raw', src: '::1', dst: '::2', proto: 'udp', sport: 1, dport: 2 }), lt))).toMatchObject({ l3: L3.IPv6, src: '::1', sport: 1 });
  });
});

describe('BSD NULL and LOOP address families', () => {
  const v4 = frame({ link: 'raw', src: '127.0.0.1', dst: '127.0.0.1', proto: 'udp', sport: 5, dport: 53 });
  const v6 = frame({ link: 'raw', src: '::1', dst: '::1', proto: 'udp', sport: 5, dport: 53 });
  it.each([
    // family, big-endian writer, expected
    [2, false, L3.IPv4],
    [2, true, L3.IPv4],
    [24, false, L3.IPv6],
    [24, true, L3.IPv6],
    [28, false, L3.IPv6],
    [28, true, L3.IPv6],
    [30, false, L3.IPv6],
    [30, true, L3.IPv6],
    [7, false, L3.Other], // AF_OSI
    [7, true, L3.Other],
  ])('NULL family %i (big-endian %s)', (family, bigEndian, l3) => {
    const d = dec(nullLink({ family, bigEndian, payload: l3 === L3.IPv6 ? v6 : v4 }), 0);
    expect([d.l3, d.problem, d.hasPorts ? d.dstPort : -1]).toEqual([l3, 0, l3 === L3.Other ? -1 : 53]);
  });

  it.each([
    ['0200 0000', L3.IPv4], // AF_INET written little-endian
    ['0000 0002', L3.IPv4], // AF_INET written big-endian
    ['1e00 0000', L3.IPv6], // Darwin AF_INET6 (30), little-endian
    ['0000 0018', L3.IPv6], // OpenBSD AF_INET6 (24), big-endian
  ])('NULL header bytes %s', (family, l3) => {
    const payload = l3 === L3.IPv6 ? v6 : v4;
    expect(dec(Uint8Array.from([...hex(family), ...payload]), 0).l3).toBe(l3);
  });

  it.each([
    [2, L3.IPv4],
    [24, L3.IPv6],
    [30, L3.IPv6],
  ])('LOOP family %i is always big-endian', (family, l3) => {
    expect(dec(loop({ family, payload: l3 === L3.IPv6 ? v6 : v4 }), 108).l3).toBe(l3);
    // The same bytes little-endian are not AF_INET under LOOP.
    expect(dec(nullLink({ family, payload: v4 }), 108).l3).toBe(L3.Other);
  });

  it('IPv6 under an AF_INET header is a version mismatch', () => {
    expect(dec(nullLink({ family: 2, payload: v6 }), 0).problem).toBe(DecodeProblem.IPVersionMismatch);
  });
});

describe('Ethernet VLAN stacks', () => {
  const ip = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: udp({ sport: 1000, dport: 2000 }) });
  it.each([1, 2, 3, 4, 8])('%i tag(s)', (n) => {
    const vlans = Array.from({ length: n }, (_, i) => 100 + i);
    const d = dec(ether({ vlans, type: 0x0800, payload: ip }));
    expect([d.vlanDepth, d.vlanId, d.etherType, d.ipOffset, d.dstPort, d.problem]).toEqual([n, 100, 0x0800, 14 + 4 * n, 2000, 0]);
  });

  it.each([0x8100, 0x88a8, 0x9100])('TPID %d is a tag', (tpid) => {
    const d = dec(ether({ vlans: [4095, 7], tpids: [tpid, tpid], type: 0x0800, payload: ip }));
    expect([d.vlanDepth, d.vlanId, d.dstPort]).toEqual([2, 4095, 2000]);
  });

  it('the priority and DEI bits are not part of the VLAN id', () => {
    const f = ether({ vlans: [50], type: 0x0800, payload: ip });
    f[14] = 0xe0 | f[14]!; // PCP 7, DEI 0
    f[14] = f[14]! | 0x10; // DEI 1
    expect(dec(f).vlanId).toBe(50);
  });

  it('9 tags is too many', () => {
    const d = dec(ether({ vlans: [1, 2, 3, 4, 5, 6, 7, 8, 9], type: 0x0800, payload: ip }));
    expect([d.problem, d.l3, d.vlanDepth]).toEqual([DecodeProblem.TooManyHeaders, L3.None, 8]);
  });

  it('a tag cut short is LinkTruncated', () => {
    const f = ether({ vlans: [10, 20], type: 0x0800, payload: ip });
    expect(dec(f, 1, 14 + 4 + 2).problem).toBe(DecodeProblem.LinkTruncated);
  });

  it('VLAN-tagged IPv6 over SLL too', () => {
    const d = dec(sll({ protocol: 0x8100, payload: hex('0032 86dd') /* vid 50 */ }), 113);
    expect([d.vlanDepth, d.vlanId, d.etherType, d.problem]).toEqual([1, 50, 0x86dd, DecodeProblem.IPv6Truncated]);
  });
});

describe('non-IP link payloads', () => {
  it.each([
    // type field, etherType we report
    [0x0026, 0], // 802.3 length: LLC (e.g. STP BPDU)
    [1500, 0],
    [0x888e, 0x888e], // EAPOL
    [0x88cc, 0x88cc], // LLDP
    [0x8847, 0x8847], // MPLS is not decoded
  ])('type %d → L3.Other', (type, etherType) => {
    const d = dec(ether({ type, payload: new Uint8Array(46) }));
    expect([d.l3, d.etherType, d.problem, d.hasPorts]).toEqual([L3.Other, etherType, 0, false]);
  });

  it.each([
    [1, L3.Other], // Novell 802.3
    [4, L3.Other], // 802.2 LLC
    [0x0806, L3.ARP],
  ])('SLL/SLL2 protocol %i', (protocol, l3) => {
    const arp = hex('0001 0800 0604 0001 0000 5e00 5301 0a00 0001 0000 0000 0000 0a00 0002');
    expect(dec(sll({ protocol, payload: arp }), 113).l3).toBe(l3);
    expect(dec(sll2({ protocol, payload: arp }), 276).l3).toBe(l3);
  });

  it('unsupported link type: counted, nothing decoded', () => {
    const d = dec(frame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp' }), 231 /* DBUS */);
    expect([d.problem, d.l3, d.linkType]).toEqual([DecodeProblem.UnsupportedLinkType, L3.None, 231]);
  });
});

describe('link header of each type cut short', () => {
  it.each([
    [1, 13],
    [113, 15],
    [276, 19],
    [0, 3],
    [108, 3],
    [101, 0],
  ])('link type %i with %i bytes → LinkTruncated', (lt, n) => {
    expect(dec(new Uint8Array(64).fill(0x45), lt, n).problem).toBe(DecodeProblem.LinkTruncated);
  });

  it('IPV4/IPV6 link types with 0 bytes are an IP truncation', () => {
    expect(dec(new Uint8Array(0), 228).problem).toBe(DecodeProblem.IPv4Truncated);
    expect(dec(new Uint8Array(0), 229).problem).toBe(DecodeProblem.IPv6Truncated);
  });

  it('a tcp segment inside SLL2 keeps its flags', () => {
    const seg = tcp({ sport: 1, dport: 2, flags: 'FA', seq: 0xfffffffe, ack: 0x80000000 });
    const d = dec(sll2({ protocol: 0x86dd, payload: ipv6({ src: '::a', dst: '::b', nextHeader: 6, payload: seg }) }), 276);
    expect([d.tcpFlags, d.tcpSeq, d.tcpAck]).toEqual([0x11, 0xfffffffe, 0x80000000]);
  });
});
