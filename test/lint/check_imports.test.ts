/** The import-direction rule of scripts/check_imports.mjs (run by `npm run lint`), table-driven. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { forbidden, importProblems } from '../../scripts/check_imports.mjs';

describe('import direction', () => {
  it.each([
    ['cli', 'report', null],
    ['report', 'audit', null],
    ['audit', 'records', null],
    ['records', 'flows', null],
    ['flows', 'decode', null],
    ['decode', 'capture', null],
    ['capture', 'inputs', null],
    ['audit', 'matrix', null],
    ['cli', 'firewall', null],
    ['firewall', 'matrix', null],
    ['flows', 'errors.ts', null],
    ['matrix', 'ip_text.ts', null],
    ['flows', 'flows', null],
    ['flows', 'records', 'records/ is downstream of flows/'],
    ['decode', 'flows', 'flows/ is downstream of decode/'],
    ['report', 'cli', 'cli/ is downstream of report/'],
    ['capture', 'audit', 'audit/ is downstream of capture/'],
    ['flows', 'matrix', 'matrix/ is policy: the engine (flows/) records facts and never imports it'],
    ['records', 'matrix', 'matrix/ is policy'],
    ['matrix', 'flows', 'matrix/ is policy: it imports only shared leaves'],
    ['errors.ts', 'flows', 'errors.ts is a shared leaf'],
    ['nowhere', 'flows', 'src/nowhere/ has no place in the layer table'],
    ['evidence', 'report', null],
    ['evidence', 'matrix', null],
    ['cli', 'evidence', null],
    ['watch', 'evidence', null],
    ['watch', 'matrix', null],
    ['report', 'evidence', 'evidence/ is downstream of report/'],
  ])('%s → %s: %s', (from, to, why) => {
    const got = forbidden(from, to) as string | null;
    if (why === null) expect(got).toBeNull();
    else expect(got).toContain(why);
  });

  it('reads import, export-from and import() specifiers, and names file, line and target', () => {
    const root = mkdtempSync(join(tmpdir(), 'fa-imports-'));
    const files: Record<string, string> = {
      'src/flows/a.ts': "import { x } from '../records/b.js';\nexport { y } from '../decode/c.js';\n",
      'src/decode/c.ts': "const m = await import('../matrix/m.js');\nimport type { T } from '../errors.js';\n",
    };
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
    }
    expect(importProblems(root, Object.keys(files))).toEqual([
      'src/flows/a.ts:1:19: import-direction: imports src/records/b.js: records/ is downstream of flows/ (inputs → capture → decode → flows ← records → audit → report → cli)',
      'src/decode/c.ts:1:24: import-direction: imports src/matrix/m.js: matrix/ is policy: the engine (decode/) records facts and never imports it',
    ]);
  });
});
