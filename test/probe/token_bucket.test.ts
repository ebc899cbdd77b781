/** The probe's rate limiter over a fake clock. */
import { expect, it } from 'vitest';
import { TokenBucket } from '../../src/probe/token_bucket.js';

it.each([
  // rate/s, capacity, reserve at these times (ms) → waits (ms)
  [20, 1, [0, 0, 0, 0], [0, 50, 100, 150]],
  [10, 1, [0, 100, 200], [0, 0, 0]],
  [10, 1, [0, 50, 60], [0, 50, 140]],
  [10, 3, [0, 0, 0, 0, 0], [0, 0, 0, 100, 200]],
  [2, 1, [0, 10_000, 10_000], [0, 0, 500]],
])('rate %d/s, capacity %d: reservations at %j wait %j', (rate, capacity, at, waits) => {
  let t = 0;
  const b = new TokenBucket(rate, capacity, () => t);
  const got = at.map((x) => {
    t = x;
    return Math.round(b.reserve());
  });
  expect(got).toEqual(waits);
});

it('never lets more than capacity + rate sends into any second (1000 reservations)', () => {
  let t = 0;
  const b = new TokenBucket(20, 1, () => t);
  const sends: number[] = [];
  for (let i = 0; i < 1000; i++) {
    t += (i * 7919) % 13; // an irregular caller
    sends.push(t + b.reserve());
  }
  for (const s of sends) expect(sends.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(21);
});

it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses rate %d', (rate) => {
  expect(() => new TokenBucket(rate, 1, () => 0)).toThrow(RangeError);
});
