/**
 * Application payload builders for tests and fixtures: DNS messages, TLS ClientHello, HTTP/1.1
 * requests, DCE/RPC endpoint-mapper (ept_map) request and response PDUs. Byte layouts follow the
 * RFCs / DCE 1.1 spec; each is small and deterministic.
 */
import { addrBytes, concat, utf8 } from './packets.js';

const be16 = (n: number): number[] => [(n >>> 8) & 255, n & 255];
const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le16 = (n: number): number[] => [n & 255, (n >>> 8) & 255];
const le32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];

/** A DNS name in wire form (labels; no compression). Labels may be given as raw bytes. */
export function dnsName(name: string | Uint8Array[]): Uint8Array {
  const labels = typeof name === 'string' ? (name === '' ? [] : name.split('.').map(utf8)) : name;
  return concat(...labels.flatMap((l) => [[l.length], l]), [0]);
}

export interface DnsRr {
  name: string | Uint8Array[];
  type: 'A' | 'AAAA' | 'CNAME' | 'SRV';
  ttl: number;
  /** Address text, or the CNAME / SRV target. */
  data: string;
  /** SRV only (default 389). */
  port?: number;
}

/**
 * A standard DNS response with one question and the given answers. The first answer whose owner
 * equals the question name uses a compression pointer to it (offset 12), as real servers do.
 */
export function dnsResponse(o: { id?: number; question: string; qtype?: 'A' | 'AAAA' | 'SRV'; answers: DnsRr[]; additional?: DnsRr[]; rcode?: number }): Uint8Array {
  const qname = dnsName(o.question);
  const extra = o.additional ?? [];
  const head = concat(be16(o.id ?? 0x1234), be16(0x8180 | (o.rcode ?? 0)), be16(1), be16(o.answers.length), be16(0), be16(extra.length));
  const q = concat(qname, be16(o.qtype === 'AAAA' ? 28 : o.qtype === 'SRV' ? 33 : 1), be16(1));
  const rrs = [...o.answers, ...extra].map((a) => {
    const owner = typeof a.name === 'string' && a.name === o.question ? new Uint8Array([0xc0, 12]) : dnsName(a.name);
    const type = a.type === 'A' ? 1 : a.type === 'AAAA' ? 28 : a.type === 'SRV' ? 33 : 5;
    const rdata =
      a.type === 'CNAME' ? dnsName(a.data) : a.type === 'SRV' ? concat(be16(0), be16(100), be16(a.port ?? 389), dnsName(a.data)) : addrBytes(a.data);
    return concat(owner, be16(type), be16(1), be32(a.ttl), be16(rdata.length), rdata);
  });
  return concat(head, q, ...rrs);
}

export function dnsQuery(o: { id?: number; question: string; qtype?: 'A' | 'AAAA' | 'SRV' }): Uint8Array {
  return concat(be16(o.id ?? 0x1234), be16(0x0100), be16(1), be16(0), be16(0), be16(0), dnsName(o.question), be16(o.qtype === 'AAAA' ? 28 : o.qtype === 'SRV' ? 33 : 1), be16(1));
}

/** A TLS 1.2-framed ClientHello (TLS 1.3 style), with server_name when `sni` is given, padded to `padTo` bytes of extensions. */
export function tlsClientHello(o: { sni?: string | Uint8Array; padTo?: number } = {}): Uint8Array {
  const exts: Uint8Array[] = [];
  if (o.sni !== undefined) {
    const n = typeof o.sni === 'string' ? utf8(o.sni) : o.sni;
    const entry = concat([0], be16(n.length), n);
    const list = concat(be16(entry.length), entry);
    exts.push(concat(be16(0), be16(list.length), list));
  }
  exts.push(concat(be16(10), be16(4), be16(2), be16(29))); // supported_groups: x25519
  exts.push(concat(be16(43), be16(3), [2], be16(0x0304))); // supported_versions: TLS 1.3
  const pad = Math.max(0, (o.padTo ?? 0) - exts.reduce((n, e) => n + e.length, 0) - 4);
  if (o.padTo !== undefined) exts.push(concat(be16(21), be16(pad), new Uint8Array(pad))); // padding
  const extBytes = concat(...exts);
  const random = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 255);
  const body = concat(be16(0x0303), random, [0], be16(4), be16(0x1301), be16(0x1302), [1, 0], be16(extBytes.length), extBytes);
  const hs = concat([1], [(body.length >>> 16) & 255, (body.length >>> 8) & 255, body.length & 255], body);
  return concat([0x16, 0x03, 0x01], be16(hs.length), hs);
}

export function httpRequest(o: { host: string; path?: string; method?: string; extra?: string }): Uint8Array {
  return utf8(`${o.method ?? 'GET'} ${o.path ?? '/'} HTTP/1.1\r\nUser-Agent: lab\r\nHost: ${o.host}\r\n${o.extra ?? ''}Accept: */*\r\n\r\n`);
}

const EPM_UUID = [0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa];
const NDR_UUID = [0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60];
/** An interface UUID (the LSA's lsarpc, 12345778-1234-abcd-ef00-0123456789ab) for the towers. */
const LSA_UUID = [0x78, 0x57, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab, 0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab];

/** Tower octet string: interface UUID, NDR, RPC CO, TCP port, IP address (5 floors). */
export function epmTower(port: number, ip: string): Uint8Array {
  const floor = (lhs: number[], rhs: number[]): number[] => [...le16(lhs.length), ...lhs, ...le16(rhs.length), ...rhs];
  return concat(
    le16(5),
    floor([0x0d, ...LSA_UUID, 0, 0], [0, 0]),
    floor([0x0d, ...NDR_UUID, 2, 0], [0, 0]),
    floor([0x0b], [0, 0]),
    floor([0x07], be16(port)),
    floor([0x09], [...addrBytes(ip)]),
  );
}

function pdu(ptype: number, callId: number, body: Uint8Array): Uint8Array {
  const len = 16 + body.length;
  return concat([5, 0, ptype, 0x03], [0x10, 0, 0, 0], le16(len), le16(0), le32(callId), body);
}

function pad4(b: Uint8Array): Uint8Array {
  return concat(b, new Uint8Array((4 - (b.length & 3)) & 3));
}

/** ept_map request (opnum 3) asking for a tower with port 0 and IP 0.0.0.0. */
export function eptMapRequest(callId: number): Uint8Array {
  const tower = epmTower(0, '0.0.0.0');
  const stub = concat(
    le32(1), EPM_UUID, // object: unique pointer + uuid
    le32(2), le32(tower.length), le32(tower.length), pad4(tower), // map_tower pointer, twr_t
    new Uint8Array(20), // entry_handle
    le32(4), // max_towers
  );
  return pdu(0, callId, concat(le32(stub.length), le16(0), le16(3), stub));
}

/** ept_map response handing out `port` on `ip` (the tower's IP floor). */
export function eptMapResponse(callId: number, port: number, ip: string): Uint8Array {
  const tower = epmTower(port, ip);
  const stub = concat(
    new Uint8Array(20), // entry_handle
    le32(1), // num_towers
    le32(4), le32(0), le32(1), // max_count, offset, actual_count
    le32(3), // referent of tower 1
    le32(tower.length), le32(tower.length), pad4(tower),
    le32(0), // status
  );
  return pdu(2, callId, concat(le32(stub.length), le16(0), [0, 0], stub));
}

/** A bind PDU for the endpoint mapper interface (so the exchange looks like the real thing). */
export function epmBind(callId: number): Uint8Array {
  const ctx = concat(le16(0), [1, 0], EPM_UUID, le16(3), le16(0), NDR_UUID, le32(2));
  return pdu(11, callId, concat(le16(5840), le16(5840), le32(0), [1, 0, 0, 0], ctx));
}

export function epmBindAck(callId: number): Uint8Array {
  const port = utf8('135\0');
  const sec = concat(le16(port.length), port);
  const body = concat(le16(5840), le16(5840), le32(0x1234), pad4(concat(sec)), [1, 0, 0, 0], le16(0), le16(0), NDR_UUID, le32(2));
  return pdu(12, callId, body);
}
