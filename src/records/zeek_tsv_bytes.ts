/**
 * A Zeek conn.log TSV row read from its bytes: the same FlowRecord as `zeekConnRecord` over a
 * `TsvRow` (zeek_conn.ts), without a string per field. Only the plain forms are read here (IPv4
 * dotted quads, decimal counts, `secs.frac` times with up to 6 fraction digits, lower-case tcp /
 * udp / icmp, no escapes); for anything else `read` returns false and the caller reads that row
 * through the string parser, so both paths always agree (test/records/byte_reader.test.ts).
 */
import { CONN_STATES, type ConnState } from '../flows/conn_state.js';
import { ascii, bytesEqual, hasByte, parseEpochMicros, parseIPv4Bytes, parseSecondsMicros, parseUint, latin1, splitFields } from './byte_fields.js';
import { historyEvents, type FlowRecord } from './flow_record.js';
import type { ZeekTsvHeader } from './zeek_row.js';

const STATE_OF = new Map<string, ConnState>(CONN_STATES.map((s) => [s, s]));
const TCP = ascii('tcp');
const UDP = ascii('udp');
const ICMP = ascii('icmp');

/** Column names read, in the order of ZeekTsvColumns' fields. */
const NAMES = [
  'id.orig_h', 'id.resp_h', 'proto', 'ip_proto', 'id.orig_p', 'id.resp_p', 'ts', 'duration', 'orig_pkts', 'resp_pkts',
  'orig_ip_bytes', 'resp_ip_bytes', 'orig_bytes', 'resp_bytes', 'conn_state', 'history',
] as const;
const enum C { OrigH, RespH, Proto, IpProto, OrigP, RespP, Ts, Duration, OrigPkts, RespPkts, OrigIpBytes, RespIpBytes, OrigBytes, RespBytes, State, History }

/** Field value kinds, besides a plain value. */
const ABSENT = -2;
const UNSET = -3;
const EMPTY = -4;

export class ZeekTsvBytes {
  /** Column of each NAMES entry (-1 absent). */
  private readonly col = new Int32Array(NAMES.length);
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly sep: number;
  private readonly unset: Uint8Array;
  private readonly empty: Uint8Array;
  private readonly fieldCount: number;
  private readonly facts = new TcpFactsCache();
  /** Addresses of the last row read (IPv4-mapped words). */
  readonly orig = new Uint32Array([0, 0, 0xffff, 0]);
  readonly resp = new Uint32Array([0, 0, 0xffff, 0]);

  /** A reader for the header's current #fields; null when the header cannot be read by bytes. */
  static forHeader(h: ZeekTsvHeader): ZeekTsvBytes | null {
    if (h.fields === null || h.separator.length !== 1 || h.separator.charCodeAt(0) > 0x7f) return null;
    if (h.unsetField === '' || h.emptyField === '' || /[^\x20-\x7e]/.test(h.unsetField + h.emptyField)) return null;
    return new ZeekTsvBytes(h);
  }

  private constructor(h: ZeekTsvHeader) {
    this.sep = h.separator.charCodeAt(0);
    this.unset = ascii(h.unsetField);
    this.empty = ascii(h.emptyField);
    this.fieldCount = h.fields!.length;
    this.starts = new Int32Array(this.fieldCount);
    this.ends = new Int32Array(this.fieldCount);
    NAMES.forEach((n, i) => (this.col[i] = h.column(n)));
  }

  /** Kind of field c: ABSENT, UNSET, EMPTY, or its column index. */
  private at(buf: Uint8Array, c: C): number {
    const k = this.col[c]!;
    if (k < 0) return ABSENT;
    const s = this.starts[k]!;
    const b = buf[s];
    // Most fields start with neither marker's first byte: one comparison each.
    if (b === this.unset[0] && bytesEqual(buf, s, this.ends[k]!, this.unset)) return UNSET;
    if (b === this.empty[0] && bytesEqual(buf, s, this.ends[k]!, this.empty)) return EMPTY;
    return k;
  }

  /** A count (zeek_conn.ts `count`): null when absent/unset/empty, -1 when not plain digits. */
  private count(buf: Uint8Array, c: C): number | null {
    const k = this.at(buf, c);
    if (k < 0) return null;
    return parseUint(buf, this.starts[k]!, this.ends[k]!);
  }

  /** Fill `r` (reset by the caller) from the line buf[s, e); false: read this row by the string parser. */
  read(buf: Uint8Array, s: number, e: number, r: FlowRecord): boolean {
    const n = splitFields(buf, s, e, this.sep, this.starts, this.ends);
    if (n !== this.fieldCount) return false; // a column count error: the string parser says which
    const st = this.starts;
    const en = this.ends;
    const oh = this.at(buf, C.OrigH);
    const rh = this.at(buf, C.RespH);
    if (oh < 0 || rh < 0) return false;
    const o4 = parseIPv4Bytes(buf, st[oh]!, en[oh]!);
    const r4 = parseIPv4Bytes(buf, st[rh]!, en[rh]!);
    if (o4 < 0 || r4 < 0) return false;
    this.orig[3] = o4;
    this.resp[3] = r4;
    if (!this.proto(buf, r)) return false;
    if (!this.ports(buf, r)) return false;
    if (!this.times(buf, r)) return false;
    if (!this.counts(buf, r)) return false;
    return this.tcpFacts(buf, r);
  }

  private proto(buf: Uint8Array, r: FlowRecord): boolean {
    const p = this.at(buf, C.Proto);
    let ipProto = -1;
    if (p >= 0) {
      const s = this.starts[p]!;
      const e = this.ends[p]!;
      ipProto = bytesEqual(buf, s, e, TCP) ? 6 : bytesEqual(buf, s, e, UDP) ? 17 : bytesEqual(buf, s, e, ICMP) ? 1 : -1;
    }
    const f = this.count(buf, C.IpProto);
    if (f === -1) return false;
    if (f !== null && f <= 255) ipProto = f;
    if (ipProto < 0) return false;
    r.ipProto = ipProto;
    return true;
  }

  private ports(buf: Uint8Array, r: FlowRecord): boolean {
    const op = this.count(buf, C.OrigP);
    const rp = this.count(buf, C.RespP);
    if (op === -1 || rp === -1 || (op ?? 0) > 65535 || (rp ?? 0) > 65535) return false;
    if (r.ipProto === 1 || r.ipProto === 58) {
      r.icmpType = op ?? -1;
      r.icmpCode = rp ?? -1;
    } else {
      r.origPort = op ?? 0;
      r.respPort = rp ?? 0;
    }
    return true;
  }

  private times(buf: Uint8Array, r: FlowRecord): boolean {
    const t = this.at(buf, C.Ts);
    let first = NaN;
    if (t >= 0) {
      first = parseEpochMicros(buf, this.starts[t]!, this.ends[t]!);
      if (Number.isNaN(first)) return false;
    }
    const d = this.at(buf, C.Duration);
    let dur = NaN;
    if (d >= 0) {
      dur = parseSecondsMicros(buf, this.starts[d]!, this.ends[d]!);
      if (Number.isNaN(dur)) return false;
    }
    r.firstSeen = first;
    r.lastSeen = Number.isNaN(dur) ? first : first + dur;
    return true;
  }

  private counts(buf: Uint8Array, r: FlowRecord): boolean {
    const op = this.count(buf, C.OrigPkts);
    const rp = this.count(buf, C.RespPkts);
    if (op === -1 || rp === -1) return false;
    r.origPkts = op ?? 0;
    r.respPkts = rp ?? 0;
    const oi = this.count(buf, C.OrigIpBytes);
    const ri = this.count(buf, C.RespIpBytes);
    if (oi !== null && ri !== null) {
      if (oi === -1 || ri === -1) return false;
      r.origBytes = oi;
      r.respBytes = ri;
      r.byteBasis = 'ip';
      return true;
    }
    const ob = this.count(buf, C.OrigBytes);
    const rb = this.count(buf, C.RespBytes);
    if (ob === -1 || rb === -1) return false;
    r.origBytes = ob ?? 0;
    r.respBytes = rb ?? 0;
    r.byteBasis = 'payload';
    return true;
  }

  private tcpFacts(buf: Uint8Array, r: FlowRecord): boolean {
    const s = this.at(buf, C.State);
    const h = this.at(buf, C.History);
    // An escape in a field read as text: the string parser unescapes it.
    if (s >= 0 && hasByte(buf, this.starts[s]!, this.ends[s]!, 92)) return false;
    if (h >= 0 && hasByte(buf, this.starts[h]!, this.ends[h]!, 92)) return false;
    const f = this.facts.get(buf, s, s >= 0 ? this.starts[s]! : 0, s >= 0 ? this.ends[s]! : 0, h, h >= 0 ? this.starts[h]! : 0, h >= 0 ? this.ends[h]! : 0);
    r.state = f.state;
    if (h === ABSENT || h === UNSET) return true;
    r.history = f.history;
    r.respSentFirst = f.respSentFirst;
    r.origEvents = f.origEvents;
    r.respEvents = f.respEvents;
    return true;
  }
}

/** What conn_state and history say (the same for every row with the same two fields). */
interface TcpFacts {
  state: ConnState | null;
  history: string;
  respSentFirst: boolean;
  origEvents: number;
  respEvents: number;
}

/**
 * conn_state + history bytes → their facts, made once per distinct pair: a direct-mapped cache of
 * 1,024 entries (a day of AMS traffic has a few dozen pairs), so a row costs one hash over the two
 * short fields and one comparison, with no string, Map lookup or history parsing per row.
 * `sk` / `hk` are the fields' kinds (a column index, or ABSENT / UNSET / EMPTY).
 */
class TcpFactsCache {
  private readonly keys: (Uint8Array | null)[] = new Array<Uint8Array | null>(1024).fill(null);
  private readonly values: (TcpFacts | null)[] = new Array<TcpFacts | null>(1024).fill(null);

  get(buf: Uint8Array, sk: number, ss: number, se: number, hk: number, hs: number, he: number): TcpFacts {
    const sLen = sk >= 0 ? se - ss : 0;
    const hLen = hk >= 0 ? he - hs : 0;
    if (sLen + hLen > 200) return tcpFacts(buf, sk, ss, se, hk, hs, he);
    // Key: the kinds (clamped to one byte each), then the state's and the history's bytes.
    const sKind = sk >= 0 ? 0 : -sk;
    const hKind = hk >= 0 ? 0 : -hk;
    let h = (sKind * 7 + hKind) * 131 + sLen;
    for (let i = 0; i < sLen; i++) h = (Math.imul(h, 31) + buf[ss + i]!) | 0;
    for (let i = 0; i < hLen; i++) h = (Math.imul(h, 31) + buf[hs + i]!) | 0;
    const slot = (h ^ (h >>> 10)) & 1023;
    const k = this.keys[slot];
    if (k && k.length === 3 + sLen + hLen && k[0] === sKind && k[1] === hKind && k[2] === sLen) {
      let same = true;
      for (let i = 0; i < sLen && same; i++) same = k[3 + i] === buf[ss + i];
      for (let i = 0; i < hLen && same; i++) same = k[3 + sLen + i] === buf[hs + i];
      if (same) return this.values[slot]!;
    }
    const key = new Uint8Array(3 + sLen + hLen);
    key[0] = sKind;
    key[1] = hKind;
    key[2] = sLen;
    key.set(buf.subarray(ss, ss + sLen), 3);
    key.set(buf.subarray(hs, hs + hLen), 3 + sLen);
    const v = tcpFacts(buf, sk, ss, se, hk, hs, he);
    this.keys[slot] = key;
    this.values[slot] = v;
    return v;
  }
}

function tcpFacts(buf: Uint8Array, sk: number, ss: number, se: number, hk: number, hs: number, he: number): TcpFacts {
  const state = sk >= 0 ? (STATE_OF.get(latin1(buf, ss, se)) ?? null) : null;
  const history = hk >= 0 ? latin1(buf, hs, he) : '';
  const [origEvents, respEvents] = historyEvents(history);
  return { state, history, respSentFirst: history.includes('^'), origEvents, respEvents };
}
