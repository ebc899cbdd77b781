/**
 * What Active Directory and Access Manager look like on the wire: the one table of AD knowledge
 * discovery uses beside the matrix's own rules. Ports are Microsoft's ("Service overview and
 * network port requirements for Windows"); SRV names are the DC locator's (MS-ADTS 6.3.6:
 * `_ldap._tcp.dc._msdcs.DOMAIN`, `_kerberos._tcp.DOMAIN`, `_gc._tcp.FOREST`).
 */
import { svc, type Service } from './observe.js';

export interface ServiceKind {
  /** Short label used in evidence ("Kerberos tcp/88"). */
  label: string;
  services: Service[];
}

export const KERBEROS: ServiceKind = { label: 'Kerberos', services: [svc('tcp', 88), svc('udp', 88)] };
export const LDAP: ServiceKind = { label: 'LDAP', services: [svc('tcp', 389), svc('tcp', 636)] };
export const CLDAP: ServiceKind = { label: 'CLDAP', services: [svc('udp', 389)] };
export const GC: ServiceKind = { label: 'Global Catalog', services: [svc('tcp', 3268), svc('tcp', 3269)] };
export const EPM: ServiceKind = { label: 'RPC endpoint mapper', services: [svc('tcp', 135)] };
export const DNS_UDP: ServiceKind = { label: 'DNS', services: [svc('udp', 53), svc('tcp', 53)] };
export const SQL: ServiceKind = { label: 'SQL Server (TDS)', services: [svc('tcp', 1433)] };
export const SMB: ServiceKind = { label: 'SMB', services: [svc('tcp', 445)] };
export const HTTPS: ServiceKind = { label: 'HTTPS', services: [svc('tcp', 443)] };
export const HTTP: ServiceKind = { label: 'HTTP', services: [svc('tcp', 80)] };

/** SRV owner prefixes (lower case) that advertise a role: a DC locator record names a DC. */
export const SRV_ROLE_PREFIXES: readonly { prefix: string; role: 'domain-controller' | 'global-catalog' }[] = [
  { prefix: '_ldap._tcp.dc._msdcs.', role: 'domain-controller' },
  { prefix: '_kerberos._tcp.dc._msdcs.', role: 'domain-controller' },
  { prefix: '_kerberos._tcp.', role: 'domain-controller' },
  { prefix: '_kerberos._udp.', role: 'domain-controller' },
  { prefix: '_kpasswd._tcp.', role: 'domain-controller' },
  { prefix: '_kpasswd._udp.', role: 'domain-controller' },
  { prefix: '_ldap._tcp.pdc._msdcs.', role: 'domain-controller' },
  { prefix: '_gc._tcp.', role: 'global-catalog' },
  { prefix: '_ldap._tcp.gc._msdcs.', role: 'global-catalog' },
];

/** The role an SRV owner name advertises, or null (plain `_ldap._tcp.X` may be any LDAP server). */
export function srvRole(service: string): 'domain-controller' | 'global-catalog' | null {
  const s = service.toLowerCase();
  for (const x of SRV_ROLE_PREFIXES) if (s.startsWith(x.prefix) || s.includes(`.${x.prefix}`)) return x.role;
  return null;
}

/**
 * The AD and Access Manager roles discovery recognises by behaviour, in the order they are decided
 * (each may use the ones before it), with the evidence each one needs. Cloud roles (matrix roles
 * with default host names, and oidc-provider) are decided by name only (cloud.ts).
 */
export const AD_ROLES = [
  { role: 'domain-controller', needs: 'answers Kerberos tcp|udp/88 and LDAP tcp/389 or CLDAP udp/389, or is the target of a DC locator SRV answer (_ldap._tcp.dc._msdcs, _kerberos._tcp)' },
  { role: 'ams-server', needs: '--as ams-server=ADDRESS, or talks LDAP (and Global Catalog / RPC endpoint mapper) to the DCs and serves HTTP(S) to clients' },
  { role: 'global-catalog', needs: 'answers tcp/3268 or 3269, is the target of a _gc._tcp SRV answer, or is a DC the AMS asks on tcp/3268 (even when it refuses)' },
  { role: 'dns-server', needs: 'answers DNS udp/53 to the AMS' },
  { role: 'sql-server', needs: 'answers tcp/1433 to the AMS' },
  { role: 'jit-target', needs: 'the AMS opens SMB tcp/445 to it and it is not a DC' },
  { role: 'domain-joined-agent', needs: 'LDAP tcp/389 to a DC, no HTTP(S) to the AMS, not the AMS or a DC' },
  { role: 'web-user', needs: 'HTTP(S) client of the AMS that also uses HTTP tcp/80, signs in at the OIDC provider, talks to the DCs, or shares a subnet with such a user' },
  { role: 'non-domain-agent', needs: '--as only: an HTTPS-only client of the AMS looks the same as a web user on the wire' },
] as const;

export type AdRole = (typeof AD_ROLES)[number]['role'];
