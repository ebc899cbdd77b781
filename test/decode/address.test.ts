import { Address6 } from 'ip-address';
import { describe, expect, it } from 'vitest';
import { formatAddress, formatIPv4, isIPv4Text, isIPv6Text, parseAddressWords, parseIPv4 } from '../../src/decode/index.js';

const words = (...w: number[]): Uint32Array => Uint32Array.from(w);

describe('formatAddress', () => {
  it.each([
    [words(0, 0, 0xffff, 0x0a000001), '10.0.0.1'],
    [words(0, 0, 0xffff, 0), '0.0.0.0'],
    [words(0, 0, 0xffff, 0xffffffff), '255.255.255.255'],
    [words(0x20010db8, 0, 0, 1), '2001:db8::1'],
    [words(0, 0, 0, 0), '::'],
    [words(0, 0, 0, 1), '::1'],
    [words(0xfe800000, 0, 0x020c29ff, 0xfe1fa755), 'fe80::20c:29ff:fe1f:a755'],
    [words(0x20010db8, 0x00000001, 0x00010001, 0x00010001), '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    [words(0x20010000, 0x00010000, 0, 1), '2001:0:1::1'], // the longest run wins
    [words(0x20010000, 0x00000001, 0, 0x00010001), '2001::1:0:0:1:1'], // equal runs: the first wins
    [words(0x00010000, 0, 0, 0), '1::'],
    [words(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    [words(0, 0, 0xfffe, 0x0a000001), '::fffe:a00:1'], // not IPv4-mapped
    [words(0, 0, 0, 0x0a000001), '::a00:1'], // IPv4-compatible (deprecated) prints as IPv6
    [words(0, 0xffff, 0, 0x0a000001), '::ffff:0:0:a00:1'],
  ])('%s → %s', (w, text) => {
    expect(formatAddress(w)).toBe(text);
  });

  it('reads at an offset, from any array-like', () => {
    expect(formatAddress([9, 9, 0x20010db8, 0, 0, 2], 2)).toBe('2001:db8::2');
    expect(formatAddress(new Uint32Array([0, 0, 0xffff, 0xc0a80001]))).toBe('192.168.0.1');
  });

  it('agrees with ip-address correctForm() on random and edge addresses', () => {
    let seed = 0x9e3779b9;
    const rnd32 = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const groupVal = (): number => {
      const r = rnd32() % 8;
      return r < 4 ? 0 : r === 4 ? 0xffff : r === 5 ? 1 : rnd32() & 0xffff; // zero-heavy for runs
    };
    const w = new Uint32Array(4);
    let checked = 0;
    for (let i = 0; i < 20000; i++) {
      if (i < 256) {
        // every pattern of zero / non-zero groups
        for (let k = 0; k < 4; k++) w[k] = (((i >> (2 * k)) & 1 ? 0 : 0xab) << 16) | ((i >> (2 * k + 1)) & 1 ? 0 : 0x1c);
      } else {
        for (let k = 0; k < 4; k++) w[k] = ((groupVal() << 16) | groupVal()) >>> 0;
      }
      if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) continue; // we print those as IPv4 on purpose
      const g = Array.from({ length: 8 }, (_, k) => ((w[k >> 1]! >>> (k & 1 ? 0 : 16)) & 0xffff).toString(16));
      expect(formatAddress(w), g.join(':')).toBe(new Address6(g.join(':')).correctForm());
      checked++;
    }
    expect(checked).toBeGreaterThan(19000);
  });
});

describe('parseAddressWords', () => {
  it.each([
    ['10.0.0.1', [0, 0, 0xffff, 0x0a000001]],
    ['255.255.255.255', [0, 0, 0xffff, 0xffffffff]],
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['2001:DB8::1', [0x20010db8, 0, 0, 1]],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', [0x20010db8, 0, 0, 1]],
    ['::ffff:1.2.3.4', [0, 0, 0xffff, 0x01020304]],
    ['64:ff9b::192.0.2.33', [0x0064ff9b, 0, 0, 0xc0000221]],
    ['1:2:3:4:5:6:7::', [0x00010002, 0x00030004, 0x00050006, 0x00070000]],
    ['::2:3:4:5:6:7:8', [0x00000002, 0x00030004, 0x00050006, 0x00070008]],
  ])('%s', (text, want) => {
    const out = new Uint32Array(4);
    expect(parseAddressWords(text, out)).toBe(true);
    expect([...out]).toEqual(want);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.-4',
    'a.b.c.d',
    ':',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    'g::1',
    'fe80::1%eth0',
    '[::1]',
    '::1.2.3.4:5',
    '1.2.3.4::',
    '::ffff:1.2.3',
  ])('rejects %j', (text) => {
    expect(parseAddressWords(text, new Uint32Array(4))).toBe(false);
  });

  it('round-trips with formatAddress (RFC 5952 text)', () => {
    const out = new Uint32Array(4);
    for (const t of ['2001:db8::1:0:0:1', 'fe80::1', '::', '10.20.30.40', '2001:db8:0:1:1:1:1:1', '1::8']) {
      expect(parseAddressWords(t, out)).toBe(true);
      expect(formatAddress(out)).toBe(t);
    }
  });

  it('formatIPv4 / parseIPv4', () => {
    expect(formatIPv4(0xc0a80a01)).toBe('192.168.10.1');
    expect(parseIPv4('192.168.10.1')).toBe(0xc0a80a01);
    expect(parseIPv4('192.168.10')).toBe(-1);
  });
});

describe('isIPv4Text / isIPv6Text (the audit does not load node:net for them)', () => {
  it.each([
    '1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4/24', '1.2.3.4 ', '',
    '::', '::1', '2001:db8::', 'fe80::1%eth0', 'fe80::1%', '::ffff:1.2.3.4', '::ffff:01.2.3.4', '::1.2.3.4',
    '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:1.2.3.4', '1::2::3', ':', 'x::1', 'a.b', 'dc1.corp.example',
  ])('%j: as node:net says', async (text) => {
    const net = await import('node:net');
    expect(isIPv4Text(text)).toBe(net.isIPv4(text));
    expect(isIPv6Text(text)).toBe(net.isIPv6(text));
  });
});
