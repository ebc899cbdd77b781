/** The packet builder (test/support/packets.ts) is used by fixtures and benchmarks: check its bytes. */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DecodedPacket, decodePacket, formatAddress } from '../../src/decode/index.js';
import {
  FrameTemplate,
  LINK_TYPE,
  checksum,
  ether,
  frame,
  hex,
  icmp,
  ipv4,
  ipv6,
  pcapFile,
  tcp,
  udp,
} from '../support/packets.js';
import { dec } from './helpers.js';

describe('packet builder', () => {
  it('hex() reads tcpdump -X lines and plain hex, and refuses odd text', () => {
    expect([...hex('0x0000:  4500 0014  E...\n0x0010:  01  .')]).toEqual([0x45, 0, 0, 0x14, 1]);
    expect([...hex('45 00\n00 14 // comment')]).toEqual([0x45, 0, 0, 0x14]);
    expect(() => hex('450')).toThrow();
  });

  it('IPv4 header checksum verifies, with and without options', () => {
    for (const options of [undefined, hex('9404 0000')]) {
      const ip = ipv4({ src: '192.168.1.1', dst: '10.0.0.1', proto: 17, id: 0x1c46, ttl: 64, options, payload: new Uint8Array(8) });
      const hl = (ip[0]! & 15) * 4;
      expect(checksum(ip, 0, hl)).toBe(0);
    }
  });

  it('TCP, UDP and ICMPv6 checksums match independently computed values', () => {
    // Values computed with a separate Python implementation of RFC 1071 over the pseudo-header.
    const t = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, payload: tcp({ sport: 49152, dport: 389, flags: 'S', seq: 1 }) });
    expect(t[20 + 16]! * 256 + t[20 + 17]!).toBe(0xda59);
    const u = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 17, payload: udp({ sport: 5353, dport: 53, payload: hex('6869') }) });
    expect(u[40 + 6]! * 256 + u[40 + 7]!).toBe(0x26de);
    const m = ipv6({ src: 'fe80::1', dst: 'ff02::1', nextHeader: 58, payload: icmp({ type: 128, rest: 0x00010002, payload: hex('70696e67'), v6: true }) });
    expect(m[40 + 2]! * 256 + m[40 + 3]!).toBe(0xa35f);
  });

  it('ICMPv4 checksum verifies', () => {
    expect(checksum(icmp({ type: 8, rest: 0x12340001, payload: hex('616263') }))).toBe(0);
  });

  it('fragments keep the given transport bytes (no checksum over a partial segment)', () => {
    const seg = udp({ sport: 1, dport: 2, payload: new Uint8Array(16) });
    expect(ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, fragOffset: 8, payload: seg }).subarray(20)).toEqual(seg);
    expect(ipv6({ src: '::1', dst: '::2', nextHeader: 17, extHeaders: [{ type: 44, offset: 8 }], payload: seg }).subarray(48)).toEqual(seg);
  });

  it('VLAN stacks: one tag 0x8100, two or more start with 0x88a8', () => {
    const one = ether({ vlans: [5], type: 0x0800, payload: new Uint8Array(0) });
    const three = ether({ vlans: [5, 6, 7], type: 0x0800, payload: new Uint8Array(0) });
    expect([...one.subarray(12, 18)]).toEqual([0x81, 0x00, 0, 5, 0x08, 0x00]);
    expect([...three.subarray(12, 26)]).toEqual([0x88, 0xa8, 0, 5, 0x81, 0, 0, 6, 0x81, 0, 0, 7, 0x08, 0]);
  });

  it('FrameTemplate stamps frames that decode to the patched values', () => {
    const t = new FrameTemplate({ link: 'ether', vlan: 30, src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1, dport: 2, flags: 'A', payload: 'data' });
    const buf = new Uint8Array(t.bytes.length * 3);
    let at = 0;
    for (let i = 0; i < 3; i++) at += t.write(buf, at, 50000 + i, 445, 0x0a000100 + i, 0xc0a80001, 1000 * i);
    const d = new DecodedPacket();
    for (let i = 0; i < 3; i++) {
      const o = i * t.bytes.length;
      decodePacket(buf, o, t.bytes.length, t.linkType, d);
      expect([formatAddress(d.src), formatAddress(d.dst), d.srcPort, d.dstPort, d.tcpSeq, d.vlanId]).toEqual([`10.0.1.${i}`, '192.168.0.1', 50000 + i, 445, 1000 * i, 30]);
      expect(checksum(buf, o + t.l3, o + t.l3 + 20)).toBe(0);
    }
    const v6 = new FrameTemplate({ link: 'sll2', src: '::1', dst: '::2', proto: 'udp', sport: 1, dport: 2 });
    const b6 = new Uint8Array(v6.bytes.length);
    v6.write(b6, 0, 7, 8);
    expect(dec(b6, 276)).toMatchObject({ srcPort: 7, dstPort: 8 });
    expect([v6.l3, v6.l4]).toEqual([20, 60]);
  });

  it('pcapFile() writes a classic pcap that pcap-parser reads back', async () => {
    const first = frame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1, dport: 2, payload: 'a' });
    const frames = [
      first,
      { data: frame({ src: '10.0.0.2', dst: '10.0.0.1', proto: 'tcp', sport: 2, dport: 1 }).subarray(0, 40), wirelen: 54, tsSec: 1234, tsUsec: 5 },
    ];
    const file = pcapFile(LINK_TYPE.ether, frames, 65535);
    const require = createRequire(import.meta.url);
    const pcapp = require('pcap-parser') as { parse(s: Readable): NodeJS.EventEmitter };
    const parser = pcapp.parse(Readable.from([Buffer.from(file)]));
    const got: { linkLayerType?: number; packets: { caplen: number; wirelen: number; sec: number; usec: number }[] } = { packets: [] };
    await new Promise<void>((resolve, reject) => {
      parser.on('globalHeader', (h: { linkLayerType: number }) => (got.linkLayerType = h.linkLayerType));
      parser.on('packet', (p: { header: { capturedLength: number; originalLength: number; timestampSeconds: number; timestampMicroseconds: number } }) =>
        got.packets.push({ caplen: p.header.capturedLength, wirelen: p.header.originalLength, sec: p.header.timestampSeconds, usec: p.header.timestampMicroseconds }),
      );
      parser.on('end', () => resolve());
      parser.on('error', reject);
    });
    expect(got.linkLayerType).toBe(1);
    expect(got.packets).toEqual([
      { caplen: first.length, wirelen: first.length, sec: 1_700_000_000, usec: 0 },
      { caplen: 40, wirelen: 54, sec: 1234, usec: 5 },
    ]);
  });
});
