import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/exit_codes.js';
import {
  CaptureFormatError,
  FlowauditError,
  InputError,
  LiveUnavailableError,
  PermissionError,
  PolicyError,
  UsageError,
  messageOf,
} from '../../src/errors.js';

describe('errors map to exit codes in one place', () => {
  it.each([
    ['usage', new UsageError('bad flag'), 'usage', 2],
    ['input', new InputError('x.pcap: cannot open capture: ENOENT'), 'input', 2],
    ['capture format', new CaptureFormatError('x.pcap', 24, 'bad record'), 'capture-format', 2],
    ['policy', new PolicyError('m.json: invalid JSON', 'matrix'), 'policy', 2],
    ['live unavailable', new LiveUnavailableError('no cap'), 'live-unavailable', 2],
    ['permission', new PermissionError('need root'), 'permission', 2],
  ] as const)('%s', (_l, e, kind, code) => {
    expect(e).toBeInstanceOf(FlowauditError);
    expect(e.kind).toBe(kind);
    expect(exitCodeOf(e)).toBe(code);
  });

  it('anything else is a bug: exit 70', () => {
    expect(exitCodeOf(new TypeError('x is undefined'))).toBe(70);
    expect(exitCodeOf('thrown string')).toBe(70);
  });

  it('a capture format error is an input error with its offset', () => {
    const e = new CaptureFormatError('x.pcap', 4096, 'length 7 is not a multiple of 4');
    expect(e).toBeInstanceOf(InputError);
    expect(e.offset).toBe(4096);
    expect(e.message).toBe('x.pcap: length 7 is not a multiple of 4 (at byte offset 4096)');
  });

  it.each([
    [new Error('boom'), 'boom'],
    ['plain', 'plain'],
    [42, '42'],
    [undefined, 'undefined'],
  ])('messageOf(%s)', (e, text) => {
    expect(messageOf(e)).toBe(text);
  });
});
