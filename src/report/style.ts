/**
 * Terminal colour through Node's own util.styleText (no dependency); off unless the caller says
 * the output is a TTY (and NO_COLOR is unset), so files and pipes get plain text.
 */
import { styleText } from 'node:util';

export type Style = 'red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'bold' | 'dim';

export interface Painter {
  (style: Style, text: string): string;
}

export function painter(color: boolean): Painter {
  if (!color) return (_s, t) => t;
  // validateStream: false — the caller has already decided (TTY, NO_COLOR); styleText would
  // otherwise look at process.stdout itself, which is wrong for --output files and in-process runs.
  return (s, t) => styleText(s, t, { validateStream: false });
}
