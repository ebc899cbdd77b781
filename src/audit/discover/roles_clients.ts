/**
 * Client roles: JIT targets, domain-joined agents, web users, non-domain agents. These are the
 * hardest to tell apart on the wire (an HTTPS-only client of the AMS may be a browser or an agent
 * checking in), so a client gets a role only with evidence that separates it; the rest are listed
 * as undecided and their flows stay in front of the auditor.
 */
import { isIPv4Text as isIPv4 } from '../../ip_text.js';
import { HTTP, HTTPS, KERBEROS, LDAP, SMB } from './ad_knowledge.js';
import { answered, listed, outcomeText, reached, served, type Observation, type Pair } from './observe.js';
import { bestName, fromKinds, type Proposals } from './proposals.js';

const servers = (ps: readonly Pair[]): string[] => [...new Set(ps.map((p) => p.server))];

export function jitTargets(o: Observation, p: Proposals): void {
  const ams = new Set(p.members('ams-server'));
  const dcs = new Set(p.members('domain-controller'));
  for (const a of ams) {
    for (const x of reached(o, a, SMB.services)) {
      if (dcs.has(x.server) || ams.has(x.server)) continue;
      if (x.answered === 0) {
        p.note({ subject: x.server, roles: ['jit-target'], reason: `the AMS server tried SMB tcp/445 (${outcomeText([x])}) and it never answered`, hint: `--as jit-target=${x.server}` });
        continue;
      }
      const name = bestName(o, x.server);
      p.add('jit-target', x.server, 'medium', [`the AMS server opened SMB tcp/445 to it (${outcomeText([x])}) and it is not a DC${name ? `; named ${name}` : ''}`], name);
    }
  }
}

/** The /24 (IPv4) or /64 (IPv6) an address is in, as a key for "same subnet". */
export function subnetKey(address: string): string {
  if (isIPv4(address)) return address.split('.').slice(0, 3).join('.');
  const full = address.includes('::') ? expand6(address) : address.split(':');
  return full.slice(0, 4).join(':');
}

function expand6(a: string): string[] {
  const [head, tail] = a.split('::') as [string, string];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
}

export function clientRoles(o: Observation, p: Proposals, givenClients: ReadonlyMap<string, string>): void {
  const ams = new Set(p.members('ams-server'));
  const dcs = new Set(p.members('domain-controller'));
  const idps = new Set(p.members('oidc-provider'));
  const infra = new Set([...ams, ...dcs]);
  const isDc = (a: string): boolean => dcs.has(a);
  const isAms = (a: string): boolean => ams.has(a);

  // Domain-joined agents: LDAP to a DC, no HTTP(S) to the AMS. A host given with --as another role
  // is still judged (it keeps what it earned, issue 20); --only-as drops the rest afterwards.
  for (const [h] of o.byClient) {
    if (infra.has(h)) continue;
    const ldap = answered(reached(o, h, LDAP.services.filter((s) => s.from === 389), isDc));
    if (ldap.length === 0) continue;
    const web = reached(o, h, [...HTTPS.services, ...HTTP.services], isAms);
    if (web.length > 0) {
      p.note({ subject: h, roles: ['domain-joined-agent'], reason: 'does LDAP to the DCs and also uses the AMS web app: proposed as a web user only', hint: `--as domain-joined-agent=${h} if it runs the agent` });
      continue;
    }
    p.add('domain-joined-agent', h, 'medium', [`LDAP tcp/389 to ${listed(servers(ldap))} (${outcomeText(ldap)}), no HTTPS to the AMS server; every domain member does LDAP, so confirm it runs the agent`], bestName(o, h));
  }

  // Web users: HTTP(S) clients of the AMS with evidence that separates them from agents.
  const webClients = new Map<string, Pair[]>();
  for (const a of ams) {
    for (const x of served(o, a, [...HTTPS.services, ...HTTP.services])) {
      if (infra.has(x.client)) continue;
      webClients.set(x.client, [...(webClients.get(x.client) ?? []), x]);
    }
  }
  const ambiguous: string[] = [];
  for (const [c, ps] of webClients) {
    const ev: string[] = [];
    const http = ps.filter((x) => x.port === 80);
    const https = ps.filter((x) => x.port === 443);
    if (https.length) ev.push(`HTTPS tcp/443 to the AMS server (${outcomeText(https)})`);
    let kinds = 0;
    if (http.length) {
      kinds++;
      ev.push(`HTTP tcp/80 to the AMS server (${outcomeText(http)}), as a browser does before the redirect to HTTPS`);
    }
    const idp = reached(o, c, HTTPS.services).filter((x) => [...(o.names.get(x.server)?.keys() ?? [])].some((n) => idps.has(n)));
    if (idp.length) {
      kinds++;
      ev.push(`signs in at the OIDC provider (${listed(idp.map((x) => bestName(o, x.server) ?? x.server))})`);
    }
    const domain = reached(o, c, [...KERBEROS.services, ...LDAP.services], isDc);
    if (domain.length) {
      kinds++;
      ev.push(`a domain member (Kerberos/LDAP to ${listed(servers(domain))}), so not a non-domain agent`);
    }
    if (kinds === 0) {
      if (!givenClients.has(c)) ambiguous.push(c); // decided on the command line: not undecided
      continue;
    }
    p.add('web-user', c, fromKinds(kinds), ev, bestName(o, c));
  }
  // HTTPS-only clients: decided by a neighbour whose role is known (same /24 or /64), else undecided.
  const decided = new Map<string, Set<string>>();
  for (const role of ['web-user', 'non-domain-agent']) {
    for (const m of [...p.members(role), ...[...givenClients].filter(([, r]) => r === role).map(([a]) => a)]) {
      const k = subnetKey(m);
      decided.set(k, new Set([...(decided.get(k) ?? []), `${role}|${m}`]));
    }
  }
  for (const c of ambiguous) {
    const near = [...(decided.get(subnetKey(c)) ?? [])].map((x) => x.split('|') as [string, string]);
    const roles = new Set(near.map(([r]) => r));
    const https = webClients.get(c) ?? [];
    if (roles.size === 1) {
      const [role] = [...roles] as [string];
      const who = near.map(([, a]) => a);
      p.add(role, c, 'medium', [`HTTPS tcp/443 to the AMS server only (${outcomeText(https)})`, `in the same ${isIPv4(c) ? '/24' : '/64'} as ${role} ${listed(who)}`], bestName(o, c));
      continue;
    }
    p.note({
      subject: c,
      roles: ['web-user', 'non-domain-agent'],
      reason: `HTTPS tcp/443 to the AMS server and nothing that tells a browser from an agent check-in (no HTTP tcp/80, no OIDC sign-in, no domain traffic, no decided neighbour): not proposed, so the audit reports its flows`,
      hint: `--as web-user=${c} or --as non-domain-agent=${c}`,
    });
  }
}
