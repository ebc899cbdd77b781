/** What an audit covers (audit/observation.ts) and what it shows per control (audit/controls.ts). */
import { describe, expect, it } from 'vitest';
import { controlsOf, unexpectedCountText } from '../../src/audit/controls.js';
import { absenceText, durationText, observationCoverage, ruleCoverageNote } from '../../src/audit/observation.js';
import type { AuditResult, InputResult, RuleResult, UnexpectedGroup } from '../../src/audit/result.js';

const input = (extra: Partial<InputResult> = {}): InputResult => ({ path: 'a.pcapng', drops: null, error: null, truncated: false, ...extra }) as InputResult;
const rule = (status: RuleResult['status'], states: RuleResult['states'] = {}): RuleResult =>
  ({ id: `r-${status}`, status, enforced: true, states, outcomes: { answered: 0, refused: 0, unanswered: 0 } }) as RuleResult;
const flow = (extra: Partial<UnexpectedGroup> = {}): UnexpectedGroup =>
  ({ client: '10.0.0.9', server: '10.0.0.2', protocol: 'tcp', port: 22, clientRoles: [], serverRoles: ['dc'], connections: 2, states: {}, outcomes: { answered: 1, refused: 1, unanswered: 0 }, ...extra }) as UnexpectedGroup;

function result(extra: Partial<AuditResult> = {}): AuditResult {
  return {
    verdict: 'pass',
    verdictReasons: [],
    summary: { firstSeen: '2026-03-02T09:00:00.000000Z', lastSeen: '2026-03-02T09:07:24.000000Z' },
    options: { scope: 'inventory', features: [] },
    inputs: [input()],
    rules: [rule('observed')],
    unexpected: [],
    ...extra,
  } as AuditResult;
}

describe('durationText', () => {
  it.each([
    [0.0004, '0 s'],
    [7.424, '7.4 s'],
    [59.6, '60 s'],
    [444, '7 min 24 s'],
    [7500, '2 h 5 min'],
    [273600, '3 d 4 h'],
  ])('%f s → %s', (s, text) => expect(durationText(s)).toBe(text));
});

describe('observationCoverage', () => {
  it.each<[string, Partial<AuditResult>, string]>([
    ['no vantage, no drop counts', {}, '7 min 24 s of traffic (2026-03-02T09:00:00.000000Z → 2026-03-02T09:07:24.000000Z); at the capture point (no --vantage given); drops not recorded by the capture; no damaged input; 0 connections seen from one side only'],
    ['vantage and zero drops', { options: { scope: 'inventory', features: [], vantage: ['ams-server'], requireAllMembers: false, as: null }, inputs: [input({ drops: { ifDrop: 0, osDrop: 0 } })] }, '7 min 24 s of traffic (2026-03-02T09:00:00.000000Z → 2026-03-02T09:07:24.000000Z); on the hosts of ams-server (--vantage); 0 drops; no damaged input; 0 connections seen from one side only'],
    ['drops on one of two inputs, a damaged input, one-sided connections', { inputs: [input({ drops: { ifDrop: 3, osDrop: null } }), input({ path: 'b.pcap', truncated: true })], rules: [rule('observed', { S0: 2, SF: 5 })], unexpected: [flow({ states: { SHR: 1 } })] }, '7 min 24 s of traffic (2026-03-02T09:00:00.000000Z → 2026-03-02T09:07:24.000000Z); at the capture point (no --vantage given); 3 drops (recorded by 1 of 2 inputs); damaged input: b.pcap; 3 connections seen from one side only'],
  ])('%s', (_n, extra, text) => expect(observationCoverage(result(extra)).text).toBe(text));

  it('a missing rule carries the coverage; an observed one does not', () => {
    const c = observationCoverage(result({ options: { scope: 'inventory', features: [], vantage: ['ams-server'], requireAllMembers: false, as: null }, inputs: [input({ drops: { ifDrop: 0, osDrop: 0 } })] }));
    expect(ruleCoverageNote({ status: 'missing' }, c)).toBe('no attempt seen in 7 min 24 s on the hosts of ams-server (--vantage), 0 drops');
    expect(ruleCoverageNote({ status: 'not-visible' }, c)).toMatch(/^not judged: no attempt seen in 7 min 24 s/);
    expect(ruleCoverageNote({ status: 'observed' }, c)).toBeNull();
    expect(absenceText(observationCoverage(result({ summary: { firstSeen: null, lastSeen: null } as AuditResult['summary'] })), 'no unexpected flow')).toBe(
      'no unexpected flow seen in an empty capture at the capture point (no --vantage given), drops not recorded by the capture',
    );
  });
});

describe('controlsOf', () => {
  it('names every control of the issue, never claims compliance, and says what a passive audit cannot prove', () => {
    const b = controlsOf(result());
    expect(b.statements.map((s) => `${s.framework} ${s.control}`)).toEqual([
      'PCI DSS 4.0 1.2.5', 'PCI DSS 4.0 1.2.7', 'PCI DSS 4.0 1.3.1', 'PCI DSS 4.0 1.3.2', 'PCI DSS 4.0 11.4.5',
      'NIST SP 800-53 Rev. 5 SC-7', 'NIST SP 800-53 Rev. 5 CA-7',
      'ISO/IEC 27001:2022 A.8.20', 'ISO/IEC 27001:2022 A.8.21', 'ISO/IEC 27001:2022 A.8.22',
    ]);
    expect(b.scope).toContain('not a statement of compliance');
    const all = JSON.stringify(b);
    expect(all).not.toMatch(/\bcomplian(t|ce) with\b(?! any of them)/);
    expect(b.statements.find((s) => s.control === '1.3.1')!.doesNotProve).toContain('a passive audit does not prove that undocumented flows are blocked');
    expect(b.statements.find((s) => s.control === '1.3.1')!.supports).toBe('no unexpected flow into an inventory host was seen in 7 min 24 s');
  });

  it.each<[string, Partial<AuditResult>, string, string, string]>([
    ['flows into and out of the inventory', { verdict: 'fail', unexpected: [flow(), flow({ clientRoles: ['ams'], serverRoles: [] })] }, '1 unexpected flow into an inventory host was seen: not blocked on that path in the window', '1 unexpected flow from an inventory host was seen: not blocked on that path in the window', '2 unexpected connection attempts refused or unanswered: a control may have stopped them'],
    ['nothing unexpected', {}, 'no unexpected flow into an inventory host was seen in 7 min 24 s', 'no unexpected flow from an inventory host was seen in 7 min 24 s', 'nothing: no refused or unanswered unexpected attempt was seen'],
  ])('%s', (_n, extra, inbound, outbound, segmentation) => {
    const by = new Map(controlsOf(result(extra)).statements.map((s) => [s.control, s.supports]));
    expect([by.get('1.3.1'), by.get('1.3.2'), by.get('11.4.5')]).toEqual([inbound, outbound, segmentation]);
  });

  it('an inconclusive audit says its statements support nothing beyond what was read', () => {
    expect(controlsOf(result({ verdict: 'inconclusive' })).scope).toContain('This audit is inconclusive');
  });

  it('one count of unexpected flows, in the verdict\'s words', () => {
    expect(unexpectedCountText(15, 44)).toBe('15 unexpected flows (44 connections)');
    expect(unexpectedCountText(1, 1)).toBe('1 unexpected flow (1 connection)');
  });
});
