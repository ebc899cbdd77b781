/**
 * The diagram's edge kinds and their styles: each rule status has a colour and a distinct dash
 * pattern (a black-and-white print still tells them apart); an optional rule that is missing is
 * drawn apart from an enforced one. Legend labels start with the status word every format uses.
 */
import type { RuleResult } from '../../audit/result.js';

export type EdgeKind = 'observed' | 'failed' | 'partial' | 'missing' | 'not-visible' | 'optional-not-seen' | 'not-applicable' | 'unexpected' | 'firewall-blocked';

export const EDGE_STYLE: Record<EdgeKind, { color: string; dash: string; width: number; label: string }> = {
  observed: { color: '#2e7d32', dash: '', width: 2, label: 'observed' },
  failed: { color: '#c62828', dash: '', width: 3, label: 'failed (attempted, never answered)' },
  partial: { color: '#b26a00', dash: '12 3', width: 2.5, label: 'partial (some members never answered)' },
  missing: { color: '#e65100', dash: '7 4', width: 2, label: 'missing (enforced, not seen)' },
  'not-visible': { color: '#6d4c41', dash: '3 3', width: 2, label: 'not-visible (does not cross this capture point)' },
  'optional-not-seen': { color: '#546e7a', dash: '2 4', width: 2, label: 'missing (optional, not enforced)' },
  'not-applicable': { color: '#9e9e9e', dash: '1 5', width: 1.5, label: 'not-applicable' },
  unexpected: { color: '#6a1b9a', dash: '10 3 2 3', width: 3, label: 'unexpected flow' },
  'firewall-blocked': { color: '#000000', dash: '2 2', width: 3.5, label: 'blocked by a host firewall rule (--firewall; the tooltip names the rule)' },
};

/** Kinds shown in the legend even when the diagram has none of them. */
export const BASE_KINDS: readonly EdgeKind[] = ['observed', 'failed', 'missing', 'optional-not-seen', 'not-applicable', 'unexpected'];

export function edgeKind(r: RuleResult): EdgeKind {
  if (r.status === 'missing' && !r.enforced) return 'optional-not-seen';
  const s = r.status as string;
  return s in EDGE_STYLE ? (s as EdgeKind) : 'not-applicable';
}
