/**
 * Built-in matrix `builtin:ad-infrastructure`: what a domain-joined Windows server (here the AMS
 * server) exchanges with its domain controllers beyond the Lithnet table. NOT from the vendor
 * table: every rule says so in its `note`. Ports are Microsoft's "Service overview and network
 * port requirements for Windows" / "How to configure a firewall for Active Directory domains and
 * trusts". Meant to be combined: `--matrix builtin:ams --matrix builtin:ad-infrastructure`.
 * All rules are optional: they make this traffic expected, they do not demand it. Netlogon's RPC
 * (endpoint mapper 135 and the dynamic range) is already in builtin:ams (ams-rpc-epm,
 * ams-rpc-dynamic); its named-pipe transport is SMB 445 (ad-smb).
 *
 * Issue 20: also what domain controllers exchange with each other (replication: RPC, LDAP, Global
 * Catalog, Kerberos, DNS between DCs, SMB, NTP) and what a domain-joined agent sends its DCs beside
 * its LAPS LDAP (Kerberos, SMB, DNS), so that an audit of a real domain can point at this matrix for all
 * of that ordinary AD traffic (audit/ad_infrastructure.ts).
 */
import type { MatrixFile } from '../types.js';

const NOTE = 'Not from the Lithnet vendor table: domain-member traffic of a Windows server (builtin:ad-infrastructure)';
const DC_NOTE = 'Not from the Lithnet vendor table: traffic between domain controllers (builtin:ad-infrastructure)';
const AGENT_NOTE = 'Not from the Lithnet vendor table: domain-member traffic of a domain-joined computer (builtin:ad-infrastructure)';

type Rule = MatrixFile['rules'][number];
const dc = (id: string, protocol: 'tcp' | 'udp', port: string, service: string, description: string, destination = 'domain-controller'): Rule => ({
  id: `ad-dc-${id}`, source: 'domain-controller', destination, protocol, ports: [port], requirement: 'optional', service, description, note: DC_NOTE,
});
const member = (id: string, protocol: 'tcp' | 'udp', port: string, service: string, description: string, destination = 'domain-controller'): Rule => ({
  id: `ad-agent-${id}`, source: 'domain-joined-agent', destination, protocol, ports: [port], requirement: 'optional', service, description, note: AGENT_NOTE,
});

/** What the AMS server, as a domain member, sends its DCs (the first 9 rules). */
const AD_SERVER_RULES: Rule[] = [
    { id: 'ad-kerberos-tcp', source: 'ams-server', destination: 'domain-controller', protocol: 'tcp', ports: ['88'], requirement: 'optional',
      service: 'Kerberos', description: 'Kerberos authentication (tickets for LDAP, SMB and RPC to the DCs)', note: NOTE },
    { id: 'ad-kerberos-udp', source: 'ams-server', destination: 'domain-controller', protocol: 'udp', ports: ['88'], requirement: 'optional',
      service: 'Kerberos', description: 'Kerberos authentication over UDP (small tickets)', note: NOTE },
    { id: 'ad-kpasswd-tcp', source: 'ams-server', destination: 'domain-controller', protocol: 'tcp', ports: ['464'], requirement: 'optional',
      service: 'Kerberos password change', description: 'Machine account password changes (kpasswd)', note: NOTE },
    { id: 'ad-kpasswd-udp', source: 'ams-server', destination: 'domain-controller', protocol: 'udp', ports: ['464'], requirement: 'optional',
      service: 'Kerberos password change', description: 'Machine account password changes (kpasswd) over UDP', note: NOTE },
    { id: 'ad-ntp', source: 'ams-server', destination: 'domain-controller', protocol: 'udp', ports: ['123'], requirement: 'optional',
      service: 'NTP (W32Time)', description: 'Time synchronisation with the domain hierarchy (Kerberos needs clocks within 5 minutes)', note: NOTE },
    { id: 'ad-ldaps', source: 'ams-server', destination: 'domain-controller', protocol: 'tcp', ports: ['636'], requirement: 'optional',
      service: 'LDAPS', description: 'LDAP over TLS', note: NOTE },
    { id: 'ad-gc-ssl', source: 'ams-server', destination: 'global-catalog', protocol: 'tcp', ports: ['3269'], requirement: 'optional',
      service: 'Global Catalog over TLS', description: 'Global Catalog lookups over TLS', note: NOTE },
    { id: 'ad-smb', source: 'ams-server', destination: 'domain-controller', protocol: 'tcp', ports: ['445'], requirement: 'optional',
      service: 'SMB', description: 'Group Policy (SYSVOL), NETLOGON share, and Netlogon/LSA RPC over named pipes', note: NOTE },
    { id: 'ad-dns-tcp', source: 'ams-server', destination: 'dns-server', protocol: 'tcp', ports: ['53'], requirement: 'optional',
      service: 'DNS over TCP', description: 'DNS queries whose answers do not fit in UDP, and dynamic DNS updates', note: NOTE },
];

export const AD_INFRASTRUCTURE_MATRIX: MatrixFile = {
  name: 'ad-infrastructure',
  version: '1 (flowaudit; Microsoft AD port requirements, not a vendor table)',
  source: 'Microsoft: Service overview and network port requirements for Windows; Active Directory and AD DS port requirements',
  description: 'Traffic a domain-joined Windows server (the AMS server) or agent sends to its domain controllers, and traffic between the domain controllers, which the AMS table does not list',
  features: [],
  roles: {
    'ams-server': { description: 'The Access Manager Service (AMS) server' },
    'domain-controller': { description: 'Active Directory domain controllers' },
    'global-catalog': { description: 'Active Directory domain controller global catalog servers' },
    'dns-server': { description: 'Active Directory DNS servers' },
    'domain-joined-agent': { description: 'Windows domain-joined computers running the Access Manager agent' },
  },
  rules: [
    ...AD_SERVER_RULES,
    dc('ldap-tcp', 'tcp', '389', 'LDAP', 'Directory replication and lookups between DCs'),
    dc('ldap-udp', 'udp', '389', 'CLDAP', 'DC locator pings between DCs'),
    dc('gc', 'tcp', '3268', 'Global Catalog', 'Global Catalog lookups between DCs', 'global-catalog'),
    dc('rpc-epm', 'tcp', '135', 'RPC Endpoint Mapper', 'Replication (DRSUAPI) and DFSR: the endpoint mapper'),
    dc('rpc-dynamic', 'tcp', '49152-65535', 'RPC dynamic', 'Replication (DRSUAPI) and DFSR over the dynamic RPC range'),
    dc('kerberos-tcp', 'tcp', '88', 'Kerberos', 'Kerberos between DCs'),
    dc('kerberos-udp', 'udp', '88', 'Kerberos', 'Kerberos between DCs over UDP'),
    dc('dns-udp', 'udp', '53', 'DNS', 'DNS between DCs (AD-integrated zones, forwarding)', 'dns-server'),
    dc('dns-tcp', 'tcp', '53', 'DNS over TCP', 'DNS zone transfers and large answers between DCs', 'dns-server'),
    dc('smb', 'tcp', '445', 'SMB', 'SYSVOL replication (DFSR) and Netlogon named pipes between DCs'),
    dc('ntp', 'udp', '123', 'NTP (W32Time)', 'Time synchronisation along the domain hierarchy'),
    member('kerberos-tcp', 'tcp', '88', 'Kerberos', 'Kerberos authentication of the domain-joined computer'),
    member('kerberos-udp', 'udp', '88', 'Kerberos', 'Kerberos authentication of the domain-joined computer over UDP'),
    member('smb', 'tcp', '445', 'SMB', 'Group Policy (SYSVOL) and the NETLOGON share, read by every domain member'),
    member('dns', 'udp', '53', 'DNS', 'DNS lookups of the domain-joined computer (DC locator, the AMS server)', 'dns-server'),
  ],
};
