/**
 * The report's `firewall` section (issue 21, three-way check: matrix × host firewall × traffic).
 * Pure data: what each host's firewall file says about the documented flows and the observed
 * ones, and the findings, each naming the firewall rule (text, action, number, line). Absent from
 * reports made without --firewall (older reports still verify).
 */

/** A firewall rule as the reader sees it: where it is and what it says. */
export interface FirewallRuleRef {
  chain: string;
  /** 1-based position in its chain (`iptables -L --line-numbers`). */
  number: number;
  /** 1-based line in the file; 0 for JSON exports (see `handle`, or the position). */
  line: number;
  handle: number | null;
  /** The rule as written in the file (attacker-controlled text: escape it). */
  text: string;
  /** ACCEPT, DROP, REJECT, RETURN, `jump NAME`, `goto NAME`, LOG… */
  target: string;
  comment: string | null;
}

/** What the firewall does with one (source, protocol, port) packet opening a connection. */
export interface FirewallDecisionRef {
  action: 'ACCEPT' | 'DROP' | 'REJECT' | 'inconclusive';
  /** `INPUT #4`, or `INPUT policy DROP`. */
  decidedBy: string;
  rule: FirewallRuleRef | null;
  /** Why inconclusive (null otherwise). */
  reason: string | null;
}

export type FirewallDocumentedStatus = 'permitted' | 'blocked' | 'partly-blocked' | 'inconclusive';

/** One matrix rule × one source member, towards this host. */
export interface FirewallDocumentedCheck {
  ruleId: string;
  requirement: string;
  /** Whether the audit enforces the matrix rule (required, or conditional with its feature on). */
  enforced: boolean;
  source: string;
  protocol: string;
  status: FirewallDocumentedStatus;
  /** Runs of ports decided the same way (`49152-65535`); for CIDR, range and host-name members, with the source addresses each holds for. */
  decisions: (FirewallDecisionRef & { ports: string; addresses?: string[] })[];
  reason: string | null;
  /** Host-name members: the addresses evaluated and where each came from (`10.0.0.10 by DNS in the capture`). */
  resolved?: string;
  /** partly-blocked CIDR, range and host-name members: one source and port admitted, one blocked (`10.0.2.5 tcp/389`). */
  examples?: { admitted: string; blocked: string };
  /**
   * A host-name member whose every address is also another member of the role (`10.0.0.10`): judged
   * there, so this check repeats that one and makes no finding of its own.
   */
  listedAs?: string[];
}

/**
 * An observed flow to this host, as the firewall judges it: admitted (and by which rule), blocked
 * and failing in the traffic (consistent), or blocked yet answered (the capture contradicts the file).
 */
export type FirewallObservedStatus = 'admitted' | 'blocked' | 'blocked-yet-seen' | 'inconclusive';

export interface FirewallObservedCheck {
  client: string;
  protocol: string;
  port: number;
  connections: number;
  answered: number;
  refused: number;
  unanswered: number;
  status: FirewallObservedStatus;
  decision: FirewallDecisionRef;
  /** Blocked flows whose failure does not look like the rule's action (a REJECT never answered, a DROP refused): another device on the path, or other rules; else null. */
  note: string | null;
}

export interface FirewallHostResult {
  /** As given on the command line (`dc2`, `10.0.0.3`). */
  host: string;
  address: string;
  roles: string[];
  file: { path: string; sha256: string; format: string; rules: number; skippedTables: string[] };
  documented: FirewallDocumentedCheck[];
  observed: FirewallObservedCheck[];
  /** Connections to this host whose flows are not listed, past the bound (0 normally). */
  observedOmitted: number;
  /** ACCEPT rules whose port range is too large to check port by port for undocumented permits. */
  notFullyChecked: FirewallRuleRef[];
}

export type FirewallFindingKind = 'documented-but-blocked' | 'blocked-yet-seen' | 'undocumented-but-permitted' | 'permitted-never-seen' | 'shadowed';

export interface FirewallFinding {
  kind: FirewallFindingKind;
  host: string;
  address: string;
  /** The rule the finding is about (null: the chain policy). */
  rule: FirewallRuleRef | null;
  decidedBy: string;
  protocol: string | null;
  /** Ports as text (`135`, `22, 3389`), null when the finding is about a whole rule. */
  ports: string | null;
  /** Source members concerned (`any (outside the inventory)` for a source no role lists). */
  sources: string[];
  /** undocumented-but-permitted: per port (as text), the sources it is admitted from (not every source gets every port); else null. */
  sourcesByPort: Record<string, string[]> | null;
  /** documented-but-blocked from a CIDR, range or host-name member: the addresses of it that are blocked (`10.0.1.0/25`, `10.0.0.10`), when not the whole member as written. */
  addresses?: string[];
  /** documented-but-blocked: the matrix rule; shadowed: the earlier rule's label. */
  matrixRule: string | null;
  /** documented-but-blocked: what the traffic shows (`failed`, `not tried`, `answered`); else null. */
  traffic: string | null;
  /** What the finding does to the verdict: fail, inconclusive, or nothing (null). */
  verdictEffect: 'fail' | 'inconclusive' | null;
  /** One line for people. */
  text: string;
}

export interface FirewallSection {
  /** The observation window the "permitted, never seen" findings are stated over. */
  window: { firstSeen: string | null; lastSeen: string | null; seconds: number };
  hosts: FirewallHostResult[];
  /** Stable order: by host, then kind (as in FirewallFindingKind), then rule position. */
  findings: FirewallFinding[];
  /** What the section does and does not prove, in words (constant text plus per-run facts). */
  limits: string[];
}
