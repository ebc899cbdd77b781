/** Which inputs are damaged (audit/damage.ts), one row each: the reason in words, or none. */
import { describe, expect, it } from 'vitest';
import { damageReasons } from '../../src/audit/damage.js';
import type { InputResult } from '../../src/audit/result.js';

const input = (x: Partial<InputResult>): InputResult =>
  ({ path: 'c.pcap', format: 'pcap', packets: 10, truncated: false, warnings: [], error: null, ...x }) as InputResult;
const cut = { offset: -1, message: '3 packets were longer than dumpcap\'s snap length and were cut' };

describe('damageReasons', () => {
  it.each<[string, Partial<InputResult>, Record<string, number>, string[]]>([
    ['a whole capture', {}, {}, []],
    [
      'ends inside a record',
      { truncated: true, warnings: [{ offset: 4096, message: 'file ends inside the record at offset 4096: 10 of 74 bytes present' }] },
      {},
      ['input c.pcap ends inside a record at byte 4096: a packet is missing, so the absence of a violation is not proven'],
    ],
    ['a broken input is verdict.ts\'s to judge', { truncated: true, error: { offset: 9, message: 'bad block' } }, {}, []],
    ['live, cut by the snap length, headers readable', { format: 'live', warnings: [cut] }, {}, []],
    [
      'live, cut by the snap length, headers cut off',
      { format: 'live', path: 'live:eth0', warnings: [cut] },
      { 'tcp-truncated': 2, 'ipv4-truncated': 1 },
      ["input live:eth0 lost 3 packets to the capture's snap length (3 packets were longer than dumpcap's snap length and were cut; their headers were cut off): the absence of a violation is not proven"],
    ],
    ['a file with truncated headers but no snap-length cut is not a live loss', { warnings: [] }, { 'tcp-truncated': 2 }, []],
  ])('%s', (_name, x, decodeErrors, want) => {
    expect(damageReasons([input(x)], decodeErrors)).toEqual(want);
  });
});
