import { describe, expect, it } from 'vitest';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { CaptureFormatError } from '../../src/errors.js';
import { drain, hex, payload, pcapBytes, type PcapFile } from '../support/capture_bytes.js';
import { expectFormatError, readChecked } from './read_helpers.js';

const d60 = payload(60, 1);
const d74 = payload(74, 7);

describe('classic pcap: the four magic variants', () => {
  // µs little-endian, one 4-byte record:
  // 0x0000: d4 c3 b2 a1 02 00 04 00 00 00 00 00 00 00 00 00   magic, 2.4, thiszone, sigfigs
  // 0x0010: 00 00 04 00 01 00 00 00                           snaplen 262144, linktype 1
  // 0x0018: 01 00 00 00 02 00 00 00 04 00 00 00 05 00 00 00   ts 1.000002, caplen 4, wirelen 5
  // 0x0028: aa bb cc dd
  it('reads a hand-written µs little-endian file', () => {
    const bytes = hex(`d4c3b2a1 0200 0400 00000000 00000000 00000400 01000000
                       01000000 02000000 04000000 05000000 aabbccdd`);
    const r = readChecked(bytes);
    expect(r.error).toBeUndefined();
    expect(r.packets).toEqual([
      { tsSec: 1, tsNsec: 2000, caplen: 4, wirelen: 5, linkType: 1, interfaceId: 0, fileOffset: 24, bytes: hex('aabbccdd') },
    ]);
    expect(r.info).toMatchObject({ format: 'pcap', byteOrder: 'le', version: '2.4', packets: 1, bytesRead: 44, fileSize: 44, truncated: false, warnings: [] });
    expect(r.info.interfaces).toEqual([{ section: 0, index: 0, linkType: 1, snapLen: 262144, tsUnitsPerSec: 1e6, tsOffsetSec: 0 }]);
  });

  it.each([
    // [label, nsec, bigEndian, magic bytes as stored, format, frac → tsNsec]
    ['µs LE', false, false, 'd4c3b2a1', 'pcap', 999999, 999999000],
    ['µs BE', false, true, 'a1b2c3d4', 'pcap', 999999, 999999000],
    ['ns LE', true, false, '4d3cb2a1', 'pcap-nsec', 999999999, 999999999],
    ['ns BE', true, true, 'a1b23c4d', 'pcap-nsec', 999999999, 999999999],
  ] as const)('%s', (_l, nsec, bigEndian, magic, format, frac, tsNsec) => {
    const bytes = pcapBytes({
      nsec,
      bigEndian,
      linkTypeField: 113,
      snapLen: 65535,
      records: [
        { sec: 1700000000, frac, data: d60, wirelen: 1514 },
        { sec: 0xffffffff, frac: 0, data: d74 },
      ],
    });
    expect(Buffer.from(bytes.subarray(0, 4)).toString('hex')).toBe(magic);
    const r = readChecked(bytes);
    expect(r.error).toBeUndefined();
    expect(r.info).toMatchObject({ format, byteOrder: bigEndian ? 'be' : 'le', version: '2.4', packets: 2 });
    expect(r.info.interfaces[0]).toMatchObject({ linkType: 113, snapLen: 65535, tsUnitsPerSec: nsec ? 1e9 : 1e6 });
    expect(r.packets.map((p) => [p.tsSec, p.tsNsec, p.caplen, p.wirelen, p.linkType, p.fileOffset])).toEqual([
      [1700000000, tsNsec, 60, 1514, 113, 24],
      [4294967295, 0, 74, 74, 113, 24 + 16 + 60], // ts_sec is unsigned
    ]);
    expect(r.packets[0]?.bytes).toEqual(d60);
    expect(r.packets[1]?.bytes).toEqual(d74);
  });
});

describe('classic pcap: header edge cases', () => {
  it.each([
    ['FCS length 4 in bits 28-31, P bit 26 set', 0x40000000 | 0x04000000 | 1, 1],
    ['FCS bits only (no P bit)', 0xf0000000 | 228, 228],
    ['plain link type 276', 276, 276],
  ])('link-type field with %s → link type masked', (_l, field, linkType) => {
    const r = readChecked(pcapBytes({ linkTypeField: field, records: [{ sec: 1, frac: 0, data: d60 }] }));
    expect(r.error).toBeUndefined();
    expect(r.info.interfaces[0]?.linkType).toBe(linkType);
    expect(r.packets[0]?.linkType).toBe(linkType);
  });

  it('a header-only file has zero packets and no warning', () => {
    const r = readChecked(pcapBytes({}));
    expect(r.error).toBeUndefined();
    expect(r.packets).toEqual([]);
    expect(r.info).toMatchObject({ packets: 0, truncated: false, warnings: [], bytesRead: 24, fileSize: 24 });
  });

  it.each([
    ['version 2.2: caplen and wirelen are stored swapped', [2, 2], false],
    ['version 2.3 with caplen > wirelen: swapped', [2, 3], false],
    ['version 2.3 with caplen ≤ wirelen: as stored', [2, 3], true],
  ] as const)('%s (libpcap lengths_swapped)', (_l, version, plain) => {
    // Stored fields: caplen field = 60 (= data length), wirelen field = 1514 or 10.
    const wirelen = plain ? 1514 : 10;
    const r = readChecked(pcapBytes({ version, records: [{ sec: 1, frac: 0, data: d60, wirelen, caplenField: 60 }] }));
    // Swapped: stored (60, 10) means caplen 10, wirelen 60 (the other 50 data bytes are then
    // read as the next record's header, which is not what this test looks at).
    expect(r.packets[0]).toMatchObject(plain ? { caplen: 60, wirelen: 1514 } : { caplen: 10, wirelen: 60 });
  });

  it('a timestamp fraction ≥ 1 s is carried into seconds, with one warning', () => {
    const r = readChecked(
      pcapBytes({
        nsec: true,
        records: [
          { sec: 10, frac: 2_500_000_000, data: d60 },
          { sec: 10, frac: 1_000_000_000, data: d60 },
        ],
      }),
    );
    expect(r.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([
      [12, 500_000_000],
      [11, 0],
    ]);
    expect(r.info.warnings).toEqual([
      { offset: 24, message: expect.stringContaining('timestamp fraction 2500000000 is not below 1e9') },
    ]);
  });

  it('a record larger than the snaplen but within 262144 is kept (TSO captures)', () => {
    const big = payload(9000, 3);
    const r = readChecked(pcapBytes({ snapLen: 1514, records: [{ sec: 1, frac: 0, data: big }] }));
    expect(r.error).toBeUndefined();
    expect(r.packets[0]?.caplen).toBe(9000);
    expect(r.packets[0]?.bytes).toEqual(big);
  });

  it('a snaplen above 262144 raises the limit', () => {
    const big = payload(300000, 5);
    const r = readChecked(pcapBytes({ snapLen: 400000, records: [{ sec: 1, frac: 0, data: big }] }));
    expect(r.error).toBeUndefined();
    expect(r.packets[0]?.bytes).toEqual(big);
  });
});

describe('classic pcap: errors', () => {
  const valid = () => pcapBytes({ records: [{ sec: 1, frac: 0, data: d60 }] });
  it.each<[string, () => Uint8Array, number, string]>([
    ['empty file', () => new Uint8Array(0), 0, 'Cannot read capture header: empty file'],
    ['3 bytes', () => hex('d4c3b2'), 0, 'file has 3 bytes, too short for a magic number'],
    ['unknown magic', () => hex('1234abcd 00000000'), 0, 'Cannot read pcap header: unknown magic 0x1234abcd'],
    ['10-byte header', () => valid().slice(0, 10), 0, 'Cannot read pcap header: file has 10 bytes, the header needs 24'],
    ['version 1.4', () => pcapBytes({ version: [1, 4] }), 4, 'unsupported version 1.4'],
    ['version 3.0 BE', () => pcapBytes({ version: [3, 0], bigEndian: true }), 4, 'unsupported version 3.0'],
    [
      'reserved link-type bits 0x00300000',
      () => pcapBytes({ linkTypeField: 0x00300001 }),
      20,
      'link-type reserved field not zero (0x00300000)',
    ],
  ])('%s', (_l, make, offset, message) => {
    const r = readChecked(make());
    const e = expectFormatError(r, offset, message);
    expect(e.kind).toBe('capture-format');
    expect(e.message).toContain(`(at byte offset ${offset})`);
  });

  it('a caplen above max(snaplen, 262144) throws after the good packets, and keeps throwing', () => {
    // record 2 at offset 24+16+60 = 100 claims 4325376 bytes (like the suricata corpus file)
    const bytes = pcapBytes({
      records: [
        { sec: 1, frac: 0, data: d60 },
        { sec: 2, frac: 0, data: d60, caplenField: 4325376 },
      ],
    });
    const r = readChecked(bytes);
    expect(r.packets).toHaveLength(1);
    expectFormatError(r, 100, 'pcap record at offset 100: captured length 4325376 is larger than the maximum of 262144');
    expect(r.info).toMatchObject({ packets: 1, bytesRead: 100, truncated: false });

    const src = openCaptureBytes(bytes, 'again.pcap');
    const pkt = newRawPacket();
    expect(src.next(pkt)).toBe(true);
    expect(() => src.next(pkt)).toThrow(CaptureFormatError);
    expect(() => src.next(pkt)).toThrow(/captured length 4325376/);
    expect(src.info.packets).toBe(1);
  });
});

describe('classic pcap: truncated files are partial results with a warning', () => {
  const full = pcapBytes({
    records: [
      { sec: 1, frac: 0, data: d60 },
      { sec: 2, frac: 0, data: d74 }, // record at offset 100, 16 + 74 = 90 bytes
    ],
  });
  it.each<[string, number, string]>([
    ['inside the data', full.length - 16, 'file ends inside the record at offset 100: 74 of 90 bytes present'],
    ['inside the record header', 100 + 5, 'file ends inside the record header at offset 100: 5 of 16 bytes present'],
    ['one byte short', full.length - 1, 'file ends inside the record at offset 100: 89 of 90 bytes present'],
  ])('%s', (_l, cut, message) => {
    const r = readChecked(full.slice(0, cut));
    expect(r.error).toBeUndefined();
    expect(r.packets).toHaveLength(1);
    expect(r.packets[0]?.bytes).toEqual(d60);
    expect(r.info).toMatchObject({ truncated: true, packets: 1, bytesRead: 100, warnings: [{ offset: 100, message }] });
  });

  it('the untruncated file has both packets and no warning', () => {
    const r = readChecked(full);
    expect(r.packets).toHaveLength(2);
    expect(r.info).toMatchObject({ truncated: false, warnings: [], bytesRead: full.length });
  });
});

describe('classic pcap: chunk boundaries', () => {
  it('records of every size from 0 to 200 bytes read identically with 64-byte chunks', () => {
    const records = Array.from({ length: 201 }, (_, i) => ({ sec: i, frac: i * 3, data: payload(i, i) }));
    const r = readChecked(pcapBytes({ records }));
    expect(r.error).toBeUndefined();
    expect(r.packets.map((p) => p.bytes)).toEqual(records.map((x) => x.data));
    expect(r.packets.map((p) => p.tsNsec)).toEqual(records.map((x) => x.frac * 1000));
  });

  it('a record far larger than the chunk grows the buffer once and reads on', () => {
    const records = [
      { sec: 1, frac: 0, data: payload(10, 1) },
      { sec: 2, frac: 0, data: payload(70000, 2) },
      { sec: 3, frac: 0, data: payload(10, 3) },
    ];
    const r = readChecked(pcapBytes({ records }));
    expect(r.packets.map((p) => p.bytes)).toEqual(records.map((x) => x.data));
  });

  it('drain over openCaptureBytes leaves the input array untouched', () => {
    const bytes = pcapBytes({ records: [{ sec: 1, frac: 0, data: d60 }] });
    const copy = bytes.slice();
    drain(openCaptureBytes(bytes, 'm.pcap'));
    expect(bytes).toEqual(copy);
  });
});

// Referenced so the table type stays honest if PcapFile gains fields.
type _PcapFile = PcapFile;
