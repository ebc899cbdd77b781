/**
 * 802.11 data frames (LINKTYPE 105), and the same frames under the Ethernet link type as
 * pktmon's Wi-Fi component writes them; frames built to IEEE 802.11-2020 (test/support/dot11.ts).
 */
import { describe, expect, it } from 'vitest';
import { DecodeProblem, L3 } from '../../src/decode/decoded.js';
import { dot11FromEthernet } from '../support/dot11.js';
import { frame } from '../support/packets.js';
import { dec, summary } from './helpers.js';

const eth = frame({ src: '10.0.0.10', dst: '10.0.0.2', proto: 'tcp', sport: 50000, dport: 389, flags: 'S' });
const tcpSyn = { l3: L3.IPv4, src: '10.0.0.10', dst: '10.0.0.2', proto: 6, sport: 50000, dport: 389, problem: DecodeProblem.None, truncated: false };

describe('802.11 data frames', () => {
  it.each([
    ['data (24-byte header)', {}],
    ['QoS data (26)', { qos: true }],
    ['four addresses (30)', { fourAddr: true }],
    ['QoS with +HTC (30)', { qos: true, htc: true }],
    ['QoS, four addresses, +HTC (36)', { qos: true, fourAddr: true, htc: true }],
  ])('%s with LLC/SNAP decodes to the IP packet, as link type 105 and under Ethernet', (_n, opts) => {
    const f = dot11FromEthernet(eth, opts);
    expect(summary(dec(f, 105))).toEqual(tcpSyn);
    expect(summary(dec(f, 1))).toEqual(tcpSyn);
  });

  it.each([
    ['null data', { fc0: 0x48 }],
    ['QoS null', { fc0: 0xc8 }],
    ['a beacon (management)', { fc0: 0x80 }],
    ['an encrypted body', { qos: true, protectedBody: true }],
    ['another LLC (not SNAP)', { llc: [0x42, 0x42, 0x03, 0, 0, 0] }],
  ])('%s is not IP traffic (l3 Other), not a problem', (_n, opts) => {
    const d = dec(dot11FromEthernet(eth, opts), 105);
    expect([d.l3, d.problem]).toEqual([L3.Other, DecodeProblem.None]);
  });

  it('a frame cut inside its MAC header or LLC/SNAP is link-truncated', () => {
    const f = dot11FromEthernet(eth, { qos: true });
    expect(dec(f, 105, 20).problem).toBe(DecodeProblem.LinkTruncated);
    expect(dec(f, 105, 30).problem).toBe(DecodeProblem.LinkTruncated);
    expect(summary(dec(f, 105, 26 + 8 + 20 + 20))).toMatchObject({ l3: L3.IPv4, proto: 6, sport: 50000, dport: 389 });
  });

  it('real Ethernet is never read as 802.11, even when its bytes could pass for it', () => {
    // A frame whose destination MAC starts like a QoS data frame, with a real IPv4 ethertype.
    const fake = eth.slice();
    fake[0] = 0x88;
    fake[1] = 0x01;
    expect(summary(dec(fake, 1))).toEqual(tcpSyn);
  });
});
