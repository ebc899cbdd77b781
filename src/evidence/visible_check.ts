/**
 * What the reader sees must be what flowaudit writes: the report is rendered again from its own
 * result and compared byte for byte with the file. Any visible change (a verdict badge, a table
 * cell, a `data-verdict` attribute, a line added) fails and names the first differing line. A
 * report written by another flowaudit version may be rendered differently, so its visible text is
 * not checked (and the report never called verified on its embedded data alone).
 */
import type { AuditResult } from '../audit/result.js';
import { renderReport, type ReportFormat } from '../report/render.js';
import { VERSION } from '../version.js';

export interface VisibleCheck {
  /** 'ok', 'changed', or 'unchecked' (another flowaudit version wrote it). */
  state: 'ok' | 'changed' | 'unchecked';
  line: string;
}

/** The part of a long line around column `col` (0-based), quoted. */
function around(s: string, col: number): string {
  const from = Math.max(0, col - 40);
  const piece = s.slice(from, from + 120);
  return JSON.stringify(`${from > 0 ? '…' : ''}${piece}${from + 120 < s.length ? '…' : ''}`);
}

/** The first line (1-based) where `a` and `b` differ, with both versions of it. */
export function firstDifference(a: string, b: string): { line: number; was: string; now: string } | null {
  if (a === b) return null;
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return { line: i + 1, was: la[i] ?? '(end of file)', now: lb[i] ?? '(end of file)' };
  }
  return { line: la.length, was: '(bytes differ)', now: '' };
}

export function checkVisible(result: AuditResult, format: ReportFormat, bytes: Buffer, name: string): VisibleCheck {
  if (result.tool.version !== VERSION) return otherVersion(result.tool.version, format, name);
  return compareRendered(renderReport(result, format, { color: false }), format, bytes, name);
}

/** A report written by another flowaudit version: its visible text cannot be checked. */
export function otherVersion(version: string, format: string, name: string): VisibleCheck {
  return {
    state: 'unchecked',
    line: `NOT CHECKED: written by flowaudit ${version}, this is ${VERSION}, whose ${format} rendering may differ; what a reader sees in ${name} could not be checked (the embedded result was)`,
  };
}

/** `bytes` against the report flowaudit writes from the result (`expected`), for any kind of report. */
export function compareRendered(expected: string, format: string, bytes: Buffer, name: string): VisibleCheck {
  if (Buffer.from(expected, 'utf8').equals(bytes)) return { state: 'ok', line: `ok: ${name} is byte for byte the ${format} report flowaudit writes from its result` };
  const text = bytes.toString('utf8');
  // A copy through Windows tools (git autocrlf, mail) turns LF into CRLF: not a visible change.
  if (text.includes('\r\n') && text.replace(/\r\n/g, '\n') === expected) {
    return { state: 'ok', line: `ok: ${name} is the ${format} report flowaudit writes from its result, with CRLF line ends (converted after writing; the text is the same)` };
  }
  const d = firstDifference(text, expected);
  let col = 0;
  if (d) while (col < d.was.length && d.was[col] === d.now[col]) col++;
  const at = d ? `line ${d.line}${col > 0 ? ` column ${col + 1}` : ''}: the file has ${around(d.was, col)}, flowaudit writes ${around(d.now, col)}` : 'the bytes differ';
  return { state: 'changed', line: `CHANGED: ${name} is not what flowaudit writes from the report's result; first difference at ${at}` };
}
