/**
 * pcapng interfaces: the reader's per-section state of each Interface Description Block (link
 * type, snap length, timestamp resolution and offset) and the conversion of a packet's 64-bit
 * timestamp, in its interface's units, into seconds and nanoseconds.
 */
import { MAX_CAPLEN, type InterfaceInfo, type RawPacket } from './source.js';

const TWO32 = 4294967296;

/** Timestamp conversion modes of an interface. */
const TS_DEC = 0; // 10^-k, k ≤ 9: plain-number arithmetic, exact
const TS_BIN = 1; // 2^-n, n ≤ 23: plain-number arithmetic, exact
const TS_BIG = 2; // anything else: BigInt

/** Per-section interface state, for a quick interfaceId → linkType/timestamp lookup. */
export interface IfaceState {
  linkType: number;
  snapLen: number;
  maxCaplen: number;
  tsMode: number;
  /** Units per second as a number (TS_DEC/TS_BIN) ... */
  unitsPerSec: number;
  /** ... nanoseconds per unit (TS_DEC only) ... */
  nsPerUnit: number;
  /** ... and as a BigInt (TS_BIG). */
  unitsBig: bigint;
  offsetSec: number;
  info: InterfaceInfo;
}

// Scratch results of divUnits (module-level to avoid allocating per packet).
let qSec = 0;
let qRem = 0;

/**
 * (hi·2^32 + lo) / u → qSec, remainder qRem, exactly, for u ≤ 2^30, with plain numbers:
 * long division in base 2^16 keeps every intermediate below 2^46.
 */
function divUnits(hi: number, lo: number, u: number): void {
  if (hi < 0x200000) {
    // value < 2^53: one division, then fix a possible off-by-one from float rounding.
    const units = hi * TWO32 + lo;
    let s = Math.floor(units / u);
    let r = units - s * u;
    if (r < 0) {
      s--;
      r += u;
    } else if (r >= u) {
      s++;
      r -= u;
    }
    qSec = s;
    qRem = r;
    return;
  }
  const q1 = Math.floor(hi / u);
  let r = hi - q1 * u;
  let acc = r * 65536 + (lo >>> 16);
  const q2 = Math.floor(acc / u);
  r = acc - q2 * u;
  acc = r * 65536 + (lo & 0xffff);
  const q3 = Math.floor(acc / u);
  qRem = acc - q3 * u;
  qSec = q1 * TWO32 + q2 * 65536 + q3;
}

/**
 * The state of an interface whose options are read into `info`, with its if_tsresol; sets
 * `info.tsUnitsPerSec`.
 */
export function ifaceState(info: InterfaceInfo, linkType: number, snapLen: number, tsresol: number): IfaceState {
  const bin = (tsresol & 0x80) !== 0;
  const exp = tsresol & 0x7f;
  let tsMode: number;
  if (!bin && exp <= 9) tsMode = TS_DEC;
  else if (bin && exp <= 23) tsMode = TS_BIN;
  else tsMode = TS_BIG;
  info.tsUnitsPerSec = bin ? 2 ** exp : 10 ** exp;
  return {
    linkType,
    snapLen,
    maxCaplen: Math.max(snapLen, MAX_CAPLEN),
    tsMode,
    unitsPerSec: info.tsUnitsPerSec,
    nsPerUnit: tsMode === TS_DEC ? 10 ** (9 - exp) : 0,
    unitsBig: bin ? 1n << BigInt(exp) : 10n ** BigInt(exp),
    offsetSec: info.tsOffsetSec,
    info,
  };
}

/** `pkt.tsSec`/`pkt.tsNsec` from a packet block's timestamp (hi·2^32 + lo units of `ifc`). */
export function setTs(pkt: RawPacket, ifc: IfaceState, hi: number, lo: number): void {
  if (ifc.tsMode === TS_DEC) {
    divUnits(hi, lo, ifc.unitsPerSec);
    pkt.tsSec = qSec + ifc.offsetSec;
    pkt.tsNsec = qRem * ifc.nsPerUnit;
  } else if (ifc.tsMode === TS_BIN) {
    divUnits(hi, lo, ifc.unitsPerSec);
    pkt.tsSec = qSec + ifc.offsetSec;
    pkt.tsNsec = Math.floor((qRem * 1e9) / ifc.unitsPerSec); // exact: qRem·1e9 < 2^53, u = 2^n
  } else {
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const u = ifc.unitsBig;
    pkt.tsSec = Number(units / u) + ifc.offsetSec;
    pkt.tsNsec = Number(((units % u) * 1000000000n) / u);
  }
}
