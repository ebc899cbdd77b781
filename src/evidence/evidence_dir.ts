/**
 * An evidence directory (`--evidence-dir DIR`, issue 17): everything an auditor needs to re-check
 * one audit, with a manifest of SHA-256 hashes that a signature can cover.
 *
 *   report.json report.html report.md report.csv report.txt   the report in every format
 *   matrix.json       the resolved matrix as used (matrix show --format json)
 *   policy/NAME       each matrix file given with --matrix, byte for byte (builtin matrices need none)
 *   inventory.json    the inventory file as used, byte for byte (when one was given)
 *   firewall/NAME     each --firewall HOST=FILE file, byte for byte (issue 21)
 *   inputs/NAME       each input, byte for byte, only with --copy-inputs (those at hand)
 *   NAME.state.json   merge: each state file, byte for byte
 *   manifest.json     flowaudit/evidence@1: sha256 and size of every file above, and of each
 *                     input with its recorded path and size
 *   manifest.json.sig the SSHSIG signature of manifest.json (with --sign-key)
 *
 * `flowaudit verify DIR` (cli/commands/verify_dir.ts) checks all of it.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { AuditResult } from '../audit/result.js';
import { UsageError } from '../errors.js';
import { sha256File } from '../inputs/file_hash.js';
import type { Matrix } from '../matrix/types.js';
import { renderMatrix } from '../report/matrix_report.js';
import { renderReport, type ReportFormat } from '../report/render.js';
import { baseName } from './locate_input.js';

export const EVIDENCE_SCHEMA = 'flowaudit/evidence@1';
export const MANIFEST = 'manifest.json';

/** The report files of an evidence directory and their formats. */
export const REPORT_FILES: readonly (readonly [string, ReportFormat])[] = [
  ['report.json', 'json'],
  ['report.html', 'html'],
  ['report.md', 'markdown'],
  ['report.csv', 'csv'],
  ['report.txt', 'text'],
];

export interface ManifestFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface Manifest {
  schema: typeof EVIDENCE_SCHEMA;
  tool: { name: 'flowaudit'; version: string };
  generatedAt: string;
  verdict: string;
  resultSha256: string;
  /** Files of the directory (paths relative to it, with `/`), manifest.json and its signature excepted. */
  files: ManifestFile[];
  /** Each input as recorded in the report; `copy` is its file in the directory (--copy-inputs) or null. */
  inputs: { path: string; sha256: string | null; bytes: number | null; copy: string | null }[];
  /** The policy as given and its copies here: each --matrix spec (copy null for builtin:NAME) and the inventory. */
  policy: {
    matrix: { spec: string; copy: string | null }[];
    inventory: { path: string; copy: string } | null;
    /** Issue 21: each --firewall file (absent without one). */
    firewall?: { host: string; path: string; copy: string }[];
  };
  /** manifest.json.sig when signed, else null. */
  signature: string | null;
}

export interface EvidencePolicy {
  matrix: Matrix;
  /** The --matrix specs as given (builtin:NAME or files). */
  matrixSpecs: readonly string[];
  /** The inventory file read, or undefined. */
  inventoryPath: string | undefined;
  /** merge: the state files, copied beside report.json under their names (verify finds them there). */
  states?: readonly string[];
}

/** DIR must be new or empty: a file left from an earlier run would be signed as part of this one. */
export function checkEvidenceDir(dir: string): void {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--evidence-dir ${dir}: not a directory`);
    entries = readdirSync(dir);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    return; // does not exist yet: created when written
  }
  if (entries.length > 0) throw new UsageError(`--evidence-dir ${dir}: not empty (${entries.length} entries); give a new or empty directory`);
}

/** Every regular file under `dir`, as paths relative to it with `/`, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function uniqueName(taken: Set<string>, name: string): string {
  let n = name;
  for (let k = 2; taken.has(n); k++) n = `${k}-${name}`;
  taken.add(n);
  return n;
}

function copyInputs(dir: string, result: AuditResult): (string | null)[] {
  mkdirSync(join(dir, 'inputs'), { recursive: true });
  const taken = new Set<string>();
  return result.inputs.map((i) => {
    if (i.origin === 'stream' || i.format === 'live') {
      const ev = i.live?.evidence?.path;
      if (!ev) return null;
      const name = uniqueName(taken, baseName(ev));
      copyFileSync(ev, join(dir, 'inputs', name));
      return `inputs/${name}`;
    }
    if (!existsSync(i.path)) return null; // e.g. the captures behind a merge's state files, not at hand
    const name = uniqueName(taken, baseName(i.path));
    copyFileSync(i.path, join(dir, 'inputs', name));
    return `inputs/${name}`;
  });
}

/** Writes the directory (all but the signature) and returns its manifest. */
export function writeEvidenceDir(dir: string, result: AuditResult, policy: EvidencePolicy, copy: boolean): Manifest {
  mkdirSync(dir, { recursive: true });
  for (const [name, format] of REPORT_FILES) writeFileSync(join(dir, name), renderReport(result, format, { color: false }));
  writeFileSync(join(dir, 'matrix.json'), renderMatrix(policy.matrix, 'json'));
  const taken = new Set<string>();
  const matrixCopies = policy.matrixSpecs.map((spec) => {
    if (spec.startsWith('builtin:')) return { spec, copy: null };
    mkdirSync(join(dir, 'policy'), { recursive: true });
    const copy = `policy/${uniqueName(taken, basename(spec))}`;
    copyFileSync(spec, join(dir, copy));
    return { spec, copy };
  });
  if (policy.inventoryPath !== undefined) copyFileSync(policy.inventoryPath, join(dir, 'inventory.json'));
  for (const st of policy.states ?? []) copyFileSync(st, join(dir, uniqueName(taken, basename(st))));
  const firewall = (result.firewall?.hosts ?? []).map((h) => {
    mkdirSync(join(dir, 'firewall'), { recursive: true });
    const copy = `firewall/${uniqueName(taken, basename(h.file.path))}`;
    copyFileSync(h.file.path, join(dir, copy));
    return { host: h.host, path: h.file.path, copy };
  });
  const copies = copy ? copyInputs(dir, result) : result.inputs.map(() => null);
  const listed = listFiles(dir).map((path) => {
    const abs = join(dir, path);
    return { path, sha256: sha256File(abs), bytes: statSync(abs).size };
  });
  return {
    schema: EVIDENCE_SCHEMA,
    tool: { name: 'flowaudit', version: result.tool.version },
    generatedAt: result.generatedAt,
    verdict: result.verdict,
    resultSha256: result.evidence?.resultSha256 ?? '',
    files: listed,
    inputs: result.inputs.map((i, k) => ({ path: i.path, sha256: i.sha256, bytes: i.storedBytes ?? null, copy: copies[k] ?? null })),
    policy: {
      matrix: matrixCopies,
      inventory: policy.inventoryPath === undefined ? null : { path: policy.inventoryPath, copy: 'inventory.json' },
      ...(firewall.length > 0 ? { firewall } : {}),
    },
    signature: null,
  };
}

export function manifestText(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
