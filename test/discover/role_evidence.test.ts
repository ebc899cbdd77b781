/**
 * Each role's evidence on a tiny scenario of its own (table-driven): what discovery proposes,
 * with which confidence, and what it leaves undecided. Built with the fixture Lab.
 */
import { describe, expect, it } from 'vitest';
import { dnsQuery, dnsResponse, tlsClientHello } from '../support/app_packets.js';
import type { Endpoint, Lab } from '../../fixtures/lab_builder.js';
import { discoverLab, memberLines } from './helpers.js';

const AMS: Endpoint = { ip: '10.0.0.10' };
const DC: Endpoint = { ip: '10.0.0.2' };
const DC3: Endpoint = { ip: '10.0.0.4' };
const WS: Endpoint = { ip: '10.0.2.31' };
const USER: Endpoint = { ip: '10.0.3.15' };
const SQL: Endpoint = { ip: '10.0.0.20' };

/** The AMS server as discovery finds it: LDAP to the DC, serving HTTPS to a user. */
function amsBasics(lab: Lab): void {
  lab.tcp(AMS, 49801, DC, 389, 'answered');
  lab.tcp(USER, 51000, AMS, 443, 'answered');
}

const srvAnswer = (lab: Lab, service: string, target: string, port: number, address?: string): void => {
  lab.udpTalk(AMS, 53100, DC, 53, dnsQuery({ id: 7, question: service, qtype: 'SRV' }), dnsResponse({
    id: 7, question: service, qtype: 'SRV',
    answers: [{ name: service, type: 'SRV', ttl: 600, data: target, port }],
    ...(address ? { additional: [{ name: target, type: 'A', ttl: 600, data: address }] } : {}),
  }));
};

const cases: { name: string; build: (lab: Lab) => void; as?: { role: string; member: string }[]; expect: string[]; absent?: string[]; undecided?: RegExp[] }[] = [
  {
    name: 'a DC known only from an SRV answer (_ldap._tcp.dc._msdcs, address in the additional section)',
    build: (lab) => { amsBasics(lab); srvAnswer(lab, '_ldap._tcp.dc._msdcs.corp.example', 'dc3.corp.example', 389, '10.0.0.4'); },
    expect: ['domain-controller 10.0.0.4 medium', 'domain-controller 10.0.0.2 medium'],
  },
  {
    name: 'an SRV-advertised DC that also answers Kerberos is high',
    build: (lab) => { amsBasics(lab); srvAnswer(lab, '_kerberos._tcp.corp.example', 'dc3.corp.example', 88, '10.0.0.4'); lab.tcp(AMS, 49810, DC3, 88, 'answered'); },
    expect: ['domain-controller 10.0.0.4 high'],
  },
  {
    name: 'an SRV target without an address stays undecided',
    build: (lab) => { amsBasics(lab); srvAnswer(lab, '_ldap._tcp.dc._msdcs.corp.example', 'dc9.corp.example', 389); },
    expect: [],
    undecided: [/^dc9\.corp\.example: advertised as a DC by an SRV answer/],
  },
  {
    name: 'a GC that refuses 3268 is still proposed (the AMS asks it), so the audit reports the failure',
    build: (lab) => { amsBasics(lab); lab.tcp(AMS, 49803, DC, 3268, 'refused'); },
    expect: ['global-catalog 10.0.0.2 medium'],
  },
  {
    name: 'a GC from a _gc._tcp SRV answer',
    build: (lab) => { amsBasics(lab); srvAnswer(lab, '_gc._tcp.corp.example', 'dc3.corp.example', 3268, '10.0.0.4'); },
    expect: ['global-catalog 10.0.0.4 medium'],
    absent: ['domain-controller 10.0.0.4'],
  },
  {
    name: 'a GC that answers 3268 and is a DC is high',
    build: (lab) => { amsBasics(lab); lab.tcp(AMS, 49803, DC, 3268, 'answered'); },
    expect: ['global-catalog 10.0.0.2 high'],
  },
  {
    name: 'an agent seen only via LDAP is a domain-joined agent',
    build: (lab) => { amsBasics(lab); lab.tcp(WS, 52001, DC, 389, 'answered'); },
    expect: ['domain-joined-agent 10.0.2.31 medium'],
    absent: ['web-user 10.0.2.31'],
  },
  {
    name: 'an LDAP client that also uses the web app is a web user, not a domain-joined agent',
    build: (lab) => { amsBasics(lab); lab.tcp(WS, 52001, DC, 389, 'answered'); lab.tcp(WS, 52002, AMS, 443, 'answered'); },
    expect: ['web-user 10.0.2.31 medium'],
    absent: ['domain-joined-agent 10.0.2.31'],
    undecided: [/^10\.0\.2\.31: does LDAP to the DCs and also uses the AMS web app/],
  },
  {
    name: 'a DNS server answers udp/53 to the AMS; a SQL server answers 1433',
    build: (lab) => { amsBasics(lab); lab.udp(AMS, 53001, DC, 53, true); lab.tcp(AMS, 49900, SQL, 1433, 'answered'); },
    expect: ['dns-server 10.0.0.2 high', 'sql-server 10.0.0.20 high'],
  },
  {
    name: 'no SQL traffic: sql-server undecided (SQL Express)',
    build: (lab) => { amsBasics(lab); },
    expect: [],
    undecided: [/^sql-server: no SQL traffic seen \(tcp\/1433\): AMS may use SQL Express; leave external-sql off$/],
  },
  {
    name: 'a JIT target is reached by the AMS on 445 and is not a DC; the DC reached on 445 is not one',
    build: (lab) => { amsBasics(lab); lab.tcp(AMS, 49814, WS, 445, 'answered'); lab.tcp(AMS, 49815, DC, 445, 'answered'); },
    expect: ['jit-target 10.0.2.31 medium'],
    absent: ['jit-target 10.0.0.2'],
  },
  {
    name: 'an HTTPS-only client of the AMS is undecided (browser or agent?) unless --as decides',
    build: (lab) => { amsBasics(lab); lab.tcp({ ip: '10.0.5.40' }, 53100, AMS, 443, 'answered'); },
    expect: [],
    absent: ['web-user', 'non-domain-agent'],
    undecided: [/^10\.0\.5\.40: HTTPS tcp\/443 to the AMS server and nothing that tells a browser/],
  },
  {
    name: '--as non-domain-agent decides it, and its HTTPS-only neighbour follows',
    build: (lab) => { amsBasics(lab); lab.tcp({ ip: '10.0.5.40' }, 53100, AMS, 443, 'answered'); lab.tcp({ ip: '10.0.5.41' }, 53101, AMS, 443, 'answered'); },
    as: [{ role: 'non-domain-agent', member: '10.0.5.40' }],
    expect: ['non-domain-agent 10.0.5.40 high', 'non-domain-agent 10.0.5.41 medium'],
  },
  {
    name: 'no AMS found: nothing but DCs, and the AMS is undecided',
    build: (lab) => { lab.tcp(WS, 52001, DC, 389, 'answered'); },
    expect: ['domain-controller 10.0.0.2 medium'],
    absent: ['ams-server'],
    undecided: [/^ams-server: no host both talks LDAP to a DC and serves HTTP\(S\)/],
  },
  {
    name: 'a host reached only by the AMS whose name matches no role is never proposed',
    build: (lab) => {
      amsBasics(lab);
      lab.tcpTalk(AMS, 49820, { ip: '203.0.113.9' }, 443, [{ from: 'c', data: tlsClientHello({ sni: 'telemetry.example.net', padTo: 300 }) }, { from: 's', data: new Uint8Array(900).fill(0x16) }]);
    },
    expect: [],
    absent: ['oidc-provider', 'telemetry'],
    undecided: [/^203\.0\.113\.9: reached by the AMS server on tcp\/443 as telemetry\.example\.net, a name that matches no role: not proposed/],
  },
  {
    name: 'the OIDC provider is the named host both the AMS and a web user reach on 443',
    build: (lab) => {
      amsBasics(lab);
      lab.tcp(USER, 51001, AMS, 80, 'answered');
      const hello = (sni: string) => [{ from: 'c' as const, data: tlsClientHello({ sni, padTo: 300 }) }, { from: 's' as const, data: new Uint8Array(900).fill(0x16) }];
      lab.tcpTalk(AMS, 49821, { ip: '203.0.113.50' }, 443, hello('idp.example.org'));
      lab.tcpTalk(USER, 51002, { ip: '203.0.113.50' }, 443, hello('idp.example.org'));
    },
    expect: ['oidc-provider idp.example.org high', 'web-user 10.0.3.15 high'],
  },
];

describe('discovery: each role from its own evidence', () => {
  it.each(cases)('$name', (c) => {
    const r = discoverLab(c.build, { as: c.as ?? [] });
    const lines = memberLines(r);
    for (const e of c.expect) expect(lines).toContain(e);
    for (const a of c.absent ?? []) expect(lines.filter((l) => l.includes(a))).toEqual([]);
    const undecided = r.undecided.map((u) => `${u.subject}: ${u.reason}`);
    for (const u of c.undecided ?? []) expect(undecided.some((x) => u.test(x)), `${u} in\n${undecided.join('\n')}`).toBe(true);
  });

  it('suggests features from what it found', () => {
    const r = discoverLab((lab) => { amsBasics(lab); lab.tcp(AMS, 49900, SQL, 1433, 'answered'); });
    expect(r.features.map((f) => `${f.name} ${f.on}`)).toEqual(['azure-ad false', 'oidc false', 'external-sql true']);
  });
});
