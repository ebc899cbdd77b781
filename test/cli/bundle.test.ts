/**
 * The bundle (scripts/bundle.mjs → dist/flowaudit.cjs and its V8 code cache) is what
 * bin/flowaudit.js runs: it must give the same reports and the same schema messages (its
 * validators are ajv standalone code compiled at build time) as the sources, use its code cache,
 * and never use a cache made for another build.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** How bin/load.js treated the code cache beside `bundle`, in a plain node process (as bin/ runs). */
function cacheState(bundle: string): string {
  const script = `const l = require(${JSON.stringify(join(root, 'bin', 'load.js'))}).loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(`${bundle}.cache`)}); console.log(l.cache, typeof l.exports.main);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split(' ')[1]).toBe('function');
  return r.stdout.trim().split(' ')[0]!;
}

/** The report without what legitimately differs between two runs (the command line in the evidence). */
function comparable(json: string): unknown {
  const j = JSON.parse(json);
  delete j.evidence;
  return j;
}

describe('the bundle', () => {
  it('bin/flowaudit.js runs the bundle, which the build wrote, with its code cache', () => {
    expect(readFileSync(BIN, 'utf8')).toContain("'dist', 'flowaudit.cjs'");
    expect(existsSync(join(root, 'dist', 'flowaudit.cjs'))).toBe(true);
    expect(cacheState(join(root, 'dist', 'flowaudit.cjs'))).toBe('used');
  });

  it('does not use a code cache made for another build, and runs without one', () => {
    const d = mkdtempSync(join(tmpdir(), 'flowaudit-cache-'));
    mkdirSync(join(d, 'dist'));
    copyFileSync(join(root, 'package.json'), join(d, 'package.json')); // the version, ../package.json from dist/
    const bundle = join(d, 'dist', 'flowaudit.cjs');
    copyFileSync(join(root, 'dist', 'flowaudit.cjs'), bundle);
    const cache = readFileSync(join(root, 'dist', 'flowaudit.cjs.cache'));
    writeFileSync(`${bundle}.cache`, Buffer.concat([Buffer.from('0123456789abcdef'), cache.subarray(16)]));
    expect(cacheState(bundle)).toBe('stale');
    writeFileSync(`${bundle}.cache`, cache.subarray(0, 16)); // the right id, no V8 data
    expect(cacheState(bundle)).toBe('rejected');
    writeFileSync(`${bundle}.cache`, '');
    expect(cacheState(bundle)).toBe('stale');
    rmSync(`${bundle}.cache`);
    expect(cacheState(bundle)).toBe('none');
  });

  it('loads no built-in a small audit does not need (worker threads, zlib, child_process, net: start-up cost)', () => {
    const out = join(dir, 'lab-builtins.json');
    const script = [
      `const l = require(${JSON.stringify(join(root, 'bin', 'load.js'))}).loadBundle(${JSON.stringify(join(root, 'dist', 'flowaudit.cjs'))}, ${JSON.stringify(join(root, 'dist', 'flowaudit.cjs.cache'))});`,
      `l.exports.main(['audit', ${JSON.stringify(LAB)}, '--inventory', ${JSON.stringify(INV)}, '--format', 'json', '--output', ${JSON.stringify(out)}], l.exports.nodeIo())`,
      `.then(() => console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)))));`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    const loaded = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
    expect(loaded).toContain('crypto'); // the evidence hash: this is the real module list
    for (const m of ['worker_threads', 'zlib', 'child_process', 'net', 'os']) expect(loaded).not.toContain(m);
    expect(existsSync(out)).toBe(true);
  });

  it('carries the schema validators as compiled code (ajv standalone), not the schemas to compile', () => {
    const code = readFileSync(join(root, 'dist', 'flowaudit.cjs'), 'utf8');
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

  it('--version and --help work', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(bin(['--version']).stdout.trim()).toBe(pkg.version);
    const help = bin(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['audit', 'verify', 'flows', 'matrix', 'live', 'interfaces']) expect(help.stdout).toContain(`  ${cmd}`);
  });
});
