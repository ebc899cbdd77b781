/**
 * DCE/RPC connection-oriented PDUs on the endpoint mapper (tcp/135), enough to learn which TCP
 * port (and IP) an `ept_map` response hands out (DCE 1.1 RPC, appendix L; MS-RPCE 2.2.1.2.5
 * towers). Requests are read for their opnum (ept_map is opnum 3), responses for their towers.
 * Bounded and hostile-input safe: lengths are checked against the bytes held, at most MAX_TOWERS
 * towers and MAX_FLOORS floors are read.
 */
import { formatIPv4 } from '../../ip_text.js';
import { u16be, u8 } from './text.js';

export const EPT_MAP_OPNUM = 3;
export const PTYPE_REQUEST = 0;
export const PTYPE_RESPONSE = 2;

const MAX_TOWERS = 16;
const MAX_FLOORS = 8;

/** One endpoint a tower describes. `ip` is null when the tower has no IP floor. */
export interface EpmEndpoint {
  protocol: 'tcp' | 'udp';
  port: number;
  ip: string | null;
}

export interface PduHeader {
  ptype: number;
  littleEndian: boolean;
  fragLength: number;
  authLength: number;
  callId: number;
}

function u16(b: Uint8Array, o: number, end: number, le: boolean): number {
  if (o < 0 || o + 2 > end) return -1;
  return le ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}
function u32(b: Uint8Array, o: number, end: number, le: boolean): number {
  if (o < 0 || o + 4 > end) return -1;
  return le
    ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
    : ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * The 16-byte common header at `off`, or null when these bytes are not a DCE/RPC CO PDU
 * (version 5.0, a sane fragment length). `fragLength` may exceed the bytes held.
 */
export function readPduHeader(b: Uint8Array, off: number, len: number): PduHeader | null {
  const end = Math.min(b.length, off + len);
  if (end - off < 16) return null;
  if (b[off] !== 5 || b[off + 1] !== 0) return null;
  const le = (b[off + 4]! & 0x10) !== 0;
  const fragLength = u16(b, off + 8, end, le);
  const authLength = u16(b, off + 10, end, le);
  if (fragLength < 16 || authLength < 0 || authLength + 16 > fragLength) return null;
  return { ptype: b[off + 2]!, littleEndian: le, fragLength, authLength, callId: u32(b, off + 12, end, le) };
}

/** Opnum of a request PDU at `off` (header already read), or -1. */
export function requestOpnum(b: Uint8Array, off: number, h: PduHeader): number {
  if (h.ptype !== PTYPE_REQUEST) return -1;
  return u16(b, off + 22, Math.min(b.length, off + h.fragLength), h.littleEndian);
}

/** The endpoints in one tower's octet string `b[o, o+n)` (floors are little-endian lengths). */
export function towerEndpoints(b: Uint8Array, o: number, n: number): EpmEndpoint | null {
  const end = Math.min(b.length, o + n);
  const floors = u16(b, o, end, true);
  if (floors < 0 || floors > MAX_FLOORS) return null;
  let p = o + 2;
  let protocol: 'tcp' | 'udp' | null = null;
  let port = -1;
  let ip: string | null = null;
  for (let i = 0; i < floors; i++) {
    const lhsLen = u16(b, p, end, true);
    if (lhsLen < 1) return null;
    const id = u8(b, p + 2, end);
    const rhsAt = p + 2 + lhsLen;
    const rhsLen = u16(b, rhsAt, end, true);
    if (id < 0 || rhsLen < 0 || rhsAt + 2 + rhsLen > end) return null;
    const rhs = rhsAt + 2;
    if ((id === 0x07 || id === 0x08) && rhsLen === 2) {
      protocol = id === 0x07 ? 'tcp' : 'udp';
      port = u16be(b, rhs, end);
    } else if (id === 0x09 && rhsLen === 4) {
      ip = formatIPv4(((b[rhs]! << 24) | (b[rhs + 1]! << 16) | (b[rhs + 2]! << 8) | b[rhs + 3]!) >>> 0);
    }
    p = rhs + rhsLen;
  }
  if (protocol === null || port <= 0) return null;
  return { protocol, port, ip };
}

/**
 * The endpoints of an ept_map response PDU at `off` (the whole PDU must be held):
 * stub = entry_handle (20) · num_towers (u32) · towers: max_count, offset, actual_count, one
 * referent per tower, then each non-null tower as max_count (u32) · tower_length (u32) · octets,
 * 4-byte aligned · status (u32). Returns null when the stub does not parse as that.
 */
export function eptMapResponseEndpoints(b: Uint8Array, off: number, h: PduHeader): EpmEndpoint[] | null {
  if (h.ptype !== PTYPE_RESPONSE) return null;
  const le = h.littleEndian;
  const pduEnd = off + h.fragLength;
  if (pduEnd > b.length) return null;
  const stub = off + 24;
  const end = pduEnd - (h.authLength > 0 ? h.authLength + 8 : 0);
  let p = stub + 20;
  const numTowers = u32(b, p, end, le);
  const maxCount = u32(b, p + 4, end, le);
  const actual = u32(b, p + 12, end, le);
  if (numTowers < 0 || maxCount < 0 || actual < 0 || actual > maxCount || actual > MAX_TOWERS) return null;
  p += 16;
  const referents: number[] = [];
  for (let i = 0; i < actual; i++) {
    const r = u32(b, p, end, le);
    if (r < 0) return null;
    referents.push(r);
    p += 4;
  }
  const out: EpmEndpoint[] = [];
  for (const r of referents) {
    if (r === 0) continue;
    const conformance = u32(b, p, end, le);
    const towerLen = u32(b, p + 4, end, le);
    if (conformance < 0 || towerLen < 0 || p + 8 + towerLen > end) return out.length ? out : null;
    const e = towerEndpoints(b, p + 8, towerLen);
    if (e) out.push(e);
    p += 8 + towerLen;
    p += (4 - ((p - stub) & 3)) & 3;
  }
  return out;
}
