/**
 * Event sinks: stdout NDJSON, a file appended and rotated by size, and syslog (RFC 5424) over UDP
 * and TCP (RFC 6587 octet counting) to listeners this test opens on 127.0.0.1 only. A peer that is
 * down must not crash the caller: events wait in a bounded queue and the rest are counted as dropped.
 */
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSink } from '../../src/watch/sinks/event_sink.js';
import { UDP_MAX_BYTES } from '../../src/watch/sinks/syslog_sink.js';
import { formatSyslog, headerField, severityOf } from '../../src/watch/sinks/syslog_format.js';

const LOOPBACK = '127.0.0.1';
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowaudit-sink-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const event = (i: number, level = 'warning') => ({
  '@timestamp': '2026-12-07T19:00:00.000Z',
  event: { action: 'unexpected-flow', kind: 'alert' },
  log: { level },
  message: `flow ${i}`,
  i,
});

/** RFC 5424: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG */
const RFC5424 = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\]) (.*)$/s;

function parse5424(text: string) {
  const m = RFC5424.exec(text);
  if (!m) throw new Error(`not RFC 5424: ${text.slice(0, 80)}`);
  return { pri: Number(m[1]), version: m[2], timestamp: m[3]!, hostname: m[4], appName: m[5], procId: m[6], msgId: m[7], sd: m[8], msg: m[9]! };
}

describe('stdout sink', () => {
  it('writes one JSON object per line', async () => {
    let out = '';
    const sink = openSink('-', { stdout: { write: (t: string) => (out += t) } });
    sink.write(event(1));
    sink.write(event(2));
    await sink.close();
    expect(sink.name).toBe('stdout');
    expect(out.split('\n')).toHaveLength(3);
    expect(out.trimEnd().split('\n').map((l) => JSON.parse(l).i)).toEqual([1, 2]);
  });

  it('a stream that throws is a dropped event, not a crash', () => {
    const sink = openSink('-', { stdout: { write: () => { throw new Error('EPIPE'); } } });
    sink.write(event(1));
    expect(sink.dropped).toBe(1);
  });
});

describe('file sink', () => {
  it('appends to what is there', async () => {
    const path = join(dir, 'events.ndjson');
    writeFileSync(path, '{"before":true}\n');
    const sink = openSink(path);
    sink.write(event(1));
    await sink.close();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([{ before: true }, event(1)]);
  });

  it('rotates by size: FILE → FILE.1 … FILE.keep; no file passes the size, the newest events are kept whole', async () => {
    const path = join(dir, 'events.ndjson');
    const one = Buffer.byteLength(`${JSON.stringify(event(10))}\n`);
    const sink = openSink(path, { maxBytes: one * 3, keep: 2 });
    for (let i = 10; i < 40; i++) sink.write(event(i)); // 30 events, 3 per file
    await sink.close();
    expect(existsSync(`${path}.3`)).toBe(false);
    const ids = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).i);
    expect(ids(`${path}.2`)).toEqual([31, 32, 33]);
    expect(ids(`${path}.1`)).toEqual([34, 35, 36]);
    expect(ids(path)).toEqual([37, 38, 39]);
    for (const p of [path, `${path}.1`, `${path}.2`]) expect(readFileSync(p).length).toBeLessThanOrEqual(one * 3);
    expect(sink.dropped).toBe(0);
  });

  it('a file in a folder that does not exist is an InputError naming it, at open', () => {
    expect(() => openSink(join(dir, 'missing', 'events.ndjson'))).toThrow(expect.objectContaining({ name: 'InputError', message: expect.stringMatching(/missing\/events\.ndjson: cannot open the event output: ENOENT/) }));
  });

  it('a rotation that cannot rename goes on appending to FILE (nothing dropped) and says why', async () => {
    const path = join(dir, 'events.ndjson');
    writeFileSync(`${path}.1`, '{"old":1}\n');
    mkdirSync(join(`${path}.2`, 'busy'), { recursive: true }); // FILE.1 → FILE.2 fails
    const sink = openSink(path, { maxBytes: 10, keep: 2 });
    for (let i = 0; i < 3; i++) sink.write(event(i));
    await sink.close();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).i)).toEqual([0, 1, 2]);
    expect(sink.dropped).toBe(0);
    expect(sink.lastError).toMatch(/events\.ndjson: cannot rotate: /);
  });

  it('a file that cannot be written counts drops', async () => {
    const path = join(dir, 'events.ndjson');
    const sink = openSink(path, { maxBytes: 10, keep: 1 });
    rmSync(dir, { recursive: true, force: true }); // rotation's rename and reopen fail now
    sink.write(event(1));
    sink.write(event(2));
    expect(sink.dropped).toBeGreaterThanOrEqual(1);
    await sink.close();
  });
});

describe('syslog format', () => {
  it.each([
    ['warning', 16 * 8 + 4],
    ['error', 16 * 8 + 3],
    ['info', 16 * 8 + 6],
    ['unknown-level', 16 * 8 + 5],
  ])('log.level %s gives PRI %i (facility local0)', (level, pri) => {
    const { header } = formatSyslog(event(1, level), { hostname: 'ams01', appName: 'flowaudit', procId: '42', facility: 16 });
    expect(header.startsWith(`<${pri}>1 `)).toBe(true);
  });

  it('header fields are printable ASCII without spaces, cut to their RFC lengths, - when empty', () => {
    expect(headerField('ams 01\u00e9', 255)).toBe('ams01');
    expect(headerField('', 48)).toBe('-');
    expect(headerField('x'.repeat(60), 48)).toHaveLength(48);
    expect(severityOf({ 'log.level': 'error' })).toBe(3);
  });
});

/** A UDP listener on 127.0.0.1; resolves its datagrams as they come. */
async function udpListener() {
  const sock = createSocket('udp4');
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  await new Promise<void>((r) => sock.bind(0, LOOPBACK, r));
  const port = sock.address().port;
  const until = async (n: number) => {
    for (let t = 0; t < 300 && got.length < n; t++) await new Promise((r) => setTimeout(r, 10));
  };
  return { port, got, until, close: () => sock.close() };
}

/** A TCP listener on 127.0.0.1 collecting the bytes of every connection. */
async function tcpListener(port = 0) {
  let bytes = Buffer.alloc(0);
  const server: Server = createServer((c) => c.on('data', (d) => (bytes = Buffer.concat([bytes, d]))));
  await new Promise<void>((r) => server.listen(port, LOOPBACK, r));
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : 0;
  return { port: bound, bytes: () => bytes, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** RFC 6587 octet-counted frames: `LEN SP MSG` repeated. */
function frames(b: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < b.length) {
    const sp = b.indexOf(0x20, i);
    const len = Number(b.toString('ascii', i, sp));
    if (!Number.isInteger(len) || sp < 0) throw new Error(`bad frame at ${i}`);
    out.push(b.toString('utf8', sp + 1, sp + 1 + len));
    i = sp + 1 + len;
  }
  return out;
}

describe('syslog over UDP (127.0.0.1 only)', () => {
  it('one RFC 5424 message per event: PRI, VERSION 1, TIMESTAMP, HOSTNAME, APP-NAME, the event JSON as MSG', async () => {
    const l = await udpListener();
    const sink = openSink(`syslog+udp://${LOOPBACK}:${l.port}`, { appName: 'flowaudit-test' });
    const before = Date.now();
    sink.write(event(1));
    sink.write(event(2, 'info'));
    await sink.flush();
    await l.until(2);
    await sink.close();
    l.close();
    expect(l.got).toHaveLength(2);
    const m = parse5424(l.got[0]!.toString('utf8'));
    expect(m).toMatchObject({ pri: 132, version: '1', hostname: headerField(hostname(), 255), appName: 'flowaudit-test', procId: String(process.pid), msgId: 'unexpected-flow', sd: '-' });
    expect(m.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(m.timestamp) - before)).toBeLessThan(5000);
    expect(JSON.parse(m.msg)).toEqual(event(1));
    expect(parse5424(l.got[1]!.toString('utf8')).pri).toBe(134);
    expect(sink.dropped).toBe(0);
  });

  it(`cuts a message longer than ${UDP_MAX_BYTES} bytes and says so in it`, async () => {
    const l = await udpListener();
    const sink = openSink(`syslog+udp://${LOOPBACK}:${l.port}`);
    sink.write({ ...event(1), big: '\u00e9'.repeat(10_000) });
    await sink.flush();
    await l.until(1);
    await sink.close();
    l.close();
    const d = l.got[0]!;
    expect(d.length).toBeLessThanOrEqual(UDP_MAX_BYTES);
    expect(d.toString('utf8')).toMatch(/ \[flowaudit: truncated, \d+ bytes in full\]$/);
    expect(d.toString('utf8')).not.toContain('\ufffd');
  });
});

describe('syslog over TCP (127.0.0.1 only)', () => {
  it('octet-counted RFC 5424 frames, in order', async () => {
    const l = await tcpListener();
    const sink = openSink(`syslog+tcp://${LOOPBACK}:${l.port}`);
    for (let i = 0; i < 50; i++) sink.write(event(i));
    await sink.flush();
    await sink.close();
    for (let t = 0; t < 300 && frames(l.bytes()).length < 50; t++) await new Promise((r) => setTimeout(r, 10));
    await l.close();
    const msgs = frames(l.bytes()).map(parse5424);
    expect(msgs.map((m) => JSON.parse(m.msg).i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(msgs.every((m) => m.version === '1' && m.pri === 132 && m.appName === 'flowaudit')).toBe(true);
    expect(sink.dropped).toBe(0);
  });

  it('peer down: a bounded queue, drops counted, no throw; the queue is delivered once the peer is up', async () => {
    const probe = await tcpListener();
    const port = probe.port;
    await probe.close(); // nothing listens on this loopback port now
    const sink = openSink(`syslog+tcp://${LOOPBACK}:${port}`, { maxQueue: 3 });
    for (let i = 0; i < 5; i++) sink.write(event(i));
    await sink.flush(); // tries once, fails, returns
    expect(sink.dropped).toBe(2);
    const l = await tcpListener(port);
    await sink.flush();
    await sink.close();
    for (let t = 0; t < 300 && frames(l.bytes()).length < 3; t++) await new Promise((r) => setTimeout(r, 10));
    await l.close();
    expect(frames(l.bytes()).map((f) => JSON.parse(parse5424(f).msg).i)).toEqual([0, 1, 2]);
    expect(sink.dropped).toBe(2);
  });

  it('the collector restarts: events written while it was gone are delivered after it is back', async () => {
    let got = Buffer.alloc(0);
    const conns: import('node:net').Socket[] = [];
    const listen = async (port: number) => {
      const server = createServer((c) => {
        conns.push(c);
        c.on('data', (d) => (got = Buffer.concat([got, d])));
      });
      await new Promise<void>((r) => server.listen(port, LOOPBACK, r));
      return server;
    };
    let server = await listen(0);
    const port = (server.address() as { port: number }).port;
    const sink = openSink(`syslog+tcp://${LOOPBACK}:${port}`);
    sink.write(event(0));
    await sink.flush();
    for (let t = 0; t < 100 && frames(got).length < 1; t++) await new Promise((r) => setTimeout(r, 10));
    for (const c of conns) c.destroy();
    await new Promise<void>((r) => server.close(() => r())); // the collector is gone
    await new Promise((r) => setTimeout(r, 50));
    sink.write(event(1));
    sink.write(event(2));
    server = await listen(port);
    await sink.flush();
    await sink.close();
    for (let t = 0; t < 300 && frames(got).length < 3; t++) await new Promise((r) => setTimeout(r, 10));
    for (const c of conns) c.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    expect(frames(got).map((f) => JSON.parse(parse5424(f).msg).i)).toEqual([0, 1, 2]);
    expect(sink.dropped).toBe(0);
  });

  it('what is still queued when closing with the peer down is counted as dropped', async () => {
    const probe = await tcpListener();
    await probe.close();
    const sink = openSink(`syslog+tcp://${LOOPBACK}:${probe.port}`);
    sink.write(event(1));
    sink.write(event(2));
    await sink.close();
    expect(sink.dropped).toBe(2);
  });
});

describe('syslog over TCP: a collector that reads slowly (127.0.0.1 only)', () => {
  it('keeps at most maxQueue events waiting (not an unbounded socket buffer); every event is delivered or counted', async () => {
    let bytes = Buffer.alloc(0);
    const conns: import('node:net').Socket[] = [];
    const server: Server = createServer((c) => {
      conns.push(c);
      c.pause(); // accept, then read nothing
      c.on('data', (d) => (bytes = Buffer.concat([bytes, d])));
    });
    await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
    const port = (server.address() as { port: number }).port;
    const sink = openSink(`syslog+tcp://${LOOPBACK}:${port}`, { maxQueue: 50 });
    const big = 'x'.repeat(4000);
    sink.write(event(0));
    await sink.flush(); // connected
    for (let i = 1; i < 2000; i++) sink.write({ ...event(i), big }); // ~8 MB: more than the socket buffers hold
    expect(sink.dropped).toBeGreaterThan(0);
    for (const c of conns) c.resume();
    await sink.flush();
    await sink.close();
    for (let t = 0; t < 300; t++) {
      const n = frames(bytes).length;
      if (n + sink.dropped >= 2000) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise<void>((r) => server.close(() => r()));
    const got = frames(bytes).map((f) => JSON.parse(parse5424(f).msg).i as number);
    expect(got.length + sink.dropped).toBe(2000);
    expect(got).toEqual([...got].sort((a, b) => a - b)); // in order, none twice
  });
});

describe('an event JSON cannot express', () => {
  it.each(['-', 'file', 'syslog+udp'])('%s: counted as dropped, not thrown', async (kind) => {
    const l = kind === 'syslog+udp' ? await udpListener() : null;
    const spec = kind === 'file' ? join(dir, 'e.ndjson') : l ? `syslog+udp://${LOOPBACK}:${l.port}` : '-';
    const sink = openSink(spec, { stdout: { write: () => true } });
    expect(() => sink.write({ n: 1n } as unknown as Record<string, unknown>)).not.toThrow();
    expect(sink.dropped).toBe(1);
    expect(sink.lastError).toMatch(/BigInt/);
    await sink.close();
    l?.close();
  });
});

describe('openSink', () => {
  it('a file whose name starts with "syslog" is a file', async () => {
    const cwd = process.cwd();
    process.chdir(dir); // the spec is a relative name, as typed
    try {
      const sink = openSink('syslog.ndjson');
      sink.write(event(1));
      await sink.close();
      expect(sink.name).toBe('syslog.ndjson');
    } finally {
      process.chdir(cwd);
    }
    expect(JSON.parse(readFileSync(join(dir, 'syslog.ndjson'), 'utf8')).i).toBe(1);
  });

  it.each(['syslog+udp://127.0.0.1', 'syslog+tcp://127.0.0.1:0', 'syslog+tcp://127.0.0.1:70000', 'syslog://127.0.0.1:514'])('%s is a usage error', (spec) => {
    expect(() => openSink(spec)).toThrow(/syslog\+udp:\/\/HOST:PORT or syslog\+tcp:\/\/HOST:PORT/);
  });
});

describe('docs/watch.md "Where events go" examples', () => {
  const doc = readFileSync(new URL('../../docs/watch.md', import.meta.url), 'utf8');

  it('the syslog datagram shown is what formatSyslog gives for its event, host, pid and time', () => {
    const line = doc.split('\n').find((l) => l.startsWith('<132>1 '));
    expect(line).toBeDefined();
    const m = parse5424(line!);
    const { header, msg } = formatSyslog(JSON.parse(m.msg), { hostname: m.hostname!, appName: m.appName!, procId: m.procId!, facility: 16 }, new Date(m.timestamp));
    expect(header + msg).toBe(line);
  });

  it('the TCP frame length shown is the byte length of that message', () => {
    const line = doc.split('\n').find((l) => l.startsWith('<132>1 '))!;
    const framed = /`(\d+) (<132>1 \S+) /.exec(doc);
    expect(framed).not.toBeNull();
    const sameLength = line.replace(/^<132>1 \S+/, framed![2]!); // the TCP one was sent at another millisecond
    expect(Buffer.byteLength(sameLength)).toBe(Number(framed![1]));
  });
});
