/**
 * The next steps of a report: what an admin should check next, in words, derived from a finished
 * result (inconclusive causes first, then failed / partial / missing rules, warnings, unexpected
 * flows and near misses, then the --vantage hint).
 */
import { recordLogSteps } from './record_inputs.js';
import type { AuditResult } from './result.js';

/** What to do about an inconclusive audit, first in the next steps. */
export function inconclusiveSteps(r: AuditResult): string[] {
  const steps: string[] = [];
  if (r.verdict !== 'inconclusive' && !r.inputs.some((i) => i.error)) return steps;
  if (r.inputs.some((i) => i.error && i.packets === 0)) steps.push('Check the unreadable input: flowaudit reads pcap and pcapng files (see the Capture section for the exact error).');
  if (r.inventory.origin === '(none)' && !r.options.as) {
    steps.push('Give an inventory (--inventory FILE) that lists the hosts of each role (ams-server, domain-controller, …); without it no rule can be checked and the verdict cannot be pass or fail.');
  } else if (r.rules.every((x) => x.status === 'not-applicable' || x.status === 'not-visible')) {
    steps.push('Every rule is not applicable: list at least the AMS server and the hosts it talks to in the inventory\'s roles.');
  }
  if (r.summary.packets === 0 && !r.inputs.every((i) => i.error)) steps.push('The capture holds no packets: check the interface, the capture filter and that traffic flowed while capturing.');
  else if (r.summary.packets > 0 && (r.summary.connectionsTouchingInventory ?? 0) === 0 && r.inventory.origin !== '(none)') {
    steps.push('No connection touches an inventory host: is this the right capture (interface, filter, time window), or the right inventory (addresses, host names)?');
  }
  return steps;
}

/**
 * When every in-scope connection touches one inventory host and no --vantage was given, enforced
 * rules missing only because they cannot cross that host suggest the capture was taken on it.
 */
export function vantageHint(r: AuditResult, hub: { address: string; roles: string[] } | null, label: (a: string) => string): string[] {
  if (hub === null || (r.options.vantage?.length ?? 0) > 0 || hub.roles.length === 0) return [];
  const cannot = r.rules.filter((x) => x.enforced && x.status === 'missing' && !hub.roles.includes(x.source) && !hub.roles.includes(x.destination));
  if (cannot.length === 0) return [];
  const roles = hub.roles.join(', ');
  return [
    `Every audited connection touches ${label(hub.address)}, role ${roles}: the capture looks taken on that host. ${cannot.map((x) => x.id).join(', ')} cannot cross it and ${cannot.length === 1 ? 'is' : 'are'} missing for that reason alone; if so, re-run with ${hub.roles.map((x) => `--vantage ${x}`).join(' or ')} to report ${cannot.length === 1 ? 'it' : 'them'} as not-visible.`,
  ];
}

/** "a, b, c, d, e and 7 more": a list in a sentence stays short. */
function listSome(xs: string[], max = 5): string {
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}

export function nextSteps(r: AuditResult): string[] {
  const steps: string[] = [];
  for (const i of r.inputs) {
    if (i.error) steps.push(`Input ${i.path} could not be read to the end (${i.error.message}); the audit covers only the ${i.packets} packet${i.packets === 1 ? '' : 's'} before that point.`);
    else if (i.truncated) steps.push(`Input ${i.path} ends mid-record; the audit covers the ${i.packets} complete packets.`);
  }
  steps.push(...recordLogSteps(r));
  for (const rule of r.rules) {
    if (!rule.enforced) continue;
    const what = `${rule.source} → ${rule.destination} ${rule.protocol}/${rule.ports.join(',')}`;
    if (rule.status === 'failed' && rule.diagnosis && rule.diagnosis.findings.length > 0) {
      steps.push(`${rule.id} (${what}) failed: ${rule.diagnosis.findings.map((f) => f.text).join('; ')}.`);
    } else if (rule.status === 'failed') {
      const o = rule.outcomes;
      steps.push(
        `${rule.id} (${what}): ${rule.connections} attempt${rule.connections === 1 ? '' : 's'}, none answered (${o.refused} refused, ${o.unanswered} unanswered). Check host firewalls and network ACLs between ${rule.clients.slice(0, 3).join(', ')} and ${rule.servers.slice(0, 3).join(', ')}.`,
      );
    } else if (rule.status === 'missing' && rule.reason?.includes('never resolved')) {
      steps.push(`${rule.id} (${what}) was never seen: ${rule.reason}. Make sure the capture covers a use of it (${rule.trigger ?? rule.service ?? rule.description}), including the DNS lookup or the TLS handshake that names the host.`);
    } else if (rule.status === 'missing') {
      const how = rule.trigger ? `: ${rule.trigger.replace(/^./, (c) => c.toLowerCase())}` : ` (${rule.service ?? rule.description})`;
      steps.push(`${rule.id} (${what}) was never seen. Make sure the capture covers a use of it${how}, and that the inventory lists the ${rule.source} and ${rule.destination} hosts.`);
    } else if (rule.status === 'partial') {
      steps.push(`${rule.id} (${what}) is partial: ${(rule.memberFailures ?? []).map((f) => f.text).join('; ')}. A client may pick any member, so check the firewall and the service on ${(rule.memberFailures ?? []).length === 1 ? 'that member' : 'those members'}.`);
    }
  }
  for (const w of r.warnings ?? []) steps.push(`Warning: ${w.text}.`);
  const emptyRoles = new Set<string>();
  for (const rule of r.rules) if (rule.reason?.startsWith('no inventory members')) {
    for (const m of rule.reason.matchAll(/"([^"]+)"/g)) emptyRoles.add(m[1]!);
  }
  if (emptyRoles.size > 0) steps.push(`Roles with no inventory members, whose rules were not checked: ${[...emptyRoles].sort().join(', ')}. Add them to the inventory if this deployment has them.`);
  if (r.unexpected.length > 0) {
    const near = r.unexpected.filter((g) => g.disabledRules.length > 0);
    const one = r.unexpected.length === 1;
    steps.push(`Review the ${one ? 'unexpected flow' : `${r.unexpected.length} unexpected flows`}: block ${one ? 'it' : 'them'}, or, if ${one ? 'it is' : 'they are'} legitimate, add the hosts to the inventory or a rule to a custom matrix.`);
    if (r.adInfrastructure) steps.push(r.adInfrastructure.text);
    const misses = r.nearMisses ?? [];
    if (misses.length > 0) {
      steps.push(`${misses.length} unexpected flow${misses.length === 1 ? ' is a near miss' : 's are near misses'} (right protocol and port, one side outside the rule's role): add the host to the role in the inventory if it belongs there (${listSome([...new Set(misses.map((m) => `${m.address} → ${m.missingRole}`))])}).`);
    }
    if (near.length > 0) steps.push(`${near.length} unexpected flow${near.length === 1 ? '' : 's'} would match a rule whose feature is off (${[...new Set(near.flatMap((g) => g.disabledRules))].join(', ')}): enable the feature with --features if this deployment uses it.`);
  }
  const decodeTotal = Object.values(r.summary.decodeErrors).reduce((a, b) => a + b, 0);
  if (decodeTotal > 0) steps.push(`${decodeTotal} packet${decodeTotal === 1 ? '' : 's'} could not be fully decoded (see decode problems); their flows may be incomplete.`);
  if (r.summary.connectionsOutOfScope > 0 && r.options.scope === 'inventory') {
    steps.push(`${r.summary.connectionsOutOfScope} connection${r.summary.connectionsOutOfScope === 1 ? '' : 's'} touched no inventory host and ${r.summary.connectionsOutOfScope === 1 ? "was" : "were"} not audited (use --scope all to include them).`);
  }
  return steps;
}
