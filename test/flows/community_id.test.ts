import { describe, expect, it } from 'vitest';
import { parseAddressWords } from '../../src/ip_text.js';
import {
  addressBytes,
  communityIdV1,
  connectionCommunityId,
  icmpPortEquivalents,
} from '../../src/flows/community_id.js';
import { emptyConnection, type Connection } from '../../src/flows/connection.js';
import { BASELINE_DEFAULT, BASELINE_SEED1, README_TABLE, type JsonVector } from './community_id_vectors.js';

function bytes(text: string): Uint8Array {
  const w = new Uint32Array(4);
  if (!parseAddressWords(text, w)) throw new Error(`bad address ${text}`);
  return addressBytes(w);
}

/** JSON baselines: ICMP ports are already port equivalents; a one-way type keeps its order. */
function fromJson(v: JsonVector, seed: number): string {
  const icmp = v.proto === 1 || v.proto === 58;
  const oneWay = icmp && icmpPortEquivalents(v.proto === 58, v.sport!, v.dport!).oneWay;
  return communityIdV1({ proto: v.proto, saddr: bytes(v.saddr), daddr: bytes(v.daddr), sport: v.sport, dport: v.dport, oneWay }, seed);
}

/** README tables: ICMP rows carry type and code, mapped here as the spec's community_id_icmp does. */
function fromTable(proto: number, s: string, d: string, sp: number | null, dp: number | null, seed: number, base64 = true): string {
  if (proto === 1 || proto === 58) {
    const eq = icmpPortEquivalents(proto === 58, sp!, dp!);
    return communityIdV1({ proto, saddr: bytes(s), daddr: bytes(d), ...eq }, seed, base64);
  }
  return communityIdV1({ proto, saddr: bytes(s), daddr: bytes(d), sport: sp, dport: dp }, seed, base64);
}

describe('Community ID v1: corelight/community-id-spec baseline vectors', () => {
  it.each(BASELINE_DEFAULT.map((v) => [`${v.proto} ${v.saddr}:${v.sport} → ${v.daddr}:${v.dport}`, v] as const))(
    'baseline_deflt.json %s',
    (_n, v) => expect(fromJson(v, 0)).toBe(v.communityid),
  );
  it.each(BASELINE_SEED1.map((v) => [`${v.proto} ${v.saddr}:${v.sport} → ${v.daddr}:${v.dport}`, v] as const))(
    'baseline_seed1.json %s',
    (_n, v) => expect(fromJson(v, 1)).toBe(v.communityid),
  );
  it.each(README_TABLE.map((r) => [`${r[0]} ${r[1]}:${r[3]} → ${r[2]}:${r[4]}`, r] as const))('README table %s', (_n, r) => {
    const [proto, s, d, sp, dp, deflt, seed1, nob64] = r;
    expect(fromTable(proto, s, d, sp, dp, 0)).toBe(deflt);
    expect(fromTable(proto, s, d, sp, dp, 1)).toBe(seed1);
    expect(fromTable(proto, s, d, sp, dp, 0, false)).toBe(nob64);
  });
});

describe('icmpPortEquivalents', () => {
  it.each([
    [false, 8, 0, 8, 0, false],
    [false, 0, 0, 0, 8, false],
    [false, 13, 0, 13, 14, false],
    [false, 10, 0, 10, 9, false],
    [false, 3, 3, 3, 3, true],
    [false, 11, 1, 11, 1, true],
    [true, 128, 0, 128, 129, false],
    [true, 135, 0, 135, 136, false],
    [true, 144, 0, 144, 145, false],
    [true, 1, 4, 1, 4, true],
    [true, 146, 0, 146, 0, true],
  ] as const)('v6=%s type %i code %i → %i/%i one-way %s', (v6, type, code, sport, dport, oneWay) => {
    expect(icmpPortEquivalents(v6, type, code)).toEqual({ sport, dport, oneWay });
  });
});

function conn(patch: Partial<Connection> & { client: string; server: string }): Connection {
  const c = { ...emptyConnection(), ...patch };
  parseAddressWords(patch.client, c.clientAddr);
  parseAddressWords(patch.server, c.serverAddr);
  return c;
}

describe('connectionCommunityId', () => {
  it('a TCP connection has the ID of its 5-tuple in either orientation', () => {
    const c = conn({ ipProto: 6, protocol: 'tcp', client: '128.232.110.120', clientPort: 34855, server: '66.35.250.204', serverPort: 80 });
    expect(connectionCommunityId(c)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  });
  it('UDP over IPv4 (the DNS vector)', () => {
    const c = conn({ ipProto: 17, protocol: 'udp', client: '192.168.1.52', clientPort: 54585, server: '8.8.8.8', serverPort: 53 });
    expect(connectionCommunityId(c)).toBe('1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
  });
  it('an ICMP echo whose reply was seen first (direction by ICMP type): the first packet came from the server', () => {
    // The table keeps the first packet's type: 0 (echo reply) sent by 5.6.7.8, the server.
    const c = conn({ ipProto: 1, protocol: 'icmp', client: '1.2.3.4', server: '5.6.7.8', icmpType: 0, icmpCode: 0, directionBy: 'icmp-type' });
    expect(connectionCommunityId(c)).toBe('1:crodRHL2FEsHjbv3UkRrfbs4bZ0=');
  });
  it('an ICMPv6 one-way message keeps its sender first', () => {
    const c = conn({
      ipProto: 58, protocol: 'icmpv6', client: 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D', server: 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D',
      icmpType: 146, icmpCode: 0, directionBy: 'first-packet',
    });
    expect(connectionCommunityId(c)).toBe('1:fYC8+pz24E+EhANP1EZhpX0Dw10=');
  });
  it('a port-less protocol hashes no ports (RSVP vector)', () => {
    const c = conn({ ipProto: 46, protocol: 'rsvp', client: '5.6.7.8', server: '1.2.3.4', clientPort: 0, serverPort: 0 });
    expect(connectionCommunityId(c)).toBe('1:ikv3kmf89luf73WPz1jOs49S768=');
  });
  it('none for an aggregate of folded connections and for SCTP (ports not decoded)', () => {
    expect(connectionCommunityId(conn({ ipProto: 6, client: '1.2.3.4', server: '5.6.7.8', serverPort: 80, count: 3 }))).toBeNull();
    expect(connectionCommunityId(conn({ ipProto: 132, client: '1.2.3.4', server: '5.6.7.8' }))).toBeNull();
  });
});
