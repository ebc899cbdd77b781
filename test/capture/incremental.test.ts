/**
 * The incremental readers: a capture arriving in chunks of 1, 7 or 4096 bytes (or as one piece)
 * through the stream reader gives exactly what the whole-file reader gives (packets, offsets,
 * info, warnings, errors), and the hash of the one read equals sha256 of the bytes. Bundled lab
 * (pcapng), the lab rewritten as classic pcap, every corpus capture, and gzip of each.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CaptureInput } from '../../src/capture/capture_input.js';
import { HashService } from '../../src/inputs/input_hash.js';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { PcapWriter } from '../../src/capture/pcap_writer.js';
import { newRawPacket } from '../../src/capture/source.js';
import { drain, type ReadResult } from '../support/capture_bytes.js';
import { CAPTURES_DIR, corpusMissing } from './corpus_files.js';

const LAB = new Uint8Array(readFileSync('fixtures/ams-lab.pcapng'));

/** The lab's packets as a classic pcap (nanosecond), written by the product writer. */
function labAsPcap(): Uint8Array {
  const src = openCaptureBytes(LAB, 'lab');
  const w = PcapWriter.inMemory({ linkType: 1, nanosecond: true });
  const pkt = newRawPacket();
  while (src.next(pkt)) w.writePacket(pkt.tsSec, pkt.tsNsec, pkt.data, pkt.offset, pkt.caplen, pkt.wirelen);
  return w.close();
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, Math.min(bytes.length, i + size));
}

/** Read through the stream reader; same shape as drain(). */
async function readStream(bytes: Uint8Array, size: number, name: string): Promise<ReadResult & { sha256: string }> {
  const svc = new HashService({ worker: false });
  const packets: ReadResult['packets'] = [];
  let error: unknown;
  let info: ReadResult['info'] | undefined;
  let sha256 = '';
  try {
    const input = await CaptureInput.fromStream(name, chunked(bytes, size), svc.open());
    info = input.reader?.info;
    const pkt = newRawPacket();
    try {
      for (;;) {
        if (input.next(pkt)) {
          packets.push({
            tsSec: pkt.tsSec,
            tsNsec: pkt.tsNsec,
            caplen: pkt.caplen,
            wirelen: pkt.wirelen,
            linkType: pkt.linkType,
            interfaceId: pkt.interfaceId,
            fileOffset: pkt.fileOffset,
            bytes: Uint8Array.from(pkt.data.subarray(pkt.offset, pkt.offset + pkt.caplen)),
          });
          continue;
        }
        if (!input.waiting) break;
        await input.more();
      }
    } catch (e) {
      error = e;
    }
    sha256 = await input.finish();
  } catch (e) {
    error = e;
  }
  return { packets, info: info as ReadResult['info'], error, sha256 };
}

function whole(bytes: Uint8Array, name: string): ReadResult {
  try {
    return drain(openCaptureBytes(bytes, name));
  } catch (e) {
    return { packets: [], info: undefined as unknown as ReadResult['info'], error: e };
  }
}

const view = (r: ReadResult) => ({
  packets: r.packets.map((p) => ({ ...p, bytes: Uint8Array.from(p.bytes) })),
  info: r.info ? { ...r.info, fileSize: undefined } : undefined,
  error: r.error instanceof Error ? `${r.error.name}: ${r.error.message}` : r.error,
});

/** One-byte feeding costs an await per byte: the lab and every corpus file up to 64 KiB. */
const sizesFor = (n: number): number[] => (n <= 64 * 1024 || n === LAB.length ? [1, 7, 4096, 1 << 30] : [7, 4096, 1 << 30]);
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const cases: [string, Uint8Array][] = [
  ['fixtures/ams-lab.pcapng', LAB],
  ['ams-lab as pcap', labAsPcap()],
  ...(corpusMissing ? [] : readdirSync(CAPTURES_DIR).sort().map((f): [string, Uint8Array] => [f, new Uint8Array(readFileSync(join(CAPTURES_DIR, f)))])),
];

describe('incremental reading: chunks of 1, 7, 4096 bytes and whole give the same result', () => {
  it.each(cases)('%s', async (name, bytes) => {
    const ref = view(whole(bytes, name));
    for (const size of sizesFor(bytes.length)) {
      const r = await readStream(bytes, size, name);
      expect(view(r), `${name} in ${size}-byte chunks`).toEqual(ref);
      if (r.sha256 !== '') expect(r.sha256, `${name} hash in ${size}-byte chunks`).toBe(sha(bytes));
    }
  }, 120_000);

  it.each(cases.filter(([n]) => !/fuzz|invalid|too-long|reserved/.test(n)).slice(0, 12))('gzip of %s: same packets, hash of the compressed bytes', async (name, bytes) => {
    const gz = gzipSync(bytes);
    const ref = view(whole(bytes, name));
    for (const size of [7, 4096]) {
      const r = await readStream(gz, size, name);
      expect(view(r), `${name}.gz in ${size}-byte chunks`).toEqual(ref);
      expect(r.sha256).toBe(sha(gz));
    }
  }, 120_000);
});

describe('hash worker ring', () => {
  it('digests equal sha256 for interleaved inputs whose updates straddle slot boundaries', async () => {
    const svc = new HashService({ worker: true });
    expect(svc.onWorker).toBe(true);
    const a = new Uint8Array(9_000_001).map((_, i) => (i * 31) & 0xff);
    const b = new Uint8Array(5_000_123).map((_, i) => (i * 7 + 3) & 0xff);
    const ha = svc.open();
    const hb = svc.open();
    let ia = 0;
    let ib = 0;
    while (ia < a.length || ib < b.length) {
      const na = Math.min(777_777, a.length - ia);
      if (na > 0) ha.update(a, ia, na);
      ia += na;
      const nb = Math.min(400_001, b.length - ib);
      if (nb > 0) hb.update(b, ib, nb);
      ib += nb;
    }
    const [da, db] = await Promise.all([ha.digest(), hb.digest()]);
    svc.close();
    expect(da).toBe(sha(a));
    expect(db).toBe(sha(b));
  });
});
