/**
 * The probe reports from a result built without a network: every format carries the segmentation
 * test and the PCI DSS section, escapes what came from the inventory, and `verify` checks the
 * visible text and the hash of HTML, Markdown and JSON probe reports.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProbeResult, type ProbeContext } from '../../src/audit/probe_build.js';
import type { ProbePlan } from '../../src/audit/probe_plan.js';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import type { Io } from '../../src/cli/io.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { compileInventory } from '../../src/matrix/inventory.js';
import type { ProbeOutcome } from '../../src/probe/probe_types.js';
import { renderProbeReport } from '../../src/report/probe_render.js';

const ams = loadMatrix('builtin:ams');
const HOSTILE = '<script>alert(1)</script>|*x*';
const inventory = compileInventory({ roles: { 'ams-server': ['10.0.0.1'], 'domain-controller': ['10.0.0.2'] }, names: { '10.0.0.2': HOSTILE } }, 'inv.json', ams);
const plan: ProbePlan = {
  as: 'ams-server',
  probes: [
    { protocol: 'tcp', address: '10.0.0.2', port: 389, member: HOSTILE, roles: ['domain-controller'], kind: 'documented', rules: ['ams-ldap'], required: true },
    { protocol: 'tcp', address: '10.0.0.2', port: 3389, member: HOSTILE, roles: ['domain-controller'], kind: 'undocumented', rules: [], required: false },
    { protocol: 'tcp', address: '10.0.0.2', port: 22, member: HOSTILE, roles: ['domain-controller'], kind: 'undocumented', rules: [], required: false },
  ],
  notPlanned: [{ rule: 'ams-rpc-dynamic', protocol: 'tcp', ports: '49152-65535', target: 'domain-controller', reason: 'port range 49152-65535: a probe tries single ports, never a sweep' }],
  undocumentedPorts: ['tcp/22', 'tcp/3389'],
};
const at = Date.parse('2026-03-02T10:00:00Z');
const outcomes: ProbeOutcome[] = [
  { state: 'open', how: 'SYN-ACK (connected)', startedAt: at, ms: 0.4 },
  { state: 'open', how: 'SYN-ACK (connected)', startedAt: at + 50, ms: 0.5 },
  { state: 'filtered', how: 'no answer in 1000 ms', startedAt: at + 100, ms: 1000.2 },
];
const ctx: ProbeContext = {
  generatedAt: '2026-03-02T10:00:02.000Z',
  argv: ['probe', '--inventory', 'inv.json', '--as', 'ams-server'],
  host: 'ams1',
  addresses: ['10.0.0.1'],
  inRole: true,
  settings: { ratePerSecond: 20, budgetMs: 60_000, timeoutMs: 1000, undocumentedPorts: plan.undocumentedPorts },
  capture: null,
};
const result = buildProbeResult(plan, outcomes, ams, inventory, ctx);

describe('probe reports', () => {
  it('judge the lab: the open undocumented port fails the test', () => {
    expect(result.verdict).toBe('fail');
    expect(result.results.map((r) => r.judgement)).toEqual(['works', 'finding', 'closed']);
    expect(result.window).toEqual({ start: '2026-03-02T10:00:00.000Z', end: '2026-03-02T10:00:01.100Z' });
  });

  it('a host that is not a member of the role never passes', () => {
    const clean = buildProbeResult(plan, [outcomes[0]!, { ...outcomes[2]! }, outcomes[2]!], ams, inventory, { ...ctx, inRole: false });
    expect(clean.verdict).toBe('inconclusive');
    expect(clean.verdictReasons[0]).toMatch(/not listed in the inventory as a member of ams-server/);
    expect(buildProbeResult(plan, [outcomes[0]!, outcomes[2]!, outcomes[2]!], ams, inventory, ctx).verdict).toBe('pass');
  });

  it.each(['text', 'markdown', 'html'] as const)('%s: a segmentation test section and PCI DSS 11.4.5', (format) => {
    const t = renderProbeReport(result, format, { color: false });
    expect(t).toMatch(/Segmentation test/);
    expect(t).toMatch(/PCI DSS 11\.4\.5/);
    expect(t).toMatch(/PCI DSS 1\.3\.1/);
    expect(t).toMatch(/Does not show/);
    expect(t).toMatch(/FINDING: undocumented port open/);
    expect(t).toMatch(/ams-rpc-dynamic tcp\/49152-65535/);
  });

  it('escapes inventory text: no markup in HTML, no table break in Markdown', () => {
    const html = renderProbeReport(result, 'html', { color: false });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const md = renderProbeReport(result, 'markdown', { color: false });
    expect(md).not.toContain('<script>');
    expect(md).toContain('\\|\\*x\\*');
  });

  it('ECS: one event per probe and a verdict event; the finding is an alert', () => {
    const events = renderProbeReport(result, 'ecs', { color: false }).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => [e.event.kind, e.event.action])).toEqual([
      ['event', 'probe-works'],
      ['alert', 'probe-finding'],
      ['event', 'probe-closed'],
      ['state', 'probe-verdict'],
    ]);
    expect(events[1]).toMatchObject({ destination: { ip: '10.0.0.2', port: 3389 }, source: { ip: '10.0.0.1' } });
  });
});

describe('verify of a probe report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-probe-verify-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (path: string): Promise<{ code: number; out: string }> => {
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => {}, env: {} } as unknown as Io;
    return { code: await verifyCommand(path, [], {}, io), out };
  };

  it.each([
    ['json', 'probe.json'],
    ['markdown', 'probe.md'],
    ['html', 'probe.html'],
  ] as const)('%s: verified as written; a visible change is named', async (format, name) => {
    const path = join(dir, name);
    const text = renderProbeReport(result, format, { color: false });
    writeFileSync(path, text);
    const ok = await run(path);
    expect(ok.out).toMatch(/probe report\)/);
    expect(ok.out).toMatch(/visible +ok/);
    expect(ok.out).toMatch(/no inputs to re-run/);
    expect(ok.code).toBe(0);
    // JSON: the content is the result (the hash catches it); HTML/Markdown: the visible text.
    const changed = format === 'json' ? text.replace('"finding"', '"closed"') : text.replace('FINDING: undocumented port open', 'closed (as expected)');
    writeFileSync(path, changed);
    const bad = await run(path);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(format === 'json' ? /CHANGED: evidence\.resultSha256/ : /visible +CHANGED: .*FINDING/);
    expect(readFileSync(path, 'utf8')).toBe(changed);
  });
});
