/**
 * Packet floods for the bench, one classic pcap each, N packets (Ethernet/IPv4, 54- or 42-byte
 * frames), deterministic:
 *   many-sources   TCP SYNs from distinct (source address, source port) pairs, about 3,900 sources
 *                  with 256 ports each, to one AMS port (10.66.0.10:443) — as ../shared/bench/make-flood.mjs;
 *   spoofed        the same, every SYN from its own source address — as make-flood-spoof.mjs;
 *   udp-ports      UDP datagrams from random sources to random ports of one server.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export type FloodShape = 'many-sources' | 'spoofed' | 'udp-ports';

export function generateFlood(path: string, n: number, shape: FloodShape): { packets: number; shape: FloodShape } {
  const fd = openSync(path, 'w');
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  writeSync(fd, hdr);
  const udp = shape === 'udp-ports';
  const frame = udp ? 14 + 20 + 8 : 14 + 20 + 20;
  const rec = 16 + frame;
  const batch = 8192;
  const buf = Buffer.alloc(rec * batch);
  let seed = 12345;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    buf.fill(0);
    for (let j = 0; j < m; j++) writeRecord(buf, j * rec, i + j, frame, shape, rnd);
    writeSync(fd, buf, 0, m * rec);
  }
  closeSync(fd);
  return { packets: n, shape };
}

function writeRecord(buf: Buffer, o: number, k: number, frame: number, shape: FloodShape, rnd: () => number): void {
  buf.writeUInt32LE(1700000000 + Math.floor(k / 100000), o);
  buf.writeUInt32LE((k % 100000) * 10, o + 4);
  buf.writeUInt32LE(frame, o + 8);
  buf.writeUInt32LE(frame, o + 12);
  const e = o + 16;
  buf[e] = 2;
  buf[e + 6] = 2;
  buf[e + 11] = 1;
  buf.writeUInt16BE(0x0800, e + 12);
  const ip = e + 14;
  buf[ip] = 0x45;
  buf.writeUInt16BE(frame - 14, ip + 2);
  buf[ip + 8] = 64;
  buf[ip + 9] = shape === 'udp-ports' ? 17 : 6;
  buf[ip + 12] = 172;
  if (shape === 'many-sources') {
    buf[ip + 13] = 16 + ((k >> 24) & 15);
    buf[ip + 14] = (k >> 16) & 255;
    buf[ip + 15] = (k >> 8) & 255;
  } else if (shape === 'spoofed') {
    buf[ip + 13] = 16 + ((k >> 16) & 15);
    buf[ip + 14] = (k >> 8) & 255;
    buf[ip + 15] = k & 255;
  } else {
    const a = rnd();
    buf[ip + 13] = 16 + (a & 15);
    buf[ip + 14] = (a >> 8) & 255;
    buf[ip + 15] = (a >> 16) & 255;
  }
  buf[ip + 16] = 10;
  buf[ip + 17] = 66;
  buf[ip + 18] = 0;
  buf[ip + 19] = 10;
  const t = ip + 20;
  if (shape === 'udp-ports') {
    buf.writeUInt16BE(1024 + (rnd() % 60000), t);
    buf.writeUInt16BE(1 + (rnd() % 65535), t + 2);
    buf.writeUInt16BE(8, t + 4);
    return;
  }
  buf.writeUInt16BE(1024 + (k & 255) * 200 + ((k >> 8) & 7), t);
  buf.writeUInt16BE(443, t + 2);
  buf.writeUInt32LE(k, t + 4);
  buf[t + 12] = 0x50;
  buf[t + 13] = 0x02;
  buf.writeUInt16BE(64240, t + 14);
}
