/** One place that turns an AuditResult into the requested format, for `audit` and `live` alike. */
import type { AuditResult } from '../audit/result.js';
import { renderCsv } from './csv.js';
import { renderEcs } from './ecs.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

export const REPORT_FORMATS = ['text', 'json', 'csv', 'html', 'markdown', 'ecs'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function renderReport(result: AuditResult, format: ReportFormat, opts: { color: boolean }): string {
  switch (format) {
    case 'json':
      return renderJson(result);
    case 'csv':
      return renderCsv(result);
    case 'html':
      return renderHtml(result);
    case 'markdown':
      return renderMarkdown(result);
    case 'ecs':
      return renderEcs(result);
    case 'text':
      return renderText(result, opts);
  }
}
