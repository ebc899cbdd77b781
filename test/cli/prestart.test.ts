/**
 * The hash worker's head start (src/cli/prestart.ts): bin/flowaudit.js starts it before loading
 * the bundle for an audit of large inputs; the audit's HashService takes it (input_hash.ts).
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileBytes, largeZeekTsv, prestartFor } from '../../src/cli/prestart.js';
import { HashService, hashWorkerPrestarted, WORKER_MIN_BYTES } from '../../src/inputs/input_hash.js';

const dir = mkdtempSync(join(tmpdir(), 'flowaudit-prestart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prestartFor', () => {
  const big = join(dir, 'big.pcap');
  writeFileSync(big, '');
  truncateSync(big, WORKER_MIN_BYTES); // sparse: the size is what counts
  const small = join(dir, 'inventory.json');
  writeFileSync(small, '{"roles":{}}');
  mkdirSync(join(dir, 'a-directory'));

  it('counts the regular files named, not options, standard input, URLs, directories or missing paths', () => {
    expect(fileBytes([big, '--inventory', small])).toBe(WORKER_MIN_BYTES + 12);
    expect(fileBytes(['-', '--format', 'json', 'clickhouse://localhost:8123/db.t', join(dir, 'a-directory'), join(dir, 'missing.pcap')])).toBe(0);
  });

  it('starts the worker only for an audit of at least WORKER_MIN_BYTES, and the audit\'s hashing takes it', () => {
    prestartFor(['flows', big]);
    expect(hashWorkerPrestarted()).toBe(false);
    prestartFor(['audit', small, '--inventory', small]);
    expect(hashWorkerPrestarted()).toBe(false);
    prestartFor(['audit', big, '--inventory', small]);
    expect(hashWorkerPrestarted()).toBe(true);
    const service = new HashService({ worker: true });
    expect(service.onWorker).toBe(true);
    expect(hashWorkerPrestarted()).toBe(false); // taken
    service.close();
  });

  it('starts none for a large Zeek TSV log (parsed on two threads, hashed on the main thread); a small one or a pcap still counts', () => {
    const log = join(dir, 'conn.log');
    writeFileSync(log, '#separator \\x09\n');
    expect(largeZeekTsv([log])).toBe(false); // under WORKER_MIN_BYTES: read serially
    appendFileSync(log, Buffer.alloc(WORKER_MIN_BYTES));
    expect(largeZeekTsv([log, '--inventory', small])).toBe(true);
    expect(largeZeekTsv([big])).toBe(false);
    prestartFor(['audit', log, '--inventory', small]);
    expect(hashWorkerPrestarted()).toBe(false);
  });
});
