/**
 * Times as flow logs write them → µs since the epoch (NaN when unreadable, e.g. btest's masked
 * `XXXXXXXXXX.XXXXXX`): Zeek epoch seconds (`1278600802.069419`), ISO 8601 with `Z`, `+00:00` or
 * Suricata's `+0000`, with up to nanosecond fractions. Parsed by hand: Date.parse drops the
 * microseconds and does not accept `+0000` everywhere.
 */

const EPOCH = /^(\d{1,12})(?:\.(\d{1,9}))?$/;
const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d(?::?\d\d)?)?$/;

function fractionMicros(f: string | undefined): number {
  if (!f) return 0;
  return Number(`${f}000000`.slice(0, 6)) + (f.length > 6 ? Number(`0.${f.slice(6)}`) : 0);
}

export function parseLogTime(s: string | number | null | undefined): number {
  if (s === null || s === undefined) return NaN;
  if (typeof s === 'number') return Number.isFinite(s) ? s * 1e6 : NaN;
  const t = s.trim();
  let m = EPOCH.exec(t);
  if (m) return Number(m[1]) * 1e6 + fractionMicros(m[2]);
  m = ISO.exec(t);
  if (!m) return NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Number.isNaN(ms)) return NaN;
  let offsetMin = 0;
  const z = m[8];
  if (z && z !== 'Z') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  return (ms - offsetMin * 60_000) * 1000 + fractionMicros(m[7]);
}

/** Seconds as Zeek writes an interval (`2.102560`) → µs, NaN when unset or unreadable. */
export function parseSeconds(s: string | null): number {
  if (s === null) return NaN;
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) && n >= 0 ? n * 1e6 : NaN;
}
