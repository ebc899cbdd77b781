/** A small in-order TCP stream buffer for the hint recorder: reassembles the first bytes of one direction. */

export class StreamBuf {
  /** Grows by doubling up to `cap`, so a short exchange costs little. */
  buf = new Uint8Array(1024);
  len = 0;
  consumed = 0;
  nextSeq = -1;
  broken = false;
  constructor(private readonly cap: number) {}
  /** Append a segment in sequence order; overlap is trimmed, a gap stops the buffer. */
  append(data: Uint8Array, off: number, n: number, seq: number): void {
    if (this.broken) return;
    if (this.nextSeq < 0) this.nextSeq = seq;
    let skip = 0;
    if (seq !== this.nextSeq) {
      const behind = (this.nextSeq - seq) >>> 0;
      if (behind === 0 || behind >= 0x80000000) {
        this.broken = true; // a gap (lost or reordered segment): stop here
        return;
      }
      if (behind >= n) return; // a retransmission of what we have
      skip = behind;
    }
    const take = Math.min(n - skip, this.cap - this.len);
    if (this.len + take > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + take) size *= 2;
      const b = new Uint8Array(Math.min(size, this.cap));
      b.set(this.buf.subarray(0, this.len));
      this.buf = b;
    }
    if (take > 0) this.buf.set(data.subarray(off + skip, off + skip + take), this.len);
    this.len += Math.max(0, take);
    this.nextSeq = (this.nextSeq + (n - skip)) >>> 0;
  }
  get full(): boolean {
    return this.len >= this.cap;
  }
}
