/**
 * Loading a flow matrix: `builtin:<name>` or a JSON file → schema check (ajv) → semantic checks →
 * compiled `Matrix`. Also the inverse (`matrixToFile`, used by `matrix show --format json`) and
 * `mergeMatrices` for several `--matrix` options.
 */
import { decodeJsonBytes, duplicateKeyError } from './json_text.js';
import { canonicalJson, sha256Hex } from './canonical_json.js';
import { readFileSync } from 'node:fs';
import { FlowauditError, PolicyError, messageOf } from '../errors.js';
import { BUILTIN_MATRICES, BUILTIN_PREFIX } from './builtin/index.js';
import { compilePorts, parsePortSpec } from './ports.js';
import type { Matrix, MatrixFile, MatrixFileRule, MatrixRule, RoleDef } from './types.js';
import { findJsonSyntaxError } from './json_syntax.js';
import { throwIfProblems, validateAgainstSchema } from './validate.js';

export type { MatrixFile, MatrixFileRule } from './types.js';

/** 1-based line and column of a 0-based character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * JSON.parse with an error naming the file and the line:column of the first syntax error.
 * Shared with the inventory loader (`code` says which policy file the PolicyError names).
 */
export function parseJsonFile(text: string, file: string, code: 'matrix' | 'inventory'): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    const parsed: unknown = JSON.parse(body);
    const dup = duplicateKeyError(body, file);
    if (dup !== null) throw new PolicyError(dup, code);
    return parsed;
  } catch (e) {
    if (e instanceof FlowauditError) throw e;
    const found = findJsonSyntaxError(body);
    if (found) {
      const { line, column } = lineColumn(body, found.offset);
      throw new PolicyError(`${file}:${line}:${column}: invalid JSON: ${found.reason}`, code);
    }
    const msg = messageOf(e);
    throw new PolicyError(`${file}: invalid JSON: ${msg}`, code);
  }
}

/** Read a file as bytes, mapping I/O errors to PolicyError(code) naming the file. */
export function readInputFile(path: string, code: 'matrix' | 'inventory', what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new PolicyError(`${path}: cannot read ${what}: ${reason}`, code);
  }
}

/** Semantic checks the schema cannot express. Returns `/json/path: message` lines. */
export function checkMatrixSemantics(file: MatrixFile, opts: { addOn?: boolean } = {}): string[] {
  const problems: string[] = [];
  const roles = new Set(Object.keys(file.roles ?? {}));
  const features = new Set<string>();
  (file.features ?? []).forEach((f, i) => {
    if (features.has(f.name)) problems.push(`/features/${i}/name: duplicate feature "${f.name}"`);
    features.add(f.name);
  });
  const ids = new Map<string, number>();
  file.rules.forEach((r, i) => {
    const at = `/rules/${i}`;
    const first = ids.get(r.id);
    if (first !== undefined) problems.push(`${at}/id: duplicate rule id "${r.id}" (first at /rules/${first})`);
    else ids.set(r.id, i);
    for (const side of ['source', 'destination'] as const) {
      // An add-on's roles are checked once merged (mergeMatrices), against every matrix's roles.
      if (!opts.addOn && !roles.has(r[side])) {
        problems.push(`${at}/${side}: unknown role "${r[side]}" (known roles: ${[...roles].join(', ')})`);
      }
    }
    if (r.requirement === 'conditional' && r.feature === undefined) {
      problems.push(`${at}: a "conditional" rule needs a "feature"`);
    }
    if (r.feature !== undefined && !features.has(r.feature)) {
      const known = features.size ? [...features].join(', ') : 'none';
      problems.push(`${at}/feature: feature "${r.feature}" is not declared in /features (declared: ${known})`);
    }
    r.ports.forEach((p, j) => {
      const parsed = parsePortSpec(p);
      if (!parsed.ok) problems.push(`${at}/ports/${j}: ${parsed.reason}`);
    });
  });
  return problems;
}

/** Validate (schema + semantics) and compile parsed JSON into a Matrix. */
export function compileMatrix(json: unknown, origin: string, sha256: string, opts: { addOn?: boolean } = {}): Matrix {
  validateAgainstSchema('matrix', json, origin, 'matrix');
  const file = json as MatrixFile;
  throwIfProblems(checkMatrixSemantics(file, opts), origin, 'matrix', json);
  const roles: RoleDef[] = Object.entries(file.roles ?? {}).map(([name, r]) => {
    const def: RoleDef = { name };
    if (r.description !== undefined) def.description = r.description;
    if (r.hosts !== undefined) def.hosts = [...r.hosts];
    return def;
  });
  const rules: MatrixRule[] = file.rules.map((r) => {
    const rule: MatrixRule = {
      id: r.id,
      source: r.source,
      destination: r.destination,
      protocol: r.protocol,
      ports: [...r.ports],
      portRanges: compilePorts(r.ports),
      requirement: r.requirement,
      description: r.description,
    };
    if (r.feature !== undefined) rule.feature = r.feature;
    if (r.service !== undefined) rule.service = r.service;
    if (r.row !== undefined) rule.row = r.row;
    if (r.note !== undefined) rule.note = r.note;
    if (r.trigger !== undefined) rule.trigger = r.trigger;
    return rule;
  });
  const m: Matrix = {
    name: file.name,
    version: file.version,
    source: file.source,
    roles,
    rules,
    features: (file.features ?? []).map((f) => ({ name: f.name, description: f.description })),
    sha256,
    origin,
  };
  if (file.description !== undefined) m.description = file.description;
  return m;
}

/** The file form of a compiled matrix (`compileMatrix(matrixToFile(m))` gives `m` back). */
export function matrixToFile(m: Matrix): MatrixFile {
  const roles: MatrixFile['roles'] = {};
  for (const r of m.roles) {
    const def: { description?: string; hosts?: string[] } = {};
    if (r.description !== undefined) def.description = r.description;
    if (r.hosts !== undefined) def.hosts = [...r.hosts];
    roles[r.name] = def;
  }
  const rules = m.rules.map((r) => {
    const out: MatrixFileRule = {
      id: r.id,
      source: r.source,
      destination: r.destination,
      protocol: r.protocol,
      ports: [...r.ports],
      requirement: r.requirement,
      description: r.description,
    };
    if (r.feature !== undefined) out.feature = r.feature;
    if (r.service !== undefined) out.service = r.service;
    if (r.row !== undefined) out.row = r.row;
    if (r.note !== undefined) out.note = r.note;
    if (r.trigger !== undefined) out.trigger = r.trigger;
    return out;
  });
  // Key order as in the documentation, so `matrix show --format json` reads naturally.
  const file: MatrixFile = {
    name: m.name,
    version: m.version,
    source: m.source,
    ...(m.description !== undefined ? { description: m.description } : {}),
    features: m.features.map((f) => ({ name: f.name, description: f.description })),
    roles,
    rules,
  };
  return file;
}

/** Names accepted after `builtin:` (e.g. ["ams"]). */
export function builtinMatrixNames(): string[] {
  return Object.keys(BUILTIN_MATRICES);
}

/**
 * Load `builtin:<name>` (e.g. `builtin:ams`, the default) or a matrix JSON file.
 * Errors are PolicyError 'matrix' (exit 2) naming the file and JSON path.
 */
export function loadMatrix(spec: string, opts: { addOn?: boolean } = {}): Matrix {
  if (spec.startsWith(BUILTIN_PREFIX)) {
    const name = spec.slice(BUILTIN_PREFIX.length);
    const def = BUILTIN_MATRICES[name];
    if (!def) {
      throw new PolicyError(`${spec}: unknown built-in matrix (available: ${builtinMatrixNames()
          .map((n) => BUILTIN_PREFIX + n)
          .join(', ')})`, 'matrix');
    }
    return compileMatrix(structuredClone(def), spec, sha256Hex(canonicalJson(def)), opts);
  }
  const bytes = readInputFile(spec, 'matrix', 'matrix');
  const json = parseJsonFile(decodeJsonBytes(bytes, spec, 'matrix'), spec, 'matrix');
  return compileMatrix(json, spec, sha256Hex(bytes), opts);
}

/**
 * Combine matrices (e.g. `--matrix builtin:ams --matrix extra.json`). Rule ids must stay unique;
 * roles with the same name are merged (first description wins, hosts are united); features are
 * merged by name. A single matrix is returned unchanged.
 */
export function mergeMatrices(ms: readonly Matrix[]): Matrix {
  const first = ms[0];
  if (!first) throw new PolicyError('no matrix given', 'matrix');
  if (ms.length === 1) return first;
  const ruleOrigin = new Map<string, string>();
  const rules: MatrixRule[] = [];
  for (const m of ms) {
    for (const r of m.rules) {
      const prev = ruleOrigin.get(r.id);
      if (prev !== undefined) {
        throw new PolicyError(`${m.origin}: rule id "${r.id}" is already defined by ${prev}`, 'matrix');
      }
      ruleOrigin.set(r.id, m.origin);
      rules.push(r);
    }
  }
  const roles = new Map<string, RoleDef>();
  for (const m of ms) {
    for (const r of m.roles) {
      const have = roles.get(r.name);
      if (!have) {
        roles.set(r.name, { ...r, ...(r.hosts ? { hosts: [...r.hosts] } : {}) });
        continue;
      }
      if (have.description === undefined && r.description !== undefined) have.description = r.description;
      if (r.hosts) {
        const hosts = have.hosts ?? [];
        for (const h of r.hosts) if (!hosts.some((x) => x.toLowerCase() === h.toLowerCase())) hosts.push(h);
        have.hosts = hosts;
      }
    }
  }
  checkMergedRoles(ms, new Set(roles.keys()));
  const features = new Map<string, { name: string; description: string }>();
  for (const m of ms) for (const f of m.features) if (!features.has(f.name)) features.set(f.name, { ...f });
  return {
    name: ms.map((m) => m.name).join('+'),
    version: ms.map((m) => `${m.name} ${m.version}`).join('; '),
    source: ms.map((m) => m.source).join('; '),
    description: `Merged from ${ms.map((m) => m.origin).join(', ')}`,
    roles: [...roles.values()],
    rules,
    features: [...features.values()],
    sha256: sha256Hex(ms.map((m) => `${m.origin}\n${m.sha256}\n`).join('')),
    origin: ms.map((m) => m.origin).join(', '),
  };
}

/**
 * The roles of merged matrices (issue 20): an add-on may use any role of the matrices it is merged
 * with; a role none of them defines is one line per use, naming the file and the rule.
 */
function checkMergedRoles(ms: readonly Matrix[], roles: ReadonlySet<string>): void {
  const problems: string[] = [];
  const known = [...roles].join(', ');
  for (const m of ms) {
    m.rules.forEach((r, i) => {
      for (const side of ['source', 'destination'] as const) {
        if (!roles.has(r[side])) problems.push(`${m.origin}: rule ${i + 1} (${JSON.stringify(r.id)}), ${side}: unknown role "${r[side]}" (known roles of ${ms.map((x) => x.origin).join(' + ')}: ${known})`);
      }
    });
  }
  if (problems.length > 0) throw new PolicyError(problems.join('\n'), 'matrix');
}
