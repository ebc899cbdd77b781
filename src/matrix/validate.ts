/**
 * JSON Schema validation (ajv) for matrix and inventory files, with messages that name the file
 * and the JSON path: `matrix.json: /rules/3/ports/0: must match pattern "^\d+(-\d+)?$"`.
 * Schemas live in <package>/schema/ (shipped with the package) and are compiled once, lazily.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type AjvModule from 'ajv';
import { PolicyError } from '../errors.js';
import { precompiled } from './precompiled.js';

export type SchemaName = 'matrix' | 'inventory';

const compiled = new Map<SchemaName, ValidateFunction>();

/**
 * Absolute path of a shipped schema: works from src/matrix and dist/matrix (two levels below the
 * package) and from the bundle in dist/ (one level below).
 */
export function schemaPath(name: SchemaName): string {
  const deep = fileURLToPath(new URL(`../../schema/${name}.schema.json`, import.meta.url));
  if (existsSync(deep)) return deep;
  return fileURLToPath(new URL(`../schema/${name}.schema.json`, import.meta.url));
}

/** The ajv options the schemas are compiled with, at first use or at build time (scripts/bundle.mjs). */
export const AJV_OPTIONS: Options = { allErrors: true, strict: true };

/** The schema object, parsed from the shipped file. */
export function loadSchema(name: SchemaName): object {
  return JSON.parse(readFileSync(schemaPath(name), 'utf8')) as object;
}

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name) ?? precompiled[name];
  if (!v) {
    // Loaded only here (synchronously, ajv is CommonJS), so the bundle, which has its validators
    // precompiled, never loads ajv's compiler.
    const Ajv = (createRequire(import.meta.url)('ajv') as typeof AjvModule).default;
    const fresh = new Ajv(AJV_OPTIONS).compile(loadSchema(name));
    compiled.set(name, fresh);
    return fresh;
  }
  return v;
}

/** "/rules/3/ports/0" (or "/" for the document itself). */
function where(e: ErrorObject): string {
  let path = e.instancePath;
  // For unknown keys, point at the key itself: /rules/0/colour rather than /rules/0.
  if (e.keyword === 'additionalProperties') {
    path += `/${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  }
  return path === '' ? '/' : path;
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return 'is not an allowed property';
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues
        .map((v) => JSON.stringify(v))
        .join(', ')}`;
    case 'anyOf':
      return 'must be a string or an object {"address": …, "name": …} (discover adds "evidence": [strings], "confidence": high, medium or low)';
    case 'propertyNames':
      return `property name ${JSON.stringify((e.params as { propertyName: string }).propertyName)} is invalid`;
    default:
      return e.message ?? e.keyword;
  }
}

/**
 * Human-readable lines for ajv errors. Errors produced inside a failed `anyOf` branch are folded
 * into the anyOf error, and propertyNames sub-errors into the propertyNames one.
 */
export function formatSchemaErrors(errors: readonly ErrorObject[]): string[] {
  const folded = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'propertyNames');
  const lines: string[] = [];
  for (const e of errors) {
    const parent = folded.find(
      (f) => f !== e && e.schemaPath.startsWith(`${f.schemaPath}/`) && e.instancePath.startsWith(f.instancePath),
    );
    if (parent) continue;
    const line = `${where(e)}: ${describe(e)}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

/**
 * Validate `data` against a shipped schema; on failure throw PolicyError(code) whose message has one
 * line per problem, each `file: /json/path: message`.
 */
export function validateAgainstSchema(
  name: SchemaName,
  data: unknown,
  file: string,
  code: 'matrix' | 'inventory',
): void {
  const v = validator(name);
  if (v(data)) return;
  const lines = formatSchemaErrors(v.errors ?? []);
  throw new PolicyError(lines.map((l) => `${file}: ${l}`).join('\n'), code);
}

/** Throw PolicyError(code) listing semantic problems (`file: /path: message`), if any. */
export function throwIfProblems(problems: readonly string[], file: string, code: 'matrix' | 'inventory'): void {
  if (problems.length === 0) return;
  throw new PolicyError(problems.map((p) => `${file}: ${p}`).join('\n'), code);
}
