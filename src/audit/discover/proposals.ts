/**
 * The proposal being built: role → members, each with evidence and a confidence, plus what could
 * not be decided. Confidence means: high = two independent kinds of evidence (or the user said so
 * with --as); medium = one kind, consistent with the matrix rule for that role; anything weaker is
 * not proposed but listed as undecided, so its flows stay in front of the auditor.
 */
import type { Confidence } from '../../matrix/types.js';
import type { Observation } from './observe.js';

export interface Proposal {
  role: string;
  /** Address, CIDR or host name, as written into the inventory. */
  member: string;
  name?: string;
  confidence: Confidence;
  evidence: string[];
}

export interface Undecided {
  subject: string;
  roles?: string[];
  reason: string;
  hint?: string;
}

export class Proposals {
  private readonly byRole = new Map<string, Map<string, Proposal>>();
  readonly undecided: Undecided[] = [];

  add(role: string, member: string, confidence: Confidence, evidence: string[], name?: string): Proposal {
    let m = this.byRole.get(role);
    if (!m) this.byRole.set(role, (m = new Map()));
    const have = m.get(member);
    if (have) {
      for (const e of evidence) if (!have.evidence.includes(e)) have.evidence.push(e);
      if (rank(confidence) > rank(have.confidence)) have.confidence = confidence;
      if (!have.name && name) have.name = name;
      return have;
    }
    const p: Proposal = { role, member, confidence, evidence: [...evidence], ...(name ? { name } : {}) };
    m.set(member, p);
    return p;
  }

  has(role: string, member: string): boolean {
    return this.byRole.get(role)?.has(member) ?? false;
  }

  members(role: string): string[] {
    return [...(this.byRole.get(role)?.keys() ?? [])];
  }

  /** Every proposal, in the given role order, then roles not in it. */
  all(roleOrder: readonly string[]): Proposal[] {
    const roles = [...roleOrder, ...[...this.byRole.keys()].filter((r) => !roleOrder.includes(r))];
    return roles.flatMap((r) => [...(this.byRole.get(r)?.values() ?? [])]);
  }

  /** The roles `member` is proposed for. */
  rolesOf(member: string): string[] {
    return [...this.byRole].filter(([, m]) => m.has(member)).map(([r]) => r);
  }

  remove(role: string, member: string): void {
    this.byRole.get(role)?.delete(member);
  }

  note(u: Undecided): void {
    if (!this.undecided.some((x) => x.subject === u.subject && x.reason === u.reason)) this.undecided.push(u);
  }
}

export const rank = (c: Confidence): number => (c === 'high' ? 2 : c === 'medium' ? 1 : 0);

/** Confidence from the number of independent kinds of evidence. */
export const fromKinds = (kinds: number): Confidence => (kinds >= 2 ? 'high' : kinds === 1 ? 'medium' : 'low');

/** The best name the capture gave an address: SNI, then HTTP Host, then the first DNS name. */
export function bestName(o: Observation, address: string): string | undefined {
  const m = o.names.get(address);
  if (!m) return undefined;
  for (const src of ['sni', 'http-host', 'dns'] as const) for (const [n, s] of m) if (s.has(src)) return n;
  return undefined;
}

/** "idp.example.org (SNI, DNS)" for each name of an address. */
export function namesText(o: Observation, address: string): string[] {
  const m = o.names.get(address);
  if (!m) return [];
  return [...m].map(([n, s]) => `${n} (${[...s].map((x) => (x === 'sni' ? 'SNI' : x === 'dns' ? 'DNS' : 'HTTP Host')).join(', ')})`);
}
