import { describe, expect, it } from 'vitest';
import { EV_SYN, EV_SYNACK } from '../../src/flows/conn_state.js';
import { ConnectionTable } from '../../src/flows/connection_table.js';

const v4 = (a: number, b: number, c: number, d: number): Uint32Array =>
  Uint32Array.of(0, 0, 0xffff, ((a << 24) | (b << 16) | (c << 8) | d) >>> 0);

describe('ConnectionTable', () => {
  it('both directions of a 5-tuple meet in one connection', () => {
    const t = new ConnectionTable(4);
    const c = v4(10, 0, 0, 10);
    const s = v4(10, 0, 0, 2);
    const id = t.lookup(6, c, 50000, s, 389, 1);
    expect(t.dir).toBe(0);
    expect(t.lookup(6, s, 389, c, 50000, 2)).toBe(id);
    expect(t.dir).toBe(1);
    // a different protocol, port or address is another connection
    expect(t.lookup(17, c, 50000, s, 389, 3)).not.toBe(id);
    expect(t.lookup(6, c, 50001, s, 389, 3)).not.toBe(id);
    expect(t.lookup(6, c, 50000, v4(10, 0, 0, 3), 389, 3)).not.toBe(id);
    expect(t.size).toBe(4);
  });

  it('keeps every connection and its counters across growth and rehash', () => {
    const t = new ConnectionTable(2);
    const server = v4(10, 0, 0, 2);
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const cli = v4(10, 1, (i >> 8) & 255, i & 255);
      const id = t.lookup(6, cli, 40000 + (i % 1000), server, 389, i);
      t.count(id, t.dir, 60 + (i % 7), i);
      t.tcp(id, t.dir, 0x02, false);
    }
    for (let i = 0; i < n; i++) {
      const cli = v4(10, 1, (i >> 8) & 255, i & 255);
      const id = t.lookup(6, server, 389, cli, 40000 + (i % 1000), n + i);
      expect(id).toBe(i);
      expect(t.dir).toBe(1);
      t.count(id, t.dir, 54, n + i);
      t.tcp(id, t.dir, 0x12, false);
    }
    expect(t.size).toBe(n);
    expect(t.packets[2 * 4321]).toBe(1);
    expect(t.packets[2 * 4321 + 1]).toBe(1);
    expect(t.bytes[2 * 4321]).toBe(60 + (4321 % 7));
    expect(t.events[2 * 17]! & EV_SYN).toBeTruthy();
    expect(t.events[2 * 17 + 1]! & EV_SYNACK).toBeTruthy();
    expect(t.handshake[17]).toBe(0x21); // SYN from A (1), SYN-ACK from B (2 << 4)
    expect(t.firstTs[17]).toBe(17);
    expect(t.lastTs[17]).toBe(n + 17);
  });

  it('IPv6 addresses differing only in the high words are different connections', () => {
    const t = new ConnectionTable();
    const a = Uint32Array.of(0x20010db8, 0, 0, 1);
    const b = Uint32Array.of(0x20010db9, 0, 0, 1);
    const s = Uint32Array.of(0x20010db8, 0, 0, 2);
    expect(t.lookup(6, a, 1, s, 2, 0)).not.toBe(t.lookup(6, b, 1, s, 2, 0));
  });

  it('IPv6 and IPv4 connections keep their addresses through growth and compaction', () => {
    const t = new ConnectionTable(2);
    const s6 = Uint32Array.of(0x20010db8, 0, 0, 2);
    const s4 = v4(10, 0, 0, 2);
    const c6 = (i: number): Uint32Array => Uint32Array.of(0x20010db8, 0, 1, i);
    for (let i = 0; i < 300; i++) {
      const id = t.lookup(6, i % 2 ? c6(i) : v4(10, 1, 0, i & 255), 40000 + i, i % 2 ? s6 : s4, 443, i);
      t.count(id, 0, 60, i);
    }
    const keep = new Uint8Array(300).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const remap = t.compact(keep);
    expect(t.size).toBe(100);
    const w = new Uint32Array(4);
    for (let i = 0; i < 300; i += 3) {
      const id = remap[i]!;
      expect(Array.from(t.address(id, 0, w))).toEqual(Array.from(i % 2 ? c6(i) : v4(10, 1, 0, i & 255)));
      expect(Array.from(t.address(id, 1, w))).toEqual(Array.from(i % 2 ? s6 : s4));
      // the reverse direction still finds it after the rebuild
      expect(t.lookup(6, i % 2 ? s6 : s4, 443, i % 2 ? c6(i) : v4(10, 1, 0, i & 255), 40000 + i, 0)).toBe(id);
      expect(t.dir).toBe(1);
    }
  });

  it('a per-direction packet count carries past 2^32', () => {
    const t = new ConnectionTable();
    const id = t.lookup(17, v4(10, 0, 0, 1), 53, v4(10, 0, 0, 2), 53, 0);
    t.packets[id << 1] = 0xffffffff;
    t.count(id, 0, 100, 1);
    t.count(id, 0, 100, 2);
    expect(t.packetCount(id << 1)).toBe(2 ** 32 + 1);
  });
});
