/**
 * followLogs end to end on a temporary directory: a writer plays the sensor (appends, Zeek's
 * rename rotation, logrotate's rename and copytruncate, a restart), the follower runs beside it,
 * and every test compares the data rows read with the rows written: same rows, same order, none
 * lost, none repeated.
 */
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FollowBatch, type FollowOptions, followLogs } from '../../src/watch/follow/follow_logs.js';
import { MAX_LINE_BYTES } from '../../src/records/log_file.js';
import { openLog } from '../../src/watch/follow/open_log.js';

const POLL = 20;
let dir = '';
/** Every scenario runs twice: with inodes, and telling files apart by head hash only (no inode). */
let noInode = false;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowaudit-follow-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A follower running in the background, collecting every batch. */
class Run {
  readonly batches: FollowBatch[] = [];
  private readonly ac = new AbortController();
  readonly done: Promise<void>;

  constructor(opts: Partial<FollowOptions> = {}) {
    const it = followLogs({ path: dir, pollMs: POLL, ignoreInodes: noInode, ...opts, signal: this.ac.signal });
    this.done = (async () => {
      for await (const b of it) this.batches.push(b);
    })();
  }

  /** Data rows (not Zeek '#' header lines) in the order read. */
  rows(): string[] {
    return this.batches.flatMap((b) => b.lines).filter((l) => !l.startsWith('#'));
  }

  /** Waits until `n` data rows were read (or 10 s, then the comparison in the test fails). */
  async until(n: number): Promise<void> {
    for (let t = 0; t < 1000 && this.rows().length < n; t++) await wait(10);
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.done;
  }
}

/** Zeek's header lines for a log opened at `open` (the #open line makes each file's head unique). */
function zeekHeader(open: string): string {
  return ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', `#open\t${open}`, '#fields\tts\tuid', '#types\ttime\tstring', ''].join('\n');
}

/** Rows numbered from `from`, each ending in LF. */
function rows(from: number, n: number, tag = 'r'): string[] {
  return Array.from({ length: n }, (_, i) => `${1765134000 + from + i}.000000\t${tag}${from + i}`);
}
const text = (r: string[]) => r.map((l) => `${l}\n`).join('');

describe.each([
  ['with inodes', false],
  ['without inodes (head hash only, as where fs.stat gives ino 0)', true],
])('%s', (_mode, flag) => {
  beforeEach(() => {
    noInode = flag;
  });
  afterEach(() => {
    noInode = false;
  });

  describe('followLogs: appended rows', () => {
    it('reads rows appended one write at a time, then in one large write (several chunks)', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-19-00-00'));
      const run = new Run();
      const small = rows(0, 200);
      for (let i = 0; i < small.length; i += 20) {
        appendFileSync(live, text(small.slice(i, i + 20)));
        await wait(3);
      }
      const large = rows(200, 60_000); // ~2 MiB: more than one 1 MiB chunk
      appendFileSync(live, text(large));
      await run.until(60_200);
      await run.stop();
      expect(run.rows()).toEqual([...small, ...large]);
      expect(run.batches[0]).toMatchObject({ newFile: true, firstLineNo: 1 });
      expect(run.batches.slice(1).every((b) => !b.newFile)).toBe(true);
      const numbered = run.batches.every((b, i) => i === 0 || b.firstLineNo === (run.batches[i - 1]?.firstLineNo ?? 0) + (run.batches[i - 1]?.lines.length ?? 0));
      expect(numbered).toBe(true);
    });


    it('with a small chunk (chunkBytes, as watch asks): every row once, in order, each batch about one chunk (plus the line carried over from the previous one)', async () => {
      const live = join(dir, 'conn.log');
      const all = rows(0, 5_000); // ~110 KB: about 27 chunks of 4 KiB
      writeFileSync(live, zeekHeader('2026-12-07-19-00-00') + text(all));
      const run = new Run({ chunkBytes: 4096 });
      await run.until(all.length);
      await run.stop();
      expect(run.rows()).toEqual(all);
      expect(run.batches.length).toBeGreaterThanOrEqual(25);
      expect(run.batches.every((b) => b.lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) <= 4096 + 64)).toBe(true);
    });
    it('holds a row split across two writes until its end arrives', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, '{"a":1}\n{"a":');
      const run = new Run();
      await run.until(1);
      await wait(POLL * 4); // several polls see the partial line
      expect(run.rows()).toEqual(['{"a":1}']);
      appendFileSync(live, '2}\n');
      await run.until(2);
      await run.stop();
      expect(run.rows()).toEqual(['{"a":1}', '{"a":2}']);
      expect(run.batches.at(-1)?.firstLineNo).toBe(2);
    });

    it('skips a line longer than MAX_LINE_BYTES once, without holding it, and goes on', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, '{"before":1}\n');
      const run = new Run();
      await run.until(1);
      appendFileSync(live, Buffer.alloc(MAX_LINE_BYTES + 10, 0x78));
      await wait(POLL * 3);
      appendFileSync(live, '\n{"after":1}\n');
      await run.until(2);
      await run.stop();
      expect(run.rows()).toEqual(['{"before":1}', '{"after":1}']);
      const after = run.batches.find((b) => b.lines.includes('{"after":1}'));
      expect(after).toMatchObject({ overlong: 1, firstLineNo: 3 });
      expect(run.batches.reduce((n, b) => n + (b.overlong ?? 0), 0)).toBe(1);
    });
  });

  describe('followLogs: Zeek rotation', () => {
    it('reads the renamed conn.log to its end (rows written just before the rename), then the new one from its start', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-18-00-00') + text(rows(0, 10)));
      const run = new Run();
      await run.until(10);
      appendFileSync(live, text(rows(10, 5))); // written before the rename, not yet read
      renameSync(live, join(dir, 'conn.2026-12-07-19-00-00.log'));
      writeFileSync(live, zeekHeader('2026-12-07-19-00-00') + text(rows(15, 10)));
      await run.until(25);
      await run.stop();
      expect(run.rows()).toEqual(rows(0, 25));
      const second = run.batches.findIndex((b) => b.lines.includes('#open\t2026-12-07-19-00-00'));
      expect(run.batches[second]).toMatchObject({ newFile: true, firstLineNo: 1 });
      expect(run.batches[second]?.lines[0]).toBe('#separator \\x09');
      // the rows read after the rename carry the file's rotated name (the evidence says where they came from)
      const renamed = run.batches.find((b) => b.lines.includes(rows(12, 1)[0]!));
      expect(renamed?.file).toBe(join(dir, 'conn.2026-12-07-19-00-00.log'));
      expect(renamed).toMatchObject({ newFile: false, firstLineNo: 19 }); // 8 header lines + 10 rows before
      expect(renamed?.header).toEqual(zeekHeader('2026-12-07-18-00-00').trimEnd().split('\n'));
    });

    it('several rotations between two polls: every rotated file is read whole, in order', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-15-00-00') + text(rows(0, 3)));
      // an older rotated file that must not be read (it predates the follow)
      writeFileSync(join(dir, 'conn.2026-12-07-14-00-00.log'), zeekHeader('2026-12-07-14-00-00') + text(rows(900, 3, 'old')));
      const run = new Run({ pollMs: 400 });
      await run.until(3);
      let n = 3;
      for (const hour of ['16', '17', '18']) {
        appendFileSync(live, text(rows(n, 4)));
        n += 4;
        renameSync(live, join(dir, `conn.2026-12-07-${hour}-00-00.log`));
        await wait(15);
        writeFileSync(live, zeekHeader(`2026-12-07-${hour}-00-00`) + text(rows(n, 2)));
        n += 2;
        await wait(15);
      }
      await run.until(n);
      await run.stop();
      expect(run.rows()).toEqual(rows(0, n));
      expect(run.batches.filter((b) => b.newFile).length).toBe(4);
    });
    it('conn.log absent for a while, then rotated again before the follower looks: nothing skipped', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-15-00-00') + text(rows(0, 2)));
      const run = new Run({ pollMs: 150 });
      await run.until(2);
      renameSync(live, join(dir, 'conn.2026-12-07-15-00-00.log')); // the sensor stops: no new conn.log
      await wait(500); // several polls see no live file
      writeFileSync(live, zeekHeader('2026-12-07-16-00-00') + text(rows(2, 3)));
      renameSync(live, join(dir, 'conn.2026-12-07-16-00-00.log'));
      await wait(15);
      writeFileSync(live, zeekHeader('2026-12-07-17-00-00') + text(rows(5, 1)));
      await run.until(6);
      await run.stop();
      expect(run.rows()).toEqual(rows(0, 6));
    });
  });

  describe('followLogs: Suricata eve.json', () => {
    it('renamed to eve.json.1 and a new eve.json created (logrotate create)', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, text(rows(0, 5, 'e')));
      const run = new Run();
      await run.until(5);
      renameSync(live, join(dir, 'eve.json.1'));
      writeFileSync(live, '');
      appendFileSync(join(dir, 'eve.json.1'), text(rows(5, 3, 'e'))); // Suricata writes the old file until its SIGHUP
      await wait(POLL * 2);
      appendFileSync(live, text(rows(8, 4, 'e')));
      await run.until(12);
      await run.stop();
      expect(run.rows()).toEqual(rows(0, 12, 'e'));
    });

    it('copytruncate: the file shrinks below the offset; read again from 0 and the batch says truncated', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, text(rows(0, 6, 'e')));
      const run = new Run();
      await run.until(6);
      copyFileSync(live, join(dir, 'eve.json.1'));
      truncateSync(live, 0);
      await wait(POLL * 3);
      appendFileSync(live, text(rows(6, 2, 'e')));
      await run.until(8);
      await run.stop();
      expect(run.rows()).toEqual(rows(0, 8, 'e'));
      const t = run.batches.find((b) => b.truncated);
      expect(t).toMatchObject({ truncated: true, newFile: true, firstLineNo: 1 });
      expect(t?.lines[0]).toBe(rows(6, 1, 'e')[0]);
    });

    it('copytruncate where the new rows outgrow the old offset before a poll: noticed by the changed head', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, text(rows(0, 2, 'e')));
      const run = new Run({ pollMs: 300 });
      await run.until(2);
      truncateSync(live, 0);
      appendFileSync(live, text(rows(2, 20, 'n')));
      await run.until(22);
      await run.stop();
      expect(run.rows()).toEqual([...rows(0, 2, 'e'), ...rows(2, 20, 'n')]);
      expect(run.batches.some((b) => b.truncated)).toBe(true);
    });
    it('copytruncate between two polls: rows written since the last poll are read from the copy, then the file from 0', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, text(rows(0, 4, 'e')));
      const run = new Run({ pollMs: 300 });
      await run.until(4);
      appendFileSync(live, text(rows(4, 3, 'e'))); // not yet read when logrotate copies
      copyFileSync(live, join(dir, 'eve.json.1'));
      truncateSync(live, 0);
      appendFileSync(live, text(rows(7, 1, 'n')));
      await run.until(8);
      await run.stop();
      expect(run.rows()).toEqual([...rows(0, 7, 'e'), ...rows(7, 1, 'n')]);
      const fromCopy = run.batches.find((b) => b.file.endsWith('eve.json.1'));
      expect(fromCopy).toMatchObject({ firstLineNo: 5, newFile: false, lines: rows(4, 3, 'e') });
    });
  });

  describe('followLogs: sensor restart', () => {
    it('the live file deleted and a new one created with the same name: old rows once, new rows from line 1', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-18-00-00') + text(rows(0, 4)));
      const run = new Run();
      await run.until(4);
      appendFileSync(live, text(rows(4, 2)));
      unlinkSync(live);
      writeFileSync(live, zeekHeader('2026-12-07-18-30-00') + text(rows(6, 3)));
      await run.until(9);
      await run.stop();
      expect(run.rows()).toEqual(rows(0, 9));
      expect(run.batches.filter((b) => b.newFile).length).toBe(2);
    });
  });

  describe('followLogs: flowaudit restart (checkpoint)', () => {
    const cpFile = () => join(dir, '..', `${dir.split('/').pop()}.cp.json`);
    afterEach(() => rmSync(cpFile(), { force: true }));

    /** Runs a follower until `n` rows were read in this run, then stops it (by the signal). */
    async function session(n: number, opts: Partial<FollowOptions> = {}): Promise<Run> {
      const run = new Run({ checkpointFile: cpFile(), ...opts });
      await run.until(n);
      await run.stop();
      return run;
    }

    it('continues at the exact next line, with the Zeek header handed out again', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-18-00-00') + text(rows(0, 5)) + '1765134005.000000\tr');
      const first = await session(5);
      appendFileSync(live, `5\n${text(rows(6, 4))}`);
      const second = await session(5);
      expect([...first.rows(), ...second.rows()]).toEqual(rows(0, 10));
      expect(second.batches[0]).toMatchObject({ newFile: false, firstLineNo: 14 });
      expect(second.batches[0]?.header).toContain('#fields\tts\tuid');
      expect(second.batches[0]?.header).toHaveLength(8);
    });

    it('continues in the old file when conn.log was rotated while flowaudit was stopped, then reads the new one', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-18-00-00') + text(rows(0, 5)));
      const first = await session(5);
      appendFileSync(live, text(rows(5, 3)));
      renameSync(live, join(dir, 'conn.2026-12-07-19-00-00.log'));
      await wait(15);
      writeFileSync(live, zeekHeader('2026-12-07-19-00-00') + text(rows(8, 2)));
      const second = await session(5);
      expect([...first.rows(), ...second.rows()]).toEqual(rows(0, 10));
      expect(second.batches[0]?.file).toBe(join(dir, 'conn.2026-12-07-19-00-00.log'));
    });

    it('finds the old file by its head hash when rotation copied it (new inode) and replaced conn.log', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-18-00-00') + text(rows(0, 5)));
      const first = await session(5);
      appendFileSync(live, text(rows(5, 3)));
      copyFileSync(live, join(dir, 'conn.2026-12-07-19-00-00.log'));
      await wait(15);
      writeFileSync(join(dir, 'next.tmp'), zeekHeader('2026-12-07-19-00-00') + text(rows(8, 2)));
      renameSync(join(dir, 'next.tmp'), live);
      const second = await session(5);
      expect([...first.rows(), ...second.rows()]).toEqual(rows(0, 10));
    });

    it('several rotations while stopped: the rest of the checkpointed file, the ones rotated after it, then conn.log', async () => {
      const live = join(dir, 'conn.log');
      writeFileSync(live, zeekHeader('2026-12-07-15-00-00') + text(rows(0, 2)));
      const first = await session(2);
      let n = 2;
      for (const hour of ['16', '17']) {
        appendFileSync(live, text(rows(n, 3)));
        n += 3;
        renameSync(live, join(dir, `conn.2026-12-07-${hour}-00-00.log`));
        await wait(15);
        writeFileSync(live, zeekHeader(`2026-12-07-${hour}-00-00`) + text(rows(n, 1)));
        n += 1;
        await wait(15);
      }
      const second = await session(n - 2);
      expect([...first.rows(), ...second.rows()]).toEqual(rows(0, n));
    });

    it('stopped inside an overlong line: on restart it is skipped (counted once), the next line follows', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, '{"ok":1}\n');
      appendFileSync(live, Buffer.alloc(MAX_LINE_BYTES + 100, 0x78));
      const first = await session(1);
      await wait(POLL * 3);
      appendFileSync(live, 'xx\n{"next":1}\n');
      const second = await session(1);
      expect([...first.rows(), ...second.rows()]).toEqual(['{"ok":1}', '{"next":1}']);
      expect(second.batches.reduce((n, b) => n + (b.overlong ?? 0), 0)).toBe(1);
      expect(second.batches.at(-1)?.firstLineNo).toBe(3);
    });

    it('stopped while conn.log was absent (rotated, not yet begun again): what was rotated meanwhile is read on restart', async () => {
      const live = join(dir, 'conn.log');
      const eve = join(dir, 'eve.json'); // a second log: its batches write the checkpoint too
      writeFileSync(live, zeekHeader('2026-12-07-15-00-00') + text(rows(0, 2)));
      const first = new Run({ checkpointFile: cpFile() });
      await first.until(2);
      renameSync(live, join(dir, 'conn.2026-12-07-15-00-00.log'));
      await wait(POLL * 6); // the follower finishes it and finds no conn.log
      writeFileSync(eve, '{"eve":1}\n');
      await first.until(3);
      await first.stop();
      first.batches.splice(first.batches.findIndex((b) => b.file === eve), 1);
      writeFileSync(live, zeekHeader('2026-12-07-16-00-00') + text(rows(2, 2)));
      renameSync(live, join(dir, 'conn.2026-12-07-16-00-00.log')); // rotated while flowaudit was stopped
      await wait(15);
      writeFileSync(live, zeekHeader('2026-12-07-17-00-00') + text(rows(4, 1)));
      const second = await session(3);
      expect([...first.rows(), ...second.rows()]).toEqual(rows(0, 5));
    });

    it('a Suricata eve.json truncated while stopped starts again at 0 and says so', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, text(rows(0, 4, 'e')));
      const first = await session(4);
      writeFileSync(live, text(rows(4, 1, 'e')));
      const second = await session(1);
      expect([...first.rows(), ...second.rows()]).toEqual(rows(0, 5, 'e'));
    });

    it('a checkpointed file that is gone: the live file from its start, with a note', async () => {
      const live = join(dir, 'eve.json');
      writeFileSync(live, text(rows(0, 2, 'e')));
      await session(2);
      unlinkSync(live);
      writeFileSync(live, text(rows(2, 1, 'e')));
      const second = await session(1);
      expect(second.rows()).toEqual(rows(2, 1, 'e'));
      expect(second.batches[0]?.notes?.[0]).toMatch(/is gone; following .*eve\.json from its start/);
    });
  });
});

describe('followLogs: stop', () => {
  it('ends after the abort, with what is complete, and starting at the end skips what was there', async () => {
    const live = join(dir, 'eve.json');
    writeFileSync(live, text(rows(0, 3, 'e')) + '{"partial"');
    const run = new Run({ startAt: 'end' });
    await wait(POLL * 3);
    appendFileSync(live, ':1}\n' + text(rows(3, 2, 'e')));
    await run.until(3);
    await run.stop();
    expect(run.rows()).toEqual(['{"partial":1}', ...rows(3, 2, 'e')]);
    expect(run.batches[0]?.firstLineNo).toBe(4);
  });

  it('one file given as the path: only that name is followed, across its rotation', async () => {
    const live = join(dir, 'conn.log');
    writeFileSync(live, zeekHeader('2026-12-07-18-00-00') + text(rows(0, 2)));
    writeFileSync(join(dir, 'eve.json'), text(rows(100, 2, 'e'))); // beside it, not followed
    const run = new Run({ path: live });
    await run.until(2);
    renameSync(live, join(dir, 'conn.2026-12-07-19-00-00.log'));
    writeFileSync(live, zeekHeader('2026-12-07-19-00-00') + text(rows(2, 1)));
    await run.until(3);
    await run.stop();
    expect(run.rows()).toEqual(rows(0, 3));
  });

  it('names picks the live logs of a directory (a global regular expression is fine)', async () => {
    writeFileSync(join(dir, 'flows.log'), text(rows(0, 2, 'f')));
    writeFileSync(join(dir, 'conn.log'), text(rows(100, 2)));
    const run = new Run({ names: /^flows\.log$/g });
    await run.until(2);
    await wait(POLL * 3);
    await run.stop();
    expect(run.rows()).toEqual(rows(0, 2, 'f'));
  });

  it('a log that vanished before it could be opened is skipped for this poll; one that cannot be read is an InputError naming it', () => {
    expect(openLog(join(dir, 'gone.log'), 0, 0, false)).toBeNull();
    const notAFile = openLog(dir, 0, 0, false); // a directory opens, then cannot be read
    expect(() => notAFile?.readChunk(Buffer.alloc(16))).toThrow(expect.objectContaining({ name: 'InputError', message: expect.stringContaining(`${dir}: cannot read the followed log at byte offset 0: EISDIR`) }));
    notAFile?.close();
  });

  it('aborted before the first poll: reads what the logs hold once, then ends (a replay)', async () => {
    writeFileSync(join(dir, 'conn.log'), zeekHeader('2026-12-07-18-00-00') + text(rows(0, 3)) + 'partial');
    const got: string[] = [];
    for await (const b of followLogs({ path: dir, signal: AbortSignal.abort() })) got.push(...b.lines);
    expect(got.filter((l) => !l.startsWith('#'))).toEqual(rows(0, 3));
  });

  it('a path that does not exist is an InputError naming it', () => {
    const it = followLogs({ path: join(dir, 'missing') })[Symbol.asyncIterator]();
    return expect(it.next()).rejects.toThrow(/missing: no such file or directory to follow/);
  });

  it('a broken checkpoint file is an InputError naming it', () => {
    const cp = join(dir, 'cp.json');
    writeFileSync(cp, '{"nope"');
    const it = followLogs({ path: dir, checkpointFile: cp })[Symbol.asyncIterator]();
    return expect(it.next()).rejects.toThrow(/cp\.json: cannot read the follow checkpoint/);
  });

  it('the checkpoint file is written after each consumed batch, atomically', async () => {
    const cp = join(dir, 'state', 'cp.json');
    const live = join(dir, 'eve.json');
    writeFileSync(live, text(rows(0, 3, 'e')));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'state'));
    const run = new Run({ checkpointFile: cp });
    await run.until(3);
    await run.stop();
    const saved = JSON.parse(readFileSync(cp, 'utf8'));
    expect(saved.files).toEqual([expect.objectContaining({ live: 'eve.json', offset: text(rows(0, 3, 'e')).length, lineNo: 3 })]);
  });
});
