/**
 * Built-in matrix `builtin:ad-infrastructure`: what a domain-joined Windows server (here the AMS
 * server) exchanges with its domain controllers beyond the Lithnet table. NOT from the vendor
 * table: every rule says so in its `note`. Ports are Microsoft's "Service overview and network
 * port requirements for Windows" / "How to configure a firewall for Active Directory domains and
 * trusts". Meant to be combined: `--matrix builtin:ams --matrix builtin:ad-infrastructure`.
 * All rules are optional: they make this traffic expected, they do not demand it. Netlogon's RPC
 * (endpoint mapper 135 and the dynamic range) is already in builtin:ams (ams-rpc-epm,
 * ams-rpc-dynamic); its named-pipe transport is SMB 445 (ad-smb).
 */
import type { MatrixFile } from '../types.js';

const NOTE = 'Not from the Lithnet vendor table: domain-member traffic of a Windows server (builtin:ad-infrastructure)';

export const AD_INFRASTRUCTURE_MATRIX: MatrixFile = {
  name: 'ad-infrastructure',
  version: '1 (flowaudit; Microsoft AD port requirements, not a vendor table)',
  source: 'Microsoft: Service overview and network port requirements for Windows; Active Directory and AD DS port requirements',
  description: 'Traffic a domain-joined Windows server (the AMS server) sends to its domain controllers, which the AMS table does not list',
  features: [],
  roles: {
    'ams-server': { description: 'The Access Manager Service (AMS) server' },
    'domain-controller': { description: 'Active Directory domain controllers' },
    'global-catalog': { description: 'Active Directory domain controller global catalog servers' },
    'dns-server': { description: 'Active Directory DNS servers' },
  },
  rules: [
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
  ],
};
