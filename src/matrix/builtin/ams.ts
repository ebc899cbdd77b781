/**
 * Built-in matrix for Lithnet Access Manager (AMS), `builtin:ams`.
 *
 * Transcribed from the vendor's "Ports and traffic flows" table (Access Manager v2.0 docs), as
 * captured in shared/seed/000_b80abea58aedb9de.txt (sha256 e3e4713d7d0a…). 14 table rows expand to
 * 17 port-level rules: one protocol and one port (or range) per rule. Every rule cites its table row
 * (`row`, 1-based, in table order) and carries the vendor's description verbatim;
 * test/matrix/builtin_ams.test.ts re-parses the seed table and checks each row against these rules.
 *
 * The vendor has published other editions of this table (v3.0 says "Microsoft Entra joined devices"
 * where this one says "Azure AD-joined and registered devices"), hence the explicit `version`.
 */
import type { MatrixFile } from '../types.js';

const UPDATE = 'Allows the AMS server to check and notify when updates are available (optional)';
const GRAPH = 'Used to access the graph API when authenticating Azure AD-joined and registered devices';
const LOGIN = 'Used to authenticate to the graph API when authenticating Azure AD-joined and registered devices';
const OIDC_VALIDATION = 'Required for claims validation when using OpenID Connect';
const DIRECTORY =
  'Directory lookups, site lookups, BitLocker Password lookups, LAPS password lookups, JIT group membership modifications';
const GC = 'Computer name lookups';
const RPC = 'Authorization queries and ACL evaluation';
const DNS = 'DNS lookups';
const SQL = 'Connectivity to the AMS database (when not using SQL Express)';
const JIT_SMB =
  'Used to query a computer when performing a JIT request to determine what DC and site it is in. This is optional, and AMS will fall back to using sites and services to try and find the closest DC to the target computer';
const AGENT_LAPS = 'LAPS password management';
const AGENT_API = 'Agent registration, check in, and password management';
const WEB = 'Access to the web app';
const WEB_OIDC = 'OpenID Connect authentication';

export const AMS_MATRIX: MatrixFile = {
  name: 'ams',
  version: '2.0-docs (seed sha256 e3e4713d7d0a; "Azure AD-joined" wording, before the v3.0 "Entra" edition)',
  source:
    'Lithnet Access Manager v2.0 documentation: Ports and traffic flows, https://docs.lithnet.io/ams/2.0/help-and-support/advanced-help-topics/ports-and-traffic-flows',
  description: 'Traffic flows and port requirements for a typical Lithnet Access Manager (AMS) environment',
  features: [
    { name: 'azure-ad', description: 'Authenticating Azure AD-joined and registered devices via Microsoft Graph (rows 2, 3)' },
    { name: 'oidc', description: 'Web-app authentication with an OpenID Connect identity provider (rows 4, 14)' },
    { name: 'external-sql', description: 'AMS database on a SQL Server instead of SQL Express (row 9)' },
  ],
  roles: {
    'ams-server': { description: 'The Access Manager Service (AMS) server' },
    'domain-controller': { description: 'Active Directory domain controllers' },
    'global-catalog': { description: 'Active Directory domain controller global catalog servers' },
    'dns-server': { description: 'Active Directory DNS servers' },
    'sql-server': { description: 'SQL Server hosting the AMS database (when not using SQL Express)' },
    'jit-target': { description: 'JIT target computers' },
    'domain-joined-agent': { description: 'Windows domain-joined computers running the Access Manager agent' },
    'non-domain-agent': { description: 'Non-domain-joined computers running the Access Manager agent' },
    'web-user': { description: 'Access Manager web-app users' },
    'oidc-provider': {
      description: 'OpenID Connect identity provider (the issuer/authority host of the OIDC setup page)',
    },
    'lithnet-updates': { description: 'Lithnet update service', hosts: ['packages.lithnet.io'] },
    'microsoft-graph': { description: 'Microsoft Graph API', hosts: ['graph.microsoft.com'] },
    'microsoft-login': { description: 'Microsoft identity platform login', hosts: ['login.microsoftonline.com'] },
  },
  rules: [
    // Row 1: AMS server → packages.lithnet.io, TCP 443
    { id: 'ams-update-check', source: 'ams-server', destination: 'lithnet-updates', protocol: 'tcp', ports: ['443'],
      requirement: 'optional', service: 'HTTPS', description: UPDATE, row: 1,
      trigger: 'Restart the AMS service or leave it running through its update check while capturing (it asks packages.lithnet.io for new versions)' },
    // Row 2: AMS server → graph.microsoft.com, TCP 443
    { id: 'ams-graph-api', source: 'ams-server', destination: 'microsoft-graph', protocol: 'tcp', ports: ['443'],
      requirement: 'conditional', feature: 'azure-ad', service: 'HTTPS', description: GRAPH, row: 2,
      trigger: 'Request access to (or a LAPS password for) an Azure AD-joined or registered device, so AMS queries Microsoft Graph' },
    // Row 3: AMS server → login.microsoftonline.com, TCP 443
    { id: 'ams-graph-login', source: 'ams-server', destination: 'microsoft-login', protocol: 'tcp', ports: ['443'],
      requirement: 'conditional', feature: 'azure-ad', service: 'HTTPS', description: LOGIN, row: 3,
      trigger: 'Request access to an Azure AD-joined or registered device, so AMS signs in to the Graph API' },
    // Row 4: AMS server → OIDC issuer/authority host, TCP 443
    { id: 'ams-oidc-validation', source: 'ams-server', destination: 'oidc-provider', protocol: 'tcp', ports: ['443'],
      requirement: 'conditional', feature: 'oidc', service: 'HTTPS', description: OIDC_VALIDATION, row: 4,
      trigger: 'Sign in to the AMS web app through the OpenID Connect provider (AMS validates the claims)' },
    // Row 5: AMS server → Domain Controllers, "LDAP TCP 389, CLDAP UDP 389"
    { id: 'ams-ldap', source: 'ams-server', destination: 'domain-controller', protocol: 'tcp', ports: ['389'],
      requirement: 'required', service: 'LDAP', description: DIRECTORY, row: 5,
      trigger: 'Sign in to the web app and look up a computer, or request a LAPS or BitLocker password' },
    { id: 'ams-cldap', source: 'ams-server', destination: 'domain-controller', protocol: 'udp', ports: ['389'],
      requirement: 'required', service: 'CLDAP', description: DIRECTORY, row: 5,
      trigger: 'Restart the AMS service or look up a computer in the web app (site lookups use CLDAP)' },
    // Row 6: AMS server → Global Catalog servers, "Global Catalog TCP 3268"
    { id: 'ams-global-catalog', source: 'ams-server', destination: 'global-catalog', protocol: 'tcp', ports: ['3268'],
      requirement: 'required', service: 'Global Catalog', description: GC, row: 6,
      trigger: 'Search for a computer by name in the web app (computer name lookup)' },
    // Row 7: AMS server → Domain Controllers, "RPC Endpoint Mapper TCP 135, RPC dynamic port range 49152-65535"
    { id: 'ams-rpc-epm', source: 'ams-server', destination: 'domain-controller', protocol: 'tcp', ports: ['135'],
      requirement: 'required', service: 'RPC Endpoint Mapper', description: RPC, row: 7,
      trigger: 'Request access to a computer as a user whose rights come from a group (authorization query and ACL evaluation)' },
    { id: 'ams-rpc-dynamic', source: 'ams-server', destination: 'domain-controller', protocol: 'tcp',
      ports: ['49152-65535'], requirement: 'required', service: 'RPC dynamic', description: RPC, row: 7,
      note: 'The table gives no protocol for the dynamic range; DCE/RPC over TCP (as the endpoint mapper) is assumed',
      trigger: 'Request access to a computer as a user whose rights come from a group (authorization query and ACL evaluation)' },
    // Row 8: AMS server → AD DNS servers, "DNS UDP 53"
    { id: 'ams-dns', source: 'ams-server', destination: 'dns-server', protocol: 'udp', ports: ['53'],
      requirement: 'required', service: 'DNS', description: DNS, row: 8,
      trigger: 'Restart the AMS service or look up a computer in the web app (every lookup starts with DNS)' },
    // Row 9: AMS server → SQL Database, "TSQL TCP 1433"
    { id: 'ams-sql', source: 'ams-server', destination: 'sql-server', protocol: 'tcp', ports: ['1433'],
      requirement: 'conditional', feature: 'external-sql', service: 'TSQL', description: SQL, row: 9,
      trigger: 'Restart the AMS service or open the web app (the service reads its database)' },
    // Row 10: AMS server → JIT target computers, "RPC over SMB 445"
    { id: 'ams-jit-smb', source: 'ams-server', destination: 'jit-target', protocol: 'tcp', ports: ['445'],
      requirement: 'optional', service: 'RPC over SMB', description: JIT_SMB, row: 10,
      note: 'The table gives no protocol; SMB (direct hosting) is TCP 445',
      trigger: 'Request JIT access for a computer' },
    // Row 11: Windows domain-joined agent → Domain Controllers, "LDAP TCP 389"
    { id: 'agent-ldap', source: 'domain-joined-agent', destination: 'domain-controller', protocol: 'tcp',
      ports: ['389'], requirement: 'required', service: 'LDAP', description: AGENT_LAPS, row: 11,
      trigger: 'Restart the Access Manager agent service on a domain-joined computer (it manages its LAPS password)' },
    // Row 12: Non-domain-joined agent → AMS Server, "HTTPS TCP 443"
    { id: 'agent-ams-api', source: 'non-domain-agent', destination: 'ams-server', protocol: 'tcp', ports: ['443'],
      requirement: 'required', service: 'HTTPS', description: AGENT_API, row: 12,
      trigger: 'Restart the Access Manager agent service on a non-domain-joined computer (it checks in with AMS)' },
    // Row 13: web-app users → AMS Server, "HTTP TCP 80, HTTPS TCP 443"
    { id: 'web-http', source: 'web-user', destination: 'ams-server', protocol: 'tcp', ports: ['80'],
      requirement: 'required', service: 'HTTP', description: WEB, row: 13,
      trigger: "Open http://<AMS server>/ from a user's machine (plain HTTP, redirected to HTTPS)" },
    { id: 'web-https', source: 'web-user', destination: 'ams-server', protocol: 'tcp', ports: ['443'],
      requirement: 'required', service: 'HTTPS', description: WEB, row: 13,
      trigger: "Open the web app from a user's machine" },
    // Row 14: web-app users → OpenID Connect Identity Provider, "HTTPS TCP 443"
    { id: 'web-oidc-login', source: 'web-user', destination: 'oidc-provider', protocol: 'tcp', ports: ['443'],
      requirement: 'conditional', feature: 'oidc', service: 'HTTPS', description: WEB_OIDC, row: 14,
      trigger: "Sign in to the web app from a user's machine through the OpenID Connect provider" },
  ],
};
