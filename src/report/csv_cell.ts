/**
 * Spreadsheet formula-injection guard for CSV cells (OWASP "CSV injection").
 * Host names, SNI and DNS answers come from packets and are attacker-controlled: a cell that a
 * spreadsheet would evaluate (leading = + - @, tab or carriage return) gets a leading apostrophe.
 * Plain negative numbers are data, not formulas, and numbers are never touched.
 */
const DANGEROUS_FIRST = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

export function neutraliseCell(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (DANGEROUS_FIRST.test(value) && !PLAIN_NUMBER.test(value)) return `'${value}`;
  return value;
}

/** csv-stringify `cast.string` hook, so every string cell passes through neutraliseCell. */
export const safeCsvCast = {
  string: (value: string): string => neutraliseCell(value) as string,
};
