/** Plain aligned text tables. Cells are padded before colouring, so ANSI codes never skew widths. */
export interface Column {
  title: string;
  align?: 'left' | 'right';
  /** Optional colouring applied to the padded cell. */
  paint?: (padded: string, raw: string) => string;
}

export function renderTable(columns: Column[], rows: string[][], indent = '  '): string[] {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (text: string, i: number): string => {
    const w = widths[i] ?? 0;
    return columns[i]?.align === 'right' ? text.padStart(w) : text.padEnd(w);
  };
  const lines = [indent + columns.map((c, i) => pad(c.title, i)).join('  ').trimEnd()];
  for (const r of rows) {
    const cells = columns.map((c, i) => {
      const raw = r[i] ?? '';
      const padded = pad(raw, i);
      return c.paint ? c.paint(padded, raw) : padded;
    });
    lines.push((indent + cells.join('  ')).trimEnd());
  }
  return lines;
}

/** 1234567 → "1.2 MB" (decimal units, as capinfos prints). */
export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
