import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { neutraliseCell, safeCsvCast } from '../../src/report/csv_cell.js';

describe('CSV formula neutralisation', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
    ['+cmd|calc', `'+cmd|calc`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tTAB', `'\tTAB`],
    ['\rCR', `'\rCR`],
    ['-12', '-12'], // a plain negative number is data
    ['-1.5', '-1.5'],
    ['10.0.0.1', '10.0.0.1'],
    ['graph.microsoft.com', 'graph.microsoft.com'],
    ['', ''],
  ])('%j → %j', (input, out) => {
    expect(neutraliseCell(input)).toBe(out);
  });

  it('leaves numbers alone and applies to every string cell through csv-stringify', () => {
    expect(neutraliseCell(-5)).toBe(-5);
    const csv = stringify([['=1+1', 3, 'ok']], { cast: safeCsvCast });
    expect(csv).toBe("'=1+1,3,ok\n");
  });
});
