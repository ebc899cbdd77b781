import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCapture, openCaptureBytes } from '../../src/capture/open_capture.js';
import { PcapWriter } from '../../src/capture/pcap_writer.js';
import { PcapngWriter } from '../../src/capture/pcapng_writer.js';
import { drain, payload, tempPath } from '../support/capture_bytes.js';
import { readChecked } from './read_helpers.js';
import { epochString, tsharkFrames, tsharkMissing } from './tshark.js';

interface Pkt {
  iface: number;
  sec: number;
  nsec: number;
  data: Uint8Array;
  wirelen?: number;
}

const packets: Pkt[] = [
  { iface: 0, sec: 1700000000, nsec: 123456789, data: payload(60, 1) },
  { iface: 1, sec: 1700000001, nsec: 999999999, data: payload(1514, 2) },
  { iface: 0, sec: 1700000002, nsec: 0, data: payload(0) },
  { iface: 1, sec: 0, nsec: 1, data: payload(61, 3), wirelen: 9000 },
  { iface: 0, sec: 4102444800, nsec: 500, data: payload(3000, 4) }, // 2100-01-01, caplen > snaplen 2000
];

function writeNg(w: PcapngWriter): void {
  expect(w.addInterface({ linkType: 1, snapLen: 2000, name: 'eth0', filter: 'tcp port 389', description: 'lab uplink' })).toBe(0);
  expect(w.addInterface({ linkType: 113, snapLen: 0, name: 'any', tsResolution: 'ns' })).toBe(1);
  for (const p of packets) w.writePacket(p.iface, p.sec, p.nsec, p.data, 0, p.data.length, p.wirelen);
}

/** What the reader must yield for `packets` through an interface with these settings. */
function expected(p: Pkt, nsRes: boolean, snap: number) {
  const caplen = Math.min(p.data.length, snap);
  return {
    tsSec: p.sec,
    tsNsec: nsRes ? p.nsec : Math.floor(p.nsec / 1000) * 1000,
    caplen,
    wirelen: p.wirelen ?? p.data.length,
    bytes: p.data.slice(0, caplen),
  };
}

describe('PcapngWriter', () => {
  it('in memory: the reader gets the same packets, interfaces and options back', () => {
    const w = PcapngWriter.inMemory({ userAppl: 'flowaudit test', hardware: 'x86_64', os: 'Linux' });
    writeNg(w);
    expect(w.packets).toBe(5);
    const bytes = w.close();
    expect(bytes.length).toBe(w.bytesWritten);
    const r = readChecked(bytes, 'w.pcapng');
    expect(r.error).toBeUndefined();
    expect(r.packets.map((p) => ({ tsSec: p.tsSec, tsNsec: p.tsNsec, caplen: p.caplen, wirelen: p.wirelen, bytes: p.bytes }))).toEqual(
      packets.map((p) => expected(p, p.iface === 1, p.iface === 0 ? 2000 : Infinity)),
    );
    expect(r.packets.map((p) => [p.interfaceId, p.linkType])).toEqual(packets.map((p) => [p.iface, p.iface === 0 ? 1 : 113]));
    expect(r.info.interfaces).toEqual([
      { section: 0, index: 0, linkType: 1, snapLen: 2000, name: 'eth0', description: 'lab uplink', filter: 'tcp port 389', tsUnitsPerSec: 1e6, tsOffsetSec: 0 },
      { section: 0, index: 1, linkType: 113, snapLen: 0, name: 'any', tsUnitsPerSec: 1e9, tsOffsetSec: 0 },
    ]);
    expect(new TextDecoder().decode(bytes.subarray(0, 120))).toContain('flowaudit test');
  });

  it('to a file with a tiny output buffer: same bytes as in memory', () => {
    const mem = PcapngWriter.inMemory();
    writeNg(mem);
    const memBytes = mem.close();
    const path = tempPath('w.pcapng');
    const f = PcapngWriter.toFile(path, { chunkSize: 100 });
    writeNg(f);
    expect(f.close()).toEqual(new Uint8Array(0));
    expect(new Uint8Array(readFileSync(path))).toEqual(memBytes);
    const r = drain(openCapture(path, { chunkSize: 64 }));
    expect(r.packets).toHaveLength(5);
  });

  it('tshark reads the file output with the same frames', (ctx) => {
    if (tsharkMissing) return ctx.skip(tsharkMissing);
    const path = tempPath('w.pcapng');
    const f = PcapngWriter.toFile(path);
    writeNg(f);
    f.close();
    const r = drain(openCapture(path));
    expect(r.packets).toHaveLength(packets.length);
    const t = tsharkFrames(path);
    expect(t.stderr).not.toMatch(/cut short|corrupt|damaged/);
    expect(t.frames).toEqual(
      r.packets.map((p) => ({ time: epochString(p.tsSec, p.tsNsec), len: p.wirelen, capLen: p.caplen, iface: String(p.interfaceId) })),
    );
  });

  it('rejects packets for an interface that was not added, and bad timestamps', () => {
    const w = PcapngWriter.inMemory();
    expect(() => w.writePacket(0, 1, 0, payload(4))).toThrow(/no interface 0/);
    w.addInterface({ linkType: 1 });
    expect(() => w.writePacket(0, -1, 0, payload(4))).toThrow(RangeError);
    expect(() => w.writePacket(0, 1, 1e9, payload(4))).toThrow(RangeError);
    w.writePacket(0, 1, 0, payload(10), 2, 5, 50); // a slice of the buffer
    const r = drain(openCaptureBytes(w.close(), 'w.pcapng'));
    expect(r.packets.map((p) => [p.caplen, p.wirelen, Array.from(p.bytes)])).toEqual([[5, 50, [2, 3, 4, 5, 6]]]);
  });

  it('a large capture streams through flushes and reads back identically', () => {
    const path = tempPath('big.pcapng');
    const w = PcapngWriter.toFile(path, { chunkSize: 64 * 1024 });
    w.addInterface({ linkType: 1 });
    for (let i = 0; i < 20000; i++) w.writePacket(0, 1700000000 + (i >> 10), (i & 1023) * 1000, payload(40 + (i % 1500), i));
    w.close();
    const r = drain(openCapture(path, { chunkSize: 256 * 1024 }));
    expect(r.error).toBeUndefined();
    expect(r.packets).toHaveLength(20000);
    r.packets.forEach((p, i) => {
      if (p.caplen !== 40 + (i % 1500) || p.bytes[0] !== (i & 0xff) || p.tsNsec !== (i & 1023) * 1000) {
        throw new Error(`packet ${i} differs`);
      }
    });
  });
});

describe('PcapWriter', () => {
  const variants = [
    ['µs little-endian', false, false],
    ['µs big-endian', false, true],
    ['ns little-endian', true, false],
    ['ns big-endian', true, true],
  ] as const;
  it.for(variants)('%s: memory and file outputs read back', ([, nanosecond, bigEndian]) => {
    const opts = { linkType: 1, snapLen: 2000, nanosecond, bigEndian };
    const write = (w: PcapWriter) => {
      for (const p of packets) w.writePacket(p.sec, p.nsec, p.data, 0, p.data.length, p.wirelen);
    };
    const mem = PcapWriter.inMemory(opts);
    write(mem);
    const bytes = mem.close();
    const r = readChecked(bytes, 'w.pcap');
    expect(r.error).toBeUndefined();
    expect(r.info).toMatchObject({ format: nanosecond ? 'pcap-nsec' : 'pcap', byteOrder: bigEndian ? 'be' : 'le', version: '2.4' });
    expect(r.info.interfaces[0]).toMatchObject({ linkType: 1, snapLen: 2000 });
    expect(r.packets.map((p) => ({ tsSec: p.tsSec, tsNsec: p.tsNsec, caplen: p.caplen, wirelen: p.wirelen, bytes: p.bytes }))).toEqual(
      packets.map((p) => expected(p, nanosecond, 2000)),
    );

    const path = tempPath('w.pcap');
    const f = PcapWriter.toFile(path, { ...opts, chunkSize: 100 });
    write(f);
    f.close();
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
  });

  it.for(variants)('%s: tshark reads the file output with the same frames', ([, nanosecond, bigEndian], ctx) => {
    if (tsharkMissing) return ctx.skip(tsharkMissing);
    const path = tempPath('w.pcap');
    const f = PcapWriter.toFile(path, { linkType: 1, snapLen: 2000, nanosecond, bigEndian });
    for (const p of packets) f.writePacket(p.sec, p.nsec, p.data, 0, p.data.length, p.wirelen);
    f.close();
    const r = drain(openCapture(path));
    expect(r.packets).toHaveLength(packets.length);
    const t = tsharkFrames(path);
    expect(t.frames.map((x) => [x.time, x.len, x.capLen])).toEqual(r.packets.map((p) => [epochString(p.tsSec, p.tsNsec), p.wirelen, p.caplen]));
  });

  it('rejects timestamps that do not fit the format', () => {
    const w = PcapWriter.inMemory({ linkType: 1 });
    expect(() => w.writePacket(2 ** 32, 0, payload(1))).toThrow(RangeError);
    expect(() => w.writePacket(1, -1, payload(1))).toThrow(RangeError);
  });
});
