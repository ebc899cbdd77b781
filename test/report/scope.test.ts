/** The scope every format states first (report/scope_lines.ts), and its bound on inputs. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/result.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { MAX_SCOPE_INPUTS, matrixVersionNote, scopeItems, signerText } from '../../src/report/scope_lines.js';

const lab = JSON.parse(readFileSync(new URL('../golden/ams-lab.audit.json', import.meta.url), 'utf8')) as AuditResult;

function withInputs(n: number): AuditResult {
  const base = lab.inputs[0]!;
  return { ...lab, inputs: Array.from({ length: n }, (_, i) => ({ ...base, path: `part-${i}.pcapng`, sha256: String(i).repeat(64).slice(0, 64) })) };
}

describe('scopeItems', () => {
  it('names inputs with hashes, window, vantage, completeness, matrix, inventory, options and signer', () => {
    expect(scopeItems(lab).map((x) => x.key)).toEqual(['Input', 'Window', 'Vantage', 'Completeness', 'Matrix', 'Inventory', 'Options', 'Signer']);
    expect(scopeItems(lab)[0]!.lines[1]).toBe(`sha256 ${lab.inputs[0]!.sha256}`);
    expect(signerText(lab)).toBe('not signed (see flowaudit audit --sign-key)');
    expect(signerText({ ...lab, evidence: { ...lab.evidence!, signer: 'ED25519 SHA256:abc auditor@example' } })).toBe('ED25519 SHA256:abc auditor@example');
  });

  it.each([
    [1, 1, false],
    [MAX_SCOPE_INPUTS, MAX_SCOPE_INPUTS, false],
    [40, MAX_SCOPE_INPUTS + 1, true],
  ])('%i inputs: %i input lines in the scope; SHA-256 column in the capture facts: %s', (n, lines, column) => {
    const r = withInputs(n);
    const inputs = scopeItems(r).filter((x) => x.key === 'Input');
    expect(inputs).toHaveLength(lines);
    if (n > MAX_SCOPE_INPUTS) expect(inputs.at(-1)!.lines[0]).toBe(`+${n - MAX_SCOPE_INPUTS} more inputs, each with its SHA-256 in the capture facts and the evidence block`);
    const html = renderHtml(r);
    expect(html.includes('<th>SHA-256</th>')).toBe(column);
    for (const i of r.inputs) expect(html.includes(i.sha256!) || !column).toBe(true);
    expect(renderMarkdown(r)).toContain(`sha256 ${r.inputs.at(-1)!.sha256}`); // the Markdown evidence lists every input
  });

  it('explains "seed sha256" only when the matrix version carries it', () => {
    expect(matrixVersionNote(lab.matrix.version)).toMatch(/^"seed sha256 e3e4713d7d0a" in the matrix version: the start of the SHA-256/);
    expect(matrixVersionNote('1.0')).toBeNull();
  });
});
