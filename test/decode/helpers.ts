import { DecodedPacket, decodePacket, formatAddress } from '../../src/decode/index.js';

/** Decode `bytes` (the whole array) with `linkType` into a fresh DecodedPacket. */
export function dec(bytes: Uint8Array, linkType = 1, caplen = bytes.length): DecodedPacket {
  const d = new DecodedPacket();
  decodePacket(bytes, 0, caplen, linkType, d);
  return d;
}

/** The fields tests usually look at, as one comparable object. */
export function summary(d: DecodedPacket): Record<string, unknown> {
  return {
    l3: d.l3,
    src: formatAddress(d.src),
    dst: formatAddress(d.dst),
    proto: d.ipProto,
    sport: d.hasPorts ? d.srcPort : null,
    dport: d.hasPorts ? d.dstPort : null,
    problem: d.problem,
    truncated: d.truncated,
  };
}

/** Every field of a DecodedPacket as a plain object (for "no field leaks" comparisons). */
export function allFields(d: DecodedPacket): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) o[k] = v instanceof Uint32Array ? [...v] : v;
  return o;
}
