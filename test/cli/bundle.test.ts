/**
 * The bundle (scripts/bundle.mjs → dist/flowaudit.js) is what bin/flowaudit.js runs: it must give
 * the same reports and the same schema messages (its validators are ajv standalone code compiled
 * at build time) as the sources, and load only what the command needs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const root = new URL('../..', import.meta.url).pathname;
const BIN = join(root, 'bin', 'flowaudit.js');
const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';
const dir = mkdtempSync(join(tmpdir(), 'flowaudit-bundle-'));

function bin(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1772445600', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The report without what legitimately differs between two runs (the command line in the evidence). */
function comparable(json: string): unknown {
  const j = JSON.parse(json);
  delete j.evidence;
  return j;
}

describe('the bundle', () => {
  it('bin/flowaudit.js runs the bundle, which the build wrote', () => {
    expect(readFileSync(BIN, 'utf8')).toContain("from '../dist/flowaudit.js'");
    expect(existsSync(join(root, 'dist', 'flowaudit.js'))).toBe(true);
  });

  it('carries the schema validators as compiled code (ajv standalone), not the schemas to compile', () => {
    const code = readdirSync(join(root, 'dist'))
      .filter((f) => /^flowaudit(-\w+)?\.js$/.test(f))
      .map((f) => readFileSync(join(root, 'dist', f), 'utf8'))
      .join('\n');
    expect(code).toMatch(/function validate\d+\(/);
    expect(code).not.toContain('class Ajv');
  });

  it('gives the same audit report as the sources, and the same exit code', async () => {
    const b = bin(['audit', LAB, '--inventory', INV, '--format', 'json']);
    const s = await runCli(['audit', LAB, '--inventory', INV, '--format', 'json']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(s.code);
    expect(comparable(b.stdout)).toEqual(comparable(s.stdout));
  });

  it.each([
    ['a matrix', 'matrix.json', { name: 'm', version: '1', roles: [{ name: 'a' }], rules: [{ id: 'r', source: 'a', destination: 'a', protocol: 'tcp', ports: ['x'], colour: 1 }] }, '--matrix'],
    ['an inventory', 'inventory.json', { roles: { 'ams-server': 7 }, extra: true }, '--inventory'],
  ])('reports the same schema errors for %s (precompiled validators)', async (_what, name, doc, flag) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(doc));
    const b = bin(['audit', LAB, flag, f]);
    const s = await runCli(['audit', LAB, flag, f]);
    expect(b.code).toBe(2);
    expect(b.code).toBe(s.code);
    expect(b.stderr).toBe(s.stderr);
    expect(b.stderr).toMatch(/must|not an allowed property/);
  });

  it('--version and --help work without loading every command', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(bin(['--version']).stdout.trim()).toBe(pkg.version);
    const help = bin(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['audit', 'verify', 'flows', 'matrix', 'live', 'interfaces']) expect(help.stdout).toContain(`  ${cmd}`);
  });
});
