/**
 * The JSON contract `flowaudit/audit@1`. Other tools consume it, so: fields are only ever added,
 * never renamed or removed, within @1; arrays are in a documented stable order; times are ISO 8601
 * UTC strings with microseconds; counts are plain numbers.
 */
import type { LiveInputInfo } from '../capture/source.js';
import type { EtlInputInfo } from '../capture/etl/etl_info.js';
import type { ConnState, Outcome } from '../flows/conn_state.js';
import type { EvidenceInput, InputDescription } from '../inputs/input_description.js';
import type { InputProblem } from '../inputs/input_problem.js';
import type { ByteBasis } from '../inputs/record_input.js';
import type { MergeStats } from '../flows/facts_merge.js';
import type { RuleBase } from '../matrix/types.js';
import type { CoverageEntry } from './coverage.js';
import type { Diagnosis } from './diagnosis.js';
import type { AdInfrastructureHint } from './ad_infrastructure.js';
import type { DynamicRpc, NearMiss, NearMissRef, RuleEvidence } from './insight.js';
import type { NameEntry } from './names.js';
import type { DiscoveredInventoryReport } from './discover/in_audit.js';
import type { NameRef, UnexpectedServerGroup } from './grouping_types.js';
import type { FloodAggregate } from './flood.js';
import type { ScanFinding } from './scans.js';
import type { MemberFailure } from './partial.js';
import type { ControlsBlock } from './controls.js';
import type { FirewallSection } from './firewall_types.js';

export const AUDIT_SCHEMA = 'flowaudit/audit@1';

/**
 * pass          every enforced rule observed, nothing unexpected, and the audit could judge;
 * fail          a violation: an unexpected flow, or an enforced rule failed, partial or missing;
 * inconclusive  the audit could not judge (no inventory, no packets, no connection touching an
 *               inventory host, an unreadable input, or evidence that stopped early without a
 *               violation in what was read). Never PASS about what was not checked.
 * The verdict rules themselves are in audit/verdict.ts.
 */
export type Verdict = 'pass' | 'fail' | 'inconclusive';
/**
 * observed        at least one answered connection matched the rule, and no member failed;
 * partial         answered for some members (servers or clients), but at least one member was
 *                 tried (refused, unanswered, ICMP unreachable) and never answered; with
 *                 --require-all-members also when a listed member was never tried;
 * failed          connections matched, but none was answered (refused, unanswered);
 * missing         no connection matched;
 * not-applicable  conditional with its feature off, or a role of the rule has no inventory members;
 * not-visible     no connection matched, and neither end's role holds a --vantage host, so the flow
 *                 cannot cross the capture point (reported, never enforced).
 */
export type RuleStatus = 'observed' | 'partial' | 'failed' | 'missing' | 'not-applicable' | 'not-visible';

export type OutcomeCounts = Record<Outcome, number>;
export type StateCounts = Partial<Record<ConnState, number>>;

/** Traffic counted for a rule or an unexpected group (and while a rule is accumulated). */
export interface FlowCounts {
  connections: number;
  packets: number;
  bytes: number;
  outcomes: OutcomeCounts;
  states: StateCounts;
}

/** The fields of a result that say which rule it is (from the matrix rule; RuleBase). */
export type RuleIdentity = Pick<RuleBase, 'id' | 'source' | 'destination' | 'protocol' | 'ports' | 'requirement' | 'description'>;

/** The fields of a rule result that come from the audit's insight (audit/insight.ts ruleFields). */
export type RuleInsightField = 'evidence' | 'diagnosis' | 'coverage' | 'dynamicRpc' | 'memberFailures';

export interface RuleResult extends RuleIdentity, FlowCounts {
  feature: string | null;
  service: string | null;
  row: number | null;
  status: RuleStatus;
  /** Why not-applicable / not-visible / partial (or missing because a name never resolved), in words (null otherwise). */
  reason: string | null;
  /** Whether this rule's status counts towards the verdict (required, or conditional and enabled; never when not visible from the vantage). */
  enforced: boolean;
  /** Distinct client and server addresses seen on this rule (sorted). */
  clients: string[];
  servers: string[];
  /**
   * Added in issue 4 (older reports lack them: normalizeReport fills them in). evidence: per server, the names and sources (sni, http-host, dns, inventory) by
   * which it held the destination role; diagnosis: how the connections went; coverage: each member
   * of the destination role reached / failed / never tried; dynamicRpc: for a wide high-port range
   * rule, which connections an endpoint-mapper lookup preceded (null for other rules).
   */
  evidence: RuleEvidence[];
  /** null only in reports older than issue 4 (normalizeReport). */
  diagnosis: Diagnosis | null;
  /** null only in reports older than issue 4 (normalizeReport). */
  coverage: CoverageEntry[] | null;
  dynamicRpc: DynamicRpc | null;
  /** Issue 12: first and last connection matched (null when none), and the matrix rule's `trigger` text (null when it has none). */
  firstSeen: string | null;
  lastSeen: string | null;
  trigger: string | null;
  /** Issue 8: the members (servers or clients) that were tried and never answered while others were (status partial). */
  memberFailures: MemberFailure[];
}

export interface UnexpectedGroup extends FlowCounts {
  client: string;
  server: string;
  protocol: string;
  /** Server port (TCP/UDP), ICMP type for ICMP, 0 otherwise. */
  port: number;
  clientRoles: string[];
  serverRoles: string[];
  firstSeen: string;
  lastSeen: string;
  /** Rules that would match if their feature were enabled (e.g. azure-ad off). */
  disabledRules: string[];
  /** Issue 4: how these connections went (null only in older reports), and enabled rules they miss by one side's role only. */
  diagnosis: Diagnosis | null;
  nearMisses: NearMissRef[];
  /**
   * Issue 11b: Community ID v1 of the group's connections, to join with Zeek / Suricata / SIEM
   * records: distinct, sorted; beyond 100, the 100 smallest (`connections` says how many there were).
   */
  communityIds: string[];
  /** Issue 12: names of both ends, best first, with their evidence source (from `names`). */
  clientNames: NameRef[];
  serverNames: NameRef[];
}

/**
 * The report's `inputs[]` entry: the input's description (inputs/input_description.ts: path,
 * hash, counts, error, origin, compression, stored bytes, pktmon copies, byte basis, flow-log
 * info) with what the report adds: the capture's format, byte order, version, link types,
 * interfaces, window (ISO times), truncation, warnings and drops. origin, compression, storedBytes
 * and copiesCollapsed were added in issue 9, byteBasis and records in issue 11.
 */
export interface InputResult extends InputDescription {
  format: string;
  byteOrder: string | null;
  version: string | null;
  linkTypes: string[];
  interfaces: number;
  firstSeen: string | null;
  lastSeen: string | null;
  truncated: boolean;
  warnings: InputProblem[];
  /** Drops from pcapng ISBs (sum over interfaces), or null when the file records none. */
  drops: { ifDrop: number | null; osDrop: number | null } | null;
  /** Live captures only (format 'live'): interface, filter, clock, evidence file; drops stay null. */
  live?: LiveInputInfo;
  /** ETW traces (pktmon, netsh): build, buffers, providers' events, components, copies folded, drops. */
  etl?: EtlInputInfo;
}

export interface AuditSummary {
  packets: number;
  bytes: number;
  connections: number;
  connectionsInScope: number;
  connectionsOutOfScope: number;
  /** Number of unexpected groups, and of connections in them. */
  unexpected: number;
  unexpectedConnections: number;
  rulesObserved: number;
  missingRequired: number;
  failedRequired: number;
  decodeErrors: Record<string, number>;
  nonIpFrames: number;
  /** ICMP errors and ICMPv6 neighbour discovery/MLD: counted, not audited as flows. */
  controlFlows: number;
  inputErrors: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Issue 11: what `bytes` counts over all inputs (`mixed` when they differ: then totals add unlike counts). */
  byteBasis: ByteBasis | 'mixed' | null;
  /** Issue 8: enforced rules with status partial; rules not visible from the --vantage; connections touching an inventory host. */
  partialRequired: number;
  rulesNotVisible: number;
  connectionsTouchingInventory: number;
}

/** Issue 8: something the reader must know that is not a verdict reason (e.g. an inventory name never seen). */
export interface AuditWarning {
  kind: 'unresolved-name';
  /** The inventory host name (or *.suffix) that no DNS answer, TLS SNI or HTTP Host in the capture named. */
  name: string;
  roles: string[];
  /** Enabled rules that depend on the role(s) of this name. */
  rules: string[];
  text: string;
}

export interface SensorResult {
  name: string;
  /** The state files of this sensor, in command-line order. */
  parts: string[];
  inputs: { path: string; sha256: string | null }[];
  firstSeen: string | null;
  lastSeen: string | null;
  packets: number;
  connections: number;
  /** Sum of the inputs' recorded drops (pcapng ISB), null when none recorded any. */
  drops: { ifDrop: number | null; osDrop: number | null } | null;
}

export interface MergeInfo extends MergeStats {
  parts: number;
  /** Two sensors' sightings of a 5-tuple this close (seconds) are the same packets. */
  dedupeWindowSec: number;
  warnings: string[];
  /** Issue 17: each state file as given to merge, with the SHA-256 of its bytes (verify re-checks them). */
  states?: { path: string; sensor: string; sha256: string }[];
}

export interface AuditResult {
  schema: typeof AUDIT_SCHEMA;
  verdict: Verdict;
  /** One-line reasons for the verdict ("2 unexpected flows", "required rule ams-ldap failed"). */
  verdictReasons: string[];
  generatedAt: string;
  tool: { name: 'flowaudit'; version: string };
  /**
   * vantage: roles whose hosts the capture was taken on (--vantage, or live --as); requireAllMembers:
   * --require-all-members; as: live --as ROLE and the addresses it added (verify re-applies them).
   * The three were added in issue 8 (older reports lack them: normalizeReport fills them in).
   */
  options: {
    scope: 'inventory' | 'all';
    features: string[];
    vantage: string[];
    requireAllMembers: boolean;
    as: { role: string; addresses: string[] } | null;
    /** Issue 17: --accept-damaged: a damaged input (cut inside a record, corrupt block) did not by itself make a pass inconclusive. */
    acceptDamaged?: boolean;
  };
  summary: AuditSummary;
  rules: RuleResult[];
  unexpected: UnexpectedGroup[];
  inputs: InputResult[];
  matrix: { name: string; version: string; source: string; sha256: string; origin: string };
  /**
   * `discovered` (issue 10): present only when the inventory came from `flowaudit discover`; carries
   * the discovery's evidence per member and what it left undecided.
   */
  inventory: { origin: string; sha256: string | null; roles: Record<string, string[]>; features: string[]; discovered?: DiscoveredInventoryReport };
  /** What an admin should check next, in words. */
  nextSteps: string[];
  /** Issue 4: names of the audited addresses (inventory labels, DNS answers, SNI, HTTP Host), by address. */
  names: { address: string; names: NameEntry[] }[];
  /** Issue 4: unexpected connections that would match a rule but for one side's role (by server, port, client). */
  nearMisses: NearMiss[];
  /** Issue 20: unexpected flows that builtin:ad-infrastructure would make expected (absent when none). */
  adInfrastructure?: AdInfrastructureHint;
  /** Issue 12: `unexpected[]` grouped by server, protocol and port, for people (audit/grouping.ts). */
  unexpectedByServer: UnexpectedServerGroup[];
  /**
   * Issue 13: one finding per scanning client (many ports or hosts, mostly unanswered): its
   * unanswered/refused probes are counted here instead of being listed one unexpected flow per
   * port; its answered connections stay in `unexpected`. Sorted by probes, most first.
   */
  scans: ScanFinding[];
  /**
   * Floods past the budget (audit/flood.ts): unanswered unexpected connections folded per target
   * with exact counts and an estimate of distinct sources. Absent when nothing was folded.
   */
  floods?: FloodAggregate[];
  /** Issue 8: warnings for the reader (inventory names never seen in the capture). */
  warnings: AuditWarning[];
  /** Issue 11b, merged reports only (`flowaudit merge`): each sensor's window, inputs and drops; how parts were united. */
  sensors?: SensorResult[];
  merge?: MergeInfo;
  /** Issue 21: matrix × host firewall × traffic (--firewall HOST=FILE); absent when no firewall file was given. */
  firewall?: FirewallSection;
  /** Issue 17: what this evidence supports and does not prove, per control, with the observation coverage (audit/controls.ts). */
  controls?: ControlsBlock;
  /** Integrity metadata (audit/evidence.ts); always the last key, added by attachEvidence. */
  evidence?: Evidence;
}

/** Integrity metadata of a report (filled by audit/evidence.ts `attachEvidence`). */
export interface Evidence {
  tool: { name: 'flowaudit'; version: string };
  /** The command-line arguments exactly as given, after the program name. */
  argv: string[];
  /** The same, shell-quoted for reading, starting with "flowaudit". */
  commandLine: string;
  /** The host a live capture ran on; null for capture files (the capturing host is unknown). */
  host: string | null;
  /** Same as the report's generatedAt (SOURCE_DATE_EPOCH pins it). */
  generatedAt: string;
  /** Every input, in the order audited (null sha256: the file could not be read). */
  /**
   * `stream: true` (issue 9): read once from stdin or a pipe; `verify` needs that capture given
   * explicitly. `compression`: the sha256 covers the compressed bytes as stored.
   */
  inputs: EvidenceInput[];
  /** `specs`: the --matrix values as given (default builtin:ams); verify re-loads them. */
  matrix: { name: string; version: string; origin: string; specs: string[]; sha256: string };
  inventory: { origin: string; sha256: string | null };
  /**
   * Issue 17: who signed the report (key fingerprint and comment), when the signing step records it;
   * every format shows it on its first page ("not signed" when absent).
   */
  signer?: string | null;
  /** What resultSha256 covers, in words (constant). */
  resultHash: string;
  resultSha256: string;
}
