/**
 * followLogs' `beforeCheckpoint` and `paced` (what watch uses to write its state file with the
 * checkpoint): beforeCheckpoint runs just before each checkpoint write; unpaced, after every batch;
 * paced, a slow write is followed by batches without one (at most one write per PACE × its time) and
 * the last batch of a catch-up is always written, so the final checkpoint is where the reading ended.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FollowCheckpoint, followLogs, PACE } from '../../src/watch/follow/follow_logs.js';

/** A log of 2,000 lines read in 1 KiB chunks (many batches), once (--once: aborted before the first poll). */
async function follow(paced: boolean, writeMs: number): Promise<{ batches: number; writes: number; last: FollowCheckpoint[]; final: FollowCheckpoint[]; order: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'fa-paced-'));
  writeFileSync(join(dir, 'conn.log'), Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n').concat('\n'));
  const checkpointFile = join(dir, 'cp.json');
  const ac = new AbortController();
  ac.abort();
  const order: string[] = [];
  let writes = 0;
  let batches = 0;
  let last: FollowCheckpoint[] = [];
  const beforeCheckpoint = (): void => {
    writes++;
    order.push(`state(cp ${existsSync(checkpointFile) ? 'exists' : 'absent'})`);
    const until = performance.now() + writeMs;
    while (performance.now() < until); // a slow state write
  };
  for await (const b of followLogs({ path: dir, chunkBytes: 1024, signal: ac.signal, checkpointFile, beforeCheckpoint, paced })) {
    batches++;
    last = b.checkpoint;
  }
  const final = (JSON.parse(readFileSync(checkpointFile, 'utf8')) as { files: FollowCheckpoint[] }).files;
  return { batches, writes, last, final, order };
}

describe('followLogs: beforeCheckpoint and paced', () => {
  it('unpaced: beforeCheckpoint before every checkpoint, one per batch', async () => {
    const r = await follow(false, 0);
    expect(r.batches).toBeGreaterThan(50);
    expect(r.writes).toBe(r.batches);
    expect(r.order[0]).toBe('state(cp absent)'); // the state first, then the checkpoint
    expect(r.final).toEqual(r.last);
  });

  it(`paced: a 4 ms write is followed by about ${PACE} × 4 ms of batches without one; the last batch is always written`, async () => {
    const r = await follow(true, 4);
    expect(r.batches).toBeGreaterThan(50);
    expect(r.writes).toBeGreaterThanOrEqual(2); // the first batch, and the end
    expect(r.writes).toBeLessThan(r.batches / 2);
    expect(r.final).toEqual(r.last); // where the reading ended
    expect(r.final[0]!.lineNo).toBe(2000);
  });
});
