/**
 * One read, two consumers: with one input, the reader reads straight into the hash worker's ring
 * slots and parses them there (no copy). The evidence digest must equal `sha256sum` of the file and
 * the parse must equal the plain path, also when records straddle the slots (small slots), on a
 * file truncated mid-record, and on every corpus file (including the broken ones).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashWorkerPrestarted, prestartHashWorker, WORKER_MIN_BYTES, type HashServiceOptions } from '../../src/inputs/input_hash.js';
import { FlowEngine } from '../../src/flows/flow_engine.js';
import { ingestInputs } from '../../src/capture/ingest.js';
import { generateAmsMix } from '../bench/generate.js';
import { itShared } from '../support/shared.js';
import { CAPTURES_DIR } from './corpus_files.js';

const dir = mkdtempSync(join(tmpdir(), 'flowaudit-one-read-'));

/** sha256sum of the file when the tool is there, else node's hash of the whole file. */
function sha256sum(path: string): string {
  const r = spawnSync('sha256sum', [path], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.split(' ')[0]!;
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface Outcome {
  sha256: string | null;
  packets: number;
  connections: number;
  bytes: number;
  error: string | null;
}

async function ingest(path: string, hash: HashServiceOptions, chunkSize?: number): Promise<Outcome> {
  const engine = new FlowEngine();
  const r = await ingestInputs([path], engine, { hash, ...(chunkSize ? { chunkSize } : {}) });
  await r.hashed;
  const s = r.inputs[0]!;
  return { sha256: s.sha256, packets: engine.packets, connections: engine.table.size, bytes: engine.bytes, error: s.error?.message ?? null };
}

const plain = { worker: false } as const;
const inPlace = (slotBytes: number) => ({ worker: true, readInPlace: true, slotBytes });

describe('one read: the chunks parsed are the chunks hashed', () => {
  const mix = join(dir, 'mix.pcap');
  generateAmsMix(mix, 3000);

  it.each([
    ['slots of 4 KiB + 7 (most records straddle two slots)', 4096 + 7, 1024],
    ['slots of 64 KiB', 65536, 4096],
    ['the default slots', undefined, undefined],
  ])('%s: digest = sha256sum, same packets and connections as the plain path', async (_name, slot, chunk) => {
    const want = await ingest(mix, plain);
    const got = await ingest(mix, slot === undefined ? { worker: true, readInPlace: true } : inPlace(slot), chunk);
    expect(want.sha256).toBe(sha256sum(mix));
    expect(got).toEqual(want);
  });

  it.each([1, 17, 1000, 40_000])('a file truncated %d bytes into a record: digest of the bytes present, complete packets only', async (cut) => {
    const t = join(dir, `cut-${cut}.pcap`);
    copyFileSync(mix, t);
    // End inside the record that starts past the middle of the file.
    const size = statSync(t).size;
    truncateSync(t, Math.min(size - 1, Math.floor(size / 2) + cut));
    const want = await ingest(t, plain);
    const got = await ingest(t, inPlace(4096 + 7), 1024);
    expect(got.sha256).toBe(sha256sum(t));
    expect(got).toEqual(want);
  });

  itShared('every corpus file: digest = sha256sum, same parse as the plain path', async () => {
    const files = readdirSync(CAPTURES_DIR).sort();
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const p = join(CAPTURES_DIR, f);
      const want = await ingest(p, plain);
      const got = await ingest(p, inPlace(512 + 3), 256);
      expect({ f, ...got, sha256: got.sha256 ?? sha256sum(p) }).toEqual({ f, ...want, sha256: sha256sum(p) });
    }
  });
});

describe('the hash worker started ahead of the inputs (audit: while the policy loads)', () => {
  it('is taken by the next hashing that wants a worker, and hashes every byte', async () => {
    const mix = join(dir, 'mix-early.pcap');
    generateAmsMix(mix, 2000);
    prestartHashWorker(WORKER_MIN_BYTES - 1);
    expect(hashWorkerPrestarted()).toBe(false); // too little to hash for a worker to pay
    prestartHashWorker(WORKER_MIN_BYTES);
    expect(hashWorkerPrestarted()).toBe(true);
    const got = await ingest(mix, { worker: true, readInPlace: true });
    expect(hashWorkerPrestarted()).toBe(false);
    expect(got.sha256).toBe(sha256sum(mix));
    expect(got).toEqual(await ingest(mix, plain));
  });
});
