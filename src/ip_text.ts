/**
 * Text form of the 4-word addresses in DecodedPacket (not on the per-packet path), and back.
 * At the top of src/ because every stage uses it: the capture readers and writers (pcapng address
 * options), decode, flows, the audit.
 * IPv4-mapped addresses (::ffff:a.b.c.d, the way IPv4 is stored) print as a dotted quad;
 * everything else as RFC 5952 IPv6: lowercase, no leading zeros, the longest run (first on a
 * tie) of two or more zero groups compressed to `::`.
 */

/** `a.b.c.d` of a uint32. */
export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function formatAddress(words: ArrayLike<number>, offset = 0): string {
  const w0 = words[offset]! >>> 0;
  const w1 = words[offset + 1]! >>> 0;
  const w2 = words[offset + 2]! >>> 0;
  const w3 = words[offset + 3]! >>> 0;
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return formatIPv4(w3);
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  let bestAt = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestAt < 0) return g.map(hex).join(':');
  const head = g.slice(0, bestAt).map(hex).join(':');
  const tail = g.slice(bestAt + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

function hex(n: number): string {
  return n.toString(16);
}

/**
 * Parse `10.0.0.1` (stored IPv4-mapped) or an IPv6 text form (`2001:db8::1`, `::ffff:1.2.3.4`,
 * full or compressed, any case; no zone id, no brackets, no prefix) into 4 big-endian words.
 * Returns false (leaving `out` unspecified) when the text is not an address.
 */
export function parseAddressWords(text: string, out: Uint32Array): boolean {
  if (text.indexOf(':') < 0) {
    const v4 = parseIPv4(text);
    if (v4 < 0) return false;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = v4;
    return true;
  }
  const groups = parseIPv6Groups(text);
  if (groups === null) return false;
  for (let i = 0; i < 4; i++) out[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return true;
}

/** Dotted quad → uint32, or -1. Leading zeros are refused (`010.0.0.1` is ambiguous). */
export function parseIPv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return -1;
    const b = Number(p);
    if (b > 255) return -1;
    n = n * 256 + b;
  }
  return n;
}

function parseIPv6Groups(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroupList(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseGroupList(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  if (head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Colon-separated groups; the last may be a dotted quad when `allowV4` (it ends the address). */
function parseGroupList(s: string, allowV4: boolean): number[] | null {
  if (s === '') return [];
  const out: number[] = [];
  const parts = s.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowV4 && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIPv4(p);
      if (v4 < 0) return null;
      out.push(v4 >>> 16, v4 & 0xffff);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return null;
    }
  }
  return out;
}

/**
 * Whether `text` is an IPv4 dotted quad, as node:net's isIPv4 says; here so that the audit does
 * not load node:net (and with it the stream stack, ~8 ms of every run's start-up) for a test.
 */
export function isIPv4Text(text: string): boolean {
  return parseIPv4(text) >= 0;
}

/** Whether `text` is an IPv6 address (a zone id such as `%eth0` allowed), as node:net's isIPv6 says. */
export function isIPv6Text(text: string): boolean {
  const pct = text.indexOf('%');
  const bare = pct < 0 ? text : pct === text.length - 1 ? '' : text.slice(0, pct);
  return bare.includes(':') && parseIPv6Groups(bare) !== null;
}
