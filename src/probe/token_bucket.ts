/**
 * The probe's rate limit: a token bucket over an injected clock (ms), so tests drive it with a fake
 * one. `reserve()` books the next send and says how long to wait for it; bookings queue, so the
 * n-th send of a burst waits (n − capacity) / rate seconds. With capacity 1 sends are evenly
 * spaced at 1/rate; no second of any window holds more than capacity + rate sends.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    private readonly now: () => number,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError(`rate must be a positive number, not ${ratePerSecond}`);
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, not ${capacity}`);
    this.tokens = capacity;
    this.last = now();
  }

  /** Books one send; returns the ms to wait before sending it (0: now). */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) * this.ratePerSecond) / 1000);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.ratePerSecond;
  }
}
