/**
 * The ETL reader on files built to the documented layouts (test/capture/etl_builder.ts): plain
 * and compressed buffers, pktmon packet/drop/component events, netsh fragments joined until the
 * end-of-packet keyword, the trace clock; and on the real pktmon trace of the corpus, whose
 * packets must equal (bytes and µs timestamps) the pcapng Windows made from the same session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtlReader } from '../../src/capture/etl/etl_reader.js';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket, type PacketSource, type RawPacket } from '../../src/capture/source.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';
import { frame } from '../support/packets.js';
import { START_FT, START_UNIX, buildEtl, ndisFragmentEvent, pktmonComponentEvent, pktmonPacketEvent } from './etl_builder.js';
import { dot11FromEthernet } from '../support/dot11.js';

interface Got {
  ts: string;
  caplen: number;
  wirelen: number;
  linkType: number;
  iface: number;
  hex: string;
}

function readAll(src: PacketSource): { got: Got[]; metas: string[] } {
  const pkt: RawPacket = newRawPacket();
  const got: Got[] = [];
  const metas: string[] = [];
  while (src.next(pkt)) {
    got.push({
      ts: `${pkt.tsSec}.${String(Math.floor(pkt.tsNsec / 1000)).padStart(6, '0')}`,
      caplen: pkt.caplen,
      wirelen: pkt.wirelen,
      linkType: pkt.linkType,
      iface: pkt.interfaceId,
      hex: Buffer.from(pkt.data.subarray(pkt.offset, pkt.offset + pkt.caplen)).toString('hex'),
    });
    if (src instanceof EtlReader) metas.push(JSON.stringify(src.meta));
  }
  return { got, metas };
}

const syn = frame({ src: '10.0.0.10', dst: '10.0.0.2', proto: 'tcp', sport: 50000, dport: 389, flags: 'S' });
const synack = frame({ src: '10.0.0.2', dst: '10.0.0.10', proto: 'tcp', sport: 389, dport: 50000, flags: 'SA' });

function pktmonTrace(compressed: boolean): Uint8Array {
  return buildEtl([
    {
      compressed,
      events: [
        pktmonPacketEvent({ group: 7, component: 12, direction: 4, payload: syn, us: 10 }),
        pktmonPacketEvent({ group: 7, component: 3, appearance: 2, direction: 4, payload: syn, us: 12 }),
        pktmonPacketEvent({ group: 8, component: 3, direction: 3, payload: synack.subarray(0, 40), original: synack.length, us: 500 }),
        pktmonPacketEvent({ group: 8, component: 12, appearance: 2, direction: 3, payload: synack, drop: { reason: 12, location: 0xe0004 }, us: 503 }),
      ],
    },
    { events: [pktmonComponentEvent(12, 4, 'tcpip.sys', 'TCP/IPv4 - L2'), pktmonComponentEvent(3, 2, 'e1i68x64.sys', 'Intel(R) 82574L')] },
  ]);
}

describe('ETL reader on built traces', () => {
  it.each([
    ['plain buffers', false],
    ['compressed buffers (Plain LZ77)', true],
  ])('pktmon packets, drops and components from %s', (_n, compressed) => {
    const src = openCaptureBytes(pktmonTrace(compressed), 'built.etl');
    expect(src).toBeInstanceOf(EtlReader);
    const { got, metas } = readAll(src);
    expect(got.map((g) => g.ts)).toEqual([`${START_UNIX}.000010`, `${START_UNIX}.000012`, `${START_UNIX}.000500`, `${START_UNIX}.000503`]);
    expect(got[0]!.hex).toBe(Buffer.from(syn).toString('hex'));
    // cut by the capture: 40 bytes logged, the original length kept
    expect([got[2]!.caplen, got[2]!.wirelen]).toEqual([40, synack.length]);
    // one interface per component: 12 → 0, 3 → 1
    expect(got.map((g) => g.iface)).toEqual([0, 1, 1, 0]);
    expect(JSON.parse(metas[3]!)).toMatchObject({ provider: 'pktmon', groupId: 8, pktNumber: 1, appearance: 2, direction: 3, component: 12, dropped: true, dropReason: 12, dropLocation: 0xe0004 });
    const etl = (src as EtlReader).etl;
    expect(etl).toMatchObject({ build: 20348, buffers: 3, compressedBuffers: compressed ? 1 : 0, pktmonPackets: 3, pktmonDrops: 1 });
    expect(etl.components.map((c) => `${c.id} ${c.name} ${c.type}`)).toEqual(['12 tcpip.sys protocol', '3 e1i68x64.sys miniport']);
    // names reach the interfaces although the rundown came after the packets
    expect(src.info.interfaces.map((i) => i.name)).toEqual(['tcpip.sys', 'e1i68x64.sys']);
  });

  it('netsh: fragments joined until the end-of-packet keyword; 802.11 and raw-IP keywords; send/receive', () => {
    const wifi = Uint8Array.from([0x08, 0x01, ...new Array(22).fill(0), 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
    const ip = synack.subarray(14);
    const file = buildEtl([
      {
        events: [
          ndisFragmentEvent({ miniport: 5, start: true, end: false, send: true, bytes: syn.subarray(0, 20), us: 1 }),
          ndisFragmentEvent({ miniport: 5, start: false, end: false, send: true, bytes: syn.subarray(20, 30), us: 1 }),
          ndisFragmentEvent({ miniport: 5, start: false, end: true, send: true, bytes: syn.subarray(30), us: 1 }),
          ndisFragmentEvent({ miniport: 9, start: true, end: true, send: false, wifi: true, bytes: wifi, us: 2 }),
          ndisFragmentEvent({ miniport: 11, start: true, end: true, send: false, rawIp: true, bytes: ip, us: 3 }),
        ],
      },
    ]);
    const src = openCaptureBytes(file, 'netsh.etl') as EtlReader;
    const { got, metas } = readAll(src);
    expect(got.map((g) => [g.linkType, g.caplen])).toEqual([
      [1, syn.length],
      [105, wifi.length],
      [101, ip.length],
    ]);
    expect(got[0]!.hex).toBe(Buffer.from(syn).toString('hex'));
    expect(metas.map((m) => JSON.parse(m).direction)).toEqual([2, 1, 1]);
    expect(src.etl).toMatchObject({ ndisFragments: 5, ndisPackets: 3 });
  });

  it("packets come out in time order across processors' buffers", () => {
    // ETW writes a buffer per processor: here processor 0's buffer (10, 30 µs) comes before
    // processor 1's (20, 40 µs) in the file.
    const p = (group: number, us: number) => pktmonPacketEvent({ group, component: 1, payload: syn, us });
    const src = openCaptureBytes(buildEtl([{ events: [p(1, 10), p(3, 30)] }, { events: [p(2, 20), p(4, 40)], compressed: true }]), 'cpus.etl') as EtlReader;
    const { got, metas } = readAll(src);
    expect(got.map((g) => g.ts.slice(-3))).toEqual(['010', '020', '030', '040']);
    // each packet keeps its own pktmon facts
    expect(metas.map((m) => JSON.parse(m).groupId)).toEqual([1, 2, 3, 4]);
    expect(src.info.warnings).toEqual([]);
  });

  it('the system-time clock (type 2): FILETIME stamps, exact past 2^53', () => {
    const ev = pktmonPacketEvent({ group: 1, component: 1, payload: syn, us: 0 });
    // Re-stamp the event (EVENT_HEADER +16) with START_FT + 1234567 × 100 ns (0.1234567 s).
    const bytes = Uint8Array.from(ev);
    new DataView(bytes.buffer).setBigInt64(16, START_FT + 1234567n, true);
    const src = openCaptureBytes(buildEtl([{ events: [[...bytes]] }], 2), 'filetime.etl');
    const pkt = newRawPacket();
    expect(src.next(pkt)).toBe(true);
    expect([pkt.tsSec, pkt.tsNsec]).toEqual([START_UNIX, 123456700]);
    expect((src as EtlReader).etl.clock).toBe('system time (FILETIME)');
  });

  it('a pktmon Wi-Fi packet (packet type 2) is 802.11 (link type 105)', () => {
    const wifi = dot11FromEthernet(syn, { qos: true });
    const src = openCaptureBytes(buildEtl([{ events: [pktmonPacketEvent({ group: 1, component: 4, packetType: 2, payload: wifi, us: 1 })] }]), 'wifi.etl');
    const { got } = readAll(src);
    expect(got.map((g) => [g.linkType, g.hex])).toEqual([[105, Buffer.from(wifi).toString('hex')]]);
  });

  it('a trace ending inside a buffer is a truncation warning, not an error', () => {
    const file = pktmonTrace(false);
    const src = openCaptureBytes(file.subarray(0, file.length - 30), 'cut.etl');
    const { got } = readAll(src);
    expect(got.length).toBe(4);
    expect(src.info.truncated).toBe(true);
    expect(src.info.warnings[0]!.message).toMatch(/file ends inside the ETL buffer/);
  });

  it('a corrupt compressed buffer fails with its offset', () => {
    const file = pktmonTrace(true);
    // The second buffer (compressed) starts after the header buffer: break its first flag word's
    // stream by claiming a larger decompressed size than the data holds.
    const hdrLen = new DataView(file.buffer).getUint32(0, true);
    const bad = file.slice();
    new DataView(bad.buffer).setUint32(hdrLen + 4, 60000, true);
    const src = openCaptureBytes(bad, 'bad.etl');
    expect(() => readAll(src)).toThrow(new RegExp(`ETL buffer at offset ${hdrLen}: compressed data is corrupt`));
  });
});

const WINDOWS = join(CORPUS_DIR, 'windows');
const ETL = join(WINDOWS, 'demikernel__PktMon.etl');

describeShared('the real pktmon trace (Windows Server 2022, compressed)', () => {
  it('has the same packets, bytes and µs timestamps as the pcapng pktmon made from the session', () => {
    const etl = readAll(openCaptureBytes(new Uint8Array(readFileSync(ETL)), 'PktMon.etl'));
    const png = readAll(openCaptureBytes(new Uint8Array(readFileSync(join(WINDOWS, 'demikernel__PktMon.pcapng'))), 'PktMon.pcapng'));
    expect(etl.got.length).toBe(114);
    const key = (g: Got): string => `${g.ts} ${g.wirelen} ${g.hex}`;
    expect(etl.got.map(key)).toEqual(png.got.map(key));
  });

  it('reads its buffers, clock and components', () => {
    const src = openCaptureBytes(new Uint8Array(readFileSync(ETL)), 'PktMon.etl') as EtlReader;
    const { metas } = readAll(src);
    expect(src.etl).toMatchObject({ build: 20348, buffers: 3, compressedBuffers: 2, pktmonPackets: 114, clock: 'QueryPerformanceCounter' });
    const groups = new Set(metas.map((m) => `${JSON.parse(m).groupId}/${JSON.parse(m).pktNumber}`));
    expect(groups.size).toBe(38);
    expect(src.info.interfaces.map((i) => i.name)).toEqual(['netvsc.sys', 'xdp.sys', 'NULL', 'mlx5.sys']);
  });
}, 'corpus/windows/demikernel__PktMon.etl');
