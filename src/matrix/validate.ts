/**
 * JSON Schema validation (ajv) for matrix and inventory files, with messages that name the file
 * and the place in words: `matrix.json: rule 4 ("rpc"), ports[0]: "13 5" is not a port; write a port "443" or a range "49152-65535"`.
 * Schemas live in <package>/schema/ (shipped with the package) and are compiled once, lazily.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type AjvModule from 'ajv';
import { PolicyError } from '../errors.js';
import { precompiled } from './precompiled.js';
import { misplacedFile, pathInWords, schemaErrorInWords } from './schema_words.js';

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
  const v = compiled.get(name) ?? precompiled[name];
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

function describe(e: ErrorObject, data: unknown): string {
  if (e.keyword === 'anyOf') {
    return 'must be a string or an object {"address": …, "name": …} (discover adds "evidence": [strings], "confidence": high, medium or low)';
  }
  return schemaErrorInWords(e, data);
}

/**
 * Human-readable lines for ajv errors. Errors produced inside a failed `anyOf` branch are folded
 * into the anyOf error, and propertyNames sub-errors into the propertyNames one.
 */
export function formatSchemaErrors(errors: readonly ErrorObject[], data: unknown): string[] {
  const folded = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'propertyNames');
  const lines: string[] = [];
  for (const e of errors) {
    const parent = folded.find(
      (f) => f !== e && e.schemaPath.startsWith(`${f.schemaPath}/`) && e.instancePath.startsWith(f.instancePath),
    );
    if (parent) continue;
    const where = pathInWords(e.instancePath, data);
    const line = `${where === '' ? '' : `${where}: `}${describe(e, data)}`;
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
  const misplaced = misplacedFile(name, data);
  if (misplaced !== null) throw new PolicyError(`${file}: ${misplaced}`, code);
  const lines = formatSchemaErrors(v.errors ?? [], data);
  throw new PolicyError(lines.map((l) => `${file}: ${l}`).join('\n'), code);
}

/**
 * Throw PolicyError(code) listing semantic problems, if any: one line each, `file: where: message`,
 * a leading JSON pointer (`/rules/1/source: …`) put in words against `data`, the parsed file.
 */
export function throwIfProblems(problems: readonly string[], file: string, code: 'matrix' | 'inventory', data?: unknown): void {
  if (problems.length === 0) return;
  const worded = problems.map((p) => {
    const m = /^(\/[^:\s]*): (.*)$/s.exec(p);
    const where = m && data !== undefined ? pathInWords(m[1]!, data) : null;
    return where === null ? p : `${where === '' ? '' : `${where}: `}${m![2]!}`;
  });
  throw new PolicyError(worded.map((p) => `${file}: ${p}`).join('\n'), code);
}
