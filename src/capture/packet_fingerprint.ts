/**
 * Issue 17: the same packets under two files or formats (a capture saved as both .pcap and
 * .pcapng) would count every packet and connection twice, and byte-identical files are the only
 * ones the SHA-256 of the files catches. Each capture input gets a fingerprint of its first
 * FINGERPRINT_PACKETS packets: SHA-256 over each packet's timestamp (in microseconds, the finest
 * resolution every format keeps) and its captured link-layer bytes. Two inputs with the same
 * fingerprint hold the same packets (at least at their start). Memory: one running hash per input.
 */
import { createHash, type Hash } from 'node:crypto';
import type { RawPacket } from './source.js';

export const FINGERPRINT_PACKETS = 64;

export class PacketFingerprint {
  private hash: Hash | null = createHash('sha256');
  private count = 0;
  private readonly head = Buffer.alloc(16);

  /** Adds one packet (only the first FINGERPRINT_PACKETS count). */
  add(pkt: RawPacket): void {
    if (this.hash === null || this.count >= FINGERPRINT_PACKETS) return;
    const us = BigInt(pkt.tsSec) * 1_000_000n + BigInt(Math.floor(pkt.tsNsec / 1000));
    this.head.writeBigInt64BE(us, 0);
    this.head.writeUInt32BE(pkt.linkType >>> 0, 8);
    this.head.writeUInt32BE(pkt.caplen >>> 0, 12);
    this.hash.update(this.head);
    this.hash.update(pkt.data.subarray(pkt.offset, pkt.offset + pkt.caplen));
    this.count++;
  }

  /** The hex fingerprint, or null when no packet was added. */
  digest(): string | null {
    if (this.hash === null || this.count === 0) return null;
    const d = `${this.count}:${this.hash.digest('hex')}`;
    this.hash = null;
    return d;
  }
}
