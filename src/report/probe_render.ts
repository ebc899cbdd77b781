/** One place that turns a ProbeResult into the requested format, for `probe` and `verify` alike. */
import type { ProbeResult } from '../audit/probe_result.js';
import { renderProbeEcs } from './probe_ecs.js';
import { renderProbeHtml } from './probe_html.js';
import { renderProbeMarkdown } from './probe_markdown.js';
import { renderProbeText } from './probe_text.js';

export const PROBE_FORMATS = ['text', 'json', 'markdown', 'html', 'ecs'] as const;
export type ProbeFormat = (typeof PROBE_FORMATS)[number];

export function renderProbeReport(r: ProbeResult, format: ProbeFormat, opts: { color: boolean }): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
    case 'markdown':
      return renderProbeMarkdown(r);
    case 'html':
      return renderProbeHtml(r);
    case 'ecs':
      return renderProbeEcs(r);
    case 'text':
      return renderProbeText(r, opts);
  }
}
