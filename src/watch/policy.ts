/**
 * The policy `watch` judges with: the matrix and inventory in force (with their SHA-256, carried by
 * every event), the enabled rules and the rules it keeps time for (required, and conditional with
 * their feature on: the rules whose silence or failure makes an audit fail), and the classifier
 * parts the audit itself uses (RuleMatcher over the enabled rules, NameIndex for the roles of an
 * address). Replaced as a whole on SIGHUP; never mutated.
 */
import { RuleMatcher } from '../audit/classify.js';
import { NameIndex } from '../audit/names.js';
import { ruleAccumulators } from '../audit/rule_acc.js';
import { serverPortsFor } from '../audit/server_ports.js';
import type { ServerPorts } from '../flows/direction.js';
import type { Inventory, Matrix, MatrixRule } from '../matrix/types.js';

export interface WatchPolicy {
  matrix: Matrix;
  inventory: Inventory;
  features: string[];
  scope: 'inventory' | 'all';
  serverPorts: ServerPorts;
  enabled: readonly MatrixRule[];
  disabled: readonly MatrixRule[];
  /** Rules whose silence and failures are watched (required, or conditional and enabled), by id. */
  tracked: ReadonlyMap<string, MatrixRule>;
  matcher: RuleMatcher;
  names: NameIndex;
  /** The expected configuration per "protocol|port" (tuple_class.ts), computed once each (at most one per port). */
  expected: Map<string, readonly string[]>;
}

/** The hashes every event carries. */
export interface PolicyHashes {
  matrix: { name: string; origin: string; sha256: string };
  inventory: { origin: string; sha256: string | null };
}

export function watchPolicy(matrix: Matrix, inventory: Inventory, features: readonly string[], scope: 'inventory' | 'all' = 'inventory'): WatchPolicy {
  const all = [...new Set([...inventory.features, ...features])].sort();
  const accs = ruleAccumulators(matrix, inventory, all, null);
  const enabled = accs.filter((a) => a.enabled).map((a) => a.rule);
  const tracked = new Map(enabled.filter((r) => r.requirement !== 'optional').map((r) => [r.id, r]));
  return {
    matrix,
    inventory,
    features: all,
    scope,
    serverPorts: serverPortsFor(matrix),
    enabled,
    disabled: accs.filter((a) => !a.enabled).map((a) => a.rule),
    tracked,
    matcher: new RuleMatcher(enabled),
    // Address roles only: a followed conn.log / eve.json carries no DNS answers or TLS names.
    names: new NameIndex(undefined, inventory),
    expected: new Map(),
  };
}

export function policyHashes(p: WatchPolicy): PolicyHashes {
  return {
    matrix: { name: p.matrix.name, origin: p.matrix.origin, sha256: p.matrix.sha256 },
    inventory: { origin: p.inventory.origin, sha256: p.inventory.sha256 },
  };
}
