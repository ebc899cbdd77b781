/**
 * Policy data: the flow matrix (what is allowed/expected) and the inventory (who is who).
 * These are plain data after loading; `audit/` turns them plus connection facts into verdicts.
 */

export type Protocol = 'tcp' | 'udp';
export type Requirement = 'required' | 'conditional' | 'optional';

/** An inclusive port range; a single port has from === to. */
export interface PortRange {
  from: number;
  to: number;
}

/**
 * What a rule says, as written in a matrix file: the one description of a rule's fields.
 * MatrixFileRule is it as read; MatrixRule adds the compiled port ranges; the audit's RuleResult
 * (audit/result.ts) picks its identity fields from it.
 */
export interface RuleBase {
  /** Stable identifier, unique in the matrix, e.g. "ams-ldap". */
  id: string;
  /** Role names (keys of Matrix.roles). */
  source: string;
  destination: string;
  protocol: Protocol;
  /** Ports as written in the file: "389", "49152-65535". */
  ports: string[];
  requirement: Requirement;
  /** For `conditional`: the feature that enables the rule (e.g. "azure-ad"). */
  feature?: string;
  /** Short service label, e.g. "LDAP", "RPC dynamic". */
  service?: string;
  /** The vendor's description of the flow. */
  description: string;
  /** Where in the vendor's table this rule comes from (1-based row of the seed table). */
  row?: number;
  /** Free-form note, e.g. why the rule is not from the vendor table. */
  note?: string;
  /** What an admin can do in a test window to make this flow happen (shown for a missing rule). */
  trigger?: string;
}

/** A rule as the audit uses it: the file's rule with its ports compiled. */
export interface MatrixRule extends RuleBase {
  /** Compiled from `ports`, sorted, non-overlapping. */
  portRanges: PortRange[];
}

export interface RoleDef {
  name: string;
  description?: string;
  /** Default host-name members (e.g. graph.microsoft.com); the inventory may add more. */
  hosts?: string[];
}

export interface Matrix {
  /** e.g. "builtin:ams" or the file's `name`. */
  name: string;
  version: string;
  /** Where the table came from (URL or document title). */
  source: string;
  description?: string;
  roles: RoleDef[];
  rules: MatrixRule[];
  /** Known optional/conditional features, with what they enable. */
  features: { name: string; description: string }[];
  /** SHA-256 (hex) of the canonical matrix JSON (for builtins) or of the file bytes. */
  sha256: string;
  /** File path, or "builtin:ams". */
  origin: string;
}

/** One inventory member as written, compiled. */
export type MemberKind = 'ipv4' | 'ipv6' | 'cidr' | 'range' | 'host' | 'suffix';

export interface InventoryMember {
  /** As written in the file, e.g. "10.0.3.0/24", "*.workstations.example". */
  text: string;
  kind: MemberKind;
  /** Friendly label for reports (member object form `{"address": …, "name": …}` or the `names` map). */
  name?: string;
  /** Set by `flowaudit discover`: the facts behind the proposal, and how strongly they support it. */
  evidence?: string[];
  confidence?: Confidence;
}

export type Confidence = 'high' | 'medium' | 'low';

/** The inventory file's `discovered` block: who proposed it, from what, and what stayed undecided. */
export interface InventoryDiscovery {
  tool: string;
  generatedAt: string;
  commandLine?: string;
  matrix?: string[];
  inputs?: { path: string; sha256?: string | null; packets?: number }[];
  undecided?: { subject: string; roles?: string[]; reason: string; hint?: string }[];
  /** Feature → why discover enabled it. */
  features?: Record<string, string[]>;
}

export interface InventoryRole {
  name: string;
  members: InventoryMember[];
}

/**
 * A compiled inventory. Address lookup is by the same 4×uint32 form the decoder produces
 * (IPv4 as ::ffff:a.b.c.d), so flows need no string formatting to be matched.
 */
export interface Inventory {
  /** File path or "(none)". */
  origin: string;
  sha256: string | null;
  roles: InventoryRole[];
  features: string[];
  /** Present when the file was proposed by `flowaudit discover` (its `discovered` block). */
  discovered?: InventoryDiscovery;
  /** Role names whose members include this address (sorted, stable). Empty array if none. */
  rolesForAddress(addr: Uint32Array): readonly string[];
  /** Role names whose host-name members match this DNS name (exact or *.suffix), case-insensitive. */
  rolesForName(name: string): readonly string[];
  /** True if the address is listed in any role (used by --scope inventory). */
  hasAddress(addr: Uint32Array): boolean;
  /**
   * Friendly label for an address (from the inventory's `names` map or a member object's `name`):
   * an exact address first, else the smallest named CIDR/range containing it. Optional so that
   * hand-built test inventories need not provide it.
   */
  nameForAddress?(addr: Uint32Array): string | undefined;
}

/** A rule in the matrix file format (what `schema/matrix.schema.json` describes). */
export type MatrixFileRule = RuleBase;

export interface MatrixFile {
  $schema?: string;
  name: string;
  version: string;
  source: string;
  description?: string;
  features?: { name: string; description: string }[];
  /** Optional for an add-on matrix that uses the roles of the matrices it is merged with. */
  roles?: Record<string, { description?: string; hosts?: string[] }>;
  rules: MatrixFileRule[];
}
