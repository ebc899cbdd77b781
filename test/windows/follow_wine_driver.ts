/**
 * Run by the Windows node.exe under Wine (test/windows/follow_wine.test.ts bundles it): the log
 * follower against a writer in the same Windows process, so renames, truncation and deletes of a
 * file the follower holds open go through Windows file semantics (share modes, delete-pending).
 * Writes one JSON result: per scenario the rows written and the rows read, and the inode Windows
 * Node reports. Usage: node.exe follow_wine_driver.mjs WORKDIR RESULT.json
 */
import { appendFileSync, copyFileSync, mkdirSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FollowOptions, followLogs } from '../../src/watch/follow/follow_logs.js';

/** Both ways: by the file index Windows gives, and by head hash only (where ino is 0). */
let mode: Partial<FollowOptions> = {};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => `row\t${from + i}`);
const text = (r: string[]) => r.map((l) => `${l}\n`).join('');
const zeek = (open: string) => `#separator \\x09\n#path\tconn\n#open\t${open}\n#fields\tts\tuid\n`;

/** Follows `dir` while `act` plays the sensor; the data rows read, once `n` arrived or after 15 s. */
async function follow(dir: string, opts: Partial<FollowOptions>, act: () => Promise<void>, n: number): Promise<string[]> {
  const ac = new AbortController();
  const got: string[] = [];
  const reading = (async () => {
    for await (const b of followLogs({ path: dir, pollMs: 30, ...mode, ...opts, signal: ac.signal })) got.push(...b.lines.filter((l) => !l.startsWith('#')));
  })();
  await act();
  for (let t = 0; t < 1500 && got.length < n; t++) await wait(10);
  ac.abort();
  await reading;
  return got;
}

type Scenario = (dir: string) => Promise<string[]>;

const scenarios: Record<string, Scenario> = {
  'appended rows, one split across two writes': async (dir) => {
    const live = join(dir, 'eve.json');
    writeFileSync(live, `${text(rows(0, 3))}row\t`);
    return follow(dir, {}, async () => {
      await wait(100);
      appendFileSync(live, `3\n${text(rows(4, 2))}`);
    }, 6);
  },
  'Zeek rotation: conn.log renamed while open, a new conn.log': async (dir) => {
    const live = join(dir, 'conn.log');
    writeFileSync(live, zeek('2026-12-07-18-00-00') + text(rows(0, 3)));
    return follow(dir, {}, async () => {
      await wait(100);
      appendFileSync(live, text(rows(3, 2)));
      renameSync(live, join(dir, 'conn.2026-12-07-19-00-00.log'));
      writeFileSync(live, zeek('2026-12-07-19-00-00') + text(rows(5, 2)));
    }, 7);
  },
  'Suricata: eve.json renamed to eve.json.1, a new eve.json': async (dir) => {
    const live = join(dir, 'eve.json');
    writeFileSync(live, text(rows(0, 3)));
    return follow(dir, {}, async () => {
      await wait(100);
      renameSync(live, join(dir, 'eve.json.1'));
      writeFileSync(live, text(rows(3, 2)));
    }, 5);
  },
  'copytruncate of the open file': async (dir) => {
    const live = join(dir, 'eve.json');
    writeFileSync(live, text(rows(0, 3)));
    return follow(dir, {}, async () => {
      await wait(100);
      copyFileSync(live, join(dir, 'eve.json.1'));
      truncateSync(live, 0);
      await wait(100);
      appendFileSync(live, text(rows(3, 2)));
    }, 5);
  },
  'flowaudit restart with a checkpoint, conn.log rotated while stopped': async (dir) => {
    const live = join(dir, 'conn.log');
    const cp = join(dir, '..', `${dir.split(/[\\/]/).pop()}.cp.json`);
    writeFileSync(live, zeek('2026-12-07-18-00-00') + text(rows(0, 3)));
    const first = await follow(dir, { checkpointFile: cp }, async () => {}, 3);
    appendFileSync(live, text(rows(3, 2)));
    renameSync(live, join(dir, 'conn.2026-12-07-19-00-00.log'));
    writeFileSync(live, zeek('2026-12-07-19-00-00') + text(rows(5, 1)));
    return [...first, ...(await follow(dir, { checkpointFile: cp }, async () => {}, 3))];
  },
  'sensor restart: the open file deleted and created again': async (dir) => {
    const live = join(dir, 'conn.log');
    writeFileSync(live, zeek('2026-12-07-18-00-00') + text(rows(0, 3)));
    return follow(dir, {}, async () => {
      await wait(100);
      unlinkSync(live);
      writeFileSync(live, zeek('2026-12-07-18-30-00') + text(rows(3, 2)));
    }, 5);
  },
};

const expected: Record<string, number> = {
  'appended rows, one split across two writes': 6,
  'Zeek rotation: conn.log renamed while open, a new conn.log': 7,
  'Suricata: eve.json renamed to eve.json.1, a new eve.json': 5,
  'copytruncate of the open file': 5,
  'flowaudit restart with a checkpoint, conn.log rotated while stopped': 6,
  'sensor restart: the open file deleted and created again': 5,
};

async function main(): Promise<void> {
  const [work, out] = process.argv.slice(2) as [string, string];
  const results: { name: string; written: string[]; read: string[]; error?: string }[] = [];
  let i = 0;
  for (const [suffix, m] of [['', {}], [' (no inode)', { ignoreInodes: true }]] as const) {
    mode = m;
    for (const [name, run] of Object.entries(scenarios)) {
      const dir = join(work, `s${i++}`);
      mkdirSync(dir, { recursive: true });
      const written = rows(0, expected[name] ?? 0);
      try {
        results.push({ name: name + suffix, written, read: await run(dir) });
      } catch (e) {
        results.push({ name: name + suffix, written, read: [], error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  const probe = join(work, 'probe');
  writeFileSync(probe, 'x');
  writeFileSync(out, JSON.stringify({ platform: process.platform, ino: statSync(probe, { bigint: true }).ino.toString(), results }, null, 1));
}

void main();
