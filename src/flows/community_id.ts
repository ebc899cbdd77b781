/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): the flow hash Zeek, Suricata,
 * Arkime, Elastic and Wireshark compute, so a SIEM can join flowaudit's findings with their records.
 *
 *   sha1( seed:u16be · saddr · daddr · proto:u8 · 0:u8 [· sport:u16be · dport:u16be] ) → "1:" + base64
 *
 * The endpoints are ordered so the smaller address (then port) comes first, which makes the ID the
 * same in both directions. Addresses are 4 bytes for IPv4 and 16 for IPv6. Ports are hashed for
 * TCP, UDP and SCTP; for ICMP and ICMPv6 the type and its "counter-type" (or the code, for one-way
 * messages, which are not reordered) stand in for the ports, as Zeek maps them; other protocols
 * hash no ports. Node's crypto SHA-1 does the hashing.
 */
import * as nodeCrypto from 'node:crypto';
import type { Connection } from './connection.js';

export const COMMUNITY_ID_VERSION = 1;

/** ICMP types (RFC 792 family) answered by a counterpart: request ↔ reply (pycommunityid icmp.py, Zeek ICMP4_counterpart). */
const ICMP4_COUNTERPART = new Map<number, number>([
  [8, 0], [0, 8], // echo
  [13, 14], [14, 13], // timestamp
  [15, 16], [16, 15], // information
  [10, 9], [9, 10], // router solicitation / advertisement
  [17, 18], [18, 17], // address mask
]);

/** ICMPv6 counterparts (pycommunityid icmp6.py, Zeek ICMP6_counterpart). */
const ICMP6_COUNTERPART = new Map<number, number>([
  [128, 129], [129, 128], // echo
  [130, 131], [131, 130], // MLD query / report
  [133, 134], [134, 133], // router solicitation / advertisement
  [135, 136], [136, 135], // neighbour solicitation / advertisement
  [139, 140], [140, 139], // who-are-you
  [144, 145], [145, 144], // home agent address discovery
]);

export interface PortEquivalents {
  sport: number;
  dport: number;
  /** One-way messages (errors, unpaired types) are hashed in the order sent, never reordered. */
  oneWay: boolean;
}

/** The port-like values that stand for an ICMP / ICMPv6 message's type and code. */
export function icmpPortEquivalents(icmpv6: boolean, type: number, code: number): PortEquivalents {
  const counterpart = (icmpv6 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART).get(type);
  return counterpart === undefined ? { sport: type, dport: code, oneWay: true } : { sport: type, dport: counterpart, oneWay: false };
}

export interface CommunityIdTuple {
  proto: number;
  /** 4 (IPv4) or 16 (IPv6) bytes, network order; both of the same length. */
  saddr: Uint8Array;
  daddr: Uint8Array;
  /** Ports or their ICMP equivalents; null for protocols hashed without ports. */
  sport: number | null;
  dport: number | null;
  /** ICMP one-way message: keep the order as sent. */
  oneWay?: boolean;
}

/** Whether the spec hashes ports for this IP protocol (TCP, UDP, SCTP, ICMP, ICMPv6). */
export function protocolHasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 1 || proto === 58;
}

function lessThan(a: Uint8Array, b: Uint8Array, pa: number, pb: number): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  }
  return pa < pb;
}

/** The raw 20-byte digest. */
export function communityIdDigest(t: CommunityIdTuple, seed = 0): Buffer {
  if (t.saddr.length !== t.daddr.length || (t.saddr.length !== 4 && t.saddr.length !== 16)) {
    throw new RangeError(`community id: addresses must both be 4 or 16 bytes (got ${t.saddr.length} and ${t.daddr.length})`);
  }
  const ports = protocolHasPorts(t.proto) && t.sport !== null && t.dport !== null;
  let sa = t.saddr;
  let da = t.daddr;
  let sp = ports ? t.sport! : 0;
  let dp = ports ? t.dport! : 0;
  if (!t.oneWay && !lessThan(sa, da, sp, dp)) {
    [sa, da, sp, dp] = [da, sa, dp, sp];
  }
  const n = sa.length;
  const buf = Buffer.alloc(2 + 2 * n + 2 + (ports ? 4 : 0));
  buf.writeUInt16BE(seed & 0xffff, 0);
  buf.set(sa, 2);
  buf.set(da, 2 + n);
  buf[2 + 2 * n] = t.proto & 0xff;
  buf[3 + 2 * n] = 0;
  if (ports) {
    buf.writeUInt16BE(sp & 0xffff, 4 + 2 * n);
    buf.writeUInt16BE(dp & 0xffff, 6 + 2 * n);
  }
  return oneShot ? oneShot('sha1', buf, 'buffer') : nodeCrypto.createHash('sha1').update(buf).digest();
}

/**
 * Node's one-shot hash (20.12 and later): no Hash object per digest, about 4× faster for a
 * Community ID's 14–40 bytes (an audit or `flows` computes one per connection it lists). Older
 * Node versions use createHash; both give the same digest.
 */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Buffer, encoding: 'buffer') => Buffer }).hash;

/** "1:" + base64 of the digest (the default rendering), or "1:" + hex with `base64: false`. */
export function communityIdV1(t: CommunityIdTuple, seed = 0, base64 = true): string {
  const d = communityIdDigest(t, seed);
  return `${COMMUNITY_ID_VERSION}:${d.toString(base64 ? 'base64' : 'hex')}`;
}

/**
 * 4×uint32 address words (IPv4 stored IPv4-mapped, as the connection table keeps them) → bytes.
 * Caveat: an IPv6 packet that really carries an IPv4-mapped address (::ffff:a.b.c.d) is hashed
 * as IPv4; the table does not tell the two apart.
 */
export function addressBytes(w: ArrayLike<number>): Uint8Array {
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) {
    const v = w[3]!;
    return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const v = w[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
  return out;
}

type ConnectionTupleFacts = Pick<
  Connection,
  'id' | 'ipProto' | 'clientAddr' | 'serverAddr' | 'clientPort' | 'serverPort' | 'icmpType' | 'icmpCode' | 'directionBy' | 'count'
>;

/**
 * The Community ID of a connection, or null when it has none: an aggregate of folded connections
 * (no client port; its connections' IDs are in `communityIds`), or SCTP (its ports are not decoded, and the spec hashes them).
 * ICMP: the type/code recorded are the first packet's, whose sender is the client unless the
 * direction was decided by the ICMP type (a reply seen first, sent by the server).
 */
export function connectionCommunityId(c: ConnectionTupleFacts, seed = 0): string | null {
  if (c.id < 0 || c.count !== 1 || c.ipProto === 132) return null;
  const client = addressBytes(c.clientAddr);
  const server = addressBytes(c.serverAddr);
  if (client.length !== server.length) return null;
  if (c.ipProto === 1 || c.ipProto === 58) {
    if (c.icmpType < 0) return null;
    const eq = icmpPortEquivalents(c.ipProto === 58, c.icmpType, Math.max(c.icmpCode, 0));
    const serverSent = c.directionBy === 'icmp-type';
    return communityIdV1({ proto: c.ipProto, saddr: serverSent ? server : client, daddr: serverSent ? client : server, ...eq }, seed);
  }
  const ports = c.ipProto === 6 || c.ipProto === 17;
  return communityIdV1(
    { proto: c.ipProto, saddr: client, daddr: server, sport: ports ? c.clientPort : null, dport: ports ? c.serverPort : null },
    seed,
  );
}

/** Most Community IDs a group or an aggregate lists. */
export const MAX_COMMUNITY_IDS = 100;

/**
 * The `limit` smallest distinct Community IDs added (in string order). The result does not depend
 * on the order of addition, and the sample of a union is the sample of the samples, so audits of
 * folded, unfolded and merged facts list the same IDs.
 */
export class CommunityIdSample {
  private readonly ids = new Set<string>();
  private max: string | null = null;
  constructor(private readonly limit = MAX_COMMUNITY_IDS) {}

  add(id: string): void {
    if (this.ids.has(id)) return;
    if (this.ids.size < this.limit) {
      this.ids.add(id);
      if (this.max === null || id > this.max) this.max = id;
      return;
    }
    if (this.max === null || id >= this.max) return;
    this.ids.delete(this.max);
    this.ids.add(id);
    let m: string | null = null;
    for (const x of this.ids) if (m === null || x > m) m = x;
    this.max = m;
  }

  get size(): number {
    return this.ids.size;
  }

  values(): string[] {
    return [...this.ids].sort();
  }
}
