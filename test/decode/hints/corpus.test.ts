
import { expect, it } from 'vitest';
import { FlowEngine } from '../../../src/flows/flow_engine.js';
import { ingestFiles } from '../../../src/capture/ingest.js';
import { CORPUS_DIR, describeShared } from '../../support/shared.js';


async function hints(file: string) {
  const e = new FlowEngine();
  const [s] = await ingestFiles([`${CORPUS_DIR}/captures/${file}`], e);
  expect(s!.error).toBeNull();
  const h = e.hints;
  return {
    dnsResponses: h.dnsResponses,
    dns: Object.fromEntries([...h.facts.dnsNames].map(([a, l]) => [a, l.map((x) => `${x.name} ${x.ttl}`)])),
    sni: [...h.facts.sni.values()],
    host: [...h.facts.httpHost.values()],
    epm: h.facts.epm.map((x) => `${x.client} > ${x.server} ${x.protocol}/${x.port} (mapper ${x.mapper})`),
    icmp: h.facts.icmp.size,
  };
}

const NOTHING = { dns: {}, sni: [], host: [], epm: [], icmp: 0 };

describeShared('hint extractors on the corpus', () => {
  it('zeek dce-rpc-mapi: two ept_map responses (NSPI → 4997, MAPI → 1032); the ept_lookup response is not a map', async () => {
    const h = (await hints('zeek__dce-rpc-mapi.pcap'));
    expect(h.epm).toEqual([
      '192.168.0.173 > 192.168.0.2 tcp/4997 (mapper 192.168.0.2)',
      '192.168.0.173 > 192.168.0.2 tcp/1032 (mapper 192.168.0.2)',
    ]);
    // The same capture has Outlook Web Access over HTTP and DNS queries without address answers.
    expect(h.host).toEqual(['webmail.aol.com', 'webmail.aol.com']);
    expect(h.dnsResponses).toBe(7);
    expect(h.dns).toEqual({});
  });

  it('zeek dce-rpc-cs_window7-join_stream092: only the dynamic-port conversation (tcp/1024), no endpoint mapper traffic', async () => {
    expect((await hints('zeek__dce-rpc-cs_window7-join_stream092.pcap'))).toMatchObject({ ...NOTHING, dnsResponses: 0 });
  });

  it('TLS: SNI of the ClientHello (OpenJDK to zeek.org; Chrome to ssl.gstatic.com)', async () => {
    expect((await hints('zeek__tls-openjdk-25.0.2-zeek.org.pcap')).sni).toEqual(['zeek.org']);
    expect((await hints('zeek__tls-tls-conn-with-extensions.pcap')).sni).toEqual(['ssl.gstatic.com']);
  });

  it('TLS without SNI: ML-DSA certificate test (ClientHello has no server_name) and IRC STARTTLS (TLS not at the stream start)', async () => {
    expect((await hints('zeek__tls-ml-dsa-44-cert.pcap'))).toMatchObject(NOTHING);
    expect((await hints('zeek__tls-irc-starttls.pcap'))).toMatchObject(NOTHING);
  });

  it('HTTP Host: CONNECT with headers, a GET to an SSH server (Host is an address), HTTP inside QinQinQ VLANs', async () => {
    expect((await hints('zeek__http-connect-with-header.pcap')).host).toEqual(['secure.newegg.com']);
    expect((await hints('zeek__http-get-to-ssh-server.pcap')).host).toEqual(['128.3.50.246']);
    expect((await hints('zeek__vlan-qinqinq.pcap')).host).toEqual(['bro.org']);
  });

  it('DNS: a CNAME chain (www.apple.com → … → akamaiedge) and A/AAAA sets, with their TTLs', async () => {
    const h = (await hints('zeek__pcapng-multi-interface.pcapng'));
    expect(h.dnsResponses).toBe(3);
    expect(h.dns['23.194.101.24']).toEqual([
      'www.apple.com 9',
      'www-apple-com.v.aaplimg.com 9',
      'www.apple.com.edgekey.net 9',
      'e6858.dsce9.akamaiedge.net 9',
    ]);
    expect(Object.keys(h.dns)).toHaveLength(11);
    expect(h.dns['2607:f8b0:4023:2007::66']).toEqual(['google.com 112']);
    expect(h.dns['142.251.181.100']).toEqual(['google.com 137']);
  });

  it('DNS: large answers cut by IP fragmentation still yield what the first fragments hold (answer section only, no glue)', async () => {
    const h = (await hints('ndpi__dns_fragmented.pcap'));
    expect(h.dnsResponses).toBe(21);
    expect(h.dns).toEqual({
      '2001:470:1f0b:1024::2': ['pa.weberlab.de 60'],
      '194.247.4.10': ['fg2.weberlab.de 60'],
      '2001:470:1f0b:16b0::1': ['fg2-mgmt.weberlab.de 60'],
      '134.91.78.139': ['sigok.verteiltesysteme.net 60'],
      '85.25.234.253': ['formel1.de 3600'],
      '2606:4700:30::6818:6291': ['erfpop.de 300'],
      '2606:4700:30::6818:6391': ['erfpop.de 300'],
      '2001:470:1f0b:16b0::a26:53': ['ns2.weberdns.de 3600'],
      '194.247.5.14': ['ns2.weberdns.de 3600'],
    });
  });

  it('DNS without addresses: a TKEY answer for the root, and BADCOOKIE errors', async () => {
    expect((await hints('zeek__dns-tkey.pcap'))).toMatchObject({ ...NOTHING, dnsResponses: 1 });
    expect((await hints('tcpdump__dns-badcookie.pcap'))).toMatchObject({ ...NOTHING, dnsResponses: 2 });
  });

  it('Kerberos, LDAP and CLDAP captures teach no names (no false positives on other protocols)', async () => {
    for (const f of ['suricata-verify__krb5-kerberoasting.pcap', 'zeek__krb-kinit.pcap', 'zeek__ldap-aduser1.pcap', 'suricata-verify__ldap-udp-cldap.pcap', 'zeek__smb-smb2.pcap']) {
      expect(await hints(f), f).toMatchObject({ ...NOTHING, dnsResponses: 0 });
    }
  });
});
