/**
 * Reading a report back for `verify`: its format and its result. A JSON report is the result; an
 * HTML or Markdown report carries the whole result (base64 JSON in a comment, EMBEDDED_RESULT_MARK)
 * besides the text a person reads. Text and CSV reports carry no result: they are refused in one
 * line naming what can be verified (inside an evidence directory they are checked against its
 * report.json and manifest instead: evidence/evidence_dir.ts).
 */
import { readFileSync } from 'node:fs';
import { AUDIT_SCHEMA, type AuditResult, type Evidence } from '../audit/result.js';
import { InputError, messageOf } from '../errors.js';
import { EMBEDDED_RESULT_MARK } from '../report/markdown.js';

export type VerifiableFormat = 'json' | 'html' | 'markdown';

export interface ReportFile {
  result: AuditResult & { evidence: Evidence };
  format: VerifiableFormat;
  /** The file exactly as read (the visible check compares these bytes). */
  bytes: Buffer;
}

export const VERIFIABLE =
  'flowaudit verify checks JSON, HTML and Markdown reports (each carries its whole result), and text and CSV reports inside an evidence directory (flowaudit audit --evidence-dir DIR, then flowaudit verify DIR)';

/** The report's format and its JSON text: the file itself, or the result embedded in an HTML or Markdown report. */
function reportJson(path: string, text: string): { format: VerifiableFormat; json: string } {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('{')) return { format: 'json', json: t };
  const at = text.lastIndexOf(`<!-- ${EMBEDDED_RESULT_MARK} `);
  if (at >= 0) {
    const start = at + EMBEDDED_RESULT_MARK.length + 6;
    const end = text.indexOf(' -->', start);
    const format = /^\s*<!DOCTYPE html/i.test(text) ? 'html' : 'markdown';
    if (end > start) return { format, json: Buffer.from(text.slice(start, end), 'base64').toString('utf8') };
  }
  if (/^\s*(flowaudit \S+ \u2014 verdict:|kind,id,status|"?kind"?,)/.test(text)) {
    throw new InputError(`${path}: a text or CSV report carries no result to check it against; ${VERIFIABLE}`);
  }
  throw new InputError(`${path}: not a flowaudit report (no JSON, and no embedded result as in HTML and Markdown reports); ${VERIFIABLE}`);
}

/** The report file's bytes, its format and its result as parsed JSON, whatever kind of report it is (audit or probe). */
export function readReportRaw(path: string): { format: VerifiableFormat; value: unknown; bytes: Buffer } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`${path}: cannot read report: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  const { format, json } = reportJson(path, bytes.toString('utf8'));
  try {
    return { format, value: JSON.parse(json), bytes };
  } catch (e) {
    throw new InputError(`${path}: the ${format} report's result is not valid JSON (${messageOf(e)})`);
  }
}

export function readReportFile(path: string, raw = readReportRaw(path)): ReportFile {
  const { format, value: j, bytes } = raw;
  const r = j as Partial<AuditResult> | null;
  if (!r || typeof r !== 'object' || r.schema !== AUDIT_SCHEMA) throw new InputError(`${path}: not a ${AUDIT_SCHEMA} report`);
  const e = r.evidence;
  if (!e || typeof e !== 'object' || typeof e.resultSha256 !== 'string' || !Array.isArray(e.inputs) || !e.matrix) {
    throw new InputError(`${path}: the report has no evidence block (made by an older flowaudit); nothing to verify against`);
  }
  return { result: r as AuditResult & { evidence: Evidence }, format, bytes };
}
