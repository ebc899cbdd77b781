/**
 * Build real frames for tests, fixtures and benchmarks: Ethernet (+VLAN stacks), Linux SLL/SLL2,
 * BSD NULL (either byte order), LOOP, RAW; IPv4 (options, fragments, header checksum), IPv6
 * (extension headers); TCP, UDP, ICMP/ICMPv6. `ipv4()`/`ipv6()` also fill in the TCP/UDP/ICMPv6
 * checksum over the pseudo-header when the payload is a whole (unfragmented) segment whose
 * checksum field is 0, so Wireshark shows the fixtures clean.
 *
 * Speed: the builders allocate a few small arrays per frame (~1 µs); for millions of packets
 * build one frame with `FrameTemplate` and stamp copies into a big buffer with `write()`.
 */
import { concatBytes } from '../../src/capture/pcapng_writer.js';
import { parseAddressWords } from '../../src/ip_text.js';

// ---------------------------------------------------------------- bytes

/** concatBytes (src/capture) over byte arrays or plain number lists. */
export function concat(...parts: ArrayLike<number>[]): Uint8Array {
  return concatBytes(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
}

/**
 * Bytes from hex text: `"45 00 00 1c"`, `"4500 001c"`, or `tcpdump -X` / `-xx` lines
 * (`0x0000:  4500 001c ...  E...`: the offset and the ASCII column are dropped).
 */
export function hex(text: string): Uint8Array {
  let digits = '';
  for (const raw of text.split('\n')) {
    let line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    const m = /^0x[0-9a-f]+:\s+/i.exec(line);
    if (m) line = line.slice(m[0].length).split(/\s{2,}/)[0]!; // hex groups, then 2+ spaces, then ASCII
    digits += line.replace(/\s+/g, '');
  }
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`hex(): bad hex text: ${text}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const be16 = (n: number): number[] => [(n >>> 8) & 255, n & 255];
const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** Internet checksum (RFC 1071) of data[start, end), folded, complemented. */
export function checksum(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < end) sum += data[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** `aa:bb:cc:dd:ee:ff` → 6 bytes. */
export function mac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`mac(): bad MAC ${text}`);
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

export function isIPv6Text(text: string): boolean {
  return text.includes(':');
}

/** `10.0.0.1` → 4 bytes, `2001:db8::1` → 16 bytes. */
export function addrBytes(text: string): Uint8Array {
  const w = new Uint32Array(4);
  if (!parseAddressWords(text, w)) throw new Error(`addrBytes(): bad address ${text}`);
  if (!isIPv6Text(text)) return Uint8Array.from(be32(w[3]!));
  return Uint8Array.from([...be32(w[0]!), ...be32(w[1]!), ...be32(w[2]!), ...be32(w[3]!)]);
}

// ---------------------------------------------------------------- link layers

export interface EtherOpts {
  src?: string;
  dst?: string;
  /** VLAN ids, outer first. One tag uses TPID 0x8100; with two or more the outer one is 0x88a8. */
  vlans?: number[];
  /** Override the TPID of each tag (outer first). */
  tpids?: number[];
  /** Ethertype (or an 802.3 length ≤ 1500). */
  type: number;
  payload: Uint8Array;
  /** Pad to the 60-byte Ethernet minimum with zeros (default false). */
  pad?: boolean;
}

export function ether(o: EtherOpts): Uint8Array {
  const tags: number[] = [];
  const vlans = o.vlans ?? [];
  vlans.forEach((id, i) => {
    const tpid = o.tpids?.[i] ?? (vlans.length >= 2 && i === 0 ? 0x88a8 : 0x8100);
    tags.push(...be16(tpid), ...be16(id & 0x0fff));
  });
  const f = concat(
    mac(o.dst ?? '00:00:5e:00:53:02'),
    mac(o.src ?? '00:00:5e:00:53:01'),
    tags,
    be16(o.type),
    o.payload,
  );
  return o.pad && f.length < 60 ? concat(f, new Uint8Array(60 - f.length)) : f;
}

/** Linux SLL (LINKTYPE 113): packet type, ARPHRD, address length, 8 address bytes, protocol. */
export function sll(o: { protocol: number; payload: Uint8Array; packetType?: number; hatype?: number; addr?: string }): Uint8Array {
  const a = concat(mac(o.addr ?? '00:00:5e:00:53:01'), [0, 0]);
  return concat(be16(o.packetType ?? 0), be16(o.hatype ?? 1), be16(6), a, be16(o.protocol), o.payload);
}

/** Linux SLL2 (LINKTYPE 276): protocol, reserved, ifindex, ARPHRD, packet type, addr len, 8 address bytes. */
export function sll2(o: { protocol: number; payload: Uint8Array; ifindex?: number; packetType?: number; hatype?: number; addr?: string }): Uint8Array {
  const a = concat(mac(o.addr ?? '00:00:5e:00:53:01'), [0, 0]);
  return concat(be16(o.protocol), [0, 0], be32(o.ifindex ?? 1), be16(o.hatype ?? 1), [o.packetType ?? 0, 6], a, o.payload);
}

/** BSD NULL (LINKTYPE 0): 4-byte address family in the writer's byte order (little-endian by default). */
export function nullLink(o: { family: number; payload: Uint8Array; bigEndian?: boolean }): Uint8Array {
  const fam = be32(o.family);
  return concat(o.bigEndian ? fam : fam.reverse(), o.payload);
}

/** OpenBSD LOOP (LINKTYPE 108): 4-byte big-endian address family. */
export function loop(o: { family: number; payload: Uint8Array }): Uint8Array {
  return nullLink({ ...o, bigEndian: true });
}

// ---------------------------------------------------------------- IP

export interface Ipv4Opts {
  src: string;
  dst: string;
  proto: number;
  payload: Uint8Array;
  ttl?: number;
  id?: number;
  tos?: number;
  df?: boolean;
  /** More-fragments flag. */
  mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number;
  /** IP options, padded with zeros (EOL) to a multiple of 4. */
  options?: Uint8Array;
  /** Override the total length (for malformed packets); default header + payload. */
  totalLength?: number;
  /** Override the version/IHL byte (for malformed packets). */
  versionIhl?: number;
}

export function ipv4(o: Ipv4Opts): Uint8Array {
  const opt = o.options ?? new Uint8Array(0);
  const optLen = (opt.length + 3) & ~3;
  const hl = 20 + optLen;
  const frag = (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | (((o.fragOffset ?? 0) >>> 3) & 0x1fff);
  const h = new Uint8Array(hl);
  h.set([o.versionIhl ?? 0x40 | (hl >>> 2), o.tos ?? 0, ...be16(o.totalLength ?? hl + o.payload.length)]);
  h.set([...be16(o.id ?? 1), ...be16(frag), o.ttl ?? 64, o.proto], 4);
  h.set(addrBytes(o.src), 12);
  h.set(addrBytes(o.dst), 16);
  h.set(opt, 20);
  h.set(be16(checksum(h)), 10);
  const payload = frag & 0x3fff ? o.payload : withTransportChecksum(o.payload, o.proto, h.subarray(12, 20), false);
  return concat(h, payload);
}

export type Ipv6ExtHeader =
  /** Hop-by-hop (0), routing (43), destination options (60), or another (len+1)*8 header: `data` follows the 2-byte next/len prefix, zero-padded to a multiple of 8. */
  | { type: 0 | 43 | 60 | 135 | 139 | 140; data?: Uint8Array }
  /** Fragment header (44): offset in bytes (multiple of 8), more-fragments flag, 32-bit id. */
  | { type: 44; offset?: number; more?: boolean; id?: number }
  /** Authentication header (51): `data` = SPI, sequence, ICV (padded to a multiple of 4, ≥ 10 bytes after the prefix). */
  | { type: 51; data?: Uint8Array };

export interface Ipv6Opts {
  src: string;
  dst: string;
  /** The upper-layer protocol after all extension headers. */
  nextHeader: number;
  payload: Uint8Array;
  extHeaders?: Ipv6ExtHeader[];
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Override the payload length field. */
  payloadLength?: number;
  /** Override the first byte (version/traffic class high nibble). */
  firstByte?: number;
}

export function ipv6(o: Ipv6Opts): Uint8Array {
  const exts = o.extHeaders ?? [];
  const parts: Uint8Array[] = [];
  let fragmented = false;
  exts.forEach((e, i) => {
    const next = exts[i + 1]?.type ?? o.nextHeader;
    if (e.type === 44) {
      const off = ((e.offset ?? 0) & 0xfff8) | (e.more ? 1 : 0);
      if (off !== 0) fragmented = true;
      parts.push(Uint8Array.from([next, 0, ...be16(off), ...be32(e.id ?? 1)]));
    } else if (e.type === 51) {
      const d = e.data ?? new Uint8Array(10);
      const len = Math.max(12, (2 + d.length + 3) & ~3);
      const h = new Uint8Array(len);
      h.set([next, len / 4 - 2]);
      h.set(d, 2);
      parts.push(h);
    } else {
      const d = e.data ?? new Uint8Array(6);
      const len = (2 + d.length + 7) & ~7;
      const h = new Uint8Array(len);
      h.set([next, len / 8 - 1]);
      h.set(d, 2);
      parts.push(h);
    }
  });
  const ext = concat(...parts);
  const tc = o.trafficClass ?? 0;
  const fl = o.flowLabel ?? 0;
  const h = new Uint8Array(40);
  h.set([o.firstByte ?? 0x60 | (tc >>> 4), ((tc & 15) << 4) | ((fl >>> 16) & 15), (fl >>> 8) & 255, fl & 255]);
  h.set([...be16(o.payloadLength ?? ext.length + o.payload.length), exts[0]?.type ?? o.nextHeader, o.hopLimit ?? 64], 4);
  h.set(addrBytes(o.src), 8);
  h.set(addrBytes(o.dst), 24);
  const payload = fragmented ? o.payload : withTransportChecksum(o.payload, o.nextHeader, h.subarray(8, 40), true);
  return concat(h, ext, payload);
}

/** Copy of `seg` with its TCP/UDP/ICMPv6 checksum filled in, if the field is present and 0. */
function withTransportChecksum(seg: Uint8Array, proto: number, addrs: Uint8Array, v6: boolean): Uint8Array {
  const at = proto === 6 ? 16 : proto === 17 ? 6 : proto === 58 && v6 ? 2 : -1;
  if (at < 0 || seg.length < at + 2 || seg[at] !== 0 || seg[at + 1] !== 0) return seg;
  if (proto === 6 && seg.length < 20) return seg;
  const pseudo = concat(addrs, v6 ? [...be32(seg.length), 0, 0, 0, proto] : [0, proto, ...be16(seg.length)]);
  const out = seg.slice();
  let sum = ~checksum(pseudo) & 0xffff;
  sum = checksum(out, 0, out.length, sum);
  if (proto === 17 && sum === 0) sum = 0xffff;
  out.set(be16(sum), at);
  return out;
}

// ---------------------------------------------------------------- transport

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, '.': 0x10, U: 0x20, E: 0x40, C: 0x80, W: 0x80 };

/** `'SA'` → 0x12. Letters: F S R P A (or `.`) U E C. */
export function tcpFlags(flags: string | number): number {
  if (typeof flags === 'number') return flags;
  let n = 0;
  for (const ch of flags.toUpperCase()) {
    const b = FLAG_BITS[ch];
    if (b === undefined) throw new Error(`tcpFlags(): unknown flag ${ch} in ${flags}`);
    n |= b;
  }
  return n;
}

export interface TcpOpts {
  sport: number;
  dport: number;
  flags?: string | number;
  seq?: number;
  ack?: number;
  window?: number;
  /** TCP options, padded with zeros (EOL) to a multiple of 4. */
  options?: Uint8Array;
  payload?: Uint8Array;
  /** Override the data offset nibble (in 32-bit words). */
  dataOffset?: number;
}

export function tcp(o: TcpOpts): Uint8Array {
  const opt = o.options ?? new Uint8Array(0);
  const hl = 20 + ((opt.length + 3) & ~3);
  const h = new Uint8Array(hl);
  h.set([...be16(o.sport), ...be16(o.dport), ...be32(o.seq ?? 1000), ...be32(o.ack ?? 0)]);
  h.set([(o.dataOffset ?? hl >>> 2) << 4, tcpFlags(o.flags ?? 'S'), ...be16(o.window ?? 65535)], 12);
  h.set(opt, 20);
  return concat(h, o.payload ?? []);
}

export function udp(o: { sport: number; dport: number; payload?: Uint8Array; length?: number }): Uint8Array {
  const p = o.payload ?? new Uint8Array(0);
  return concat(be16(o.sport), be16(o.dport), be16(o.length ?? 8 + p.length), [0, 0], p);
}

/**
 * ICMP or ICMPv6 message: type, code, checksum, 4 bytes `rest` (echo id/seq, unused, MTU…),
 * payload. The ICMPv4 checksum is computed here; ICMPv6's needs the addresses and is filled in
 * by `ipv6()`.
 */
export function icmp(o: { type: number; code?: number; rest?: number; payload?: Uint8Array; v6?: boolean }): Uint8Array {
  const m = concat([o.type, o.code ?? 0, 0, 0], be32(o.rest ?? 0), o.payload ?? []);
  if (!o.v6) m.set(be16(checksum(m)), 2);
  return m;
}

// ---------------------------------------------------------------- whole frames

export type LinkName = 'ether' | 'sll' | 'sll2' | 'null' | 'null-be' | 'loop' | 'raw' | 'ipv4' | 'ipv6';

/** LINKTYPE of each `frame()` link. */
export const LINK_TYPE: Readonly<Record<LinkName, number>> = {
  ether: 1,
  sll: 113,
  sll2: 276,
  null: 0,
  'null-be': 0,
  loop: 108,
  raw: 101,
  ipv4: 228,
  ipv6: 229,
};

export interface FrameOpts {
  link?: LinkName;
  /** VLAN id, or a stack of ids (outer first); Ethernet only. */
  vlan?: number | number[];
  /** IP addresses; IPv6 when the text has a colon. */
  src: string;
  dst: string;
  proto: 'tcp' | 'udp' | 'icmp';
  sport?: number;
  dport?: number;
  flags?: string | number;
  seq?: number;
  ack?: number;
  /** ICMP type/code (default echo request 8 / 128). */
  icmpType?: number;
  icmpCode?: number;
  payload?: Uint8Array | string;
  ttl?: number;
  srcMac?: string;
  dstMac?: string;
}

/** One complete frame; its LINKTYPE is `LINK_TYPE[o.link ?? 'ether']`. */
export function frame(o: FrameOpts): Uint8Array {
  const v6 = isIPv6Text(o.src);
  const payload = typeof o.payload === 'string' ? utf8(o.payload) : o.payload;
  let l4: Uint8Array;
  let proto: number;
  if (o.proto === 'tcp') {
    proto = 6;
    l4 = tcp({ sport: o.sport ?? 0, dport: o.dport ?? 0, flags: o.flags ?? 'S', seq: o.seq, ack: o.ack, payload });
  } else if (o.proto === 'udp') {
    proto = 17;
    l4 = udp({ sport: o.sport ?? 0, dport: o.dport ?? 0, payload });
  } else {
    proto = v6 ? 58 : 1;
    l4 = icmp({ type: o.icmpType ?? (v6 ? 128 : 8), code: o.icmpCode, payload, v6 });
  }
  const ip = v6
    ? ipv6({ src: o.src, dst: o.dst, nextHeader: proto, payload: l4, hopLimit: o.ttl })
    : ipv4({ src: o.src, dst: o.dst, proto, payload: l4, ttl: o.ttl });
  const type = v6 ? 0x86dd : 0x0800;
  switch (o.link ?? 'ether') {
    case 'ether': {
      const vlans = o.vlan === undefined ? [] : typeof o.vlan === 'number' ? [o.vlan] : o.vlan;
      return ether({ src: o.srcMac, dst: o.dstMac, vlans, type, payload: ip });
    }
    case 'sll':
      return sll({ protocol: type, payload: ip });
    case 'sll2':
      return sll2({ protocol: type, payload: ip });
    case 'null':
      return nullLink({ family: v6 ? 30 : 2, payload: ip });
    case 'null-be':
      return nullLink({ family: v6 ? 24 : 2, payload: ip, bigEndian: true });
    case 'loop':
      return loop({ family: v6 ? 24 : 2, payload: ip });
    case 'raw':
    case 'ipv4':
    case 'ipv6':
      return ip;
  }
}

/**
 * A frame built once and stamped many times with new ports / IPv4 addresses / sequence numbers
 * (benchmark and large-fixture generation: a `set()` and a few byte writes per packet).
 * The IPv4 header checksum is kept right; TCP/UDP checksums are not updated (decoders ignore them).
 */
export class FrameTemplate {
  readonly bytes: Uint8Array;
  readonly linkType: number;
  /** Offsets of the IP header and the transport header inside `bytes`. */
  readonly l3: number;
  readonly l4: number;
  readonly v6: boolean;

  constructor(o: FrameOpts) {
    this.bytes = frame(o);
    this.linkType = LINK_TYPE[o.link ?? 'ether'];
    this.v6 = isIPv6Text(o.src);
    const ipLen = frame({ ...o, link: 'raw' }).length;
    this.l3 = this.bytes.length - ipLen;
    this.l4 = this.l3 + (this.v6 ? 40 : 20);
  }

  /**
   * Copy the frame into `buf` at `at` with new ports (and, for IPv4, addresses as uint32 when
   * given, ≥ 0; and a TCP sequence number when given). Returns the frame length.
   */
  write(buf: Uint8Array, at: number, sport: number, dport: number, src = -1, dst = -1, seq = -1): number {
    const b = this.bytes;
    buf.set(b, at);
    const p = at + this.l4;
    buf[p] = sport >>> 8;
    buf[p + 1] = sport & 255;
    buf[p + 2] = dport >>> 8;
    buf[p + 3] = dport & 255;
    if (seq >= 0) {
      buf[p + 4] = seq >>> 24;
      buf[p + 5] = (seq >>> 16) & 255;
      buf[p + 6] = (seq >>> 8) & 255;
      buf[p + 7] = seq & 255;
    }
    if (!this.v6 && (src >= 0 || dst >= 0)) {
      const h = at + this.l3;
      if (src >= 0) put32(buf, h + 12, src);
      if (dst >= 0) put32(buf, h + 16, dst);
      buf[h + 10] = 0;
      buf[h + 11] = 0;
      const c = checksum(buf, h, h + 20);
      buf[h + 10] = c >>> 8;
      buf[h + 11] = c & 255;
    }
    return b.length;
  }
}

function put32(buf: Uint8Array, o: number, n: number): void {
  buf[o] = n >>> 24;
  buf[o + 1] = (n >>> 16) & 255;
  buf[o + 2] = (n >>> 8) & 255;
  buf[o + 3] = n & 255;
}

// ---------------------------------------------------------------- pcap files

export interface PcapRecord {
  data: Uint8Array;
  tsSec?: number;
  tsUsec?: number;
  /** Original length; default data.length. Larger than data.length = snaplen-cut. */
  wirelen?: number;
}

/** A classic little-endian microsecond pcap file. Records without a timestamp get 1 ms steps from 1 700 000 000 s. */
export function pcapFile(linkType: number, records: ReadonlyArray<Uint8Array | PcapRecord>, snaplen = 262144): Uint8Array {
  let size = 24;
  for (const r of records) size += 16 + ('data' in r ? r.data : r).length;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, snaplen, true);
  dv.setUint32(20, linkType, true);
  let o = 24;
  records.forEach((r, i) => {
    const rec: PcapRecord = r instanceof Uint8Array ? { data: r } : r;
    dv.setUint32(o, rec.tsSec ?? 1_700_000_000 + Math.floor(i / 1000), true);
    dv.setUint32(o + 4, rec.tsUsec ?? (i % 1000) * 1000, true);
    dv.setUint32(o + 8, rec.data.length, true);
    dv.setUint32(o + 12, rec.wirelen ?? rec.data.length, true);
    out.set(rec.data, o + 16);
    o += 16 + rec.data.length;
  });
  return out;
}
