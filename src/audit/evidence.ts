/**
 * The evidence block (`evidence` at the top level of `flowaudit/audit@1`): what an auditor needs
 * to check later that a report belongs to its inputs — the tool version and exact command line,
 * the SHA-256 of every capture, of the matrix and of the inventory, the host of a live session,
 * the generation time, and a SHA-256 over the report itself.
 *
 * `resultSha256` identifies the audit result, whatever format it was rendered in and whenever:
 *   sha256( canonicalJson( the report without generatedAt, evidence.generatedAt, evidence.argv,
 *                          evidence.commandLine and evidence.resultSha256 ) )
 * where canonicalJson sorts object keys recursively (by UTF-16 code unit), keeps array order,
 * writes no whitespace and encodes strings and numbers as JSON.stringify does (see
 * matrix/load_matrix.ts). The time and the command line (which names the format and the output
 * file) are left out so the JSON, HTML and Markdown reports of one audit carry the same hash; they
 * stay in the evidence block for the reader. Anyone can recompute it:
 *   jq -cS 'del(.generatedAt, .evidence.generatedAt, .evidence.argv, .evidence.commandLine, .evidence.resultSha256)' report.json | tr -d '\n' | sha256sum
 * gives the same digest for ASCII content.
 */
import { canonicalSha256 } from '../matrix/canonical_json.js';
import { controlsOf } from './controls.js';
import type { AuditResult, Evidence } from './result.js';

export type { Evidence } from './result.js';

export const RESULT_HASH_DEFINITION =
  'sha256 of the canonical JSON (keys sorted recursively, no whitespace) of the report without generatedAt, evidence.generatedAt, evidence.argv, evidence.commandLine and evidence.resultSha256 (the same in every format of one audit)';

export interface EvidenceContext {
  argv: string[];
  matrixSpecs: string[];
  host?: string | null;
}

const SAFE_ARG = /^[A-Za-z0-9_\-.,/:=@+%]+$/;

/** POSIX shell quoting for display: plain words stay as they are, the rest in single quotes. */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (SAFE_ARG.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** SHA-256 over the canonical JSON of `report` without its time, command line and own hash (see the header). */
export function resultSha256(report: unknown): string {
  // The fields left out are skipped while writing (no copy of a report that can be megabytes).
  return canonicalSha256(report, { top: ['generatedAt'], nested: { key: 'evidence', keys: ['resultSha256', 'generatedAt', 'argv', 'commandLine'] } });
}

/** The result with `controls` and then `evidence` added as its last keys. Call it last, after every other field is set. */
export function attachEvidence(result: AuditResult, ctx: EvidenceContext): AuditResult {
  const { evidence: _old, controls: _c, ...bare } = result;
  // The controls block (what this evidence shows) is derived from the finished result, just before the evidence.
  const rest: AuditResult = { ...bare, controls: controlsOf(bare) };
  const evidence: Evidence = {
    tool: { name: 'flowaudit', version: result.tool.version },
    argv: [...ctx.argv],
    commandLine: shellQuote(['flowaudit', ...ctx.argv]),
    host: ctx.host ?? null,
    generatedAt: result.generatedAt,
    inputs: result.inputs.map((i) => ({ path: i.path, sha256: i.sha256, ...(i.origin === 'stream' ? { stream: true } : {}), ...(i.compression ? { compression: i.compression } : {}) })),
    matrix: {
      name: result.matrix.name,
      version: result.matrix.version,
      origin: result.matrix.origin,
      specs: [...ctx.matrixSpecs],
      sha256: result.matrix.sha256,
    },
    inventory: { origin: result.inventory.origin, sha256: result.inventory.sha256 },
    resultHash: RESULT_HASH_DEFINITION,
    resultSha256: '',
  };
  const out: AuditResult = { ...rest, evidence };
  evidence.resultSha256 = resultSha256(out);
  return out;
}
