/**
 * The byte-level flow-log reader: the field splitter and readers over tiny byte arrays (table-driven),
 * the byte path against the string parser on every row of the corpus conn.logs and on hand-made
 * edge rows, JSON framing (one per line, concatenated, pretty-printed, cut), and the one read
 * (the hash is of the bytes parsed, gzip included).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HashService } from '../../src/inputs/input_hash.js';
import { defaultServerPorts } from '../../src/flows/direction.js';
import { parseIPv4 } from '../../src/ip_text.js';
import { ascii, parseEpochMicros, parseIPv4Bytes, parseSecondsMicros, parseUint, splitFields } from '../../src/records/byte_fields.js';
import { RecordCollector } from '../../src/records/collector.js';
import { emptyRecord } from '../../src/records/flow_record.js';
import { JsonFramer } from '../../src/records/json_frames.js';
import { readRecordLogFile } from '../../src/records/log_file.js';
import { parseLogTime, parseSeconds } from '../../src/records/log_time.js';
import { zeekConnRecord } from '../../src/records/zeek_conn.js';
import { ZeekTsvHeader } from '../../src/records/zeek_row.js';
import { ZeekTsvBytes } from '../../src/records/zeek_tsv_bytes.js';
import { CORPUS_DIR, itShared } from '../support/shared.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('splitFields', () => {
  it.each([
    ['a\tb\tc', 3, ['a', 'b', 'c']],
    ['a\t\tc', 3, ['a', '', 'c']],
    ['a\tb\t', 3, ['a', 'b', '']],
    ['', 1, ['']],
    ['-\t(empty)', 2, ['-', '(empty)']],
    // Zeek writes a separator inside a value as \x09: one field (its readers decline the backslash).
    ['a\\x09b\tc', 2, ['a\\x09b', 'c']],
  ])('%j → %i fields', (line, count, fields) => {
    const starts = new Int32Array(8);
    const ends = new Int32Array(8);
    const buf = b(line);
    const n = splitFields(buf, 0, buf.length, 9, starts, ends);
    expect(n).toBe(count);
    expect(Array.from({ length: Math.abs(n) }, (_, i) => buf.toString('latin1', starts[i], ends[i]))).toEqual(fields);
  });
});

describe('field readers agree with the string parsers or decline', () => {
  it.each(['0', '7', '65535', '123456789012345', '', '-', '1e3', ' 5', '5 ', '+1', '0x10', '1234567890123456'])('parseUint %j', (t) => {
    const v = parseUint(b(t), 0, t.length);
    const n = Number(t);
    if (v >= 0) expect(v).toBe(n);
    else expect(/^\d{1,15}$/.test(t)).toBe(false);
  });

  it.each(['1278600802.069419', '1278600802', '0.5', '1764547200.0864', '1278600802.0694190', 'XXXXXXXXXX.XXXXXX', '', '2026-01-01T00:00:00Z', '1.', '.5', '1278600802.069419 '])(
    'parseEpochMicros %j',
    (t) => {
      const v = parseEpochMicros(b(t), 0, t.length);
      if (!Number.isNaN(v)) expect(v).toBe(parseLogTime(t));
      else expect(/^\d{1,12}(\.\d{1,6})?$/.test(t)).toBe(false);
    },
  );

  it.each(['0.120000', '2.102560', '0', '12', '0.000001', '86399.999999', '0.1', '1.', '', '-1', '1e2', '0.30000000000000004'])('parseSecondsMicros %j', (t) => {
    const v = parseSecondsMicros(b(t), 0, t.length);
    if (!Number.isNaN(v)) expect(v).toBe(parseSeconds(t));
  });

  it('parseSecondsMicros gives the same double as Number() on 20,000 random durations', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 20_000; i++) {
      const t = `${Math.floor(rnd() * 100000)}.${String(Math.floor(rnd() * 1e6)).padStart(1 + Math.floor(rnd() * 6), '0')}`;
      expect(parseSecondsMicros(b(t), 0, t.length)).toBe(parseSeconds(t));
    }
  });

  it.each(['10.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '::1', '1.2.3.', '', '10.0.0.10 '])('parseIPv4Bytes %j', (t) => {
    expect(parseIPv4Bytes(b(t), 0, t.length)).toBe(parseIPv4(t));
  });
});

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\tip_proto',
];

/** Rows in every form the byte path declines or accepts: each must give the string parser's record. */
const EDGE_ROWS = [
  '1764547200.086400\tC1\t10.0.3.243\t54095\t10.0.0.10\t443\ttcp\tssl\t0.415002\t445\t9544\tSF\tShADadFf\t37\t1742\t26\t76587\t6',
  '1764547200\tC2\t10.0.0.10\t53\t10.0.0.2\t53\tudp\t-\t-\t-\t-\tS0\tD\t1\t60\t0\t0\t17',
  'XXXXXXXXXX.XXXXXX\tC3\t10.0.0.1\t8\t10.0.0.2\t0\ticmp\t-\t(empty)\t-\t-\tOTH\t-\t1\t84\t1\t84\t1',
  '1764547200.5\tC4\t2001:db8::1\t1234\t2001:db8::2\t80\ttcp\t-\t1.5\t1\t2\tSF\t^hADad\t3\t200\t3\t300\t6',
  '1764547200.5\tC5\t10.0.0.1\t1234\t10.0.0.2\t80\tTCP\t-\t1.5\t1\t2\tREJ\tSr\t1\t60\t1\t40\t6',
  '1764547200.5\tC6\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\tx\\x09y\t1.5\t1\t2\tSF\tShADadFf\t3\t200\t3\t300\t6',
  '1764547200.5\tC7\t10.0.0.1\t99999\t10.0.0.2\t80\ttcp\t-\t1.5\t1\t2\tSF\tShADadFf\t3\t200\t3\t300\t6',
  '1764547200.5\tC8\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\t-\t1.5\t1\t2\tSF\tShADadFf\t3\t-\t3\t300\t6',
  '2026-12-01T00:00:00.123456Z\tC9\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\t-\t1e1\t1\t2\tS1\t(empty)\t3\t200\t3\t300\t-',
  '1764547200.5\tC10\t10.0.0.1\t0\t10.0.0.2\t0\tunknown_transport\t-\t-\t-\t-\tOTH\t-\t2\t80\t0\t0\t132',
  '1764547200.5\tC11\t010.0.0.1\t1234\t10.0.0.2\t80\ttcp\t-\t1.5\t1\t2\tSF\tShADadFf\t3\t200\t3\t300\t6',
  '1764547200.5\tC12\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\t-\t1.5\t1\t2\tXYZ\tShADadFf\t3\t200\t3\t300\t6',
  '1764547200.5\tC13\t10.0.0.1\t1234\t10.0.0.2\t80',
  // Escapes in fields read as text (state, history) or as numbers (an address): declined.
  '1764547200.5\tC14\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\t-\t1.5\t1\t2\t\\x53F\tShADadFf\t3\t200\t3\t300\t6',
  '1764547200.5\tC15\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\t-\t1.5\t1\t2\tSF\t\\x53hADadFf\t3\t200\t3\t300\t6',
  '1764547200.5\tC16\t10.0.0.\\x31\t1234\t10.0.0.2\t80\ttcp\t-\t1.5\t1\t2\tSF\tShADadFf\t3\t200\t3\t300\t6',
];

/** The byte path's record for each data row, or 'string' when it declines; beside the string parser's. */
function bothPaths(lines: string[]): { row: string; bytes: unknown; string: unknown }[] {
  const h = new ZeekTsvHeader();
  const out: { row: string; bytes: unknown; string: unknown }[] = [];
  let fast: ZeekTsvBytes | null = null;
  for (const line of lines) {
    if (line.startsWith('#')) {
      h.directive(line);
      fast = ZeekTsvBytes.forHeader(h);
      continue;
    }
    if (line.trim() === '' || !fast) continue;
    const row = h.row(line);
    const viaString = typeof row === 'string' ? row : zeekConnRecord(row);
    const r = emptyRecord();
    const buf = Buffer.from(line, 'utf8');
    const ok = fast.read(buf, 0, buf.length, r);
    if (ok && typeof viaString !== 'string') {
      // The byte path parses addresses to words; the string path keeps the text and the uid.
      const { orig: _o, resp: _r, uid: _u, ...rest } = viaString;
      const words = (w: Uint32Array): string => Array.from(w).join('.');
      out.push({ row: line, bytes: { ...r, orig: words(fast.orig), resp: words(fast.resp) }, string: { ...emptyRecord(), ...rest, orig: words(v4(viaString.orig)), resp: words(v4(viaString.resp)) } });
    } else out.push({ row: line, bytes: ok ? 'record' : 'string', string: typeof viaString === 'string' ? 'string' : ok ? 'record' : 'string' });
  }
  return out;
}

function v4(text: string): Uint32Array {
  return new Uint32Array([0, 0, 0xffff, parseIPv4(text)]);
}

describe('ZeekTsvBytes', () => {
  it.each(EDGE_ROWS.map((r, i) => [i, r]))('edge row %i: the byte path gives the string parser’s record, or declines', (_i, row) => {
    for (const x of bothPaths([...HEADER, row as string])) expect(x.bytes, x.row).toEqual(x.string);
  });

  it('reads the plain rows itself (declines masked times, IPv6, escapes, bad values, odd forms)', () => {
    const taken = bothPaths([...HEADER, ...EDGE_ROWS]).map((x) => x.bytes !== 'string');
    // TCP in capitals and unknown_transport are read: the ip_proto column gives the protocol; an
    // escape in a field the audit does not read (service) does not matter.
    expect(taken).toEqual([true, true, false, false, true, true, false, true, false, true, false, true, false, false, false, false]);
  });

  const LOGS = join(CORPUS_DIR, 'flowlogs', 'logs');
  itShared('agrees with the string parser on every row of every corpus conn.log', () => {
    let rows = 0;
    for (const f of readdirSync(LOGS).filter((n) => n.endsWith('.conn.log'))) {
      for (const x of bothPaths(readFileSync(join(LOGS, f), 'utf8').split('\n'))) {
        expect(x.bytes, `${f}: ${x.row}`).toEqual(x.string);
        rows++;
      }
    }
    expect(rows).toBeGreaterThan(150);
  });
});

describe('JsonFramer', () => {
  const frame = (text: string): string[] => {
    const out: string[] = [];
    const f = new JsonFramer({
      object: (t, no) => out.push(`${no}:${JSON.stringify(JSON.parse(t))}`),
      other: (t, no) => out.push(`${no}:other ${t}`),
      bad: (no, m) => out.push(`${no}:bad ${m.split(' (')[0]}`),
    });
    const buf = Buffer.from(text);
    let s = 0;
    let no = 1;
    for (;;) {
      const nl = buf.indexOf(10, s);
      f.line(buf, s, nl < 0 ? buf.length : nl, no++);
      if (nl < 0) break;
      s = nl + 1;
    }
    f.end();
    return out;
  };
  it.each([
    ['one per line', '{"a":1}\n{"b":2}', ['1:{"a":1}', '2:{"b":2}']],
    ['concatenated on a line', '{"a":1}{"b":2} {"c":3}', ['1:{"a":1}', '1:{"b":2}', '1:{"c":3}']],
    ['a JSON array', '[{"a":1},\n{"b":2}]', ['1:{"a":1}', '2:{"b":2}']],
    ['pretty-printed', '{\n  "a": {\n    "b": [1, 2]\n  }\n}\n{\n  "c": 3\n}', ['1:{"a":{"b":[1,2]}}', '6:{"c":3}']],
    ['braces and escaped quotes in strings', '{"s":"}{\\"]"}', ['1:{"s":"}{\\"]"}']],
    ['a cut line does not swallow the next object', '{"a":1, "b":\n{"c":3}', ['1:bad incomplete JSON object', '2:{"c":3}']],
    ['cut at the end', '{"a":1}\n{"b":', ['1:{"a":1}', '2:bad incomplete JSON object at the end of the input']],
    ['text between objects', '{"a":1}\n# comment\n{"b":2}', ['1:{"a":1}', '2:other # comment', '3:{"b":2}']],
  ])('%s', (_name, text, expected) => {
    expect(frame(text)).toEqual(expected);
  });
});

describe('one read: the hash is of the bytes parsed', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'flowaudit-oneread-'));
  const log = [...HEADER, ...EDGE_ROWS.slice(0, 3), ''].join('\n');
  it.each([
    ['plain', Buffer.from(log)],
    ['gzip', gzipSync(Buffer.from(log))],
  ])('%s', async (name, bytes) => {
    const path = join(tmp, `conn.${name}.log`);
    writeFileSync(path, bytes);
    const c = new RecordCollector(defaultServerPorts());
    const service = new HashService({ worker: false });
    const hash = service.open();
    const s = await readRecordLogFile(path, 'zeek-conn-tsv', c, hash);
    expect(await hash.digest()).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(s.records!.connections).toBe(3);
    expect(c.connections.size).toBe(3);
  });

  // One log: read straight into the hash ring's slots. Slots of 100 bytes and of 4 KiB make rows
  // straddle slots (a row longer than a slot, JSON objects over many lines and slots); the records,
  // lines and hash are those of the plain read. The first 1 MiB is read before the ring (gzip
  // check), so the files are larger.
  const jsonRows = (n: number): string =>
    Array.from({ length: n }, (_, i) => {
      const o = { ts: 1764547200 + i / 1000, uid: `J${i}`, 'id.orig_h': `10.0.${i % 200}.${i % 250}`, 'id.orig_p': 1024 + (i % 60000), 'id.resp_h': '10.0.0.10', 'id.resp_p': 443, proto: 'tcp', conn_state: 'SF', history: 'ShADadFf', orig_pkts: i % 90, orig_ip_bytes: i * 7, resp_pkts: i % 70, resp_ip_bytes: i * 3 };
      return i % 7 === 0 ? JSON.stringify(o, null, 2) : JSON.stringify(o); // some pretty-printed over many lines
    }).join('\n');
  it.each([
    ['zeek-conn-tsv', 100, () => many(12_000).replace(/x5\t/, `x5${'z'.repeat(300)}\t`), 12_000],
    ['zeek-conn-tsv', 4096, () => many(12_000), 12_000],
    ['zeek-conn-json', 100, () => jsonRows(9_000), 9_000],
  ] as const)('%s read in place into hash-ring slots of %i bytes', async (format, slotBytes, make, rows) => {
    const text = make();
    expect(text.length).toBeGreaterThan(1 << 20);
    const path = join(tmp, `conn.ring-${format}-${slotBytes}.log`);
    writeFileSync(path, text);
    const plain = new RecordCollector(defaultServerPorts());
    const a = await readRecordLogFile(path, format, plain, new HashService({ worker: false }).open());
    const service = new HashService({ worker: true, readInPlace: true, slotBytes });
    const hash = service.open();
    expect(hash.ring).toBeTruthy();
    const c = new RecordCollector(defaultServerPorts());
    const b = await readRecordLogFile(path, format, c, hash);
    expect(await hash.digest()).toBe(createHash('sha256').update(text).digest('hex'));
    service.close();
    expect(b.records).toEqual(a.records);
    expect(b.records!.malformed).toBe(0);
    expect([b.packets, b.bytes, b.firstSeen, b.lastSeen, b.error]).toEqual([a.packets, a.bytes, a.firstSeen, a.lastSeen, null]);
    expect(c.connections.size).toBe(rows);
  });

  // A gzip log is inflated as a stream (16 KiB compressed pieces, 1 MiB reads): rows straddle the
  // pieces and the reads, members concatenate, and a damaged stream keeps what was read before it.
  let seed = 11;
  const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const row = (i: number): string =>
    `1764547200.${String(rnd(1e6)).padStart(6, '0')}\tC${rnd(1e9)}x${i}\t10.0.${rnd(256)}.${rnd(256)}\t${1024 + rnd(60000)}\t10.0.0.10\t443\ttcp\tssl\t${rnd(9)}.${rnd(1e6)}\t${rnd(1e5)}\t${rnd(1e6)}\tSF\tShADadFf\t${rnd(999)}\t${rnd(1e6)}\t${rnd(999)}\t${rnd(1e6)}\t6`;
  const many = (n: number): string => [...HEADER, ...Array.from({ length: n }, (_, i) => row(i)), ''].join('\n');
  const big = gzipSync(Buffer.from(many(40_000)), { level: 1 }); // > 1 MiB compressed: several reads
  it.each([
    ['40,000 rows over several reads', big, 40_000, null],
    ['two gzip members (cat a.gz b.gz)', Buffer.concat([gzipSync(Buffer.from(log)), gzipSync(Buffer.from(EDGE_ROWS.slice(0, 3).join('\n') + '\n'))]), 6, null],
    ['cut short', big.subarray(0, big.length >> 1), -1, /cannot decompress gzip flow log/],
  ] as const)('gzip, %s', async (_name, bytes, rows, error) => {
    expect(bytes.length > 1 << 20 || rows !== 40_000).toBe(true);
    const path = join(tmp, `conn.${rows}.log.gz`);
    writeFileSync(path, bytes);
    const c = new RecordCollector(defaultServerPorts());
    const hash = new HashService({ worker: false }).open();
    const s = await readRecordLogFile(path, 'zeek-conn-tsv', c, hash);
    expect(await hash.digest()).toBe(createHash('sha256').update(bytes).digest('hex'));
    if (error) {
      expect(s.error?.message).toMatch(error);
      expect(s.records!.connections).toBeGreaterThan(1000); // what was read before the damage stays
      expect(s.records!.connections).toBeLessThan(40_000);
    } else {
      expect(s.error).toBeNull();
      expect(s.records!.connections).toBe(rows);
      expect(s.records!.malformed).toBe(0);
    }
  });
});

it('ascii() is the bytes of the text', () => {
  expect([...ascii('(empty)')]).toEqual([...Buffer.from('(empty)')]);
});
