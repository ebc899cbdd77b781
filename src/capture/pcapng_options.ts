/**
 * pcapng options: walking a block's option list (code u16 · length u16 · value padded to 4) and
 * decoding the options the reader keeps, those of the Section Header, Interface Description and
 * Interface Statistics Blocks.
 */
import { formatAddress } from '../ip_text.js';
import { CaptureFormatError } from '../errors.js';
import type { ByteWindow } from '../inputs/chunked_file.js';
import type { InterfaceInfo } from './source.js';

/** Walk options in [p, end): code u16 · length u16 · value padded to 4; code 0 ends the list. */
export function forEachOption(
  w: ByteWindow,
  le: boolean,
  p: number,
  end: number,
  blockOff: number,
  fn: (code: number, valuePos: number, valueLen: number) => void,
): void {
  const v = w.view;
  while (end - p >= 4) {
    const code = v.getUint16(p, le);
    const vlen = v.getUint16(p + 2, le);
    if (code === 0) return;
    if (p + 4 + vlen > end) {
      const optOff = w.base + p;
      throw new CaptureFormatError(
        w.name,
        optOff,
        `pcapng block at offset ${blockOff}: option ${code} at offset ${optOff} has length ${vlen}, which runs past the end of the block's options (offset ${w.base + end})`,
      );
    }
    fn(code, p + 4, vlen);
    p += 4 + ((vlen + 3) & ~3);
  }
}

/** Section Header Block options in [p, end): hardware, OS and application. */
export function readShbOptions(
  w: ByteWindow,
  le: boolean,
  p: number,
  end: number,
  blockOff: number,
): { hardware?: string; os?: string; application?: string } {
  const buf = w.buf;
  const shb: { hardware?: string; os?: string; application?: string } = {};
  forEachOption(w, le, p, end, blockOff, (code, vp, vlen) => {
    if (code === 2) shb.hardware = utf8(buf, vp, vlen);
    else if (code === 3) shb.os = utf8(buf, vp, vlen);
    else if (code === 4) shb.application = utf8(buf, vp, vlen);
  });
  return shb;
}

/** Interface Description Block options in [p, end) into `info`; returns if_tsresol (6 when absent). */
export function readIdbOptions(w: ByteWindow, le: boolean, p: number, end: number, blockOff: number, info: InterfaceInfo): number {
  const v = w.view;
  let tsresol = 6;
  const buf = w.buf;
  forEachOption(w, le, p, end, blockOff, (code, vp, vlen) => {
    switch (code) {
      case 2:
        info.name = utf8(buf, vp, vlen);
        break;
      case 3:
        info.description = utf8(buf, vp, vlen);
        break;
      case 9:
        if (vlen >= 1) tsresol = buf[vp] ?? 6;
        break;
      case 11:
        // First byte is the filter type; 0 = libpcap filter string.
        if (vlen >= 1) info.filter = utf8(buf, vp + 1, vlen - 1);
        break;
      case 14:
        if (vlen >= 8) info.tsOffsetSec = Number(v.getBigInt64(vp, le));
        break;
      case 4: // if_IPv4addr: address + netmask
        if (vlen >= 8) (info.addresses ??= []).push(`${buf[vp]}.${buf[vp + 1]}.${buf[vp + 2]}.${buf[vp + 3]}`);
        break;
      case 5: // if_IPv6addr: address + prefix length
        if (vlen >= 17) (info.addresses ??= []).push(formatAddress(Uint32Array.from([0, 4, 8, 12], (k) => v.getUint32(vp + k, false))));
        break;
    }
  });
  return tsresol;
}

/**
 * Interface Statistics Block options in [p, end) into `info` (received, dropped, OS-dropped).
 * `info` undefined (an unknown interface): the options are still checked, not kept.
 */
export function readIsbOptions(w: ByteWindow, le: boolean, p: number, end: number, blockOff: number, info: InterfaceInfo | undefined): void {
  const v = w.view;
  forEachOption(w, le, p, end, blockOff, (code, vp, vlen) => {
    if (info === undefined || vlen < 8) return;
    const n = Number(v.getBigUint64(vp, le));
    if (code === 4) info.ifRecv = n;
    else if (code === 5) info.ifDrop = n;
    else if (code === 7) info.osDrop = n;
  });
}

const decoder = new TextDecoder('utf-8');

/** Option string: UTF-8, NUL-terminated strings tolerated. */
function utf8(buf: Uint8Array, p: number, len: number): string {
  let n = len;
  while (n > 0 && buf[p + n - 1] === 0) n--;
  return decoder.decode(buf.subarray(p, p + n));
}
