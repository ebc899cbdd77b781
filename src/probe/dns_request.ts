/**
 * The DNS probe: a standard query for the root's NS records, recursion not asked (RD=0), so a
 * resolver does no work for it and any DNS server answers it (with data, a referral, REFUSED or
 * SERVFAIL: each proves a DNS service listens). RFC 1035 §4.1.
 *   id(2) flags(2)=0 qdcount=1 ancount=0 nscount=0 arcount=0 | qname 00 (root) qtype 0002 (NS) qclass 0001 (IN)
 */

export const DNS_RCODES: readonly string[] = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export function dnsQuery(id: number): Uint8Array {
  const q = new Uint8Array(17);
  q[0] = (id >> 8) & 0xff;
  q[1] = id & 0xff;
  q[5] = 1; // qdcount
  q[12] = 0; // root name
  q[14] = 2; // NS
  q[16] = 1; // IN
  return q;
}

/** A DNS response to query `id` (QR set, same id): its rcode name, else null. */
export function dnsAnswer(b: Uint8Array, id: number): string | null {
  if (b.length < 12) return null;
  if (((b[0]! << 8) | b[1]!) !== id) return null;
  if ((b[2]! & 0x80) === 0) return null;
  const rcode = b[3]! & 0x0f;
  return `DNS response ${DNS_RCODES[rcode] ?? `rcode ${rcode}`}`;
}
