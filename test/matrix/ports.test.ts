import { describe, expect, it } from 'vitest';
import { compilePorts, formatPortRange, normalisePortRanges, parsePortSpec, portInRanges } from '../../src/matrix/ports.js';

describe('parsePortSpec', () => {
  it.each([
    ['0', 0, 0],
    ['389', 389, 389],
    ['65535', 65535, 65535],
    ['49152-65535', 49152, 65535],
    ['80-80', 80, 80],
    ['0443', 443, 443],
  ])('%s → %i-%i', (text, from, to) => {
    expect(parsePortSpec(text)).toEqual({ ok: true, range: { from, to } });
  });

  it.each([
    ['65536', 'port 65536 is out of range 0-65535'],
    ['1-70000', 'port 70000 is out of range 0-65535'],
    ['99999999999999999999', 'is out of range 0-65535'],
    ['200-100', 'range "200-100": start 200 is greater than end 100'],
    ['abc', 'is not a port or a range'],
    ['1-', 'is not a port or a range'],
    ['-1', 'is not a port or a range'],
    ['', 'is not a port or a range'],
  ])('%j is rejected: %s', (text, reason) => {
    const r = parsePortSpec(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});

describe('compiled port ranges', () => {
  it('sorts and merges overlapping and adjacent ranges', () => {
    expect(compilePorts(['443', '80', '100-200', '150-300', '301', '1000'])).toEqual([
      { from: 80, to: 80 },
      { from: 100, to: 301 },
      { from: 443, to: 443 },
      { from: 1000, to: 1000 },
    ]);
    expect(normalisePortRanges([])).toEqual([]);
  });

  it.each([
    [79, false],
    [80, true],
    [81, false],
    [100, true],
    [301, true],
    [302, false],
    [443, true],
    [65535, false],
  ])('port %i in [80, 100-301, 443] → %s', (port, expected) => {
    expect(portInRanges(port, compilePorts(['80', '100-301', '443']))).toBe(expected);
  });

  it('formats single ports and ranges', () => {
    expect(formatPortRange({ from: 389, to: 389 })).toBe('389');
    expect(formatPortRange({ from: 49152, to: 65535 })).toBe('49152-65535');
  });
});
