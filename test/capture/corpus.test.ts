/**
 * Every real capture of the shared corpus is read to the end: only CaptureFormatError may be
 * thrown, valid files give MANIFEST's packet count, each corrupt file behaves as tabled below,
 * and every frame matches tshark's time, lengths and interface: against tshark's frames recorded
 * once in test/capture/tshark_frames.json (test/capture/frame_reference.ts) for the corpus, so no
 * tshark runs per file (on a mismatch, tshark is run, when installed, to show the difference), and
 * against tshark itself for the bundled fixtures.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeShared } from '../support/shared.js';
import { openCapture, openCaptureBytes } from '../../src/capture/open_capture.js';
import type { PacketSource } from '../../src/capture/source.js';
import { CaptureFormatError } from '../../src/errors.js';
import { drain, type ReadResult, readDigest } from '../support/capture_bytes.js';
import { CAPTURES_DIR, corpusMissing, readManifest } from './corpus_files.js';
import { digestLines, type FrameReference, FRAME_REFERENCE, frameLines } from './frame_reference.js';
import { epochString, type TsharkFrame, tsharkFrames, tsharkMissing } from './tshark.js';

const manifest = readManifest();
const files = corpusMissing ? [] : readdirSync(CAPTURES_DIR).sort();

interface CorruptCase {
  reason: string;
  packets: number;
  /** Expected error (offset + message part), or undefined for a partial/complete read. */
  error?: { offset: number; message: string };
  warnings: { offset: number; message: string }[];
  truncated: boolean;
}

/** Expected behaviour of each `corrupt` file, with why. */
const CORRUPT: Record<string, CorruptCase> = {
  'libpcap__pcap-invalid-version-1.pcap': {
    reason: 'pcap major version 1 does not exist; tshark: "major version 1 unsupported"',
    packets: 0,
    error: { offset: 4, message: 'Cannot read pcap header: unsupported version 1.4' },
    warnings: [],
    truncated: false,
  },
  'libpcap__pcapng-invalid-vers-1.pcapng': {
    reason: 'SHB version 0.1; tshark: "unknown SHB version 0.1"',
    packets: 0,
    error: { offset: 0, message: 'unsupported pcapng version 0.1' },
    warnings: [],
    truncated: false,
  },
  'libpcap__shb-option-too-long.pcapng': {
    reason: 'first SHB option claims 12336 bytes in a 52-byte block; tshark: "Not enough data to handle option of length 12336"',
    packets: 0,
    error: { offset: 24, message: 'option 12336 at offset 24 has length 12336, which runs past the end' },
    warnings: [],
    truncated: false,
  },
  'libpcap__linktype-reserved-field-not-zero.pcap': {
    reason: 'link-type field 0x00300001; tshark: "network type reserved field not zero (0x00300000)"',
    packets: 0,
    error: { offset: 20, message: 'link-type reserved field not zero (0x00300000)' },
    warnings: [],
    truncated: false,
  },
  'tcpdump__empty.pcap': {
    reason: 'valid 24-byte header and no records: zero packets, no error',
    packets: 0,
    warnings: [],
    truncated: false,
  },
  'tcpdump__timestamp_invalid_nano.pcap': {
    reason: 'ns fraction ≥ 1e9 in records: carried into seconds, one warning',
    packets: 3,
    warnings: [{ offset: 116, message: 'record at offset 116: timestamp fraction 1000000000 is not below 1e9' }],
    truncated: false,
  },
  'suricata-verify__bug-1450-04-tls_DER-incomplete-header.pcap': {
    reason: '6 good packets, then a record claiming 4325376 bytes (> 262144): error after the 6 (tshark: same)',
    packets: 6,
    error: { offset: 5035, message: 'pcap record at offset 5035: captured length 4325376 is larger than the maximum of 262144' },
    warnings: [],
    truncated: false,
  },
  'ndpi__fuzz-2021-10-13.pcap': {
    reason:
      'version 2.0 header: caplen/wirelen stored swapped (libpcap rule), so caplen 197; fraction ≥ 1e9; ' +
      'then 2 bytes of a record header (tshark: 1 packet, "cut short in the middle of a packet")',
    packets: 1,
    warnings: [
      { offset: 24, message: 'timestamp fraction 1882137472 is not below 1e9' },
      { offset: 237, message: 'file ends inside the record header at offset 237: 2 of 16 bytes present' },
    ],
    truncated: true,
  },
  'tcpdump__unsupported-link-type-dbus.pcap': {
    reason: 'a valid file whose link type 231 (D-Bus) carries no IP: read normally',
    packets: 2,
    warnings: [],
    truncated: false,
  },
};

/** One read from memory, errors kept in the result. */
function whole(path: string): ReadResult {
  try {
    return drain(openCaptureBytes(new Uint8Array(readFileSync(path)), path));
  } catch (e) {
    return { packets: [], info: undefined as never, error: e };
  }
}

function readThreeWays(path: string): ReadResult {
  const run = (open: () => PacketSource): ReadResult => {
    try {
      return drain(open());
    } catch (e) {
      return { packets: [], info: undefined as never, error: e };
    }
  };
  const mem = run(() => openCaptureBytes(new Uint8Array(readFileSync(path)), path));
  const small = run(() => openCapture(path, { chunkSize: 64 }));
  const dflt = run(() => openCapture(path));
  const view = (r: ReadResult) => ({ packets: r.packets, info: r.info, error: String(r.error) });
  // A digest first (a deep comparison of thousands of packets is the slow part); the views on a mismatch.
  const memPrint = readDigest(mem);
  if (readDigest(small) !== memPrint) expect(view(small), '64-byte chunks differ from memory').toEqual(view(mem));
  if (readDigest(dflt) !== memPrint) expect(view(dflt), 'default chunks differ from memory').toEqual(view(mem));
  return mem;
}

describeShared('corpus: every capture reads to the end', () => {
  it('MANIFEST.tsv lists exactly the files present, and every corrupt file has an expectation', () => {
    expect(manifest.map((m) => m.filename).sort()).toEqual(files);
    const corrupt = manifest.filter((m) => m.category === 'corrupt').map((m) => m.filename).sort();
    expect(corrupt).toEqual(Object.keys(CORRUPT).sort());
  });

  it.each(manifest.filter((m) => m.category !== 'corrupt').map((m) => [m.filename, m] as const))('%s', (name, m) => {
    const r = readThreeWays(join(CAPTURES_DIR, name));
    expect(r.error).toBeUndefined();
    expect(r.packets.length).toBe(Number(m.packets));
    expect(r.info).toMatchObject({ packets: Number(m.packets), truncated: false, warnings: [], bytesRead: r.info.fileSize });
    const fmt = m.format.startsWith('pcapng') ? 'pcapng' : m.format.includes('nsec') ? 'pcap-nsec' : 'pcap';
    expect(r.info.format).toBe(fmt);
    if (fmt !== 'pcapng') expect(r.info.byteOrder).toBe(m.format.includes(' BE ') ? 'be' : 'le');
  });

  it.each(Object.entries(CORRUPT))('corrupt %s', (name, c) => {
    const r = readThreeWays(join(CAPTURES_DIR, name));
    expect(r.packets.length, c.reason).toBe(c.packets);
    if (c.error) {
      expect(r.error, c.reason).toBeInstanceOf(CaptureFormatError);
      const e = r.error as CaptureFormatError;
      expect(e.offset).toBe(c.error.offset);
      expect(e.message).toContain(c.error.message);
      expect(e.message).toContain(name);
    } else {
      expect(r.error, c.reason).toBeUndefined();
    }
    if (r.info) {
      expect(r.info.truncated).toBe(c.truncated);
      expect(r.info.packets).toBe(c.packets);
      expect(r.info.warnings.map((w) => w.offset)).toEqual(c.warnings.map((w) => w.offset));
      r.info.warnings.forEach((w, i) => expect(w.message).toContain(c.warnings[i]?.message));
    }
  });
});

/** Our packets as tshark's frames (time, lengths, interface). */
function asFrames(r: ReadResult): TsharkFrame[] {
  return r.packets.map((p) => ({
    time: epochString(p.tsSec, p.tsNsec),
    len: p.wirelen,
    capLen: p.caplen,
    iface: r.info?.format === 'pcapng' ? String(p.interfaceId) : '',
  }));
}

describeShared('corpus: every frame matches tshark (recorded frames)', () => {
  const reference = JSON.parse(readFileSync(FRAME_REFERENCE, 'utf8')) as FrameReference;

  it('the recorded reference lists exactly the corpus files', () => {
    expect(Object.keys(reference.files).sort()).toEqual(files);
  });

  it.each(files)('%s', (name) => {
    const path = join(CAPTURES_DIR, name);
    const r = whole(path);
    const want = reference.files[name];
    expect(want, `${name} is not in ${FRAME_REFERENCE}: regenerate it (npx tsx test/capture/frame_reference.ts)`).toBeDefined();
    const ours = frameLines(name, asFrames(r));
    if (ours.length === want?.frames && digestLines(ours) === want.sha256) return;
    // A mismatch: show it against tshark itself when it is here, else against the recorded counts.
    if (!tsharkMissing) expect(ours).toEqual(frameLines(name, tsharkFrames(path).frames));
    expect({ frames: ours.length, sha256: digestLines(ours) }, `recorded by ${reference.tshark}`).toEqual(want);
  });
});

const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;
const fixtureCaptures = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((f) => /\.(pcap|pcapng|cap)$/.test(f))
      .sort()
  : [];

describe.skipIf(tsharkMissing || fixtureCaptures.length === 0)('fixtures: every frame matches tshark', () => {
  it.each(fixtureCaptures)('%s', (name) => {
    const path = join(FIXTURES, name);
    const r = readThreeWays(path);
    expect(r.error).toBeUndefined();
    expect(r.info.truncated).toBe(false);
    expect(tsharkFrames(path).frames).toEqual(asFrames(r));
  });
});
