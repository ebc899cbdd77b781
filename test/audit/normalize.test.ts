import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeReport, type ReportInput } from '../../src/audit/normalize.js';
import type { AuditResult } from '../../src/audit/result.js';

const golden = (): AuditResult => JSON.parse(readFileSync('test/golden/ams-lab.audit.json', 'utf8')) as AuditResult;

describe('normalizeReport', () => {
  it('leaves a current report as it is', () => {
    const r = golden();
    expect(normalizeReport(r)).toEqual(r);
  });

  it('fills what an older report lacks: lists empty, objects null, counts 0, groups recomputed', () => {
    const full = golden();
    const old = JSON.parse(JSON.stringify(full)) as Record<string, unknown> & ReportInput;
    delete old.unexpectedByServer;
    delete old.scans;
    delete (old.options as Record<string, unknown>).vantage;
    delete (old.summary as Record<string, unknown>).partialRequired;
    for (const rule of old.rules as Record<string, unknown>[]) {
      for (const k of ['evidence', 'diagnosis', 'coverage', 'dynamicRpc', 'memberFailures', 'trigger']) delete rule[k];
    }
    for (const g of old.unexpected as Record<string, unknown>[]) delete g.communityIds;
    for (const i of old.inputs as Record<string, unknown>[]) delete i.origin;
    const n = normalizeReport(old);
    expect(n.unexpectedByServer).toEqual(full.unexpectedByServer);
    expect(n.scans).toEqual([]);
    expect(n.options.vantage).toEqual([]);
    expect(n.summary.partialRequired).toBe(0);
    expect(n.rules[0]).toMatchObject({ evidence: [], diagnosis: null, coverage: null, dynamicRpc: null, memberFailures: [], trigger: null });
    expect(n.unexpected.every((g) => Array.isArray(g.communityIds) && g.communityIds.length === 0)).toBe(true);
    expect(n.inputs[0]!.origin).toBe('file');
    // what the report holds is kept
    expect(n.rules.map((r) => r.status)).toEqual(full.rules.map((r) => r.status));
    expect(n.evidence).toEqual(full.evidence);
  });
});
