/**
 * HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007): an estimate of how many distinct values
 * were added, in 2^P one-byte registers (here P = 12: 4 KiB, relative standard error
 * 1.04 / sqrt(4096) ≈ 1.6%), with the small-range correction (linear counting) of the paper.
 * Values are IPv6-sized addresses as 4 words (IPv4-mapped for IPv4), hashed with a 32-bit mix per
 * word then MurmurHash3's 64-bit-style finaliser on two halves (53 usable bits).
 *
 * Written here rather than taken from npm: the packages on the registry hash strings (one per
 * connection is what the flood fold avoids) and this is 60 lines; tested for its error bound
 * (test/audit/flood.test.ts).
 */
import { mix32 } from './connection_table.js';

export const HLL_P = 12;
const M = 1 << HLL_P;
/** Relative standard error of the estimate. */
export const HLL_ERROR = 1.04 / Math.sqrt(M);

export class HyperLogLog {
  private readonly reg = new Uint8Array(M);

  /** Add an address (4 words). */
  addWords(w: ArrayLike<number>): void {
    const a = mix32((w[0]! ^ mix32(w[1]! ^ 0x9e3779b9)) + Math.imul(w[2]!, 0x27d4eb2f));
    const hi = mix32(a ^ w[3]!);
    const lo = mix32(hi ^ Math.imul(w[3]! + 0x165667b1, 0x9e3779b1) ^ a);
    const idx = hi >>> (32 - HLL_P);
    // Rank: position of the first 1 bit in the remaining 20 bits of hi, then in lo (1-based).
    const rest = (hi << HLL_P) >>> 0;
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : 32 - HLL_P + Math.clz32(lo) + 1;
    if (rank > this.reg[idx]!) this.reg[idx] = rank;
  }

  /** The registers as base64 (4 KiB → 5,464 characters; `audit --emit-state`). */
  toBase64(): string {
    return Buffer.from(this.reg.buffer, this.reg.byteOffset, this.reg.byteLength).toString('base64');
  }

  /** A sketch from toBase64()'s text (null when it is not one). */
  static fromBase64(text: string): HyperLogLog | null {
    const b = Buffer.from(text, 'base64');
    if (b.length !== M) return null;
    const h = new HyperLogLog();
    h.reg.set(b);
    return h;
  }

  /** Add every value `other` saw (the union's sketch: register-wise maximum). */
  merge(other: HyperLogLog): void {
    const r = this.reg;
    const o = other.reg;
    for (let i = 0; i < M; i++) if (o[i]! > r[i]!) r[i] = o[i]!;
  }

  /** The estimated number of distinct values added. */
  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.reg[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / M);
    const raw = (alpha * M * M) / sum;
    if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(raw);
  }
}
