/**
 * A host firewall's rules as facts, whatever file they came from (iptables-save today; nft JSON and
 * Windows Firewall JSON later). Evaluation (src/audit/firewall_evaluate.ts) walks these in order.
 * Only the criteria flowaudit understands are typed; anything else a rule says is kept in `unknown`
 * so evaluation can answer `inconclusive` instead of guessing (fail safe).
 */

/** What a chain or rule finally does to a packet. */
export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';

/** A criterion that may be negated (`! -s 10.0.0.0/8`). */
export interface Negatable<T> {
  value: T;
  negate: boolean;
}

/** Inclusive port range. */
export interface PortRange {
  from: number;
  to: number;
}

export interface RuleMatch {
  /** CIDRs as written (`10.66.0.0/16`, `2001:db8::/32`, bare address); any one matches. */
  src?: Negatable<string[]>;
  dst?: Negatable<string[]>;
  /** Lower-case protocol names or numbers as text (`tcp`, `udp`, `icmp`, `all`, `6`); any one matches. */
  proto?: Negatable<string[]>;
  dports?: Negatable<PortRange[]>;
  /** Input interface; `+` at the end is a wildcard, as in iptables. */
  inIface?: Negatable<string>;
  /** Connection tracking states (`NEW`, `ESTABLISHED`, `RELATED`, `INVALID`, `UNTRACKED`). */
  ctState?: Negatable<string[]>;
  /** Criteria this rule has that flowaudit does not evaluate, as written (`-m recent --rcheck`). */
  unknown: string[];
}

export type RuleTarget =
  | { kind: 'verdict'; verdict: Verdict }
  | { kind: 'return' }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  /** LOG, NFLOG and the like: the packet goes on to the next rule. */
  | { kind: 'continue'; name: string }
  /** A target flowaudit does not know; evaluation is inconclusive if the rule matches. */
  | { kind: 'unknown'; name: string }
  /** No -j: the rule only counts packets. */
  | { kind: 'none' };

export interface FirewallRule {
  chain: string;
  /** 1-based position in its chain, as `iptables -L --line-numbers` shows it. */
  number: number;
  /** 1-based line in the file it came from; 0 for JSON input (see `handle`). */
  line: number;
  /** nft's rule handle, for nft JSON input. */
  handle?: number;
  /** The rule as written in the file (for nft JSON: rendered in nft's own syntax). */
  text: string;
  match: RuleMatch;
  target: RuleTarget;
  /** `-m comment --comment` text, when given. */
  comment?: string;
}

export interface FirewallChain {
  name: string;
  /** Built-in chains have a policy; user chains return to their caller when they fall through. */
  policy: Verdict | null;
  /** Line of the chain's declaration (`:INPUT DROP [0:0]`); 0 for JSON input. */
  line: number;
  /** nft only: the table's family (`ip`, `ip6`, `inet`); an `ip6` chain never sees IPv4, and back. */
  family?: string;
  rules: FirewallRule[];
}

export interface FirewallRuleset {
  format: 'iptables-save' | 'nft-json' | 'windows-json';
  /** The file it was read from, for messages. */
  source: string;
  /** Chains by name. */
  chains: Map<string, FirewallChain>;
  /** The chains inbound packets traverse, in order (`INPUT` for iptables; nft base chains with
   * hook input, by priority). An ACCEPT in one goes on to the next; DROP and REJECT are final. */
  inputChains: string[];
  /** Tables present in the file but not evaluated (e.g. `nat`, `mangle`). */
  skippedTables: string[];
  /** iptables-save: the one address family the file governs (iptables-save: IPv4, ip6tables-save: IPv6);
   * absent when the format covers both (nft inet tables, Windows). */
  addressFamily?: 'ipv4' | 'ipv6';
}
