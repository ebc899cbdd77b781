import { describe, expect, it } from 'vitest';
import { etherTypeDescription, etherTypeHex, etherTypeName, ipProtocolName, linkTypeName } from '../../src/decode/index.js';

describe('names for protocol numbers', () => {
  it.each([
    [0, 'NULL'],
    [1, 'ETHERNET'],
    [12, 'RAW'],
    [14, 'RAW'],
    [101, 'RAW'],
    [108, 'LOOP'],
    [113, 'LINUX_SLL'],
    [228, 'IPV4'],
    [229, 'IPV6'],
    [276, 'LINUX_SLL2'],
    [231, 'DBUS'],
    [3145728, 'linktype 3145728'],
    [1073741824, 'linktype 1073741824'],
  ])('linkTypeName(%i) = %s', (n, name) => expect(linkTypeName(n)).toBe(name));

  it.each([
    [0x0800, 'IPv4'],
    [0x86dd, 'IPv6'],
    [0x0806, 'ARP'],
    [0x8100, '802.1Q'],
    [0x88a8, '802.1ad'],
    [0x9100, 'QinQ'],
    [0, 'LLC'],
    [0x88cc, '0x88cc'], // LLDP is not decoded: it prints as its number
    [0x888e, '0x888e'],
    [0x0001, '0x0001'],
    [0xffff, '0xffff'],
  ])('etherTypeName(%i) = %s', (n, name) => expect(etherTypeName(n)).toBe(name));

  it('etherTypeDescription names registered types, etherTypeHex always gives 4 digits', () => {
    expect(etherTypeDescription(0x88cc)).toBe('LLDP');
    expect(etherTypeDescription(0x88b5)).toBe('0x88b5');
    expect(etherTypeHex(0x800)).toBe('0x0800');
  });

  it.each([
    [0, 'HOPOPT'],
    [1, 'ICMP'],
    [6, 'TCP'],
    [17, 'UDP'],
    [43, 'IPv6-Route'],
    [44, 'IPv6-Frag'],
    [47, 'GRE'],
    [50, 'ESP'],
    [51, 'AH'],
    [58, 'ICMPv6'],
    [60, 'IPv6-Opts'],
    [132, 'SCTP'],
    [253, 'proto 253'],
  ])('ipProtocolName(%i) = %s', (n, name) => expect(ipProtocolName(n)).toBe(name));
});
