/**
 * Inventory host names the capture never named (issue 8). A host-name member only matches once a
 * DNS answer, TLS SNI or HTTP Host in the capture ties it to an address; a name that never appears
 * silently matches nothing, and its rules look "missing" although the user did list the host. Each
 * such name becomes a warning naming it and the rules that depend on it.
 */
import type { HintFacts } from '../flows/hint_store.js';
import { normaliseHostName } from '../matrix/inventory.js';
import type { Inventory, MatrixRule } from '../matrix/types.js';
import type { AuditWarning } from './result.js';

/** Every name the capture taught (lower case, no trailing dot). */
function learnedNames(hints: HintFacts | undefined): Set<string> {
  const out = new Set<string>();
  const add = (n: string): void => {
    const h = normaliseHostName(n);
    if (h) out.add(h);
  };
  if (!hints) return out;
  for (const list of hints.dnsNames.values()) for (const f of list) add(f.name);
  for (const n of hints.sni.values()) add(n);
  for (const n of hints.httpHost.values()) add(n);
  for (const f of hints.foldedNames.values()) {
    for (const n of f.sni) add(n);
    for (const n of f.host) add(n);
  }
  return out;
}

function named(member: { kind: string; text: string }, learned: Set<string>): boolean {
  if (member.kind === 'host') {
    const h = normaliseHostName(member.text.trim());
    return h !== null && learned.has(h);
  }
  const suffix = normaliseHostName(member.text.trim().slice(2));
  if (!suffix) return false;
  for (const n of learned) if (n.endsWith(`.${suffix}`)) return true;
  return false;
}

/**
 * Warnings for host-name members of the roles of `rules` (the enabled, visible ones) that no name
 * in the capture matched, in inventory order. A matrix default host (graph.microsoft.com …) that
 * only optional rules depend on is left out: most captures never exercise those.
 */
export function unresolvedNames(
  hints: HintFacts | undefined,
  inventory: Inventory,
  rules: readonly MatrixRule[],
  matrixDefaults: ReadonlySet<string> = new Set(),
): AuditWarning[] {
  const learned = learnedNames(hints);
  const byName = new Map<string, { roles: Set<string>; rules: Set<string> }>();
  for (const role of inventory.roles) {
    const dependent = rules.filter((r) => r.source === role.name || r.destination === role.name);
    if (dependent.length === 0) continue;
    for (const m of role.members) {
      if (m.kind !== 'host' && m.kind !== 'suffix') continue;
      if (named(m, learned)) continue;
      if (matrixDefaults.has(m.text) && dependent.every((r) => r.requirement === 'optional')) continue;
      let e = byName.get(m.text);
      if (!e) byName.set(m.text, (e = { roles: new Set(), rules: new Set() }));
      e.roles.add(role.name);
      for (const r of dependent) e.rules.add(r.id);
    }
  }
  return [...byName].map(([name, e]) => {
    const roles = [...e.roles];
    const rules = [...e.rules];
    return {
      kind: 'unresolved-name' as const,
      name,
      roles,
      rules,
      text: `inventory host name ${name} (role ${roles.join(', ')}) never resolved in the capture (no DNS answer, TLS SNI or HTTP Host named it); rule${rules.length === 1 ? '' : 's'} ${rules.join(', ')} could not match it`,
    };
  });
}
