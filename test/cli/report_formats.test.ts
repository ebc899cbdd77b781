/**
 * The lab in every report format: same inputs (SOURCE_DATE_EPOCH set) give the same bytes, and
 * the evidence block is complete and its resultSha256 is what the README says it is.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resultSha256 } from '../../src/audit/evidence.js';
import { canonicalJson } from '../../src/matrix/canonical_json.js';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';

describe('report formats', () => {
  it.each(['json', 'csv', 'html', 'markdown', 'text'])('%s: two runs give the same bytes', async (format) => {
    const a = await runCli(['audit', LAB, '--inventory', INV, '--format', format]);
    const b = await runCli(['audit', LAB, '--inventory', INV, '--format', format]);
    expect(a.code).toBe(1);
    expect(a.stdout.length).toBeGreaterThan(500);
    expect(b.stdout).toBe(a.stdout);
  });

  it('SOURCE_DATE_EPOCH pins the generation time; another value changes only the time, not the result hash', async () => {
    const a = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--format', 'json'])).stdout);
    const b = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--format', 'json'], { SOURCE_DATE_EPOCH: '1800000000' })).stdout);
    expect(a.evidence.generatedAt).toBe('2026-03-02T10:00:00.000Z');
    expect(b.evidence.generatedAt).toBe('2027-01-15T08:00:00.000Z');
    expect(b.evidence.resultSha256).toBe(a.evidence.resultSha256);
    for (const x of [a, b]) {
      delete x.generatedAt;
      delete x.evidence.generatedAt;
    }
    expect(b).toEqual(a);
  });

  it('the evidence block records version, argv, every hash and the host; resultSha256 is as documented', async () => {
    const argv = ['audit', LAB, '--inventory', INV, '--format', 'json'];
    const r = await runCli(argv);
    const j = JSON.parse(r.stdout);
    const keys = Object.keys(j);
    expect(keys[keys.length - 1]).toBe('evidence');
    const e = j.evidence;
    expect(e.tool).toEqual({ name: 'flowaudit', version: j.tool.version });
    expect(e.argv).toEqual(argv);
    expect(e.commandLine).toBe(`flowaudit ${argv.join(' ')}`);
    expect(e.host).toBeNull();
    expect(e.inputs).toEqual([{ path: LAB, sha256: j.inputs[0].sha256 }]);
    expect(e.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(e.matrix).toMatchObject({ origin: 'builtin:ams', specs: ['builtin:ams'], sha256: j.matrix.sha256, name: j.matrix.name, version: j.matrix.version });
    expect(e.inventory).toEqual({ origin: INV, sha256: j.inventory.sha256 });
    expect(e.inventory.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Independent recomputation: the JSON without its time, command line and own hash, keys sorted, no whitespace.
    const copy = JSON.parse(r.stdout);
    delete copy.generatedAt;
    for (const k of ['resultSha256', 'generatedAt', 'argv', 'commandLine']) delete copy.evidence[k];
    expect(createHash('sha256').update(canonicalJson(copy)).digest('hex')).toBe(e.resultSha256);
    expect(resultSha256(j)).toBe(e.resultSha256);
    // Any change to the content changes the hash.
    j.summary.packets += 1;
    expect(resultSha256(j)).not.toBe(e.resultSha256);
  });

  it('the JSON, HTML and Markdown reports of one audit carry the same resultSha256 (and the text footer)', async () => {
    const base = ['audit', LAB, '--inventory', INV];
    const j = JSON.parse((await runCli([...base, '--format', 'json'])).stdout);
    const h = (await runCli([...base, '--format', 'html', '-o', 'r.html'], { SOURCE_DATE_EPOCH: '1800000000' })).files.get('r.html') as string;
    const m = (await runCli([...base, '--format', 'markdown'])).stdout;
    const t = (await runCli(base)).stdout;
    const sha = j.evidence.resultSha256 as string;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(h).toContain(`id="result-sha256">${sha}<`);
    expect(m).toContain(`result sha256 ${sha}`);
    expect(t).toContain(`result    ${sha}`);
  });

  it('the text footer and the HTML carry the evidence; the command line is shell-quoted', async () => {
    const t = await runCli(['audit', LAB, '--inventory', INV, '--features', 'azure-ad, oidc']);
    const j = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--features', 'azure-ad, oidc', '--format', 'json'])).stdout);
    expect(t.stdout).toContain(`flowaudit audit ${LAB} --inventory ${INV} --features 'azure-ad, oidc'`);
    expect(t.stdout).toContain(`capture   ${j.inputs[0].sha256}  ${LAB}`);
    expect(t.stdout).toMatch(/result {4}[0-9a-f]{64}/);
    const h = await runCli(['audit', LAB, '--inventory', INV, '--format', 'html']);
    expect(h.stdout).toContain(j.matrix.sha256);
    expect(h.stdout).toContain(j.inventory.sha256);
    expect(h.stdout).toMatch(/id="result-sha256">[0-9a-f]{64}</);
  });
});
