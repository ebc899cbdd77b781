/**
 * The connection table: every TCP/UDP 5-tuple (and every ICMP/other-protocol address pair) seen,
 * with per-direction packets, bytes, times and TCP event bits. Facts only: verdicts live in audit/.
 *
 * Layout is struct-of-arrays in typed arrays (no object per connection or per packet), with an
 * open-addressing hash index whose hash is symmetric in the two endpoints, so both directions of a
 * conversation land in the same slot (gopacket FastHash habit). Endpoint "A" is the sender of the
 * first packet seen; orientation (who initiated) is decided later by inferDirection().
 *
 * Memory per tracked connection (documented in the README, measured by `npm run bench`'s flood):
 * 61 bytes of columns (IPv4: addresses 2×4, ports 2×2, protocol 1, family 1, packets 2×4,
 * bytes 2×8, events 2×1, handshake 1, ICMP type/code 2×2, first/last time 2×8) plus 8–16 bytes of
 * hash index (≤ 50% load), so about 70–77 bytes; an IPv6 connection adds 32 bytes of address pool.
 * Capacity doubles, so up to twice that is reserved, and while growing the old columns live until
 * copied. A per-direction packet count past 2^32 carries into a Map (never in practice).
 */
import { EV_ANY, EV_DATA, EV_ACK, EV_FIN, EV_RST, EV_SYN, EV_SYNACK } from './conn_state.js';

const INITIAL_CAPACITY = 1024;

/** MurmurHash3's 32-bit finalizer (fmix32): every input bit moves every output bit. */
export function mix32(h: number): number {
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

const V4_MAPPED = 0xffff;

export class ConnectionTable {
  /** Number of connections. Connection ids are 0..size-1, in order of first packet. */
  size = 0;
  private cap = 0;
  /**
   * Endpoint addresses of A and B: the IPv4 address itself, or (when `v6[id]` is 1) the index of
   * its 4 words in `pool`. Read them as 4 words (IPv4-mapped for IPv4) with address().
   */
  addrA = new Uint32Array(0);
  addrB = new Uint32Array(0);
  v6 = new Uint8Array(0);
  /** IPv6 endpoint addresses, 4 words each (A's then B's for each IPv6 connection). */
  private pool = new Uint32Array(0);
  private poolLen = 0;
  portA = new Uint16Array(0);
  portB = new Uint16Array(0);
  proto = new Uint8Array(0);
  /** Index 2i: A→B, 2i+1: B→A. Packet counts carry past 2^32 into `packetsHigh` (see packetCount). */
  packets = new Uint32Array(0);
  private readonly packetsHigh = new Map<number, number>();
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
  /** Set by lookup(): whether the packet created the connection. */
  created = false;

  constructor(capacity = INITIAL_CAPACITY) {
    this.grow(Math.max(capacity, 1));
  }

  /** Write endpoint `side` (0 = A, 1 = B) of connection `id` into `out` as 4 words (IPv4-mapped for IPv4). */
  address(id: number, side: number, out: Uint32Array): Uint32Array {
    const v = side === 0 ? this.addrA[id]! : this.addrB[id]!;
    if (this.v6[id] === 0) {
      out[0] = 0;
      out[1] = 0;
      out[2] = V4_MAPPED;
      out[3] = v;
    } else {
      const p = this.pool;
      out[0] = p[v]!;
      out[1] = p[v + 1]!;
      out[2] = p[v + 2]!;
      out[3] = p[v + 3]!;
    }
    return out;
  }

  /** Whether endpoint `side` of connection `id` is the address `w` (4 words). */
  isAddress(id: number, side: number, w: Uint32Array): boolean {
    const v = side === 0 ? this.addrA[id]! : this.addrB[id]!;
    if (this.v6[id] === 0) return w[3] === v && w[2] === V4_MAPPED && w[1] === 0 && w[0] === 0;
    const p = this.pool;
    return p[v + 3] === w[3] && p[v] === w[0] && p[v + 1] === w[1] && p[v + 2] === w[2];
  }

  /** Packets sent in direction k = 2·id + dir (A→B 0, B→A 1). */
  packetCount(k: number): number {
    const high = this.packetsHigh.size === 0 ? undefined : this.packetsHigh.get(k);
    return this.packets[k]! + (high === undefined ? 0 : high * 0x100000000);
  }

  /** Set the packets sent in direction k = 2·id + dir (re-building a table from saved facts, flows/facts_merge.ts). */
  setPacketCount(k: number, n: number): void {
    this.packets[k] = n % 0x100000000;
    const high = Math.floor(n / 0x100000000);
    if (high > 0) this.packetsHigh.set(k, high);
    else this.packetsHigh.delete(k);
  }

  /**
   * Find or create the connection for (proto, src:sport → dst:dport). Returns its id and sets
   * `this.dir`. `ts` is the packet time in µs (used only when a connection is created).
   */
  lookup(proto: number, src: Uint32Array, sport: number, dst: Uint32Array, dport: number, ts: number): number {
    const h = mix32((hashEndpoint(src, sport) + hashEndpoint(dst, dport) + proto) | 0);
    const slots = this.slots;
    const mask = this.mask;
    const isV4 = src[0] === 0 && src[1] === 0 && src[2] === V4_MAPPED && dst[0] === 0 && dst[1] === 0 && dst[2] === V4_MAPPED;
    const fam = isV4 ? 0 : 1;
    let s = h & mask;
    for (;;) {
      const id = slots[s]!;
      if (id < 0) break;
      if (this.proto[id] === proto && this.v6[id] === fam) {
        if (isV4) {
          const a = this.addrA[id]!;
          const b = this.addrB[id]!;
          if (this.portA[id] === sport && this.portB[id] === dport && a === src[3] && b === dst[3]) {
            this.dir = 0;
            this.created = false;
            return id;
          }
          if (this.portA[id] === dport && this.portB[id] === sport && a === dst[3] && b === src[3]) {
            this.dir = 1;
            this.created = false;
            return id;
          }
        } else {
          if (this.portA[id] === sport && this.portB[id] === dport && this.isAddress(id, 0, src) && this.isAddress(id, 1, dst)) {
            this.dir = 0;
            this.created = false;
            return id;
          }
          if (this.portA[id] === dport && this.portB[id] === sport && this.isAddress(id, 0, dst) && this.isAddress(id, 1, src)) {
            this.dir = 1;
            this.created = false;
            return id;
          }
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
    if (isV4) {
      this.addrA[id] = src[3]!;
      this.addrB[id] = dst[3]!;
      this.v6[id] = 0;
    } else {
      this.addrA[id] = this.poolAdd(src);
      this.addrB[id] = this.poolAdd(dst);
      this.v6[id] = 1;
    }
    this.portA[id] = sport;
    this.portB[id] = dport;
    this.proto[id] = proto;
    this.firstTs[id] = ts;
    this.icmpType[id] = -1;
    this.icmpCode[id] = -1;
    this.dir = 0;
    this.created = true;
    return id;
  }

  /** The (direction-symmetric) hash of connection `id`'s key, as lookup() computes it. */
  hashOf(id: number): number {
    const a = this.address(id, 0, this.hw0);
    const b = this.address(id, 1, this.hw1);
    return mix32((hashEndpoint(a, this.portA[id]!) + hashEndpoint(b, this.portB[id]!) + this.proto[id]!) | 0);
  }
  private readonly hw0 = new Uint32Array(4);
  private readonly hw1 = new Uint32Array(4);

  /**
   * Connection `id`, just created by a packet from its A side, answers (`swap`) or repeats an attempt
   * folded out of the table (flows/attempt_fold.ts): when it answers, swap its ends so A is the
   * attempt's sender; put the attempt's one packet back (time `ts`, `bytes`, event bits `ev`,
   * handshake `hs`) and set `dir` for the current packet (1 when it answers, else 0). Counted as if
   * the attempt had never left the table.
   */
  restoreAttempt(id: number, ts: number, bytes: number, ev: number, hs: number, swap: boolean): void {
    if (swap) {
      const a = this.addrA[id]!;
      this.addrA[id] = this.addrB[id]!;
      this.addrB[id] = a;
      const p = this.portA[id]!;
      this.portA[id] = this.portB[id]!;
      this.portB[id] = p;
    }
    const k = id << 1;
    this.packets[k] = 1;
    this.bytes[k] = bytes;
    this.events[k] = ev;
    this.handshake[id] = hs;
    this.firstTs[id] = ts;
    this.lastTs[id] = ts;
    this.dir = swap ? 1 : 0;
  }

  private poolAdd(w: Uint32Array): number {
    if (this.poolLen + 4 > this.pool.length) {
      const p = new Uint32Array(Math.max(64, this.pool.length * 2));
      p.set(this.pool.subarray(0, this.poolLen));
      this.pool = p;
    }
    const at = this.poolLen;
    this.pool[at] = w[0]!;
    this.pool[at + 1] = w[1]!;
    this.pool[at + 2] = w[2]!;
    this.pool[at + 3] = w[3]!;
    this.poolLen += 4;
    return at;
  }

  /** Count one packet of `wirelen` bytes at time `ts` for connection `id` in direction `dir`. */
  count(id: number, dir: number, wirelen: number, ts: number): void {
    const k = (id << 1) | dir;
    const p = this.packets[k]! + 1;
    if (p > 0xffffffff) {
      this.packets[k] = 0;
      this.packetsHigh.set(k, (this.packetsHigh.get(k) ?? 0) + 1);
    } else this.packets[k] = p;
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
    const oldPool = this.pool;
    const anyV6 = this.poolLen > 0;
    if (anyV6) {
      this.pool = new Uint32Array(oldPool.length);
      this.poolLen = 0;
    }
    const high = new Map<number, number>();
    let n = 0;
    for (let id = 0; id < this.size; id++) {
      if (!keep[id]) continue;
      remap[id] = n;
      if (this.v6[id] === 1) {
        const a = this.addrA[id]!;
        const b = this.addrB[id]!;
        this.addrA[n] = this.poolAdd(oldPool.subarray(a, a + 4));
        this.addrB[n] = this.poolAdd(oldPool.subarray(b, b + 4));
      } else if (n !== id) {
        this.addrA[n] = this.addrA[id]!;
        this.addrB[n] = this.addrB[id]!;
      }
      for (let d = 0; d < 2; d++) {
        const hv = this.packetsHigh.get((id << 1) | d);
        if (hv !== undefined) high.set((n << 1) | d, hv);
      }
      if (n !== id) {
        this.v6[n] = this.v6[id]!;
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
    this.packetsHigh.clear();
    for (const [k, v] of high) this.packetsHigh.set(k, v);
    if (n === this.size) return remap;
    // Clear the freed tail so reused ids start from zero counters.
    this.addrA.fill(0, n, this.size);
    this.addrB.fill(0, n, this.size);
    this.v6.fill(0, n, this.size);
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
    if (newCap === this.cap) return this.rebuildIndex(); // compact() at the same capacity: no new columns
    const keep = this.size;
    // Column by column, so only one old column is garbage at a time.
    const copy = <T extends Uint8Array | Uint16Array | Uint32Array | Int16Array | Float64Array>(a: T, per: number, make: (n: number) => T): T => {
      const b = make(newCap * per);
      b.set(a.subarray(0, keep * per) as never);
      return b;
    };
    this.addrA = copy(this.addrA, 1, (n) => new Uint32Array(n));
    this.addrB = copy(this.addrB, 1, (n) => new Uint32Array(n));
    this.v6 = copy(this.v6, 1, (n) => new Uint8Array(n));
    this.portA = copy(this.portA, 1, (n) => new Uint16Array(n));
    this.portB = copy(this.portB, 1, (n) => new Uint16Array(n));
    this.proto = copy(this.proto, 1, (n) => new Uint8Array(n));
    this.packets = copy(this.packets, 2, (n) => new Uint32Array(n));
    this.bytes = copy(this.bytes, 2, (n) => new Float64Array(n));
    this.events = copy(this.events, 2, (n) => new Uint8Array(n));
    this.handshake = copy(this.handshake, 1, (n) => new Uint8Array(n));
    this.icmpType = copy(this.icmpType, 1, (n) => new Int16Array(n));
    this.icmpCode = copy(this.icmpCode, 1, (n) => new Int16Array(n));
    this.firstTs = copy(this.firstTs, 1, (n) => new Float64Array(n));
    this.lastTs = copy(this.lastTs, 1, (n) => new Float64Array(n));
    this.cap = newCap;
    // Rebuild the index at ≤ 50% load.
    let slotsLen = 1;
    while (slotsLen < newCap * 2) slotsLen <<= 1;
    this.slots = new Int32Array(0); // let the old index go before the new one is allocated
    this.slots = new Int32Array(slotsLen);
    this.mask = slotsLen - 1;
    this.rebuildIndex();
  }

  /** Index every connection again (after grow() or compact()). */
  private rebuildIndex(): void {
    this.slots.fill(-1);
    const a = new Uint32Array(4);
    const b = new Uint32Array(4);
    for (let id = 0; id < this.size; id++) {
      this.address(id, 0, a);
      this.address(id, 1, b);
      const h = mix32((hashEndpoint(a, this.portA[id]!) + hashEndpoint(b, this.portB[id]!) + this.proto[id]!) | 0);
      let s = h & this.mask;
      while (this.slots[s]! >= 0) s = (s + 1) & this.mask;
      this.slots[s] = id;
    }
  }
}
