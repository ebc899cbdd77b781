/** The UDP requests a probe sends and the answers it accepts, over tiny byte arrays. */
import { describe, expect, it } from 'vitest';
import { cldapAnswer, cldapPing } from '../../src/probe/cldap_request.js';
import { dnsAnswer, dnsQuery } from '../../src/probe/dns_request.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('DNS query', () => {
  it('is a standard query for the root NS, recursion not asked', () => {
    // 12 34 | 00 00 | 00 01 00 00 00 00 00 00 | 00 | 00 02 | 00 01
    expect(hex(dnsQuery(0x1234))).toBe('123400000001000000000000' + '00' + '0002' + '0001');
  });
  it.each([
    ['a NOERROR response', '1234 8000 0001 0000 0000 0000', 'DNS response NOERROR'],
    ['a REFUSED response', '1234 8005 0001 0000 0000 0000', 'DNS response REFUSED'],
    ['rcode 9 (NOTAUTH) by number', '1234 8009 0001 0000 0000 0000', 'DNS response rcode 9'],
    ['another id', '1235 8000 0001 0000 0000 0000', null],
    ['a query (QR clear)', '1234 0000 0001 0000 0000 0000', null],
    ['11 bytes: truncated header', '1234 8000 0001 0000 0000 00', null],
  ])('%s', (_name, bytes, want) => {
    expect(dnsAnswer(Buffer.from(bytes.replace(/ /g, ''), 'hex'), 0x1234)).toBe(want);
  });
});

describe('CLDAP LDAP ping', () => {
  it('is the rootDSE search for Netlogon with NtVer (MS-ADTS 6.3.3), as Wireshark decodes it', () => {
    expect(hex(cldapPing(34))).toBe(
      '3033' + '020122' + '632e' + '0400' + '0a0100' + '0a0100' + '020100' + '020100' + '010100' +
        'a00f' + 'a30d' + '0405' + Buffer.from('NtVer').toString('hex') + '0404' + '06000000' +
        '300a' + '0408' + Buffer.from('Netlogon').toString('hex'),
    );
  });
  it.each([0, 128, -1])('refuses message id %d (short-form INTEGER 1..127 only)', (id) => {
    expect(() => cldapPing(id)).toThrow(RangeError);
  });
  it.each([
    ['searchResDone success', '300c 020122 6507 0a0100 0400 0400', 'LDAP searchResDone'],
    ['searchResEntry, long-form length', '3081 0c 020122 6407 0400 3003 0401 41', 'LDAP searchResEntry'],
    ['another message id', '300c 020123 6507 0a0100 0400 0400', null],
    ['not a SEQUENCE', '310c 020122 6507 0a0100 0400 0400', null],
    ['message id truncated', '3003 0202 22', null],
    ['no protocolOp', '3003 020122', null],
    ['an unknown operation by number', '3005 020122 7700', 'LDAP operation 0x77'],
  ])('%s', (_name, bytes, want) => {
    expect(cldapAnswer(Buffer.from(bytes.replace(/ /g, ''), 'hex'), 34)).toBe(want);
  });
});
