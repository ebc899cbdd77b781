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

/**
 * Locate the first JSON syntax error in `text` (V8's messages do not always carry a position).
 * Returns the 0-based offset and a short reason, or null if the text is valid JSON.
 */
export function findJsonSyntaxError(text: string): { offset: number; reason: string } | null {
  let i = 0;
  const n = text.length;
  class Stop {
    constructor(
      readonly offset: number,
      readonly reason: string,
    ) {}
  }
  const fail = (reason?: string): never => {
    if (i >= n) throw new Stop(n, reason ?? 'unexpected end of input');
    throw new Stop(i, reason ?? `unexpected ${JSON.stringify(text[i])}`);
  };
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const lit = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail('bad escape');
      } else i++;
    }
  };
  const num = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(i < n ? `expected a property name, found ${JSON.stringify(text[i])}` : undefined);
        str();
        ws();
        if (text[i] !== ':') fail(i < n ? `expected ':', found ${JSON.stringify(text[i])}` : undefined);
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail(i < n ? `expected ',' or '}', found ${JSON.stringify(text[i])}` : undefined);
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail(i < n ? `expected ',' or ']', found ${JSON.stringify(text[i])}` : undefined);
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) num();
    else fail();
  };
  try {
    value();
    ws();
    if (i < n) fail('unexpected text after the JSON value');
    return null;
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, reason: e.reason };
    throw e;
  }
}
