/**
 * Every way a capture reaches `flowaudit audit`, through the real CLI (dist, as a user runs it):
 * stdin `-`, /dev/stdin, a FIFO and bash process substitution (read once; the evidence hash equals
 * `sha256sum` of the bytes), gzip recognised by magic (hash of the compressed bytes), zstd refused
 * with the command to decompress, and a directory holding a shuffled rotated set plus a non-capture,
 * audited exactly like the single file and like `mergecap`'s merge of the set.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const BIN = resolve('bin/flowaudit.js');
const LAB = resolve('fixtures/ams-lab.pcapng');
const INV = resolve('fixtures/ams-lab.inventory.json');
const ENV = { ...process.env, SOURCE_DATE_EPOCH: '1700000000', NO_COLOR: '1' };
const dir = mkdtempSync(join(tmpdir(), 'fa-inputs-'));
const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(script: string, input?: Uint8Array): Run {
  const r = spawnSync('bash', ['-c', script], { env: ENV, encoding: 'utf8', timeout: 60_000, ...(input ? { input } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
// `timeout`: a reader blocked on a FIFO whose writer died must not outlive the test.
const audit = (args: string): string => `timeout 50 node ${q(BIN)} audit ${args} --inventory ${q(INV)} -f json`;
const sha256sum = (path: string): string => sh(`sha256sum ${q(path)}`).stdout.split(' ')[0]!;

type Report = any;
function report(r: Run): Report {
  expect(r.code, r.stderr).toBe(1); // the lab fails on purpose
  return JSON.parse(r.stdout);
}
/** Everything but the inputs block and the evidence (which name the inputs). */
function body(rep: Report): Report {
  const { inputs: _i, evidence: _e, controls, ...rest } = rep;
  // The controls block counts the inputs in its coverage; everything else in it must match.
  return controls ? { ...rest, controls: { ...controls, coverage: { ...controls.coverage, inputs: 0 } } } : rest;
}

const reference = report(sh(audit(q(LAB))));
const LAB_SHA = sha256sum(LAB);

describe('stdin, /dev/stdin, FIFO and process substitution are read once', () => {
  it.each([
    ['-', `cat ${q(LAB)} | ${audit('-')}`],
    ['/dev/stdin', `cat ${q(LAB)} | ${audit('/dev/stdin')}`],
    ['fifo', `rm -f ${q(join(dir, 'fifo'))}; mkfifo ${q(join(dir, 'fifo'))}; cat ${q(LAB)} > ${q(join(dir, 'fifo'))} & ${audit(q(join(dir, 'fifo')))}; rc=$?; wait; exit $rc`],
    ['process substitution', `${audit(`<(cat ${q(LAB)})`)}`],
  ])('%s: same audit, evidence hash = sha256sum, recorded as a stream', (_name, script) => {
    const rep = report(sh(script));
    expect(body(rep)).toEqual(body(reference));
    expect(rep.inputs).toHaveLength(1);
    expect(rep.inputs[0].sha256).toBe(LAB_SHA);
    expect(rep.inputs[0].origin).toBe('stream');
    expect(rep.inputs[0].packets).toBe(228);
    expect(rep.inputs[0].storedBytes).toBe(readFileSync(LAB).length);
    expect(rep.evidence.inputs[0]).toMatchObject({ sha256: LAB_SHA, stream: true });
  });

  it('verify of a stdin report asks for the capture, and verifies with it', () => {
    const rp = join(dir, 'stdin-report.json');
    sh(`cat ${q(LAB)} | ${audit('-')} -o ${q(rp)}`);
    const v = sh(`node ${q(BIN)} verify ${q(rp)}`);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('give the capture');
    const w = sh(`node ${q(BIN)} verify ${q(rp)} ${q(LAB)}`);
    expect(w.stdout.trim().split('\n').at(-1)).toBe('verified');
  });
});

describe('compressed captures, recognised by magic', () => {
  it('gzip (any name): same audit; the hash covers the compressed bytes as stored', () => {
    const gz = join(dir, 'lab-capture.bin');
    writeFileSync(gz, gzipSync(readFileSync(LAB)));
    for (const script of [audit(q(gz)), `cat ${q(gz)} | ${audit('-')}`]) {
      const rep = report(sh(script));
      expect(body(rep)).toEqual(body(reference));
      expect(rep.inputs[0]).toMatchObject({ compression: 'gzip', sha256: sha256sum(gz), packets: 228 });
      expect(rep.evidence.inputs[0].compression).toBe('gzip');
    }
  });

  it('a cut gzip keeps the packets before the cut and says where it broke', () => {
    const full = gzipSync(readFileSync(LAB));
    const cut = join(dir, 'cut.pcapng.gz');
    writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    const r = sh(audit(q(cut)));
    expect(r.code).toBe(2);
    const rep = JSON.parse(r.stdout);
    expect(rep.inputs[0].packets).toBeGreaterThan(0);
    expect(rep.inputs[0].sha256).toBe(sha256sum(cut));
    expect(r.stderr).toMatch(/cut\.pcapng\.gz: gzip data ends or is corrupt/);
  });

  it('zstd: a clear message how to decompress (Node 20 has no zstd)', () => {
    const zst = join(dir, 'lab.pcapng.zst');
    if (have('zstd')) sh(`zstd -q -f ${q(LAB)} -o ${q(zst)}`);
    else writeFileSync(zst, Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
    const r = sh(audit(q(zst)));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('zstd-compressed capture');
    expect(r.stderr).toContain(`zstd -d -c '${zst}'`);
  });
});

describe.skipIf(!have('editcap') || !have('mergecap'))('directories and rotated sets', () => {
  it('a shuffled rotated set in a directory (with a README) audits exactly like the single file and like mergecap of the set', () => {
    const set = join(dir, 'rotated');
    mkdirSync(join(set, 'sub'), { recursive: true });
    expect(sh(`editcap -c 37 ${q(LAB)} ${q(join(set, 'ams.pcapng'))}`).code).toBe(0);
    const parts = readdirSync(set).filter((f) => f.endsWith('.pcapng')).sort();
    expect(parts.length).toBeGreaterThan(4);
    // Shuffle: names that sort in another order than time; one part in a subdirectory.
    const names = parts.map((_, k) => `part-${String.fromCharCode(122 - ((k * 5) % parts.length))}.pcapng`);
    parts.forEach((p, k) => renameSync(join(set, p), join(set, k === 2 ? 'sub' : '', names[k]!)));
    writeFileSync(join(set, 'README.txt'), 'rotated with editcap -c 37\n');
    const r = sh(audit(q(set)));
    const rep = report(r);
    expect(r.stderr).toContain('README.txt: skipped, not a capture');
    expect(body(rep)).toEqual(body(reference));
    expect(rep.inputs).toHaveLength(parts.length);
    // Inputs are reported in packet order, the first one first.
    const firsts = rep.inputs.map((i: { firstSeen: string }) => i.firstSeen);
    expect([...firsts].sort()).toEqual(firsts);
    expect(rep.inputs.reduce((n: number, i: { packets: number }) => n + i.packets, 0)).toBe(228);
    // Given as files in shuffled order, and mergecap's merge of them: the same audit.
    const files = parts.map((_, k) => join(set, k === 2 ? 'sub' : '', names[k]!)).reverse();
    const merged = join(dir, 'merged.pcapng');
    expect(sh(`mergecap -w ${q(merged)} ${files.map(q).join(' ')}`).code).toBe(0);
    expect(body(report(sh(audit(q(merged)))))).toEqual(body(reference));
    expect(body(report(sh(audit(files.map(q).join(' ')))))).toEqual(body(reference));
  });

  it('a directory of nothing but non-captures is an input error; an explicit non-capture is an error naming its magic', () => {
    const d = join(dir, 'notes');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'notes.txt'), 'nothing to see\n');
    const r = sh(`node ${q(BIN)} audit ${q(d)} -f json`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no capture among the inputs');
    const bin = join(d, 'blob.bin');
    writeFileSync(bin, Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8]));
    const e = sh(`node ${q(BIN)} audit ${q(bin)} -f json`);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/blob\.bin: Cannot read pcap header: unknown magic 0xdeadbeef/);
  });
});
