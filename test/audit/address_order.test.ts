import { describe, expect, it } from 'vitest';
import { compareAddr, sortAddresses } from '../../src/audit/address_order.js';

/** The order sortAddresses promises: compareAddr, stable (Array.prototype.sort is stable). */
const reference = (xs: string[]): string[] => [...xs].sort(compareAddr);

describe('sortAddresses', () => {
  it.each([
    ['empty', []],
    ['one', ['10.0.0.1']],
    ['IPv4 by value, not text', ['10.0.0.10', '10.0.0.9', '9.255.255.255', '10.0.0.100']],
    ['duplicates keep their places', ['10.0.0.2', '10.0.0.1', '10.0.0.2', '10.0.0.1']],
    ['leading zeros tie by value, in input order', ['10.0.0.010', '10.0.0.9', '10.0.0.10']],
    ['IPv6 after IPv4, as text', ['fe80::1', '10.0.0.1', '::1', '192.168.0.1']],
    ['a quad beyond bytes', ['300.1.1.1', '10.0.0.1', '255.255.255.255']],
    ['extremes', ['255.255.255.255', '0.0.0.0', '0.0.0.1']],
  ])('%s: the same order as the comparator', (_name, xs) => {
    expect(sortAddresses(xs)).toEqual(reference(xs));
  });

  it('thousands of IPv4 clients (the packed native sort) in the comparator order', () => {
    const xs: string[] = [];
    for (let i = 0; i < 5000; i++) xs.push(`10.${(i * 7) % 256}.${(i * 7919) % 256}.${(i * 31) % 256}`);
    expect(sortAddresses(new Set(xs))).toEqual(reference([...new Set(xs)]));
    expect(sortAddresses(xs)).toEqual(reference(xs));
  });
});
