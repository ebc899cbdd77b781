import { describe, expect, it } from 'vitest';
import { hex, ng, optU64, optU8, patchU16, patchU32, payload, pcapng } from '../support/capture_bytes.js';
import { expectFormatError, readChecked } from './read_helpers.js';

const d60 = payload(60, 1);
const d61 = payload(61, 2); // padded to 64 inside a block

/** Reference timestamp conversion in BigInt, independent of the reader's number arithmetic. */
function refTs(hi: number, lo: number, tsresol = 6, offset = 0n): [number, number] {
  const units = (BigInt(hi) << 32n) + BigInt(lo);
  const u = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return [Number(units / u + offset), Number(((units % u) * 1_000_000_000n) / u)];
}

describe('pcapng: sections, byte orders, interfaces', () => {
  // Minimal little-endian file (SHB 28 bytes, IDB 20 bytes, EPB 36 bytes):
  // 0x0000: 0a 0d 0d 0a 1c 00 00 00 4d 3c 2b 1a 01 00 00 00   SHB, len 28, BOM, 1.0
  // 0x0010: ff ff ff ff ff ff ff ff 1c 00 00 00               section length -1, trailer
  // 0x001c: 01 00 00 00 14 00 00 00 01 00 00 00 00 00 00 00   IDB, len 20, linktype 1, snaplen 0
  // 0x002c: 14 00 00 00
  // 0x0030: 06 00 00 00 24 00 00 00 00 00 00 00 00 00 00 00   EPB, len 36, if 0, ts hi 0
  // 0x0040: 40 42 0f 00 04 00 00 00 40 00 00 00 de ad be ef   ts lo 1000000, caplen 4, wirelen 64
  // 0x0050: 24 00 00 00
  it('reads a hand-written minimal file', () => {
    const bytes = hex(`0a0d0d0a 1c000000 4d3c2b1a 01000000 ffffffff ffffffff 1c000000
                       01000000 14000000 01000000 00000000 14000000
                       06000000 24000000 00000000 00000000 40420f00 04000000 40000000 deadbeef 24000000`);
    const r = readChecked(bytes, 'x.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.packets).toEqual([
      { tsSec: 1, tsNsec: 0, caplen: 4, wirelen: 64, linkType: 1, interfaceId: 0, fileOffset: 48, bytes: hex('deadbeef') },
    ]);
    expect(r.info).toMatchObject({ format: 'pcapng', byteOrder: 'le', version: '1.0', packets: 1, bytesRead: 84, fileSize: 84, truncated: false, warnings: [] });
    expect(r.info.interfaces).toEqual([{ section: 0, index: 0, linkType: 1, snapLen: 0, tsUnitsPerSec: 1e6, tsOffsetSec: 0 }]);
  });

  it.each([
    ['little-endian', true],
    ['big-endian', false],
  ])('%s section with two interfaces of different link types', (_l, le) => {
    const bytes = pcapng(
      ng.shb({ le }),
      ng.idb({ le, linkType: 1, snapLen: 1514 }),
      ng.idb({ le, linkType: 113, snapLen: 65535 }),
      ng.epb({ le, iface: 1, lo: 5, data: d61, wirelen: 100 }),
      ng.epb({ le, iface: 0, lo: 7, data: d60 }),
    );
    const r = readChecked(bytes, 'x.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.info.byteOrder).toBe(le ? 'le' : 'be');
    expect(r.packets.map((p) => [p.interfaceId, p.linkType, p.caplen, p.wirelen, p.tsNsec])).toEqual([
      [1, 113, 61, 100, 5000],
      [0, 1, 60, 60, 7000],
    ]);
    expect(r.packets[0]?.bytes).toEqual(d61);
    expect(r.packets[1]?.bytes).toEqual(d60);
    expect(r.info.interfaces.map((i) => [i.section, i.index, i.linkType, i.snapLen])).toEqual([
      [0, 0, 1, 1514],
      [0, 1, 113, 65535],
    ]);
  });

  it('several sections: each resets interface ids and may switch byte order', () => {
    const bytes = pcapng(
      ng.shb({ le: true }),
      ng.idb({ le: true, linkType: 1 }),
      ng.idb({ le: true, linkType: 101 }),
      ng.epb({ le: true, iface: 1, data: d60 }),
      ng.shb({ le: false, minor: 2 }),
      ng.idb({ le: false, linkType: 276 }),
      ng.epb({ le: false, iface: 0, data: d61 }),
      ng.shb({ le: true }),
      ng.idb({ le: true, linkType: 228 }),
      ng.epb({ le: true, iface: 0, data: d60 }),
    );
    const r = readChecked(bytes, 'x.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.info).toMatchObject({ byteOrder: 'le', version: '1.0', packets: 3 });
    expect(r.packets.map((p) => [p.interfaceId, p.linkType])).toEqual([
      [1, 101],
      [0, 276],
      [0, 228],
    ]);
    expect(r.info.interfaces.map((i) => [i.section, i.index, i.linkType])).toEqual([
      [0, 0, 1],
      [0, 1, 101],
      [1, 0, 276],
      [2, 0, 228],
    ]);
  });

  it('an interface id valid in an earlier section is an error in a later one', () => {
    const secondShb = 28 + 20 + 20 + 92;
    const bytes = pcapng(
      ng.shb(),
      ng.idb(),
      ng.idb(),
      ng.epb({ iface: 1, data: d60 }),
      ng.shb(),
      ng.idb(),
      ng.epb({ iface: 1, data: d60 }),
    );
    const r = readChecked(bytes, 'x.pcapng');
    expect(r.packets).toHaveLength(1);
    const at = secondShb + 28 + 20;
    expectFormatError(r, at, `pcapng block at offset ${at}: packet for interface 1, but section 1 has 1 interface(s)`);
  });

  it('IDB options: if_name, if_description, if_filter, if_tsresol, if_tsoffset', () => {
    const bytes = pcapng(
      ng.shb({ options: [[4, 'some app'], [2, 'hw'], [3, 'os']] }),
      ng.idb({
        linkType: 1,
        snapLen: 262144,
        options: [
          [2, 'eth0'],
          [3, 'uplink\0'],
          [11, Uint8Array.of(0, ...new TextEncoder().encode('tcp port 389'))],
          optU8(9, 9),
          optU64(14, -3600n),
          [0x8001, 'custom option, ignored'],
        ],
      }),
      ng.epb({ hi: 1, lo: 705_032_827, data: d60 }) // 5_000_000_123 ns,
    );
    const r = readChecked(bytes, 'x.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.info.interfaces).toEqual([
      {
        section: 0,
        index: 0,
        linkType: 1,
        snapLen: 262144,
        name: 'eth0',
        description: 'uplink',
        filter: 'tcp port 389',
        tsUnitsPerSec: 1e9,
        tsOffsetSec: -3600,
      },
    ]);
    expect(r.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([[5 - 3600, 123]]);
  });
});

describe('pcapng: timestamps', () => {
  // 2024-01-01T00:00:00Z = 1704067200 s
  const t2024ns = 1704067200n * 1_000_000_000n + 123_456_789n;
  const t2024us = 1704067200n * 1_000_000n + 654_321n;
  const split = (v: bigint): [number, number] => [Number(v >> 32n), Number(v & 0xffffffffn)];
  it.each<[string, number | undefined, bigint, bigint, [number, number]]>([
    ['default µs', undefined, t2024us, 0n, [1704067200, 654_321_000]],
    ['if_tsresol 6', 6, t2024us, 0n, [1704067200, 654_321_000]],
    ['if_tsresol 9 (value > 2^53)', 9, t2024ns, 0n, [1704067200, 123_456_789]],
    ['if_tsresol 3', 3, 1704067200_999n, 0n, [1704067200, 999_000_000]],
    ['if_tsresol 0 (seconds)', 0, 1704067200n, 0n, [1704067200, 0]],
    ['2^-20', 0x80 | 20, (1704067200n << 20n) + (1n << 19n), 0n, [1704067200, 500_000_000]],
    ['2^-32 (BigInt path)', 0x80 | 32, (1704067200n << 32n) + (1n << 30n), 0n, [1704067200, 250_000_000]],
    ['10^-12 (BigInt path)', 12, 1704067n * 10n ** 12n + 999_999_999_999n, 0n, [1704067, 999_999_999]],
    ['if_tsoffset +1000000000', 6, 1_500_000n, 1_000_000_000n, [1_000_000_001, 500_000_000]],
    ['if_tsoffset -10', 9, 5n, -10n, [-10, 5]],
    ['max 64-bit µs value', 6, 2n ** 64n - 1n, 0n, refTs(0xffffffff, 0xffffffff, 6)],
    ['max 64-bit ns value', 9, 2n ** 64n - 1n, 0n, refTs(0xffffffff, 0xffffffff, 9)],
  ])('%s', (_l, tsresol, units, offset, expected) => {
    const options = [];
    if (tsresol !== undefined) options.push(optU8(9, tsresol));
    if (offset !== 0n) options.push(optU64(14, offset));
    const [hi, lo] = split(units);
    const r = readChecked(pcapng(ng.shb(), ng.idb({ options }), ng.epb({ hi, lo, data: d60 })), 'x.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([expected]);
  });

  it('matches BigInt arithmetic on 3000 pseudo-random timestamps over 6 resolutions', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const resolutions = [6, 9, 3, 0, 0x80 | 10, 0x80 | 23];
    const blocks = [ng.shb(), ...resolutions.map((r) => ng.idb({ options: [optU8(9, r)] }))];
    const expected: [number, number][] = [];
    for (let i = 0; i < 3000; i++) {
      const iface = i % resolutions.length;
      // high words: small (fast path), around 2^21 (boundary) and anything
      const hi = i % 3 === 0 ? rnd() % 0x200000 : i % 3 === 1 ? 0x1ffff0 + (rnd() % 32) : rnd();
      const lo = rnd();
      blocks.push(ng.epb({ iface, hi, lo, data: payload(1) }));
      expected.push(refTs(hi, lo, resolutions[iface]));
    }
    const r = readChecked(pcapng(...blocks), 'x.pcapng');
    expect(r.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual(expected);
  });
});

describe('pcapng: other block types', () => {
  it.each([
    // [label, snapLen, wirelen, data length, expected caplen]
    ['wirelen < data (padding)', 0, 58, 60, 58],
    ['snaplen cuts', 40, 60, 60, 40],
    ['data shorter than wirelen', 0, 1514, 60, 60],
  ])('Simple Packet Block: %s', (_l, snapLen, wirelen, n, caplen) => {
    const data = payload(n, 9);
    const r = readChecked(pcapng(ng.shb(), ng.idb({ linkType: 1, snapLen }), ng.spb({ wirelen, data })), 'x.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.packets).toEqual([
      { tsSec: 0, tsNsec: 0, caplen, wirelen, linkType: 1, interfaceId: 0, fileOffset: 48, bytes: data.slice(0, caplen) },
    ]);
  });

  it('obsolete Packet Block (type 2) with a 16-bit interface id', () => {
    const r = readChecked(
      pcapng(ng.shb(), ng.idb({ linkType: 1 }), ng.idb({ linkType: 105 }), ng.pb({ iface: 1, drops: 3, hi: 1, lo: 2, data: d61, wirelen: 70 })),
      'x.pcapng',
    );
    expect(r.error).toBeUndefined();
    expect(r.packets.map((p) => [p.interfaceId, p.linkType, p.caplen, p.wirelen, p.tsSec, p.tsNsec])).toEqual([
      [1, 105, 61, 70, ...refTs(1, 2)],
    ]);
    expect(r.packets[0]?.bytes).toEqual(d61);
  });

  it('Interface Statistics Block drop counters land on the interface', () => {
    const r = readChecked(
      pcapng(
        ng.shb(),
        ng.idb(),
        ng.idb(),
        ng.epb({ data: d60 }),
        ng.isb({ iface: 1, ifRecv: 1000n, ifDrop: 7n, osDrop: 2n }),
        ng.isb({ iface: 0, ifDrop: 0n }),
      ),
      'x.pcapng',
    );
    expect(r.error).toBeUndefined();
    expect(r.info.interfaces[0]).toMatchObject({ ifDrop: 0 });
    expect(r.info.interfaces[0]?.ifRecv).toBeUndefined();
    expect(r.info.interfaces[1]).toMatchObject({ ifRecv: 1000, ifDrop: 7, osDrop: 2 });
  });

  it('an ISB for a missing interface is a warning, not an error', () => {
    const r = readChecked(pcapng(ng.shb(), ng.idb(), ng.isb({ iface: 4, ifDrop: 1n }), ng.epb({ data: d60 })), 'x.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.packets).toHaveLength(1);
    expect(r.info.warnings).toEqual([{ offset: 48, message: expect.stringContaining('statistics for interface 4') }]);
  });

  it('unknown and custom blocks are skipped by their length', () => {
    const r = readChecked(
      pcapng(
        ng.shb(),
        ng.block(0x0bad, payload(33)),
        ng.idb(),
        ng.block(0x40000bad, payload(100)),
        ng.block(4, payload(16)), // Name Resolution Block: not needed here
        ng.epb({ data: d60 }),
        ng.block(0x0bad, new Uint8Array(0)),
      ),
      'x.pcapng',
    );
    expect(r.error).toBeUndefined();
    expect(r.packets.map((p) => p.bytes)).toEqual([d60]);
    expect(r.info.bytesRead).toBe(r.info.fileSize);
  });
});

describe('pcapng: errors', () => {
  const base = () => pcapng(ng.shb(), ng.idb(), ng.epb({ data: d60 }));
  const at = 48; // the EPB
  it.each<[string, () => Uint8Array, number, string]>([
    ['length 7', () => patchU32(base(), at + 4, 7), at, `pcapng block at offset ${at}: length 7 is not a multiple of 4`],
    ['length 14', () => patchU32(base(), at + 4, 14), at, `pcapng block at offset ${at}: length 14 is not a multiple of 4`],
    ['length 8', () => patchU32(base(), at + 4, 8), at, `pcapng block at offset ${at}: length 8 is smaller than 12`],
    ['trailing length differs', () => patchU32(base(), at + 92 - 4, 96), at, 'trailing length 96 differs from leading length 92'],
    ['EPB for interface 1 without IDB', () => patchU32(base(), at + 8, 1), at, 'packet for interface 1, but section 0 has 1 interface(s)'],
    [
      'EPB caplen larger than 262144',
      () => pcapng(ng.shb(), ng.idb(), ng.epb({ data: d60, caplenField: 300000 })),
      at,
      'captured length 300000 is larger than the maximum of 262144',
    ],
    ['EPB caplen past its block', () => pcapng(ng.shb(), ng.idb(), ng.epb({ data: d60, caplenField: 61 })), at, 'captured length 61 runs past the end of the block (length 92)'],
    ['SPB without IDB', () => pcapng(ng.shb(), ng.spb({ wirelen: 60, data: d60 })), 28, 'simple packet block, but section 0 has no interface'],
    [
      'IDB option running past its block',
      () => pcapng(ng.shb(), patchU16(ng.idb({ options: [[2, 'eth0']] }), 16 + 2, 200)),
      28 + 16,
      'pcapng block at offset 28: option 2 at offset 44 has length 200, which runs past the end',
    ],
    ['SHB version 2.0', () => pcapng(ng.shb({ major: 2 })), 0, 'unsupported pcapng version 2.0'],
    ['later SHB version 0.1', () => pcapng(ng.shb(), ng.idb(), ng.shb({ major: 0, minor: 1 })), 48, 'unsupported pcapng version 0.1'],
    ['bad byte-order magic', () => patchU32(base(), 8, 0x11223344, false), 0, 'unknown byte-order magic 0x11223344'],
    ['SHB shorter than its minimum', () => patchU32(patchU32(base(), 4, 24), 24, 24), 0, 'section header length 24 is smaller than 28'],
    ['file shorter than the SHB', () => base().slice(0, 20), 0, 'Cannot read pcapng section header: file has 20 bytes, the header needs 28'],
  ])('%s', (_l, make, offset, message) => {
    expectFormatError(readChecked(make(), 'x.pcapng'), offset, message);
  });

  it('an error after good packets is thrown from next(); the packets and info stay', () => {
    const bytes = pcapng(ng.shb(), ng.idb(), ng.epb({ data: d60 }), ng.epb({ data: d60 }), ng.epb({ iface: 9, data: d60 }));
    const r = readChecked(bytes, 'x.pcapng');
    expect(r.packets).toHaveLength(2);
    expectFormatError(r, 48 + 92 + 92, 'packet for interface 9');
    expect(r.info).toMatchObject({ packets: 2, bytesRead: 48 + 92 + 92, truncated: false });
  });
});

describe('pcapng: truncated files', () => {
  const full = pcapng(ng.shb(), ng.idb(), ng.epb({ data: d60 }), ng.epb({ data: d61 })); // 2nd EPB at 140, 96 bytes
  it.each<[string, number, string]>([
    ['inside the block', full.length - 20, 'file ends inside the block at offset 140: 76 of 96 bytes present'],
    ['inside the block header', 140 + 6, 'file ends inside the block header at offset 140: 6 of 8 bytes present'],
    ['inside a second SHB', -1, 'file ends inside the section header block at offset 236: 20 of 28 bytes present'],
  ])('%s', (_l, cut, message) => {
    const bytes = cut >= 0 ? full.slice(0, cut) : pcapng(full, ng.shb().slice(0, 20));
    const r = readChecked(bytes, 'x.pcapng');
    expect(r.error).toBeUndefined();
    const n = cut >= 0 ? 1 : 2;
    expect(r.packets).toHaveLength(n);
    expect(r.info.truncated).toBe(true);
    expect(r.info.packets).toBe(n);
    expect(r.info.warnings).toEqual([{ offset: Number(message.match(/offset (\d+)/)?.[1]), message }]);
  });
});

describe('pcapng: chunk boundaries', () => {
  it('packets of every size 0..200 and a 70000-byte one read identically with 64-byte chunks', () => {
    const datas = [...Array.from({ length: 201 }, (_, i) => payload(i, i)), payload(70000, 1), payload(3, 3)];
    const bytes = pcapng(ng.shb(), ng.idb(), ng.block(0x0bad, payload(300)), ...datas.map((data, i) => ng.epb({ lo: i, data })));
    const r = readChecked(bytes, 'x.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.packets.map((p) => p.bytes)).toEqual(datas);
  });
});
