import { expect } from 'vitest';
import { CaptureFormatError } from '../../src/errors.js';
import { readAllWays, type ReadResult } from '../support/capture_bytes.js';

/** Read via memory, 64-byte chunks and default chunks; all three must agree exactly. */
export function readChecked(bytes: Uint8Array, name = 'x.cap'): ReadResult {
  const [mem, small, big] = readAllWays(bytes, name);
  if (!mem || !small || !big) throw new Error('unreachable');
  const view = (r: ReadResult) => ({
    packets: r.packets,
    info: r.info,
    error: r.error instanceof Error ? `${r.error.name}: ${r.error.message}` : r.error,
  });
  expect(view(small), 'file read with 64-byte chunks differs from memory').toEqual(view(mem));
  expect(view(big), 'file read with default chunks differs from memory').toEqual(view(mem));
  return mem;
}

/** Assert that `r` ended with a CaptureFormatError at `offset` whose message matches. */
export function expectFormatError(r: ReadResult, offset: number, message: string | RegExp): CaptureFormatError {
  expect(r.error).toBeInstanceOf(CaptureFormatError);
  const e = r.error as CaptureFormatError;
  expect(e.offset).toBe(offset);
  if (typeof message === 'string') expect(e.message).toContain(message);
  else expect(e.message).toMatch(message);
  return e;
}
