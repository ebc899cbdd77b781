/**
 * Servers of the domain and the AMS server itself, from behaviour and SRV answers: domain
 * controllers, the AMS server, Global Catalogs, DNS servers, the SQL server. Each function adds
 * to the proposals with the facts that support it, and notes what it could not decide.
 */
import { CLDAP, DNS_UDP, EPM, GC, HTTP, HTTPS, KERBEROS, LDAP, SQL, srvRole, type ServiceKind } from './ad_knowledge.js';
import { answered, listed, outcomeText, reached, served, type Observation, type Pair } from './observe.js';
import { bestName, fromKinds, type Proposals } from './proposals.js';

const ports = (ps: readonly Pair[]): string => [...new Set(ps.map((p) => `${p.protocol}/${p.port}`))].join(', ');
const clients = (ps: readonly Pair[]): string[] => [...new Set(ps.map((p) => p.client))];
const servers = (ps: readonly Pair[]): string[] => [...new Set(ps.map((p) => p.server))];

/** "answered LDAP tcp/389 to 3 clients (a, b, c)" */
export function answeredText(kind: ServiceKind, ps: readonly Pair[]): string {
  const c = clients(ps);
  return `answered ${kind.label} ${ports(ps)} to ${c.length} client${c.length === 1 ? '' : 's'} (${listed(c)})`;
}

function srvEvidence(o: Observation, role: 'domain-controller' | 'global-catalog'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of o.srv) {
    if (srvRole(s.service) !== role) continue;
    const addrs = new Set(s.addresses);
    for (const a of o.addressesOfName.get(s.target) ?? []) addrs.add(a);
    const text = `SRV ${s.service} → ${s.target}:${s.port} (answer from ${s.resolver} to ${s.client})`;
    for (const a of addrs) out.set(a, [...(out.get(a) ?? []), text]);
  }
  return out;
}

/** SRV targets of a role for which no address was seen anywhere. */
function srvWithoutAddress(o: Observation, role: 'domain-controller' | 'global-catalog'): string[] {
  return o.srv.filter((s) => srvRole(s.service) === role && s.addresses.length === 0 && !o.addressesOfName.has(s.target)).map((s) => s.target);
}

export function domainControllers(o: Observation, p: Proposals): void {
  const srv = srvEvidence(o, 'domain-controller');
  const hosts = new Set<string>([...o.byServer.keys(), ...srv.keys()]);
  for (const h of hosts) {
    const krb = answered(served(o, h, KERBEROS.services));
    const ldap = answered(served(o, h, LDAP.services));
    const cldap = answered(served(o, h, CLDAP.services));
    const ev: string[] = [];
    if (krb.length) ev.push(answeredText(KERBEROS, krb));
    if (ldap.length) ev.push(answeredText(LDAP, ldap));
    if (cldap.length) ev.push(answeredText(CLDAP, cldap));
    const s = srv.get(h) ?? [];
    const kinds = (krb.length ? 1 : 0) + (ldap.length || cldap.length ? 1 : 0) + (s.length ? 1 : 0);
    if (kinds === 0) continue;
    if (s.length && !o.byServer.has(h)) ev.push('no traffic to it in the capture: known from DNS only');
    p.add('domain-controller', h, fromKinds(kinds), [...ev, ...s], bestName(o, h));
  }
  for (const t of new Set(srvWithoutAddress(o, 'domain-controller'))) {
    p.note({ subject: t, roles: ['domain-controller'], reason: 'advertised as a DC by an SRV answer, but no address for it was seen', hint: `add its address to domain-controller, or --as domain-controller=ADDRESS` });
  }
  // LDAP/Kerberos attempted at a host that never answered: a DC that is down or blocked, or not a DC.
  for (const [h] of o.byServer) {
    if (p.has('domain-controller', h)) continue;
    const tried = served(o, h, [...KERBEROS.services, ...LDAP.services, ...CLDAP.services]);
    if (tried.length && answered(tried).length === 0) {
      p.note({ subject: h, roles: ['domain-controller'], reason: `${clients(tried).length} client(s) tried ${ports(tried)} (${outcomeText(tried)}) and it never answered: a DC that is down or blocked?`, hint: `--as domain-controller=${h} to audit it as one` });
    }
  }
}

export function amsServer(o: Observation, p: Proposals, given: readonly { member: string; why: string; confidence?: 'high' | 'medium' }[]): void {
  for (const g of given) p.add('ams-server', g.member, g.confidence ?? 'high', [g.why], bestName(o, g.member));
  const dcs = new Set(p.members('domain-controller'));
  const isDc = (a: string): boolean => dcs.has(a);
  const candidates: string[] = [];
  for (const [h] of o.byClient) {
    if (isDc(h)) continue;
    const ldap = reached(o, h, [...LDAP.services, ...CLDAP.services], isDc);
    if (ldap.length === 0) continue;
    const web = answered(served(o, h, [...HTTPS.services, ...HTTP.services]));
    if (web.length === 0) continue;
    const gc = reached(o, h, GC.services, isDc);
    const epm = reached(o, h, EPM.services, isDc);
    const talks = [`LDAP/CLDAP ${ports(ldap)} to ${listed(servers(ldap))}`];
    if (gc.length) talks.push(`Global Catalog tcp/3268 to ${listed(servers(gc))}`);
    if (epm.length) talks.push(`RPC endpoint mapper tcp/135 to ${listed(servers(epm))}`);
    const ev = [`talks to the DCs: ${talks.join('; ')}`, `serves HTTP(S) ${ports(web)} to ${clients(web).length} client${clients(web).length === 1 ? '' : 's'} (${listed(clients(web))})`];
    const conf = gc.length || epm.length ? 'high' : 'medium';
    if (given.length === 0) p.add('ams-server', h, conf, ev, bestName(o, h));
    else if (p.has('ams-server', h)) p.add('ams-server', h, 'high', ev);
    candidates.push(h);
  }
  if (given.length === 0 && candidates.length === 0) {
    p.note({ subject: 'ams-server', roles: ['ams-server'], reason: 'no host both talks LDAP to a DC and serves HTTP(S): the AMS server could not be found, so its flows could not be followed', hint: '--as ams-server=ADDRESS' });
  }
  // Other HTTP(S) servers that clients use but that do not talk to the DCs (e.g. the AMS's IPv6 address).
  const ams = new Set(p.members('ams-server'));
  if (ams.size === 0) return;
  for (const [h, list] of o.byServer) {
    if (ams.has(h) || isDc(h)) continue;
    const web = answered(list.filter((x) => (x.protocol === 'tcp' && (x.port === 443 || x.port === 80)) && !ams.has(x.client)));
    if (web.length === 0 || web.some((x) => ams.has(x.client))) continue;
    if (served(o, h, HTTPS.services, (c) => ams.has(c)).length) continue; // a cloud host the AMS uses (cloud.ts)
    p.note({ subject: h, roles: ['ams-server'], reason: `serves ${ports(web)} to ${listed(clients(web))} but does not talk to the DCs: if it is the AMS server too (another address of it), it was not proposed`, hint: `--as ams-server=${h}` });
  }
}

export function globalCatalogs(o: Observation, p: Proposals): void {
  const srv = srvEvidence(o, 'global-catalog');
  const ams = new Set(p.members('ams-server'));
  const dcs = new Set(p.members('domain-controller'));
  const hosts = new Set<string>([...o.byServer.keys(), ...srv.keys()]);
  for (const h of hosts) {
    const ans = answered(served(o, h, GC.services));
    const s = srv.get(h) ?? [];
    const ev: string[] = [];
    if (ans.length) ev.push(answeredText(GC, ans));
    const fromAms = served(o, h, GC.services, (c) => ams.has(c)).filter((x) => x.answered === 0);
    if (fromAms.length && dcs.has(h)) {
      ev.push(`the AMS server asks this DC for the Global Catalog (${ports(fromAms)}: ${outcomeText(fromAms)}): it did not answer, which the audit will report`);
    }
    if (ev.length === 0 && s.length === 0) continue;
    const kinds = (ans.length ? 1 : 0) + (s.length ? 1 : 0) + (dcs.has(h) ? 1 : 0);
    p.add('global-catalog', h, fromKinds(kinds), [...ev, ...s, ...(dcs.has(h) ? ['is a domain controller'] : [])], bestName(o, h));
  }
  for (const t of new Set(srvWithoutAddress(o, 'global-catalog'))) {
    p.note({ subject: t, roles: ['global-catalog'], reason: 'advertised as a Global Catalog by an SRV answer, but no address for it was seen' });
  }
  if (p.members('global-catalog').length === 0) {
    p.note({ subject: 'global-catalog', roles: ['global-catalog'], reason: 'no host answered tcp/3268, none was advertised by _gc._tcp, and the AMS asked no DC for it' });
  }
}

/** A server role that answers one service to the AMS (DNS, SQL). */
export function servesAms(o: Observation, p: Proposals, role: string, kind: ServiceKind, noneReason: string): void {
  const ams = new Set(p.members('ams-server'));
  if (ams.size === 0) return;
  let found = false;
  for (const [h] of o.byServer) {
    if (ams.has(h)) continue;
    const fromAms = served(o, h, kind.services, (c) => ams.has(c));
    if (fromAms.length === 0) continue;
    const ans = answered(fromAms);
    if (ans.length === 0) {
      p.note({ subject: h, roles: [role], reason: `the AMS server tried ${kind.label} ${ports(fromAms)} (${outcomeText(fromAms)}) and it never answered`, hint: `--as ${role}=${h} to audit it as one` });
      continue;
    }
    found = true;
    const n = ans.reduce((k, x) => k + x.answered, 0);
    p.add(role, h, 'high', [`answered ${n} ${kind.label} ${ports(ans)} exchange${n === 1 ? '' : 's'} from the AMS server`], bestName(o, h));
  }
  if (!found) p.note({ subject: role, roles: [role], reason: noneReason });
}

export function dnsServers(o: Observation, p: Proposals): void {
  servesAms(o, p, 'dns-server', DNS_UDP, 'no DNS answers to the AMS server were seen');
}

export function sqlServers(o: Observation, p: Proposals): void {
  servesAms(o, p, 'sql-server', SQL, 'no SQL traffic seen (tcp/1433): AMS may use SQL Express; leave external-sql off');
}
