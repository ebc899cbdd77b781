/**
 * Damaged ETL files never crash the reader: each of many deterministic corruptions (a byte set
 * to a random value, the file cut at a random length) of a built trace — compressed and plain
 * buffers, pktmon packets, drops, components, netsh fragments — either reads to the end (with
 * warnings) or stops with a CaptureFormatError naming an offset; never another exception, never
 * a packet pointing outside its bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, describeShared } from '../support/shared.js';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { CaptureFormatError } from '../../src/errors.js';
import { frame } from '../support/packets.js';
import { buildEtl, ndisFragmentEvent, pktmonComponentEvent, pktmonPacketEvent } from './etl_builder.js';

const syn = frame({ src: '10.0.0.10', dst: '10.0.0.2', proto: 'tcp', sport: 50000, dport: 389, flags: 'S' });
const base = buildEtl([
  {
    compressed: true,
    events: [
      pktmonPacketEvent({ group: 1, component: 3, payload: syn, us: 1 }),
      pktmonPacketEvent({ group: 1, component: 4, appearance: 2, payload: syn, drop: { reason: 8, location: 2 }, us: 2 }),
    ],
  },
  {
    events: [
      ndisFragmentEvent({ miniport: 2, start: true, end: false, send: true, bytes: syn.subarray(0, 30), us: 3 }),
      ndisFragmentEvent({ miniport: 2, start: false, end: true, send: true, bytes: syn.subarray(30), us: 4 }),
    ],
  },
  { events: [pktmonComponentEvent(3, 2, 'nic.sys', 'NIC'), pktmonComponentEvent(4, 3, 'wfp', 'filter')] },
]);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function readDamaged(bytes: Uint8Array): 'ok' | 'format-error' {
  try {
    const src = openCaptureBytes(bytes, 'damaged.etl');
    const pkt = newRawPacket();
    for (let n = 0; src.next(pkt); n++) {
      if (n > 10_000) throw new Error('runaway reader');
      if (pkt.offset < 0 || pkt.caplen < 0 || pkt.offset + pkt.caplen > pkt.data.length) throw new Error('packet outside its bytes');
      if (!(pkt.tsNsec >= 0 && pkt.tsNsec < 1e9) || !Number.isFinite(pkt.tsSec)) throw new Error(`bad timestamp ${pkt.tsSec}.${pkt.tsNsec}`);
    }
    return 'ok';
  } catch (e) {
    if (e instanceof CaptureFormatError) return 'format-error';
    throw e;
  }
}

describe('damaged ETL files', () => {
  it('one byte changed, at 3000 places: read or refused with an offset, never a crash', () => {
    const r = rng(0x5eed);
    const seen = new Set<string>();
    for (let k = 0; k < 3000; k++) {
      const b = base.slice();
      b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      seen.add(readDamaged(b));
    }
    expect(seen.has('ok')).toBe(true);
  });

  it('cut at every length: read or refused, never a crash', () => {
    for (let n = 0; n < base.length; n += 7) readDamaged(base.subarray(0, n));
  });
});

describeShared(
  'the real pktmon trace, damaged',
  () => {
    it('one byte changed at 1000 places (compressed buffers included): read or refused, never a crash', () => {
      const real = new Uint8Array(readFileSync(join(CORPUS_DIR, 'windows', 'demikernel__PktMon.etl')));
      const r = rng(0xe71);
      for (let k = 0; k < 1000; k++) {
        const b = real.slice();
        b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
        readDamaged(b);
      }
    });
  },
  'corpus/windows/demikernel__PktMon.etl',
);
