/** Option parsing helpers shared by commands. */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { loadInventory, loadMatrix, mergeMatrices } from '../matrix/index.js';
import type { Inventory, Matrix } from '../matrix/types.js';

export const DEFAULT_MATRIX = 'builtin:ams';

/** commander collector for repeatable / comma-separated options. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return [...(previous ?? []), ...items];
}

export function collectRepeat(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Report format by the output file's extension (issue 20): the first of the candidates the command offers. */
const FORMAT_BY_EXTENSION: Record<string, readonly string[]> = {
  '.json': ['json', 'jsonl'],
  '.jsonl': ['jsonl', 'json'],
  '.ndjson': ['ecs', 'jsonl'],
  '.html': ['html'],
  '.htm': ['html'],
  '.md': ['markdown'],
  '.markdown': ['markdown'],
  '.csv': ['csv'],
  '.txt': ['text'],
};

/** The format an output path implies for a command offering `allowed`, or undefined. */
export function formatForPath<T extends string>(path: string | undefined, allowed: readonly T[]): T | undefined {
  if (path === undefined) return undefined;
  const m = /\.[A-Za-z0-9]+$/.exec(path);
  const candidates = m ? FORMAT_BY_EXTENSION[m[0].toLowerCase()] : undefined;
  return candidates?.find((c): c is T => (allowed as readonly string[]).includes(c));
}

/**
 * `-f` as given (any case), else the format the `-o` extension implies, else the command's default.
 * The option has no commander default, so an explicit `-f text` still wins over `-o x.html`.
 */
export function chooseFormat<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, output?: string): T {
  if (value === undefined) return formatForPath(output, allowed) ?? fallback;
  const v = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`unknown format "${value}" (expected one of: ${allowed.join(', ')})`);
}

export function loadPolicy(
  matrixSpecs: string[] | undefined,
  inventoryPath: string | undefined,
  features: string[] | undefined,
  /** Members added to roles on top of the inventory file (live --as ROLE). */
  extraMembers?: Record<string, string[]>,
  /** The matrix of `matrixSpecs`, when the caller loaded it already (matrixFromSpecs). */
  preloaded?: Matrix,
): {
  matrix: Matrix;
  inventory: Inventory;
  features: string[];
} {
  const matrix = preloaded ?? matrixFromSpecs(matrixSpecs);
  const inventory = loadInventory(inventoryPath, matrix, extraMembers);
  const known = new Set(matrix.features.map((f) => f.name));
  for (const f of features ?? []) {
    if (!known.has(f)) {
      throw new UsageError(`unknown feature "${f}" (the matrix knows: ${[...known].sort().join(', ') || 'none'})`);
    }
  }
  return { matrix, inventory, features: features ?? [] };
}

/** The matrices named (default builtin:ams), merged into one. */
export function matrixFromSpecs(matrixSpecs: string[] | undefined): Matrix {
  const specs = matrixSpecs && matrixSpecs.length > 0 ? matrixSpecs : [DEFAULT_MATRIX];
  const loaded = specs.map((s) => loadMatrix(s, { addOn: specs.length > 1 })); // roles checked once merged
  return loaded.length === 1 ? loaded[0]! : mergeMatrices(loaded);
}

/**
 * The policy and report options shared by `audit` and `live` (`live` spells the inventory
 * `--inventory` only, since `-i` is its interface).
 */
export function addAuditOptions(cmd: Command, inventoryFlag = '-i, --inventory'): Command {
  return cmd
    .option(`${inventoryFlag} <file>`, 'inventory JSON mapping roles to addresses, CIDRs, ranges and host names')
    .option('-m, --matrix <spec>', 'matrix file or builtin:NAME (repeatable, merged; default builtin:ams)', collectRepeat)
    .option('--features <list>', 'enable conditional features, comma-separated: azure-ad, oidc, external-sql', collectList)
    .option('--scope <scope>', 'inventory: only connections touching an inventory host; all: every connection', 'inventory')
    .option('-f, --format <format>', 'text, json, csv, html (self-contained report), markdown or ecs (Elastic Common Schema JSON Lines, one event per finding); default: from the --output extension (.json .html .htm .md .csv .txt .ndjson), else text')
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--vantage <role>', 'the capture was taken on the hosts of ROLE (repeatable): rules that cannot cross them are not-visible, never enforced', collectRepeat)
    .option('--firewall <host=file>', 'HOST\'s own firewall rules (iptables-save, nft -j list ruleset, or the Windows Firewall JSON of docs/segmentation.md), HOST an inventory address or member name (repeatable): the matrix, those rules and the traffic are compared (blocked documented flows, undocumented permits, rules never used, shadowed rules)', collectRepeat)
    .option('--require-all-members', 'every listed member of a rule\'s destination role must be reached (lab tests)')
    .option('--accept-damaged', 'a damaged input (cut inside a record, packets lost to a snap length) does not make a pass inconclusive; recorded in the report')
    .option('--sign-key <file>', 'sign the report (-o FILE gets FILE.sig) and the evidence manifest with this OpenSSH ed25519 private key (SSHSIG, namespace flowaudit: ssh-keygen -Y verify, or flowaudit verify --allowed-signers)')
    .option('--evidence-dir <dir>', 'also write DIR (new or empty): the report in every format, the matrix and inventory as used, manifest.json with the sha256 of every file and input (check with flowaudit verify DIR)')
    .option('--copy-inputs', 'with --evidence-dir: copy the inputs into DIR/inputs/')
    .option('--exit-zero', 'exit 0 even when the audit fails (inconclusive still exits 3, input errors 2)')
    .option('--no-color', 'never colour the text report');
}
