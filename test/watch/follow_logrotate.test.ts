/**
 * followLogs against the real logrotate (3.x, the tool Suricata's documentation recommends for
 * eve.json): `create` (rename, then a new empty file), `copytruncate`, `dateext` names, several
 * rotations between two polls. The writer appends by name after each rotation, as Suricata does
 * after its SIGHUP. Every row written must be read once, in order. Skipped with the reason when
 * logrotate is not installed, unless FLOWAUDIT_REQUIRE_LOGROTATE=1 (then a failure).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FollowBatch, followLogs } from '../../src/watch/follow/follow_logs.js';

const REQUIRE = process.env.FLOWAUDIT_REQUIRE_LOGROTATE === '1';
const LOGROTATE = ['logrotate', '/usr/sbin/logrotate'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0) ?? null;
const reason = LOGROTATE === null ? 'logrotate is not installed (apt-get install logrotate)' : null;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

let base = '';
let dir = '';
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'flowaudit-logrotate-'));
  dir = join(base, 'suricata');
  mkdirSync(dir);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** Runs logrotate -f on eve.json with these directives; fails the test with its message if it fails. */
function logrotate(directives: string[]): void {
  const conf = join(base, 'eve.conf');
  writeFileSync(conf, `${join(dir, 'eve.json')} {\n  rotate 10\n  missingok\n  nocompress\n${directives.map((d) => `  ${d}\n`).join('')}}\n`);
  chmodSync(conf, 0o644);
  const r = spawnSync(LOGROTATE!, ['-f', '-s', join(base, 'state'), conf], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`logrotate failed: ${r.stderr}`);
}

const row = (i: number) => `{"timestamp":"2026-12-07T19:00:${String(i % 60).padStart(2, '0')}.000000+0000","flow_id":${1000 + i},"event_type":"flow","n":${i}}`;

/** Appends rows [from, to) to eve.json by name, a few per write, yielding now and then. */
async function writeRows(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 3) {
    appendFileSync(join(dir, 'eve.json'), Array.from({ length: Math.min(3, to - i) }, (_, k) => `${row(i + k)}\n`).join(''));
    if (i % 9 === 0) await wait(3);
  }
}

async function followWhile(play: () => Promise<number>): Promise<{ read: string[]; batches: FollowBatch[]; written: number }> {
  const ac = new AbortController();
  const batches: FollowBatch[] = [];
  const reading = (async () => {
    for await (const b of followLogs({ path: dir, pollMs: 20, signal: ac.signal })) batches.push(b);
  })();
  const written = await play();
  for (let t = 0; t < 1000 && batches.reduce((n, b) => n + b.lines.length, 0) < written; t++) await wait(10);
  await wait(60); // a repeat would show up here
  ac.abort();
  await reading;
  return { read: batches.flatMap((b) => b.lines), batches, written };
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => row(i));

const describeRotate = reason === null ? describe : REQUIRE ? describe : describe.skip;
describeRotate(`followLogs with the real logrotate${reason && !REQUIRE ? ` — skipped: ${reason}` : ''}`, () => {
  beforeEach(() => {
    if (reason !== null) throw new Error(`FLOWAUDIT_REQUIRE_LOGROTATE=1 but ${reason}`);
  });

  it.each([
    ['create', ['create']],
    ['create with dateext names', ['create', 'dateext', 'dateformat -%Y%m%d-%s']],
    ['copytruncate', ['copytruncate']],
  ])('%s: every row once, in order, across three rotations', async (_name, directives) => {
    const { read } = await followWhile(async () => {
      writeFileSync(join(dir, 'eve.json'), '');
      let n = 0;
      for (let r = 0; r < 3; r++) {
        await writeRows(n, n + 39);
        await wait(50);
        appendFileSync(join(dir, 'eve.json'), `${row(n + 39)}\n`); // not yet read when logrotate runs
        n += 40;
        logrotate(directives);
        if (directives.includes('dateext')) await wait(1100); // dateext names differ by the second
      }
      await writeRows(n, n + 10);
      return n + 10;
    });
    expect(read).toEqual(expected(130));
  });

  it('create: two rotations between two polls (rows written before, between and after)', async () => {
    const { read } = await followWhile(async () => {
      writeFileSync(join(dir, 'eve.json'), '');
      await writeRows(0, 20);
      await wait(100);
      // no await from here on: the follower cannot poll in between
      appendFileSync(join(dir, 'eve.json'), `${row(20)}\n`);
      logrotate(['create']);
      appendFileSync(join(dir, 'eve.json'), `${row(21)}\n${row(22)}\n`);
      logrotate(['create']);
      appendFileSync(join(dir, 'eve.json'), `${row(23)}\n`);
      return 24;
    });
    expect(read).toEqual(expected(24));
  });
});
