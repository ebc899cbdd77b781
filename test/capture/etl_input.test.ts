/**
 * ETL through the one-read input path: a trace arriving in chunks of 1, 7 or 4096 bytes (a pipe,
 * stdin), plain or gzip-compressed, gives exactly the packets of the whole-file reader, and the
 * input's hash is the SHA-256 of the bytes as stored.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CaptureInput } from '../../src/capture/capture_input.js';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket, type PacketSource } from '../../src/capture/source.js';
import { HashService } from '../../src/inputs/input_hash.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';
import { frame } from '../support/packets.js';
import { buildEtl, pktmonComponentEvent, pktmonPacketEvent } from './etl_builder.js';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, Math.min(bytes.length, i + size));
}

const line = (p: { tsSec: number; tsNsec: number; caplen: number; wirelen: number; interfaceId: number }, bytes: Uint8Array): string =>
  `${p.tsSec}.${p.tsNsec} ${p.caplen}/${p.wirelen} if${p.interfaceId} ${Buffer.from(bytes).toString('hex')}`;

function whole(bytes: Uint8Array): string[] {
  const src: PacketSource = openCaptureBytes(bytes, 'whole.etl');
  const pkt = newRawPacket();
  const out: string[] = [];
  while (src.next(pkt)) out.push(line(pkt, pkt.data.subarray(pkt.offset, pkt.offset + pkt.caplen)));
  return out;
}

async function streamed(stored: Uint8Array, size: number): Promise<{ packets: string[]; sha256: string; format: string | undefined }> {
  const svc = new HashService({ worker: false });
  const input = await CaptureInput.fromStream('piped.etl', chunked(stored, size), svc.open());
  const pkt = newRawPacket();
  const packets: string[] = [];
  for (;;) {
    if (input.next(pkt)) {
      packets.push(line(pkt, pkt.data.subarray(pkt.offset, pkt.offset + pkt.caplen)));
      continue;
    }
    if (!input.waiting) break;
    await input.more();
  }
  const format = input.reader?.info.format;
  return { packets, sha256: await input.finish(), format };
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const built = buildEtl([
  {
    compressed: true,
    events: [
      pktmonPacketEvent({ group: 1, component: 4, payload: frame({ src: '10.0.0.10', dst: '10.0.0.2', proto: 'udp', sport: 5353, dport: 53 }), us: 5 }),
      pktmonPacketEvent({ group: 1, component: 9, appearance: 2, payload: frame({ src: '10.0.0.10', dst: '10.0.0.2', proto: 'udp', sport: 5353, dport: 53 }), us: 6 }),
    ],
  },
  { events: [pktmonComponentEvent(4, 2, 'nic.sys', 'NIC')] },
]);

describe('ETL read in chunks', () => {
  it.each([1, 7, 4096])('a built compressed trace in %i-byte chunks, plain and gzip', async (size) => {
    const expected = whole(built);
    expect(expected.length).toBe(2);
    for (const stored of [built, gzipSync(built)]) {
      const r = await streamed(stored, size);
      expect(r.format).toBe('etl');
      expect(r.packets).toEqual(expected);
      expect(r.sha256).toBe(sha(stored));
    }
  });
});

describeShared(
  'the real pktmon trace in chunks',
  () => {
    it.each([7, 4096])('%i-byte chunks: the same 114 packet events, hashed as stored', async (size) => {
      const bytes = new Uint8Array(readFileSync(join(CORPUS_DIR, 'windows', 'demikernel__PktMon.etl')));
      const r = await streamed(bytes, size);
      expect(r.packets).toEqual(whole(bytes));
      expect(r.packets.length).toBe(114);
      expect(r.sha256).toBe('fb06826926ef22f2ccf71bb5fed97784eb3cf453dad50e32a9caeff752868e31');
    });
  },
  'corpus/windows/demikernel__PktMon.etl',
);
