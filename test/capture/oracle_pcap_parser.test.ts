/**
 * Oracle: the npm package `pcap-parser` (CommonJS, event based, µs classic pcap only) must yield
 * the same records (ts sec, ts usec, caplen, wirelen, bytes) as our reader, for every valid µs
 * classic pcap of the corpus and every fixtures/*.pcap present at test time.
 *
 * pcap-parser decides byte order from the magic ("a1b2c3d4" as stored → big-endian, "d4c3b2a1"
 * → little-endian) and reads every field in that order, so it handles big-endian files; the two
 * big-endian corpus files are included. It does not know the nanosecond magic (it emits an error),
 * so ns files are left out.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open_capture.js';
import { CaptureFormatError } from '../../src/errors.js';
import { drain } from '../support/capture_bytes.js';
import { itShared } from '../support/shared.js';
import { CAPTURES_DIR, readManifest } from './corpus_files.js';

interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(path: string): EventEmitter };

interface Rec {
  sec: number;
  usec: number;
  caplen: number;
  wirelen: number;
  bytes: string;
}

function oracle(path: string): Promise<{ records: Rec[]; error?: string }> {
  return new Promise((resolve) => {
    const records: Rec[] = [];
    let error: string | undefined;
    const p = pcapParser.parse(path);
    p.on('packet', (pkt: ParserPacket) => {
      records.push({
        sec: pkt.header.timestampSeconds,
        usec: pkt.header.timestampMicroseconds,
        caplen: pkt.header.capturedLength,
        wirelen: pkt.header.originalLength,
        bytes: pkt.data.toString('hex'),
      });
    });
    p.on('error', (e: Error) => {
      error = e.message;
    });
    p.on('end', () => resolve(error === undefined ? { records } : { records, error }));
  });
}

function ours(path: string): { records: Rec[]; error: unknown } {
  const r = drain(openCapture(path, { chunkSize: 4096 }));
  return {
    records: r.packets.map((p) => ({
      sec: p.tsSec,
      usec: p.tsNsec / 1000,
      caplen: p.caplen,
      wirelen: p.wirelen,
      bytes: Buffer.from(p.bytes).toString('hex'),
    })),
    error: r.error,
  };
}

/** Corrupt µs corpus files left out, by name, with the reason. */
const SKIPPED: Record<string, string> = {
  'libpcap__pcap-invalid-version-1.pcap':
    'pcap-parser only rejects a version when BOTH major ≠ 2 and minor ≠ 4, so it reads "1.4"; we reject major 1',
  'libpcap__linktype-reserved-field-not-zero.pcap':
    'header only (no records); pcap-parser ignores the link-type field, we reject its reserved bits',
};

/** Files where we stop with an error after N good records; pcap-parser just waits for more data. */
const STOPS_WITH_ERROR: Record<string, string> = {
  'suricata-verify__bug-1450-04-tls_DER-incomplete-header.pcap':
    'record 7 claims 4325376 bytes: we throw CaptureFormatError, pcap-parser waits for the bytes and ends; the 6 records before must match',
};

function isMicrosecondPcap(path: string): boolean {
  const m = readFileSync(path).subarray(0, 4).toString('hex');
  return m === 'd4c3b2a1' || m === 'a1b2c3d4';
}

const corpusCases = readManifest()
  .filter((m) => /^pcap (LE|BE) usec/.test(m.format) && !(m.filename in SKIPPED))
  .map((m) => join(CAPTURES_DIR, m.filename));

const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;
const fixtureFiles = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.pcap'))
      .map((f) => join(FIXTURES, f))
  : [];
/** fixtures/*.pcap that are not µs classic pcap (ns magic or pcapng content) cannot be checked. */
const fixtureCases = fixtureFiles.filter(isMicrosecondPcap);

describe('oracle: pcap-parser agrees with our reader on µs classic pcap', () => {
  itShared('covers the expected corpus files (both byte orders)', () => {
    expect(corpusCases.length).toBeGreaterThanOrEqual(30);
    expect(corpusCases.filter((f) => readFileSync(f).subarray(0, 4).toString('hex') === 'a1b2c3d4').length).toBe(2);
  });

  it.each([...corpusCases, ...fixtureCases])('%s', async (path) => {
    const name = path.split('/').pop() ?? path;
    const want = await oracle(path);
    const got = ours(path);
    expect(want.error).toBeUndefined();
    if (name in STOPS_WITH_ERROR) {
      expect(got.error, STOPS_WITH_ERROR[name]).toBeInstanceOf(CaptureFormatError);
    } else {
      expect(got.error).toBeUndefined();
    }
    expect(got.records.length).toBe(want.records.length);
    expect(got.records).toEqual(want.records);
  });

  it('lists the fixtures it could not check', () => {
    const unchecked = fixtureFiles.filter((f) => !fixtureCases.includes(f));
    // Not an error: record why, so a reader of the test output sees them.
    for (const f of unchecked) console.info(`oracle: ${f} skipped: not a µs classic pcap (pcap-parser cannot read it)`);
    expect(unchecked.length + fixtureCases.length).toBe(fixtureFiles.length);
  });
});
