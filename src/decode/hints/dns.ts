/**
 * DNS answers (RFC 1035): the A, AAAA, CNAME and SRV records of a response, and which names each
 * answered address was given to (following CNAME chains back to the name asked for); SRV targets
 * with the addresses the additional section gives them (RFC 2782).
 * Bounded and hostile-input safe: at most MAX_RECORDS records, compression pointers followed at
 * most MAX_POINTER_HOPS times, names of at most 255 bytes; anything malformed returns null or
 * stops early, never throws.
 *
 * Over TCP a message is preceded by a 2-byte length (RFC 1035 §4.2.2): see dnsOverTcpMessages.
 */
import { formatAddress } from '../../ip_text.js';
import { inertBytes, u16be, u32be } from './text.js';

export const DNS_A = 1;
export const DNS_CNAME = 5;
export const DNS_AAAA = 28;
/** RFC 2782 service location (AD advertises its DCs as _ldap._tcp.dc._msdcs.DOMAIN, _kerberos._tcp, _gc._tcp). */
export const DNS_SRV = 33;

const MAX_RECORDS = 64;
const MAX_POINTER_HOPS = 16;
const MAX_NAME = 255;

export interface DnsRecord {
  /** Owner name, inert lower-case text, no trailing dot. */
  name: string;
  type: number;
  ttl: number;
  /** Address text (A/AAAA) or the target name (CNAME, SRV). */
  data: string;
  /** SRV only: the service's port. */
  port?: number;
}

export interface DnsResponse {
  id: number;
  rcode: number;
  /** The first question's name ('' when there is none). */
  question: string;
  answers: DnsRecord[];
  /**
   * A/AAAA records of the authority and additional sections (servers put the addresses of SRV
   * targets there). Kept apart from `answers`: only SRV targets are looked up in them.
   */
  additional: DnsRecord[];
}

/** An answered address and every name that leads to it (the question, CNAME owners, the A/AAAA owner). */
export interface DnsAddressAnswer {
  address: string;
  /** Names in chain order: the one asked first, then each CNAME target down to the record's owner. */
  names: string[];
  /** Smallest TTL along the chain (seconds). */
  ttl: number;
}

/**
 * Read a (possibly compressed) name at `o` of the message `b[start, end)`. Returns the inert text
 * and the offset just after the name in the record (not after a pointer's target), or null.
 */
export function readName(b: Uint8Array, start: number, end: number, o: number): { name: string; next: number } | null {
  let p = o;
  let next = -1;
  let hops = 0;
  let n = 0;
  let text = '';
  for (;;) {
    if (p < start || p >= end) return null;
    const len = b[p]!;
    if (len === 0) {
      if (next < 0) next = p + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= end || ++hops > MAX_POINTER_HOPS) return null;
      if (next < 0) next = p + 2;
      p = start + (((len & 0x3f) << 8) | b[p + 1]!);
      continue;
    }
    if ((len & 0xc0) !== 0) return null; // 0x40/0x80: extended label types, not supported
    if (p + 1 + len > end || n + len + 1 > MAX_NAME) return null;
    if (n > 0) text += '.';
    // A literal dot inside a label would forge a label boundary: it is escaped like a control byte.
    text += inertBytes(b, p + 1, len, true, true);
    n += len + 1;
    p += 1 + len;
  }
  return { name: text, next };
}

/** Parse a DNS response message occupying `b[off, off+len)`; null when it is not a usable response. */
export function parseDnsResponse(b: Uint8Array, off: number, len: number): DnsResponse | null {
  const end = Math.min(b.length, off + len);
  if (end - off < 12) return null;
  const flags = u16be(b, off + 2, end);
  if ((flags & 0x8000) === 0) return null; // a query
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return null;
  const qd = u16be(b, off + 4, end);
  const an = u16be(b, off + 6, end);
  const out: DnsResponse = { id: u16be(b, off, end), rcode: flags & 0xf, question: '', answers: [], additional: [] };
  const ns = u16be(b, off + 8, end);
  const ar = u16be(b, off + 10, end);
  let p = off + 12;
  for (let i = 0; i < qd && i < 4; i++) {
    const q = readName(b, off, end, p);
    if (!q) return out.answers.length ? out : null;
    if (i === 0) out.question = q.name;
    p = q.next + 4;
  }
  if (qd > 4) return out;
  const total = Math.min(MAX_RECORDS, an + Math.max(0, ns) + Math.max(0, ar));
  for (let i = 0; i < total; i++) {
    const r = readName(b, off, end, p);
    if (!r) break;
    const type = u16be(b, r.next, end);
    const ttl = u32be(b, r.next + 4, end);
    const rdlen = u16be(b, r.next + 8, end);
    const rd = r.next + 10;
    if (type < 0 || ttl < 0 || rdlen < 0 || rd + rdlen > end) break;
    const cls = u16be(b, r.next + 2, end);
    const into = i < an ? out.answers : out.additional;
    if (cls === 1) {
      if (type === DNS_A && rdlen === 4) {
        into.push({ name: r.name, type, ttl, data: `${b[rd]}.${b[rd + 1]}.${b[rd + 2]}.${b[rd + 3]}` });
      } else if (type === DNS_AAAA && rdlen === 16) {
        const w = new Uint32Array(4);
        for (let k = 0; k < 4; k++) w[k] = u32be(b, rd + 4 * k, end);
        into.push({ name: r.name, type, ttl, data: formatAddress(w) });
      } else if (type === DNS_CNAME && i < an) {
        const t = readName(b, off, end, rd);
        if (t) out.answers.push({ name: r.name, type, ttl, data: t.name });
      } else if (type === DNS_SRV && i < an && rdlen >= 7) {
        // priority(2) weight(2) port(2) target
        const t = readName(b, off, end, rd + 6);
        if (t) out.answers.push({ name: r.name, type, ttl, data: t.name, port: u16be(b, rd + 4, end) });
      }
    }
    p = rd + rdlen;
  }
  return out;
}

/** A service location an SRV answer gave: the target host and port, with the addresses the response also carried. */
export interface DnsSrvAnswer {
  /** The SRV owner, e.g. _ldap._tcp.dc._msdcs.corp.example. */
  service: string;
  target: string;
  port: number;
  ttl: number;
  /** A/AAAA of the target found in the same response (answer or additional section). */
  addresses: string[];
}

/** Every SRV answer of a response, with the target's addresses from the same message. */
export function srvAnswers(r: DnsResponse): DnsSrvAnswer[] {
  const out: DnsSrvAnswer[] = [];
  for (const a of r.answers) {
    if (a.type !== DNS_SRV) continue;
    const addresses: string[] = [];
    for (const x of [...r.answers, ...r.additional]) {
      if ((x.type === DNS_A || x.type === DNS_AAAA) && x.name === a.data && !addresses.includes(x.data)) addresses.push(x.data);
    }
    out.push({ service: a.name, target: a.data, port: a.port ?? 0, ttl: a.ttl, addresses });
  }
  return out;
}

/** Every answered address with the names that lead to it through CNAMEs (bounded chain length). */
export function addressAnswers(r: DnsResponse): DnsAddressAnswer[] {
  const cnameOf = new Map<string, { to: string; ttl: number }[]>(); // target → owners
  for (const a of r.answers) {
    if (a.type !== DNS_CNAME) continue;
    const l = cnameOf.get(a.data) ?? [];
    l.push({ to: a.name, ttl: a.ttl });
    cnameOf.set(a.data, l);
  }
  const out: DnsAddressAnswer[] = [];
  for (const a of r.answers) {
    if (a.type !== DNS_A && a.type !== DNS_AAAA) continue;
    const names = [a.name];
    let ttl = a.ttl;
    let cur = a.name;
    for (let depth = 0; depth < 16; depth++) {
      const owners = cnameOf.get(cur);
      const o = owners?.find((x) => !names.includes(x.to));
      if (!o) break;
      names.unshift(o.to);
      ttl = Math.min(ttl, o.ttl);
      cur = o.to;
    }
    out.push({ address: a.data, names, ttl });
  }
  return out;
}

/**
 * DNS over TCP: split a reassembled stream into messages (2-byte length prefix each). Returns
 * the [offset, length] of every complete message, at most `max`.
 */
export function dnsOverTcpMessages(b: Uint8Array, off: number, len: number, max = 16): [number, number][] {
  const end = Math.min(b.length, off + len);
  const out: [number, number][] = [];
  let p = off;
  while (out.length < max) {
    const n = u16be(b, p, end);
    if (n < 0 || p + 2 + n > end) break;
    if (n > 0) out.push([p + 2, n]);
    p += 2 + n;
  }
  return out;
}
