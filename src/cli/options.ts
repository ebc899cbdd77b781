/** Option parsing helpers shared by commands. */
import type { Command } from 'commander';
import { CliError } from '../errors.js';
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

export function chooseFormat<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`unknown format "${value}" (expected one of: ${allowed.join(', ')})`, 'usage');
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
      throw new CliError(`unknown feature "${f}" (the matrix knows: ${[...known].sort().join(', ') || 'none'})`, 'usage');
    }
  }
  return { matrix, inventory, features: features ?? [] };
}

/** The matrices named (default builtin:ams), merged into one. */
export function matrixFromSpecs(matrixSpecs: string[] | undefined): Matrix {
  const specs = matrixSpecs && matrixSpecs.length > 0 ? matrixSpecs : [DEFAULT_MATRIX];
  const loaded = specs.map((s) => loadMatrix(s));
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
    .option('-f, --format <format>', 'text, json, csv, html (self-contained report), markdown or ecs (Elastic Common Schema JSON Lines, one event per finding)', 'text')
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--vantage <role>', 'the capture was taken on the hosts of ROLE (repeatable): rules that cannot cross them are not-visible, never enforced', collectRepeat)
    .option('--require-all-members', 'every listed member of a rule\'s destination role must be reached (lab tests)')
    .option('--exit-zero', 'exit 0 even when the audit fails (inconclusive still exits 3, input errors 2)')
    .option('--no-color', 'never colour the text report');
}
