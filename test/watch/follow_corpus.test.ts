/**
 * followLogs on the real Zeek and Suricata logs of the flow-log corpus (shared/corpus/flowlogs):
 * each log is written into a temporary sensor directory in odd-sized pieces (rows split across
 * writes, several polls per row), the Zeek ones one after another as hourly rotations of conn.log;
 * the lines read must be every line of every file, once, in order, each from line 1 (newFile).
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type FollowBatch, followLogs } from '../../src/watch/follow/follow_logs.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';

const LOGS = join(CORPUS_DIR, 'flowlogs', 'logs');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lines of a file as a reader sees them (LF-framed, a final unterminated line included). */
function linesOf(bytes: Buffer): string[] {
  const text = bytes.toString('utf8').replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Writes `files` one after another to `live` in `piece`-byte writes, rotating between them; the batches read. */
async function playSensor(files: string[], liveName: string, rotatedName: (i: number) => string, piece: number): Promise<{ batches: FollowBatch[]; expected: string[][] }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowaudit-follow-corpus-'));
  const live = join(dir, liveName);
  const ac = new AbortController();
  const batches: FollowBatch[] = [];
  const reading = (async () => {
    for await (const b of followLogs({ path: dir, pollMs: 5, signal: ac.signal })) batches.push(b);
  })();
  const expected: string[][] = [];
  try {
    for (const [i, file] of files.entries()) {
      const bytes = readFileSync(file);
      expected.push(linesOf(bytes));
      for (let at = 0; at < bytes.length; at += piece) {
        appendFileSync(live, bytes.subarray(at, at + piece));
        if ((at / piece) % 4 === 3) await wait(2);
      }
      if (bytes.at(-1) !== 0x0a) appendFileSync(live, '\n'); // a sensor ends its rows; so do these copies
      if (i < files.length - 1) renameSync(live, join(dir, rotatedName(i)));
      await wait(12);
    }
    const total = expected.reduce((n, l) => n + l.length, 0);
    for (let t = 0; t < 1000 && batches.reduce((n, b) => n + b.lines.length, 0) < total; t++) await wait(10);
    ac.abort();
    await reading;
    return { batches, expected };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines read, split per file at each newFile batch. */
function perFile(batches: FollowBatch[]): string[][] {
  const out: string[][] = [];
  for (const b of batches) {
    if (b.newFile) out.push([]);
    out.at(-1)?.push(...b.lines);
  }
  return out;
}

describeShared(
  'followLogs on the flow-log corpus',
  () => {
    const names = readdirSync(LOGS).sort();
    const zeek = names.filter((n) => n.endsWith('.conn.log')).map((n) => join(LOGS, n));
    const eve = names.filter((n) => n.endsWith('.eve.json')).map((n) => join(LOGS, n));

    it.each([97, 1009])('every Zeek conn.log of the corpus as hourly rotations of conn.log, written %i bytes at a time', async (piece) => {
      expect(zeek.length).toBeGreaterThan(5);
      const hour = (i: number) => `conn.2026-12-07-${String(i).padStart(2, '0')}-00-00.log`;
      const { batches, expected } = await playSensor(zeek, 'conn.log', hour, piece);
      expect(perFile(batches)).toEqual(expected);
      expect(batches.every((b) => b.overlong === undefined && b.truncated === undefined)).toBe(true);
    });

    it('every Suricata eve.json of the corpus as logrotate rotations of eve.json', async () => {
      expect(eve.length).toBeGreaterThan(0);
      const { batches, expected } = await playSensor(eve, 'eve.json', (i) => `eve.json.${i + 1}-${Date.now()}`, 211);
      expect(perFile(batches)).toEqual(expected);
    });
  },
  'corpus/flowlogs/logs',
);
