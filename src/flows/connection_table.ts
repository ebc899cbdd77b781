/**
 * The connection table: every TCP/UDP 5-tuple (and every ICMP/other-protocol address pair) seen,
 * with per-direction packets, bytes, times and TCP event bits. Facts only: verdicts live in audit/.
 *
 * Layout is struct-of-arrays in typed arrays (no object per connection or per packet), with an
 * open-addressing hash index whose hash is symmetric in the two endpoints, so both directions of a
 * conversation land in the same slot (gopacket FastHash habit). Endpoint "A" is the sender of the
 * first packet seen; orientation (who initiated) is decided later by inferDirection().
 */
import { EV_ANY, EV_DATA, EV_ACK, EV_FIN, EV_RST, EV_SYN, EV_SYNACK } from './conn_state.js';

const INITIAL_CAPACITY = 1024;

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of one endpoint (address words + port); summed for both endpoints, so symmetric. */
function hashEndpoint(w: Uint32Array, port: number): number {
  let h = Math.imul(w[0]! ^ 0x9e3779b9, 0xcc9e2d51);
  h = Math.imul(h ^ w[1]!, 0x1b873593) + 0xe6546b64;
  h = Math.imul(h ^ w[2]!, 0xcc9e2d51);
  h = Math.imul(h ^ w[3]!, 0x1b873593) + port;
  return mix32(h);
}

export class ConnectionTable {
  /** Number of connections. Connection ids are 0..size-1, in order of first packet. */
  size = 0;
  private cap = 0;
  /** Endpoint addresses: 8 words per connection, A's 4 then B's 4. */
  addr = new Uint32Array(0);
  portA = new Uint16Array(0);
  portB = new Uint16Array(0);
  proto = new Uint8Array(0);
  /** Index 2i: A→B, 2i+1: B→A. */
  packets = new Float64Array(0);
  bytes = new Float64Array(0);
  /** Event bits (EV_*) sent by A (2i) and by B (2i+1). */
  events = new Uint8Array(0);
  /** First pure SYN sender (low nibble) and first SYN-ACK sender (high nibble): 0 none, 1 A, 2 B. */
  handshake = new Uint8Array(0);
  /** ICMP type/code of the first packet (-1 when not ICMP). */
  icmpType = new Int16Array(0);
  icmpCode = new Int16Array(0);
  /** Microseconds since the epoch (fractional part keeps sub-µs where the double allows). */
  firstTs = new Float64Array(0);
  lastTs = new Float64Array(0);

  private slots = new Int32Array(0);
  private mask = 0;

  /** Set by lookup(): 0 when the packet went A→B, 1 when B→A. */
  dir = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.grow(capacity);
  }

  /**
   * Find or create the connection for (proto, src:sport → dst:dport). Returns its id and sets
   * `this.dir`. `ts` is the packet time in µs (used only when a connection is created).
   */
  lookup(proto: number, src: Uint32Array, sport: number, dst: Uint32Array, dport: number, ts: number): number {
    const h = mix32((hashEndpoint(src, sport) + hashEndpoint(dst, dport) + proto) | 0);
    const slots = this.slots;
    const mask = this.mask;
    const addr = this.addr;
    let s = h & mask;
    for (;;) {
      const id = slots[s]!;
      if (id < 0) break;
      if (this.proto[id] === proto) {
        const b = id << 3;
        if (
          this.portA[id] === sport &&
          this.portB[id] === dport &&
          addr[b + 3] === src[3] &&
          addr[b + 7] === dst[3] &&
          addr[b] === src[0] &&
          addr[b + 1] === src[1] &&
          addr[b + 2] === src[2] &&
          addr[b + 4] === dst[0] &&
          addr[b + 5] === dst[1] &&
          addr[b + 6] === dst[2]
        ) {
          this.dir = 0;
          return id;
        }
        if (
          this.portA[id] === dport &&
          this.portB[id] === sport &&
          addr[b + 3] === dst[3] &&
          addr[b + 7] === src[3] &&
          addr[b] === dst[0] &&
          addr[b + 1] === dst[1] &&
          addr[b + 2] === dst[2] &&
          addr[b + 4] === src[0] &&
          addr[b + 5] === src[1] &&
          addr[b + 6] === src[2]
        ) {
          this.dir = 1;
          return id;
        }
      }
      s = (s + 1) & mask;
    }
    // Insert.
    if (this.size >= this.cap) {
      this.grow(this.cap * 2);
      return this.lookup(proto, src, sport, dst, dport, ts);
    }
    const id = this.size++;
    slots[s] = id;
    const b = id << 3;
    addr[b] = src[0]!;
    addr[b + 1] = src[1]!;
    addr[b + 2] = src[2]!;
    addr[b + 3] = src[3]!;
    addr[b + 4] = dst[0]!;
    addr[b + 5] = dst[1]!;
    addr[b + 6] = dst[2]!;
    addr[b + 7] = dst[3]!;
    this.portA[id] = sport;
    this.portB[id] = dport;
    this.proto[id] = proto;
    this.firstTs[id] = ts;
    this.icmpType[id] = -1;
    this.icmpCode[id] = -1;
    this.dir = 0;
    return id;
  }

  /** Count one packet of `wirelen` bytes at time `ts` for connection `id` in direction `dir`. */
  count(id: number, dir: number, wirelen: number, ts: number): void {
    const k = (id << 1) | dir;
    this.packets[k]! += 1;
    this.bytes[k]! += wirelen;
    this.events[k]! |= EV_ANY;
    if (ts > this.lastTs[id]!) this.lastTs[id] = ts;
    if (ts < this.firstTs[id]!) this.firstTs[id] = ts;
  }

  /** Record TCP flags (and whether the segment carried data) sent in direction `dir`. */
  tcp(id: number, dir: number, flags: number, hasData: boolean): void {
    const k = (id << 1) | dir;
    let ev = 0;
    if (flags & 0x02) {
      if (flags & 0x10) {
        ev |= EV_SYNACK;
        if ((this.handshake[id]! & 0xf0) === 0) this.handshake[id]! |= (dir + 1) << 4;
      } else {
        ev |= EV_SYN;
        if ((this.handshake[id]! & 0x0f) === 0) this.handshake[id]! |= dir + 1;
      }
    } else if (flags & 0x04) {
      ev |= EV_RST;
    } else if (flags & 0x10) {
      ev |= EV_ACK;
    }
    if (flags & 0x01) ev |= EV_FIN;
    if (flags & 0x04) ev |= EV_RST;
    if (hasData) ev |= EV_DATA;
    this.events[k]! |= ev;
  }

  /** Mark that direction `dir` sent a datagram with payload (UDP and other protocols). */
  datagram(id: number, dir: number): void {
    this.events[(id << 1) | dir]! |= EV_DATA;
  }

  /**
   * Drop every connection whose `keep[id]` is 0, keeping the others in order (ids are renumbered
   * densely), and rebuild the index. Returns old id → new id (-1 for dropped ones). O(size); used
   * by idle folding every few seconds, never per packet.
   */
  compact(keep: Uint8Array): Int32Array {
    const remap = new Int32Array(this.size).fill(-1);
    let n = 0;
    for (let id = 0; id < this.size; id++) {
      if (!keep[id]) continue;
      remap[id] = n;
      if (n !== id) {
        this.addr.copyWithin(n << 3, id << 3, (id + 1) << 3);
        this.portA[n] = this.portA[id]!;
        this.portB[n] = this.portB[id]!;
        this.proto[n] = this.proto[id]!;
        for (let d = 0; d < 2; d++) {
          this.packets[(n << 1) | d] = this.packets[(id << 1) | d]!;
          this.bytes[(n << 1) | d] = this.bytes[(id << 1) | d]!;
          this.events[(n << 1) | d] = this.events[(id << 1) | d]!;
        }
        this.handshake[n] = this.handshake[id]!;
        this.icmpType[n] = this.icmpType[id]!;
        this.icmpCode[n] = this.icmpCode[id]!;
        this.firstTs[n] = this.firstTs[id]!;
        this.lastTs[n] = this.lastTs[id]!;
      }
      n++;
    }
    if (n === this.size) return remap;
    // Clear the freed tail so reused ids start from zero counters.
    this.addr.fill(0, n << 3, this.size << 3);
    this.packets.fill(0, n << 1, this.size << 1);
    this.bytes.fill(0, n << 1, this.size << 1);
    this.events.fill(0, n << 1, this.size << 1);
    this.handshake.fill(0, n, this.size);
    this.firstTs.fill(0, n, this.size);
    this.lastTs.fill(0, n, this.size);
    this.size = n;
    // Shrink when mostly empty (never below the initial capacity), else rebuild the index in place.
    let cap = this.cap;
    while (cap > INITIAL_CAPACITY && n * 4 < cap) cap >>= 1;
    this.grow(cap);
    return remap;
  }

  private grow(newCap: number): void {
    const old = this.cap;
    const copy = <T extends Uint8Array | Uint16Array | Uint32Array | Int16Array | Float64Array>(a: T, n: number, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a.subarray(0, this.size * (a.length / Math.max(old, 1))) as never);
      return b;
    };
    this.addr = copy(this.addr, newCap * 8, (n) => new Uint32Array(n));
    this.portA = copy(this.portA, newCap, (n) => new Uint16Array(n));
    this.portB = copy(this.portB, newCap, (n) => new Uint16Array(n));
    this.proto = copy(this.proto, newCap, (n) => new Uint8Array(n));
    this.packets = copy(this.packets, newCap * 2, (n) => new Float64Array(n));
    this.bytes = copy(this.bytes, newCap * 2, (n) => new Float64Array(n));
    this.events = copy(this.events, newCap * 2, (n) => new Uint8Array(n));
    this.handshake = copy(this.handshake, newCap, (n) => new Uint8Array(n));
    this.icmpType = copy(this.icmpType, newCap, (n) => new Int16Array(n));
    this.icmpCode = copy(this.icmpCode, newCap, (n) => new Int16Array(n));
    this.firstTs = copy(this.firstTs, newCap, (n) => new Float64Array(n));
    this.lastTs = copy(this.lastTs, newCap, (n) => new Float64Array(n));
    this.cap = newCap;
    // Rebuild the index at ≤ 50% load.
    let slotsLen = 1;
    while (slotsLen < newCap * 2) slotsLen <<= 1;
    this.slots = new Int32Array(slotsLen).fill(-1);
    this.mask = slotsLen - 1;
    const a = new Uint32Array(4);
    const b = new Uint32Array(4);
    for (let id = 0; id < this.size; id++) {
      const o = id << 3;
      a.set(this.addr.subarray(o, o + 4));
      b.set(this.addr.subarray(o + 4, o + 8));
      const h = mix32((hashEndpoint(a, this.portA[id]!) + hashEndpoint(b, this.portB[id]!) + this.proto[id]!) | 0);
      let s = h & this.mask;
      while (this.slots[s]! >= 0) s = (s + 1) & this.mask;
      this.slots[s] = id;
    }
  }
}
