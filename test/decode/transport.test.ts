import { describe, expect, it } from 'vitest';
import {
  DecodeProblem,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from '../../src/decode/index.js';
import { ether, frame, hex, icmp, ipv4, ipv6, tcp, tcpFlags, udp } from '../support/packets.js';
import { dec } from './helpers.js';

const overV4 = (proto: number, payload: Uint8Array, totalLength?: number): Uint8Array =>
  ether({ type: 0x0800, payload: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto, payload, totalLength }) });
const overV6 = (nextHeader: number, payload: Uint8Array): Uint8Array =>
  ether({ type: 0x86dd, payload: ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader, payload }) });

describe('TCP', () => {
  it.each([
    ['S', TCP_SYN],
    ['SA', TCP_SYN | TCP_ACK],
    ['A', TCP_ACK],
    ['PA', TCP_PSH | TCP_ACK],
    ['FA', TCP_FIN | TCP_ACK],
    ['R', TCP_RST],
    ['RA', TCP_RST | TCP_ACK],
    ['F', TCP_FIN],
    ['UA', TCP_URG | TCP_ACK],
    ['SEC', TCP_SYN | TCP_ECE | TCP_CWR],
    ['FSRPAUEC', 0xff],
    ['', 0],
  ])('flags %s', (flags, bits) => {
    expect(tcpFlags(flags)).toBe(bits);
    const d = dec(frame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1, dport: 2, flags }));
    expect([d.tcpFlags, d.hasPorts]).toEqual([bits, true]);
  });

  it('seq and ack are unsigned 32-bit', () => {
    const d = dec(overV4(6, tcp({ sport: 65535, dport: 0, seq: 0xffffffff, ack: 0x80000001, flags: 'A' })));
    expect([d.srcPort, d.dstPort, d.tcpSeq, d.tcpAck]).toEqual([65535, 0, 0xffffffff, 0x80000001]);
  });

  it('options: the payload starts after data offset * 4', () => {
    // MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (20 bytes)
    const options = hex('0204 05b4 0402 080a 0000 0001 0000 0000 0103 0307');
    const d = dec(overV4(6, tcp({ sport: 1, dport: 2, options, payload: hex('4142') })));
    expect([d.l4Offset, d.payloadOffset, d.payloadLength]).toEqual([34, 34 + 40, 2]);
  });

  it('data offset < 5 → TcpBadHeader, no ports', () => {
    const d = dec(overV4(6, tcp({ sport: 1, dport: 2, dataOffset: 4 })));
    expect([d.problem, d.hasPorts, d.srcPort, d.l3]).toEqual([DecodeProblem.TcpBadHeader, false, 0, 4]);
  });

  it('fewer than 20 bytes of TCP captured → TcpTruncated', () => {
    const f = overV4(6, tcp({ sport: 1, dport: 2 }));
    const d = dec(f, 1, f.length - 1);
    expect([d.problem, d.hasPorts, d.truncated]).toEqual([DecodeProblem.TcpTruncated, false, true]);
  });

  it('data offset past the IP-announced segment → TcpTruncated (malformed, not a snaplen cut)', () => {
    const d = dec(overV4(6, tcp({ sport: 1, dport: 2, dataOffset: 15 })));
    expect([d.problem, d.hasPorts, d.truncated]).toEqual([DecodeProblem.TcpTruncated, false, false]);
  });

  it('options cut by the snaplen: ports, flags and seq read, truncated, empty payload', () => {
    const f = overV4(6, tcp({ sport: 1, dport: 2, flags: 'S', seq: 77, options: new Uint8Array(20).fill(1), payload: hex('41') }));
    const d = dec(f, 1, 14 + 20 + 30);
    expect([d.problem, d.hasPorts, d.tcpFlags, d.tcpSeq, d.truncated, d.payloadOffset, d.payloadLength]).toEqual([0, true, 2, 77, true, 64, 0]);
  });

  it('payload cut by the snaplen: truncated, captured part given', () => {
    const f = overV6(6, tcp({ sport: 1, dport: 2, payload: new Uint8Array(100) }));
    const d = dec(f, 1, 14 + 40 + 20 + 10);
    expect([d.problem, d.truncated, d.payloadLength]).toEqual([0, true, 10]);
  });
});

describe('UDP', () => {
  it('ports and payload', () => {
    const d = dec(overV4(17, udp({ sport: 389, dport: 50000, payload: hex('3084') })));
    expect([d.srcPort, d.dstPort, d.l4Offset, d.payloadOffset, d.payloadLength, d.tcpFlags]).toEqual([389, 50000, 34, 42, 2, 0]);
  });

  it('fewer than 8 bytes → UdpTruncated', () => {
    const d = dec(overV4(17, hex('0035 0035 0008'), 26));
    expect([d.problem, d.hasPorts]).toEqual([DecodeProblem.UdpTruncated, false]);
  });

  it('empty UDP datagram is fine', () => {
    expect(dec(overV6(17, udp({ sport: 7, dport: 9 }))).payloadLength).toBe(0);
  });
});

describe('ICMP and ICMPv6: payload offset after the 4-byte header, after 8 bytes for errors', () => {
  it.each([
    // v6?, type, code, header length
    [false, 8, 0, 4], // echo request
    [false, 0, 0, 4], // echo reply
    [false, 3, 3, 8], // port unreachable
    [false, 4, 0, 8], // source quench
    [false, 5, 1, 8], // redirect
    [false, 11, 0, 8], // time exceeded
    [false, 12, 0, 8], // parameter problem
    [false, 13, 0, 4], // timestamp
    [true, 128, 0, 4], // echo request
    [true, 129, 0, 4],
    [true, 135, 0, 4], // neighbour solicitation
    [true, 1, 4, 8], // port unreachable
    [true, 2, 0, 8], // packet too big
    [true, 3, 0, 8], // time exceeded
    [true, 4, 1, 8], // parameter problem
  ])('v6=%s type %i code %i → %i', (v6, type, code, hl) => {
    const m = icmp({ type, code, v6, payload: new Uint8Array(28) });
    const d = v6 ? dec(overV6(58, m)) : dec(overV4(1, m));
    const l4 = v6 ? 54 : 34;
    expect([d.isIcmp, d.icmpType, d.icmpCode, d.hasPorts, d.l4Offset]).toEqual([true, type, code, false, l4]);
    expect([d.payloadOffset, d.payloadLength]).toEqual([l4 + hl, m.length - hl]);
  });

  it('an error message cut inside its 8-byte header: empty payload at the end', () => {
    const d = dec(overV4(1, hex('0303 0000 00'), 25));
    expect([d.isIcmp, d.payloadOffset, d.payloadLength, d.problem]).toEqual([true, 39, 0, 0]);
  });

  it('fewer than 4 bytes → IcmpTruncated', () => {
    const d = dec(overV4(1, hex('0800 00'), 23));
    expect([d.problem, d.isIcmp]).toEqual([DecodeProblem.IcmpTruncated, false]);
  });

  it('ICMP (1) inside IPv6 and ICMPv6 (58) inside IPv4 are still read by their own numbering', () => {
    expect(dec(overV6(1, icmp({ type: 3 }))).icmpType).toBe(3);
    expect(dec(overV4(58, icmp({ type: 1, v6: true }))).payloadOffset).toBe(34 + 8);
  });
});
