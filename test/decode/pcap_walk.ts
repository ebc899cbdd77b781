/**
 * A minimal capture walker for the decoder tests, so they do not depend on src/capture:
 * classic pcap (either byte order, µs or ns) and pcapng (SHB/IDB/EPB/SPB, either byte order).
 * Not robust against corrupt files; the corpus files it is used on are well formed.
 */
import { readFileSync } from 'node:fs';

export interface WalkedPacket {
  data: Uint8Array;
  offset: number;
  caplen: number;
  wirelen: number;
  linkType: number;
}

export function* walkCapture(path: string): Generator<WalkedPacket> {
  const buf = new Uint8Array(readFileSync(path));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  if (magic === 0x0a0d0d0a) {
    yield* walkPcapng(buf, dv);
    return;
  }
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${path}: not a capture`);
  const linkType = dv.getUint32(20, le) & 0xffff;
  for (let o = 24; o + 16 <= buf.length; ) {
    const caplen = dv.getUint32(o + 8, le);
    const wirelen = dv.getUint32(o + 12, le);
    if (o + 16 + caplen > buf.length) return;
    yield { data: buf, offset: o + 16, caplen, wirelen, linkType };
    o += 16 + caplen;
  }
}

function* walkPcapng(buf: Uint8Array, dv: DataView): Generator<WalkedPacket> {
  let le = true;
  let links: number[] = [];
  for (let o = 0; o + 12 <= buf.length; ) {
    if (dv.getUint32(o, false) === 0x0a0d0d0a) {
      le = dv.getUint32(o + 8, true) === 0x1a2b3c4d;
      links = [];
    }
    const type = dv.getUint32(o, le);
    const len = dv.getUint32(o + 4, le);
    if (len < 12 || o + len > buf.length) return;
    if (type === 1) links.push(dv.getUint16(o + 8, le));
    else if (type === 6) {
      const caplen = dv.getUint32(o + 20, le);
      yield { data: buf, offset: o + 28, caplen, wirelen: dv.getUint32(o + 24, le), linkType: links[dv.getUint32(o + 8, le)] ?? -1 };
    } else if (type === 3) {
      const wirelen = dv.getUint32(o + 8, le);
      yield { data: buf, offset: o + 12, caplen: Math.min(wirelen, len - 16), wirelen, linkType: links[0] ?? -1 };
    }
    o += len;
  }
}
