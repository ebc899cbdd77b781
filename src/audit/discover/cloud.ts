/**
 * Cloud roles by name only. A host the AMS server reaches on tcp/443 gets a cloud role when a name
 * the capture gave it (TLS SNI, HTTP Host, DNS answer) is one of the matrix's host names for that
 * role (graph.microsoft.com → microsoft-graph …); the member written is the name, never the
 * address (cloud addresses change). The OIDC provider is the named host that both the AMS server
 * and clients of the AMS reach on 443. A host reached only by the AMS whose names match no role is
 * never proposed: it stays an unexpected flow for the audit to report.
 */
import type { Inventory } from '../../matrix/types.js';
import { HTTP, HTTPS } from './ad_knowledge.js';
import { answered, listed, outcomeText, reached, served, type Observation } from './observe.js';
import { namesText, type Proposals } from './proposals.js';

function nameSources(o: Observation, address: string, name: string): string {
  const s = o.names.get(address)?.get(name);
  return [...(s ?? [])].map((x) => (x === 'sni' ? 'TLS SNI' : x === 'dns' ? 'DNS answer' : 'HTTP Host')).join(' and ');
}

/**
 * `defaults` is an inventory compiled with no members: it knows the matrix's default host names only.
 * `cloudRoles` are the matrix roles that have default host names.
 */
export function cloudRoles(o: Observation, p: Proposals, defaults: Inventory, cloudRoleNames: ReadonlySet<string>, hasOidc: boolean): void {
  const ams = new Set(p.members('ams-server'));
  if (ams.size === 0) return;
  const onPrem = new Set(['ams-server', 'domain-controller', 'global-catalog', 'dns-server', 'sql-server'].flatMap((r) => p.members(r)));
  // Clients of the AMS's web app (any HTTP(S) client), who sign in at the IdP.
  const webClients = new Set<string>();
  for (const a of ams) for (const x of served(o, a, [...HTTPS.services, ...HTTP.services])) if (!ams.has(x.client)) webClients.add(x.client);

  const targets = new Set<string>();
  for (const a of ams) for (const x of reached(o, a, HTTPS.services)) if (!onPrem.has(x.server)) targets.add(x.server);
  for (const h of targets) {
    const fromAms = served(o, h, HTTPS.services, (c) => ams.has(c));
    const names = [...(o.names.get(h)?.keys() ?? [])];
    let matched = false;
    for (const n of names) {
      for (const role of defaults.rolesForName(n)) {
        if (!cloudRoleNames.has(role)) continue;
        matched = true;
        const srcs = o.names.get(h)?.get(n)?.size ?? 0;
        const conf = srcs >= 2 || answered(fromAms).length > 0 ? 'high' : 'medium';
        p.add(role, n, conf, [`${n} named ${h} (${nameSources(o, h, n)}); the AMS server reached it on tcp/443 (${outcomeText(fromAms)})`]);
      }
    }
    if (matched) continue;
    const users = served(o, h, HTTPS.services, (c) => webClients.has(c));
    if (hasOidc && users.length > 0) {
      const sni = names.filter((n) => o.names.get(h)?.get(n)?.has('sni'));
      const best = sni[0] ?? names[0];
      if (best === undefined) {
        p.note({ subject: h, roles: ['oidc-provider'], reason: `both the AMS server and web-app clients (${listed(users.map((x) => x.client))}) open HTTPS to it, but the capture gave it no name (no SNI, no DNS answer)`, hint: 'add the issuer host name of your OIDC setup to oidc-provider' });
        continue;
      }
      const ev = [
        `both the AMS server and ${new Set(users.map((x) => x.client)).size} web-app client(s) (${listed(users.map((x) => x.client))}) open HTTPS tcp/443 to ${h}`,
        `named ${names.length ? namesText(o, h).join(', ') : best}`,
      ];
      p.add('oidc-provider', best, sni.length ? 'high' : 'medium', ev);
      continue;
    }
    p.note({
      subject: h,
      reason: `reached by the AMS server on tcp/443${names.length ? ` as ${names.join(', ')}` : ' (no name seen)'}, a name that matches no role: not proposed, the audit will report it as unexpected`,
    });
  }
}
