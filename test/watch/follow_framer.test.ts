import { describe, expect, it } from 'vitest';
import { LineFramer } from '../../src/watch/follow/line_framer.js';

/** Frames `chunks` in order with a line limit; every run's lines, overlong counts and offsets. */
function frame(chunks: string[], maxLine = 16) {
  const f = new LineFramer(0, 0, false, maxLine);
  const lines: string[] = [];
  const firsts: number[] = [];
  let overlong = 0;
  for (const c of chunks) {
    const b = Buffer.from(c, 'utf8');
    for (const r of f.push(b, b.length)) {
      firsts.push(r.firstLineNo);
      lines.push(...r.lines);
      overlong += r.overlong;
    }
  }
  return { lines, firsts, overlong, consumed: f.consumed, lineNo: f.lineNo, pending: f.pending, skipping: f.skipping };
}

describe('LineFramer', () => {
  it.each([
    ['one chunk, two lines', ['a\nb\n'], ['a', 'b'], 4, 2, 0],
    ['partial last line held', ['a\nb'], ['a'], 2, 1, 1],
    ['row split across two writes', ['ab', 'c\n'], ['abc'], 4, 1, 0],
    ['split three ways', ['a', 'b', 'c\nd\n'], ['abc', 'd'], 6, 2, 0],
    ['CRLF: the CR is dropped', ['a\r\nb\r', '\n'], ['a', 'b'], 6, 2, 0],
    ['an empty line is a line', ['\n\nx\n'], ['', '', 'x'], 4, 3, 0],
    ['UTF-8 split inside a character', ['\u00e9'.slice(0, 1), '\n'], ['\u00e9'], 3, 1, 0],
  ])('%s', (_name, chunks, lines, consumed, lineNo, pending) => {
    const r = frame(chunks as string[]);
    expect(r.lines).toEqual(lines);
    expect(r.consumed).toBe(consumed);
    expect(r.lineNo).toBe(lineNo);
    expect(r.pending).toBe(pending);
  });

  it('a multi-byte character split between two chunks is joined, not replaced', () => {
    const f = new LineFramer(0, 0, false, 16);
    const b = Buffer.from('\u00e9\n', 'utf8'); // c3 a9 0a
    const first = f.push(b.subarray(0, 1), 1);
    const second = f.push(b.subarray(1), 2);
    expect(first).toEqual([]);
    expect(second[0]?.lines).toEqual(['\u00e9']);
  });

  it.each([
    ['an overlong line ending in the same chunk', ['ok\n' + 'x'.repeat(40) + '\nnext\n']],
    ['an overlong line spread over chunks', ['ok\n' + 'x'.repeat(10), 'x'.repeat(10), 'x'.repeat(30) + '\nnext\n']],
    ['an overlong line that starts held back', ['ok\nxxxxxxxxxx', 'x'.repeat(20) + '\nnext\n']],
  ])('%s is skipped, counted once and numbered', (_name, chunks) => {
    const r = frame(chunks);
    expect(r.lines).toEqual(['ok', 'next']);
    expect(r.overlong).toBe(1);
    expect(r.lineNo).toBe(3);
    expect(r.firsts.at(-1)).toBe(3); // 'next' is line 3: the skipped line keeps its number
    expect(r.consumed).toBe(chunks.join('').length);
    expect(r.skipping).toBe(false);
  });

  it('holds no more than the line limit while skipping', () => {
    const f = new LineFramer(0, 0, false, 16);
    for (let i = 0; i < 100; i++) f.push(Buffer.from('y'.repeat(1000)), 1000);
    expect(f.pending).toBe(0);
    expect(f.skipping).toBe(true);
    expect(f.consumed).toBe(100_000);
  });

  it('flushPartial gives a rotated file its unterminated last line', () => {
    const f = new LineFramer(0, 0, false, 16);
    f.push(Buffer.from('a\nlast'), 6);
    expect(f.flushPartial()).toMatchObject({ lines: ['last'], firstLineNo: 2, endOffset: 6, endLineNo: 2 });
    expect(f.flushPartial()).toBeNull();
  });

  it('resumes at an offset and line number', () => {
    const f = new LineFramer(100, 7, false, 16);
    const runs = f.push(Buffer.from('h\n'), 2);
    expect(runs[0]).toMatchObject({ lines: ['h'], firstLineNo: 8, endOffset: 102, endLineNo: 8 });
  });
});
