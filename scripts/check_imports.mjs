#!/usr/bin/env node
// Import direction in src/ (BRIEF "Code we want to live in"): data flows one way,
//   inputs → capture → decode → flows ← records → audit → report → cli
// and a module may import only from its own folder or a folder to its left (upstream), never
// downstream. records feeds flows' connection facts, so records may import flows, not the reverse.
// The policy inputs (matrix, firewall) are read by audit, report and cli only: the engine
// (inputs, capture, decode, flows, records) never imports them ("flows/ never imports matrix/");
// they import shared leaves and each other. Shared leaves (errors.ts, ip_text.ts, version.ts,
// lazy_builtins.ts) are imported by anyone and import no folder. Type-only imports count too: a
// type is part of the contract. A folder not in the table is reported, so that a new folder gets
// its place here when it lands.
// Run alone: node scripts/check_imports.mjs  (lint.mjs runs it)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

/** Rank along the data flow; equal ranks may not import each other unless the same folder. */
const ENGINE = { inputs: 0, capture: 1, decode: 2, flows: 3, records: 4, audit: 5, report: 6, cli: 7 };
/**
 * Folders other helpers are adding (issue 18: "probing and watching beside src/capture as sources
 * with their own commands"): etl and probe are packet sources (they may use capture's types);
 * watch follows logs and emits findings, so it may use everything up to report (not cli).
 */
const SOURCES = { etl: 1.5, probe: 1.5, watch: 6.5 };
/**
 * Issue 17: evidence (signing, evidence directories, reading a report back for verify) comes after
 * report in the flow (it renders and signs reports) and before watch and cli, which use it; it
 * writes the resolved matrix into an evidence directory, so it reads policy.
 */
const AFTER_REPORT = { evidence: 6.2 };
const POLICY = new Set(['matrix', 'firewall']);
/** watch judges every record with the matrix and inventory in force (and reloads them on SIGHUP), as audit does. */
const POLICY_READERS = new Set(['audit', 'report', 'evidence', 'watch', 'cli']);
const LEAVES = new Set(['errors.ts', 'ip_text.ts', 'version.ts', 'lazy_builtins.ts']);

/** 'src/flows/x.ts' → 'flows'; 'src/errors.ts' → 'errors.ts'. */
function unit(file) {
  const u = file.split('/')[1];
  return u.endsWith('.js') ? `${u.slice(0, -3)}.ts` : u;
}

function rank(u) {
  return ENGINE[u] ?? SOURCES[u] ?? AFTER_REPORT[u];
}

/** Why `from` may not import `to`, or null. */
export function forbidden(from, to) {
  if (from === to || LEAVES.has(to)) return null;
  if (LEAVES.has(from)) return `${from} is a shared leaf: it imports no folder`;
  if (POLICY.has(to)) return POLICY.has(from) || POLICY_READERS.has(from) ? null : `${to}/ is policy: the engine (${from}/) records facts and never imports it`;
  if (POLICY.has(from)) return `${from}/ is policy: it imports only shared leaves and other policy folders`;
  const a = rank(from);
  const b = rank(to);
  if (a === undefined) return `src/${from}/ has no place in the layer table of scripts/check_imports.mjs`;
  if (b === undefined) return `src/${to}/ has no place in the layer table of scripts/check_imports.mjs`;
  return b < a ? null : `${to}/ is downstream of ${from}/ (inputs → capture → decode → flows ← records → audit → report → cli)`;
}

function specifiers(src) {
  const out = [];
  const visit = (n) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) out.push(n.moduleSpecifier);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) out.push(n.arguments[0]);
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

/** One line per import that runs the wrong way, for the given src/ files (paths relative to root). */
export function importProblems(root, files) {
  const out = [];
  for (const f of files) {
    const src = ts.createSourceFile(f, readFileSync(join(root, f), 'utf8'), ts.ScriptTarget.Latest, true);
    for (const s of specifiers(src)) {
      if (!s.text.startsWith('.')) continue;
      const target = normalize(join(dirname(f), s.text));
      if (!target.startsWith('src/')) {
        out.push(`${f}:${line(src, s)}: import-direction: imports ${s.text}, outside src/`);
        continue;
      }
      const why = forbidden(unit(f), unit(target));
      if (why) out.push(`${f}:${line(src, s)}: import-direction: imports ${relative('.', target)}: ${why}`);
    }
  }
  return out;
}

/** Files under `dir` (relative to root) whose names end with one of `ext`, sorted. */
export function walk(root, dir, ext) {
  const out = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(root, p, ext));
    else if (ext.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out.sort();
}

function line(src, node) {
  const p = src.getLineAndCharacterOfPosition(node.getStart());
  return `${p.line + 1}:${p.character + 1}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('..', import.meta.url).pathname;
  const problems = importProblems(root, walk(root, 'src', ['.ts']));
  for (const p of problems) console.log(p);
  console.log(`import direction: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exitCode = problems.length ? 1 : 0;
}
