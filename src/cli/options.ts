/** Option parsing helpers shared by commands. */
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
): {
  matrix: Matrix;
  inventory: Inventory;
  features: string[];
} {
  const specs = matrixSpecs && matrixSpecs.length > 0 ? matrixSpecs : [DEFAULT_MATRIX];
  const loaded = specs.map((s) => loadMatrix(s));
  const matrix = loaded.length === 1 ? loaded[0]! : mergeMatrices(loaded);
  const inventory = loadInventory(inventoryPath, matrix, extraMembers);
  const known = new Set(matrix.features.map((f) => f.name));
  for (const f of features ?? []) {
    if (!known.has(f)) {
      throw new CliError(`unknown feature "${f}" (the matrix knows: ${[...known].sort().join(', ') || 'none'})`, 'usage');
    }
  }
  return { matrix, inventory, features: features ?? [] };
}
