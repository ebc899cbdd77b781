/** SRV answers (RFC 2782) and the additional section: what discovery learns DCs from. */
import { describe, expect, it } from 'vitest';
import { addressAnswers, parseDnsResponse, srvAnswers } from '../../../src/decode/hints/dns.js';
import { dnsResponse } from '../../support/app_packets.js';

describe('DNS SRV answers', () => {
  it.each([
    {
      what: 'target address from the additional section',
      msg: dnsResponse({ question: '_ldap._tcp.dc._msdcs.corp.example', qtype: 'SRV', answers: [{ name: '_ldap._tcp.dc._msdcs.corp.example', type: 'SRV', ttl: 600, data: 'dc1.corp.example', port: 389 }], additional: [{ name: 'dc1.corp.example', type: 'A', ttl: 3600, data: '10.0.0.2' }, { name: 'other.example', type: 'A', ttl: 1, data: '10.9.9.9' }] }),
      srv: ['_ldap._tcp.dc._msdcs.corp.example → dc1.corp.example:389 [10.0.0.2]'],
    },
    {
      what: 'two targets, one without an address',
      msg: dnsResponse({ question: '_gc._tcp.corp.example', qtype: 'SRV', answers: [{ name: '_gc._tcp.corp.example', type: 'SRV', ttl: 600, data: 'dc1.corp.example', port: 3268 }, { name: '_gc._tcp.corp.example', type: 'SRV', ttl: 600, data: 'dc2.corp.example', port: 3268 }], additional: [{ name: 'dc2.corp.example', type: 'AAAA', ttl: 60, data: 'fd00::3' }] }),
      srv: ['_gc._tcp.corp.example → dc1.corp.example:3268 []', '_gc._tcp.corp.example → dc2.corp.example:3268 [fd00::3]'],
    },
  ])('$what', ({ msg, srv }) => {
    const r = parseDnsResponse(msg, 0, msg.length)!;
    expect(srvAnswers(r).map((s) => `${s.service} → ${s.target}:${s.port} [${s.addresses.join(',')}]`)).toEqual(srv);
    // Additional-section addresses never become answers (the audit's names come from answers only).
    expect(addressAnswers(r)).toEqual([]);
  });

  it('a cut SRV record is dropped, never thrown', () => {
    const msg = dnsResponse({ question: '_kerberos._tcp.x', qtype: 'SRV', answers: [{ name: '_kerberos._tcp.x', type: 'SRV', ttl: 1, data: 'kdc.x', port: 88 }] });
    for (let n = 12; n < msg.length; n++) expect(() => parseDnsResponse(msg, 0, n)).not.toThrow();
    expect(srvAnswers(parseDnsResponse(msg, 0, msg.length - 3)!)).toEqual([]);
  });
});
