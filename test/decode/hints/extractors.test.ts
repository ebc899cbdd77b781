/**
 * Hint extractors over tiny byte arrays (table-driven): DNS answers, TLS SNI, HTTP Host, DCE/RPC
 * ept_map responses, ICMP quotes; every malformed input returns a "no" answer, never throws.
 */
import { describe, expect, it } from 'vitest';
import { addressAnswers, dnsOverTcpMessages, parseDnsResponse, readName } from '../../../src/decode/hints/dns.js';
import { eptMapResponseEndpoints, readPduHeader, requestOpnum, towerEndpoints } from '../../../src/decode/hints/dcerpc_epm.js';
import { looksLikeHttpRequest, parseHttpHost } from '../../../src/decode/hints/http_host.js';
import { inertBytes, MAX_NAME_BYTES } from '../../../src/decode/hints/text.js';
import { looksLikeTlsHandshake, parseClientHelloSni } from '../../../src/decode/hints/tls_sni.js';
import { quotedPacket } from '../../../src/flows/hints.js';
import { dnsResponse, eptMapRequest, eptMapResponse, epmBind, epmTower, httpRequest, tlsClientHello } from '../../support/app_packets.js';
import { concat, hex, ipv4, ipv6, tcp, udp, utf8 } from '../../support/packets.js';

const all = (b: Uint8Array) => [b, 0, b.length] as const;

describe('inert text', () => {
  it.each([
    ['plain name, lower-cased', utf8('Graph.Microsoft.COM'), 'graph.microsoft.com'],
    ['markup stays printable (the HTML report escapes it)', utf8('<script>'), '<script>'],
    ['control characters and space are escaped', Uint8Array.of(0x61, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x0a, 0x20, 0x62), 'a\\x1b[2j\\x0d\\x0a\\x20b'],
    ['invalid UTF-8 and high bytes are escaped byte by byte', Uint8Array.of(0xc3, 0x28, 0xff, 0x80), '\\xc3(\\xff\\x80'],
    ['the backslash itself is escaped, so escapes cannot be forged', utf8('a\\x41'), 'a\\x5cx41'],
    ['DEL is escaped', Uint8Array.of(0x7f), '\\x7f'],
  ])('%s', (_what, bytes, text) => {
    expect(inertBytes(...all(bytes))).toBe(text);
  });

  it('names over 255 bytes are cut and marked', () => {
    const long = inertBytes(...all(new Uint8Array(1000).fill(0x61)));
    expect(long).toBe(`${'a'.repeat(MAX_NAME_BYTES)}…`);
  });

  it('never reads outside the buffer', () => {
    expect(inertBytes(Uint8Array.of(0x61), 0, 10)).toBe('a');
    expect(inertBytes(Uint8Array.of(0x61), -5, 3)).toBe(''); // [-5, -2): nothing inside
  });
});

describe('DNS answers', () => {
  it('A answer through a two-step CNAME chain, with a compression pointer and TTLs', () => {
    const m = dnsResponse({
      question: 'graph.microsoft.com',
      answers: [
        { name: 'graph.microsoft.com', type: 'CNAME', ttl: 3600, data: 'tm.example' },
        { name: 'tm.example', type: 'CNAME', ttl: 60, data: 'edge.example' },
        { name: 'edge.example', type: 'A', ttl: 300, data: '198.51.100.10' },
      ],
    });
    const r = parseDnsResponse(...all(m))!;
    expect(r.question).toBe('graph.microsoft.com');
    expect(r.answers.map((a) => `${a.name} ${a.type} ${a.ttl} ${a.data}`)).toEqual([
      'graph.microsoft.com 5 3600 tm.example',
      'tm.example 5 60 edge.example',
      'edge.example 1 300 198.51.100.10',
    ]);
    expect(addressAnswers(r)).toEqual([{ address: '198.51.100.10', names: ['graph.microsoft.com', 'tm.example', 'edge.example'], ttl: 60 }]);
  });

  it('AAAA answers print as RFC 5952 text', () => {
    const m = dnsResponse({ question: 'login.example', qtype: 'AAAA', answers: [{ name: 'login.example', type: 'AAAA', ttl: 5, data: '2001:db8::20' }] });
    expect(addressAnswers(parseDnsResponse(...all(m))!)).toEqual([{ address: '2001:db8::20', names: ['login.example'], ttl: 5 }]);
  });

  it('a CNAME loop does not loop', () => {
    const m = dnsResponse({
      question: 'a.example',
      answers: [
        { name: 'a.example', type: 'CNAME', ttl: 1, data: 'b.example' },
        { name: 'b.example', type: 'CNAME', ttl: 1, data: 'a.example' },
        { name: 'b.example', type: 'A', ttl: 1, data: '192.0.2.1' },
      ],
    });
    expect(addressAnswers(parseDnsResponse(...all(m))!)[0]!.names).toEqual(['a.example', 'b.example']);
  });

  // 12-byte header: id 0x1234, flags 0x8180 (response), 1 question, 1 answer.
  const HEAD = '1234 8180 0001 0001 0000 0000';
  it.each([
    ['a query, not a response', '1234 0100 0001 0000 0000 0000 01 61 00 0001 0001'],
    ['shorter than a header', '1234 81'],
    ['a question name running past the end', `${HEAD} 3f 61 62`],
    ['a label with reserved top bits (0x40)', `${HEAD} 41 61 00 0001 0001`],
    ['a compression pointer loop in the question', `${HEAD} c0 0c 0001 0001`],
  ])('%s gives no answer', (_what, dump) => {
    const r = parseDnsResponse(...all(hex(dump)));
    expect(r === null || r.answers.length === 0).toBe(true);
  });

  it('a pointer chain longer than 16 hops is refused', () => {
    // Names at 12, 14, 16, …: each a pointer to the previous one, the first one "a".
    const parts: number[] = [0x01, 0x61, 0x00];
    for (let i = 0; i < 20; i++) parts.push(0xc0, 12 + (i === 0 ? 0 : 3 + 2 * (i - 1)));
    const b = concat(hex('0000 8180 0000 0000 0000 0000'), parts);
    expect(readName(b, 0, b.length, 12)?.name).toBe('a');
    expect(readName(b, 0, b.length, 15 + 2 * 5)?.name).toBe('a');
    expect(readName(b, 0, b.length, 15 + 2 * 19)).toBeNull();
  });

  it('hostile labels come out inert: markup, control bytes, invalid UTF-8, a dot inside a label', () => {
    const m = dnsResponse({
      question: 'x.example',
      answers: [
        { name: [utf8('<script>'), Uint8Array.of(0x1b, 0x5b, 0x33, 0x31, 0x6d), Uint8Array.of(0xc3, 0x28), utf8('evil.com')], type: 'A', ttl: 1, data: '192.0.2.9' },
      ],
    });
    const r = parseDnsResponse(...all(m))!;
    expect(r.answers[0]!.name).toBe('<script>.\\x1b[31m.\\xc3(.evil\\x2ecom');
  });

  it('a record whose data runs past the end stops the parse without throwing', () => {
    const m = dnsResponse({ question: 'a.example', answers: [{ name: 'a.example', type: 'A', ttl: 1, data: '192.0.2.1' }] });
    for (let cut = 0; cut < m.length; cut++) expect(() => parseDnsResponse(m, 0, cut)).not.toThrow();
    expect(parseDnsResponse(m, 0, m.length - 1)!.answers).toEqual([]);
  });

  it('DNS over TCP: length-prefixed messages, an incomplete one left for later', () => {
    const a = dnsResponse({ question: 'a.example', answers: [{ name: 'a.example', type: 'A', ttl: 1, data: '192.0.2.1' }] });
    const s = concat([0, a.length], a, [0, a.length], a.subarray(0, 10));
    expect(dnsOverTcpMessages(...all(s))).toEqual([[2, a.length]]);
  });
});

describe('TLS ClientHello SNI', () => {
  it.each([
    ['complete ClientHello with SNI', tlsClientHello({ sni: 'zeek.org' }), { kind: 'sni', name: 'zeek.org' }],
    ['ClientHello without extensions for SNI', tlsClientHello({}), { kind: 'no-sni' }],
    ['not TLS (HTTP)', httpRequest({ host: 'a' }), { kind: 'not-tls' }],
    ['a TLS alert record', hex('15 0303 0002 0228'), { kind: 'not-tls' }],
    ['a hostile SNI: markup, ESC, invalid UTF-8', tlsClientHello({ sni: concat(utf8('<script>'), [0x1b, 0xff]) }), { kind: 'sni', name: '<script>\\x1b\\xff' }],
  ])('%s', (_what, bytes, want) => {
    expect(parseClientHelloSni(...all(bytes))).toEqual(want);
  });

  it('every prefix of a ClientHello is need-more (the split-over-segments case), the whole is the name', () => {
    const ch = tlsClientHello({ sni: 'graph.microsoft.com', padTo: 1500 });
    const sniEnd = ch.findIndex((_, i) => i > 0 && String.fromCharCode(...ch.subarray(i - 3, i)) === 'com');
    for (let n = 1; n < sniEnd; n++) expect(parseClientHelloSni(ch, 0, n).kind).toBe('need-more');
    expect(parseClientHelloSni(ch, 0, sniEnd)).toEqual({ kind: 'sni', name: 'graph.microsoft.com' });
    expect(looksLikeTlsHandshake(ch, 0, 1)).toBe(true);
  });

  it('an SNI over 255 bytes is cut and marked', () => {
    const r = parseClientHelloSni(...all(tlsClientHello({ sni: 'a'.repeat(400) })));
    expect(r).toEqual({ kind: 'sni', name: `${'a'.repeat(255)}…` });
  });

  it('lengths that lie never throw', () => {
    const ch = tlsClientHello({ sni: 'x.example' });
    for (let i = 3; i < 80; i++) {
      const bad = ch.slice();
      bad[i] = 0xff;
      expect(() => parseClientHelloSni(...all(bad))).not.toThrow();
    }
  });
});

describe('HTTP Host', () => {
  it.each([
    ['Host with a port', httpRequest({ host: 'ams.corp.example:8080' }), { kind: 'host', name: 'ams.corp.example' }],
    ['case-insensitive header name', utf8('POST /x HTTP/1.1\r\nhOsT:   Packages.Lithnet.IO  \r\n\r\n'), { kind: 'host', name: 'packages.lithnet.io' }],
    ['IPv6 literal keeps its brackets and drops the port', utf8('GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n'), { kind: 'host', name: '[2001:db8::1]' }],
    ['no Host header (HTTP/1.0)', utf8('GET / HTTP/1.0\r\nAccept: */*\r\n\r\n'), { kind: 'no-host' }],
    ['head not complete yet', utf8('GET / HTTP/1.1\r\nAccept: */*\r\n'), { kind: 'need-more' }],
    ['not a request', utf8('SSH-2.0-OpenSSH_9.6\r\n'), { kind: 'not-http' }],
    ['a Host with control characters comes out inert', utf8('GET / HTTP/1.1\r\nHost: a\u001b]0;x\u0007b\r\n\r\n'), { kind: 'host', name: 'a\\x1b]0;x\\x07b' }],
  ])('%s', (_what, bytes, want) => {
    expect(parseHttpHost(...all(bytes))).toEqual(want);
  });

  it('a method prefix is enough to keep reading', () => {
    expect(looksLikeHttpRequest(utf8('GE'), 0, 2)).toBe(true);
    expect(looksLikeHttpRequest(utf8('GX'), 0, 2)).toBe(false);
  });
});

describe('DCE/RPC endpoint mapper', () => {
  it('an ept_map response yields its tower: TCP port and IP', () => {
    const pdu = eptMapResponse(7, 49670, '10.0.0.2');
    const h = readPduHeader(...all(pdu))!;
    expect(h).toMatchObject({ ptype: 2, littleEndian: true, fragLength: pdu.length, callId: 7 });
    expect(eptMapResponseEndpoints(pdu, 0, h)).toEqual([{ protocol: 'tcp', port: 49670, ip: '10.0.0.2' }]);
  });

  it('a request gives its opnum (3 = ept_map); a bind is not a request', () => {
    const req = eptMapRequest(2);
    expect(requestOpnum(req, 0, readPduHeader(...all(req))!)).toBe(3);
    const bind = epmBind(1);
    expect(requestOpnum(bind, 0, readPduHeader(...all(bind))!)).toBe(-1);
  });

  it('tower floors: a tower without a port floor gives nothing', () => {
    expect(towerEndpoints(...all(epmTower(135, '0.0.0.0')))).toEqual({ protocol: 'tcp', port: 135, ip: '0.0.0.0' });
    expect(towerEndpoints(...all(hex('0100 0100 0b 0200 0000')))).toBeNull();
    expect(towerEndpoints(...all(hex('ffff')))).toBeNull(); // 65535 floors
  });

  it.each([
    ['not version 5', hex('04 00 02 03 10000000 2000 0000 01000000')],
    ['fragment length below the header', hex('05 00 02 03 10000000 0800 0000 01000000')],
    ['auth length past the fragment', hex('05 00 02 03 10000000 1800 ff00 01000000')],
  ])('%s is not a PDU', (_what, b) => {
    expect(readPduHeader(...all(b))).toBeNull();
  });

  it('a response whose counts lie is refused, never throws', () => {
    const pdu = eptMapResponse(7, 49670, '10.0.0.2');
    for (let i = 16; i < pdu.length; i++) {
      const bad = pdu.slice();
      bad[i] = 0xff;
      const h = readPduHeader(...all(bad));
      expect(() => h && eptMapResponseEndpoints(bad, 0, h)).not.toThrow();
    }
  });
});

describe('the packet an ICMP error quotes', () => {
  it('IPv4/UDP and IPv6/TCP', () => {
    const v4 = ipv4({ src: '10.0.0.10', dst: '10.0.0.3', proto: 17, payload: udp({ sport: 60002, dport: 389, payload: new Uint8Array(20) }) });
    expect(quotedPacket(v4, 0, 28)).toEqual({ protocol: 'udp', src: '10.0.0.10', srcPort: 60002, dst: '10.0.0.3', dstPort: 389 });
    const v6 = ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: 6, payload: tcp({ sport: 50000, dport: 443 }) });
    expect(quotedPacket(v6, 0, 48)).toEqual({ protocol: 'tcp', src: 'fd00::1', srcPort: 50000, dst: 'fd00::2', dstPort: 443 });
  });

  it('too short, not TCP/UDP, or a later fragment: nothing', () => {
    const v4 = ipv4({ src: '10.0.0.10', dst: '10.0.0.3', proto: 17, payload: udp({ sport: 1, dport: 2 }) });
    expect(quotedPacket(v4, 0, 23)).toBeNull();
    const icmp = ipv4({ src: '10.0.0.10', dst: '10.0.0.3', proto: 1, payload: new Uint8Array(8) });
    expect(quotedPacket(icmp, 0, 28)).toBeNull();
    const frag = ipv4({ src: '10.0.0.10', dst: '10.0.0.3', proto: 17, payload: new Uint8Array(16), fragOffset: 8 });
    expect(quotedPacket(frag, 0, 28)).toBeNull();
  });
});
