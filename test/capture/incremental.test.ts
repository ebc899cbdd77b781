/**
 * The incremental readers: a capture arriving in chunks through the stream reader gives exactly
 * what the whole-file reader gives (packets, offsets, info, warnings, errors), and the hash of the
 * one read equals sha256 of the bytes. The bundled lab (pcapng) and the lab rewritten as classic
 * pcap are fed 1, 7 and 4096 bytes at a time and whole; every corpus capture in chunks of seeded
 * random sizes (1–64 bytes, 1–1024 for files over 64 KiB, then 1–8192: record boundaries land
 * mid-chunk at every kind of offset, at a small fraction of the one-await-per-byte cost), 4096
 * and whole; gzip of each.
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
import { describeShared } from '../support/shared.js';
import { CAPTURES_DIR } from './corpus_files.js';

const LAB = new Uint8Array(readFileSync('fixtures/ams-lab.pcapng'));

/** The lab's packets as a classic pcap (nanosecond), written by the product writer. */
function labAsPcap(): Uint8Array {
  const src = openCaptureBytes(LAB, 'lab');
  const w = PcapWriter.inMemory({ linkType: 1, nanosecond: true });
  const pkt = newRawPacket();
  while (src.next(pkt)) w.writePacket(pkt.tsSec, pkt.tsNsec, pkt.data, pkt.offset, pkt.caplen, pkt.wirelen);
  return w.close();
}

/** A chunk size: a fixed number of bytes, or seeded random sizes in [1, max]. */
type ChunkSize = number | { seed: number; max: number };

/** mulberry32: a small seeded PRNG, so a failing chunking can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function* chunked(bytes: Uint8Array, size: ChunkSize): AsyncGenerator<Uint8Array> {
  const next = typeof size === 'number' ? () => size : ((r) => () => 1 + Math.floor(r() * size.max))(random(size.seed));
  for (let i = 0; i < bytes.length; ) {
    const n = next();
    yield bytes.slice(i, Math.min(bytes.length, i + n));
    i += n;
  }
}

const label = (size: ChunkSize): string => (typeof size === 'number' ? `${size}-byte` : `random 1–${size.max}-byte (seed ${size.seed})`);

/** A seed from the file name, so each file gets its own chunking and the same one on every run. */
const seedOf = (name: string): number => [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

/** Read through the stream reader; same shape as drain(). */
async function readStream(bytes: Uint8Array, size: ChunkSize, name: string): Promise<ReadResult & { sha256: string }> {
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

const WHOLE = 1 << 30;
/** One-byte feeding costs an await per byte: only for the lab. */
const LAB_SIZES: ChunkSize[] = [1, 7, 4096, WHOLE];
/** Seeded random chunks: at most 64 bytes for files up to 64 KiB, at most 1024 beyond (about 3,000 chunks per MB). */
const corpusSizes = (name: string, n: number): ChunkSize[] => [{ seed: seedOf(name), max: n <= 64 * 1024 ? 64 : 1024 }, { seed: seedOf(name) + 1, max: 8192 }, 4096, WHOLE];
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * The view as one digest (every packet's fields and bytes, info, error): comparing digests is
 * cheap where a deep comparison of thousands of packets is not; on a mismatch the caller compares
 * the views themselves, so the failure shows the difference.
 */
function fingerprint(v: ReturnType<typeof view>): string {
  const h = createHash('sha256');
  for (const p of v.packets) {
    h.update(`${p.tsSec} ${p.tsNsec} ${p.caplen} ${p.wirelen} ${p.linkType} ${p.interfaceId} ${p.fileOffset}|`);
    h.update(p.bytes);
  }
  h.update(JSON.stringify([v.info, v.error]));
  return h.digest('hex');
}

function expectSameView(got: ReturnType<typeof view>, ref: ReturnType<typeof view>, refPrint: string, what: string): void {
  if (fingerprint(got) !== refPrint) expect(got, what).toEqual(ref);
}

async function sameAsWhole(name: string, bytes: Uint8Array, sizes: ChunkSize[]): Promise<void> {
  const ref = view(whole(bytes, name));
  const refPrint = fingerprint(ref);
  for (const size of sizes) {
    const r = await readStream(bytes, size, name);
    expectSameView(view(r), ref, refPrint, `${name} in ${label(size)} chunks`);
    if (r.sha256 !== '') expect(r.sha256, `${name} hash in ${label(size)} chunks`).toBe(sha(bytes));
  }
}

async function gzipSameAsWhole(name: string, bytes: Uint8Array): Promise<void> {
  const gz = gzipSync(bytes);
  const ref = view(whole(bytes, name));
  const refPrint = fingerprint(ref);
  for (const size of [7, { seed: seedOf(name), max: 4096 }] as ChunkSize[]) {
    const r = await readStream(gz, size, name);
    expectSameView(view(r), ref, refPrint, `${name}.gz in ${label(size)} chunks`);
    expect(r.sha256).toBe(sha(gz));
  }
}

const LAB_CASES: [string, Uint8Array][] = [
  ['fixtures/ams-lab.pcapng', LAB],
  ['ams-lab as pcap', labAsPcap()],
];

describe('incremental reading of the lab: chunks of 1, 7, 4096 bytes and whole give the same result', () => {
  it.each(LAB_CASES)('%s', (name, bytes) => sameAsWhole(name, bytes, LAB_SIZES), 120_000);
  it.each(LAB_CASES)('gzip of %s: same packets, hash of the compressed bytes', gzipSameAsWhole, 120_000);
});

describeShared('incremental reading of the corpus: seeded random chunks, 4096 bytes and whole give the same result', () => {
  const cases = readdirSync(CAPTURES_DIR)
    .sort()
    .map((f): [string, Uint8Array] => [f, new Uint8Array(readFileSync(join(CAPTURES_DIR, f)))]);
  it.each(cases)('%s', (name, bytes) => sameAsWhole(name, bytes, corpusSizes(name, bytes.length)), 120_000);
  it.each(cases.filter(([n]) => !/fuzz|invalid|too-long|reserved/.test(n)).slice(0, 10))('gzip of %s: same packets, hash of the compressed bytes', gzipSameAsWhole, 120_000);
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
