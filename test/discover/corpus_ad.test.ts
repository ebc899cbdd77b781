/**
 * Discovery on the real AD captures of the shared corpus (category AD in MANIFEST.tsv): the domain
 * controllers and Global Catalogs each one reveals, against what tshark 4.0.17 shows. The tshark
 * column was recorded once with
 *   tshark -r F -Y '(kerberos || ldap || cldap) && (tcp.srcport==88 || tcp.srcport==389 ||
 *     tcp.srcport==3268 || tcp.srcport==636 || udp.srcport==88 || udp.srcport==389)'
 *     -T fields -e ip.src -e ipv6.src -e tcp.srcport -e udp.srcport -e _ws.col.Protocol
 * (hosts tshark decodes as answering Kerberos, LDAP or CLDAP from a server port), and
 * `-Y 'dns.qry.type == 33'` for SRV lookups (none in this corpus). They are fixed expectations
 * here, not computed by tshark at test time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeShared } from '../support/shared.js';
import { CAPTURES_DIR, } from '../capture/corpus_files.js';
import { discoverBytes } from './helpers.js';

const CASES: { file: string; tshark: string; dc: string[]; gc?: string[] }[] = [
  { file: 'zeek__ldap-aduser1.pcap', tshark: '192.168.226.136 LDAP tcp/389, KRB5 tcp/88', dc: ['192.168.226.136 high'] },
  { file: 'zeek__ldap-ctu-sme-11-win7ad-1-ldap-tcp-50041.pcap', tshark: '192.168.1.108 LDAP tcp/389', dc: ['192.168.1.108 medium'] },
  { file: 'zeek__ldap-krb5-sign-seal-01.pcap', tshark: '172.31.1.101 LDAP tcp/389', dc: ['172.31.1.101 medium'] },
  { file: 'zeek__ldap-missing_ldap_logs.pcapng', tshark: '10.199.2.111 LDAP tcp/389', dc: ['10.199.2.111 medium'] },
  { file: 'zeek__ldap-gap-data-missing.pcapng', tshark: '2a00:6020:ad0b:8380::10 LDAP tcp/389', dc: ['2a00:6020:ad0b:8380::10 medium'] },
  // LDAP on 3268 only: a Global Catalog; nothing shows it is also a DC.
  { file: 'zeek__ldap-simpleauth.pcap', tshark: '10.0.0.2 LDAP tcp/3268', dc: [], gc: ['10.0.0.2 medium'] },
  { file: 'zeek__krb-kinit.pcap', tshark: '192.168.1.32 KRB5 udp/88, tcp/88', dc: ['192.168.1.32 medium'] },
  { file: 'zeek__krb-kerberos_tso.pcapng', tshark: '172.16.0.100 KRB5 tcp/88', dc: ['172.16.0.100 medium'] },
  { file: 'suricata-verify__ldap-udp-cldap.pcap', tshark: '192.168.122.3 CLDAP udp/389', dc: ['192.168.122.3 medium'] },
  { file: 'suricata-verify__bug-8619-cldap-leak.pcap', tshark: '192.168.122.3 CLDAP udp/389', dc: ['192.168.122.3 medium'] },
  { file: 'suricata-verify__krb5-kerberoasting.pcap', tshark: '10.0.0.6 KRB5 tcp/88', dc: ['10.0.0.6 medium'] },
  // No Kerberos/LDAP/CLDAP answers and no SRV answers: tshark shows no DC, discovery proposes none.
  { file: 'zeek__dce-rpc-mapi.pcap', tshark: 'none', dc: [] },
  { file: 'zeek__dce-rpc-cs_window7-join_stream092.pcap', tshark: 'none', dc: [] },
  { file: 'zeek__smb-dssetup_DsRoleGetPrimaryDomainInformation.cap', tshark: 'none', dc: [] },
  { file: 'zeek__smb-smb2.pcap', tshark: 'none', dc: [] },
  { file: 'zeek__dns-tkey.pcap', tshark: 'none', dc: [] },
  { file: 'ndpi__netbios.pcap', tshark: 'none', dc: [] },
  { file: 'zeek__tls-tls-conn-with-extensions.pcap', tshark: 'none', dc: [] },
];

describeShared('discovery on the real AD corpus agrees with tshark on the DCs', () => {
  it('covers every AD capture of the manifest', () => {
    const manifest = readFileSync(join(CAPTURES_DIR, '..', 'MANIFEST.tsv'), 'utf8').split('\n').slice(1);
    const ad = manifest.map((l) => l.split('\t')).filter((c) => c[9]?.includes('AD')).map((c) => c[0]);
    expect(CASES.map((c) => c.file).sort()).toEqual(ad.sort());
  });

  it.each(CASES)('$file: tshark shows $tshark', ({ file, dc, gc }) => {
    const path = join(CAPTURES_DIR, file);
    expect(existsSync(path)).toBe(true);
    const r = discoverBytes(readFileSync(path));
    const of = (role: string) => r.members.filter((m) => m.role === role).map((m) => `${m.member} ${m.confidence}`);
    expect(of('domain-controller')).toEqual(dc);
    expect(of('global-catalog')).toEqual(gc ?? []);
    // None of these captures has an AMS server: discovery says so instead of guessing one.
    expect(of('ams-server')).toEqual([]);
    expect(r.undecided.map((u) => u.subject)).toContain('ams-server');
  });
});
