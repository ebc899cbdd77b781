/**
 * Features the proposal suggests, each with why: azure-ad when the Microsoft Graph / login names
 * were seen, oidc when an identity provider was found, external-sql when the AMS server talks to a
 * SQL server. Only features the matrix declares are suggested.
 */
import type { Matrix } from '../../matrix/types.js';
import type { Proposals } from './proposals.js';

export interface FeatureSuggestion {
  name: string;
  on: boolean;
  why: string;
}

const RULES: { feature: string; roles: string[]; on: string; off: string }[] = [
  { feature: 'azure-ad', roles: ['microsoft-graph', 'microsoft-login'], on: 'the AMS server reached', off: 'no Microsoft Graph or login name (graph.microsoft.com, login.microsoftonline.com) was seen from the AMS server' },
  { feature: 'oidc', roles: ['oidc-provider'], on: 'an identity provider was found:', off: 'no host that both the AMS server and web users reach on tcp/443 carried a name' },
  { feature: 'external-sql', roles: ['sql-server'], on: 'the AMS server talks to SQL Server at', off: 'no SQL traffic seen: AMS may use SQL Express; leave external-sql off' },
];

export function suggestFeatures(p: Proposals, matrix: Matrix): FeatureSuggestion[] {
  const declared = new Set(matrix.features.map((f) => f.name));
  const out: FeatureSuggestion[] = [];
  for (const r of RULES) {
    if (!declared.has(r.feature)) continue;
    const members = r.roles.flatMap((role) => p.members(role));
    out.push(members.length ? { name: r.feature, on: true, why: `${r.on} ${members.join(', ')}` } : { name: r.feature, on: false, why: r.off });
  }
  return out;
}
