/**
 * Standard output and error (src/cli/io.ts StdStream): synchronous writes to the descriptor on
 * POSIX; the rest goes to Node's stream from the first write that would block (EAGAIN), in order;
 * a reader gone (EPIPE) ends output quietly; Windows uses the stream from the start.
 */
import { describe, expect, it } from 'vitest';
import { canExitNow, type NodeIo, StdStream } from '../../src/cli/io.js';

function fakeStream() {
  const got: string[] = [];
  let onError: ((e: NodeJS.ErrnoException) => void) | null = null;
  return {
    got,
    fail: (code: string) => onError?.(Object.assign(new Error(code), { code })),
    stream: {
      write: (chunk: string | Uint8Array) => (got.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')), true),
      on: (_ev: string, f: (e: NodeJS.ErrnoException) => void) => ((onError = f), undefined as never),
    },
  };
}

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: write`), { code });

describe('StdStream', () => {
  it('writes every byte to the descriptor, also when the kernel takes them in parts', () => {
    const fd: string[] = [];
    const s = fakeStream();
    const out = new StdStream(1, (_fd, b, off, len) => {
      const n = Math.min(len, 3); // a short write each time
      fd.push(Buffer.from(b.subarray(off, off + n)).toString('latin1'));
      return n;
    }, () => s.stream as never, false);
    out.write('héllo wörld\n');
    expect(Buffer.from(fd.join(''), 'latin1').toString('utf8')).toBe('héllo wörld\n');
    expect(s.got).toEqual([]);
  });

  it('from the first EAGAIN on, hands the rest to the stream, in order', () => {
    const fd: string[] = [];
    const s = fakeStream();
    let calls = 0;
    const out = new StdStream(1, (_fd, b, off, len) => {
      if (++calls === 2) throw errno('EAGAIN');
      const n = Math.min(len, 4);
      fd.push(Buffer.from(b.subarray(off, off + n)).toString('utf8'));
      return n;
    }, () => s.stream as never, false);
    out.write('abcdefgh');
    out.write('ij');
    expect(fd).toEqual(['abcd']);
    expect(s.got).toEqual(['efgh', 'ij']);
  });

  it('ends quietly at EPIPE and drops what follows', () => {
    let calls = 0;
    const s = fakeStream();
    const out = new StdStream(1, () => {
      calls++;
      throw errno('EPIPE');
    }, () => s.stream as never, false);
    out.write('a');
    out.write('b');
    expect(calls).toBe(1);
    expect(s.got).toEqual([]);
  });

  it('uses the stream on Windows (its console wants WriteConsoleW), and stops after a stream error', () => {
    const s = fakeStream();
    const out = new StdStream(2, () => {
      throw new Error('the descriptor is not used on Windows');
    }, () => s.stream as never, true);
    out.write('x');
    s.fail('EPIPE');
    out.write('y');
    expect(s.got).toEqual(['x']);
  });
});

describe('canExitNow (bin/flowaudit.js ends the process at once only when nothing is pending)', () => {
  const written = (yes: boolean): NodeIo => ({ outputWritten: () => yes }) as NodeIo;
  it.each([
    [[], true, true],
    [['MessagePort'], true, true],
    [['MessagePort', 'Worker'], true, true],
    [['ChildProcess'], true, false], // a capture program still stopping (live)
    [['MessagePort', 'Timeout'], true, false],
    [['TCPSocketWrap'], true, false],
    [['FSReqCallback'], true, false],
    [[], false, false], // output went to a Node stream: let Node flush it
  ])('resources %j, output written %s: exit now %s', (resources, out, expected) => {
    expect(canExitNow(written(out), resources)).toBe(expected);
  });

  it('a StdStream is direct until it hands output to the stream', () => {
    const s = fakeStream();
    const out = new StdStream(1, () => {
      throw errno('EAGAIN');
    }, () => s.stream as never, false);
    expect(out.direct).toBe(true);
    out.write('x');
    expect(out.direct).toBe(false);
    expect(new StdStream(2, () => 1, () => s.stream as never, true).direct).toBe(false); // Windows: the stream from the start
  });
});
