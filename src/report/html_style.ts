/**
 * The HTML report's one stylesheet and the Content-Security-Policy that allows it by hash. Screen:
 * a readable page up to 1320 px wide. Print (A4 landscape): page 1 is the verdict, the headline
 * figures and the reasons; the diagram starts a page and is scaled to fit it; table headers repeat
 * on every page and rows never split. Addresses never wrap (`.addr`: monospace, nowrap, one box);
 * names and long free text may.
 */
import { createHash } from 'node:crypto';

/** Height cap of the drawn diagram on screen, in CSS px (the SVG's own height is capped in svg_diagram.ts). */
export const DIAGRAM_MAX_CSS_HEIGHT = 900;

export const HTML_STYLE = `
:root { color-scheme: light; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; margin: 24px auto; max-width: 1320px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h1 .badge { margin-left: 12px; vertical-align: middle; }
h2.p1 { font-size: 14px; margin: 10px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 3px; }
header.verdict { border: 2px solid; border-radius: 8px; padding: 14px 18px; }
header.verdict-pass { border-color: #2e7d32; background: #f1f8f1; }
header.verdict-fail { border-color: #c62828; background: #fdf2f2; }
header.verdict-inconclusive { border-color: #546e7a; background: #f3f5f7; border-style: dashed; }
ul.warnings { margin: 8px 0; padding-left: 22px; color: #7a4f00; }
.badge { display: inline-block; font-weight: 700; font-size: 20px; padding: 2px 12px; border-radius: 4px; color: #fff; letter-spacing: 1px; background: #555; }
.verdict-pass .badge { background: #2e7d32; }
.verdict-fail .badge { background: #c62828; }
.verdict-inconclusive .badge { background: #455a64; }
.subtitle { color: #444; margin: 6px 0; }
ul.reasons { margin: 8px 0; padding-left: 22px; }
dl.figures { display: grid; grid-template-columns: repeat(6, 1fr); gap: 8px; margin: 10px 0 0; }
dl.figures div { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; }
dl.figures dt { font-size: 11px; color: #555; text-transform: uppercase; letter-spacing: .5px; }
dl.figures dd { margin: 0; font-size: 17px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 12px; }
th, td { border: 1px solid #d5d5d5; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.addr { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; white-space: nowrap; display: inline-block; }
.ts { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11px; white-space: nowrap; }
.nm { color: #333; overflow-wrap: anywhere; }
.src { color: #666; font-size: 11px; }
.desc { font-size: 11.5px; color: #444; }
.status { font-weight: 600; white-space: nowrap; }
.s-observed { color: #2e7d32; } .s-failed { color: #c62828; } .s-missing { color: #e65100; } .s-partial { color: #b26a00; } .s-not-visible { color: #6d4c41; }
.cov-reached { color: #2e7d32; font-weight: 600; } .cov-failed { color: #c62828; font-weight: 600; } .cov-never-tried { color: #e65100; font-weight: 600; }
.s-optional-not-seen { color: #546e7a; } .s-not-applicable { color: #757575; } .s-unexpected { color: #6a1b9a; }
dl.scope { grid-template-columns: max-content 1fr; font-size: 12px; margin: 8px 0 4px; }
.hash { font-size: 10.5px; color: #333; }
#rule-status td, #rule-status th { padding: 2px 5px; }
td.rnote { color: #444; }
#controls-table td.ctl { width: 26%; }
.cov-note { color: #7a4f00; }
col.c-rule { width: 36%; } col.c-traffic { width: 23%; } col.c-evidence { width: 41%; }
.diagram-wrap { overflow: auto; max-height: ${DIAGRAM_MAX_CSS_HEIGHT}px; border: 1px solid #ddd; border-radius: 6px; padding: 6px; background: #fff; }
svg.diagram { max-width: 100%; height: auto; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 14px; }
ul.legend svg { vertical-align: middle; margin-right: 4px; }
.muted { color: #666; }
.note { font-size: 12px; color: #555; }
.discovered { border: 2px solid #b45309; background: #fffbeb; padding: 4px 10px; margin: 8px 0; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 6px 0; }
dl.kv dt { font-weight: 600; }
dl.kv dd { margin: 0; }
ul.extra { margin: 0; padding-left: 16px; }
ul.clients { margin: 2px 0 0; padding-left: 16px; }
footer { margin-top: 30px; font-size: 11px; color: #666; }
@media (max-width: 800px) { dl.figures { grid-template-columns: repeat(3, 1fr); } }
@page { size: A4 landscape; margin: 9mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 8.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; font-size: 10.5pt; margin: 6px 0 2px; padding-bottom: 1px; }
  section ul.extra { font-size: 8pt; }
  tr, .node, dl.figures div { break-inside: avoid; }
  thead { display: table-header-group; }
  header.verdict { break-after: page; padding: 8px 12px; }
  table { font-size: 8pt; }
  .mono, .addr { font-size: 7.5pt; }
  .ts { font-size: 7pt; }
  .hash { font-size: 7pt; }
  dl.scope { font-size: 8pt; margin: 4px 0 2px; gap: 1px 10px; }
  #rule-status { font-size: 7.5pt; margin: 2px 0; }
  #rule-status td, #rule-status th { padding: 1px 4px; }
  section#diagram { break-before: page; break-inside: avoid; }
  .diagram-wrap { overflow: visible; max-height: none; border: none; padding: 0; }
  svg.diagram { width: auto; max-width: 100%; height: auto; max-height: 150mm; }
  ul.reasons { font-size: 8.5pt; margin: 2px 0; }
  ul.reasons.many { columns: 2; column-gap: 24px; font-size: 7.5pt; }
  ul.reasons.many li { break-inside: avoid; }
  ul.warnings { font-size: 7.5pt; margin: 4px 0; }
  dl.figures { gap: 4px; margin: 4px 0 0; }
  dl.figures div { padding: 2px 6px; }
  dl.figures dt { font-size: 6.5pt; }
  dl.figures dd { font-size: 9.5pt; }
  h1 { font-size: 15pt; margin: 0 0 2px; }
  .badge { font-size: 13pt; padding: 1px 10px; }
  .note { font-size: 7.5pt; margin: 2px 0; }
  footer { display: none; }
  body { line-height: 1.3; }
  th, td { padding: 2px 4px; }
  ul.extra, ul.clients { padding-left: 12px; }
  #rules-table ul.extra { display: inline; padding: 0; }
  #rules-table ul.extra li { display: inline; }
  #rules-table ul.extra li + li::before { content: " · "; }
  #rules-table .desc { display: none; }
  #controls-table td, #controls-table th { padding: 1px 4px; }
  #controls-table { font-size: 7.5pt; }
  #controls-table td.ctl { width: 30%; }
  #next-steps ul { font-size: 8pt; margin: 2px 0; }
  #unexpected-table { font-size: 7.5pt; }
  #unexpected-table td.roles { font-size: 7pt; }
  #names-table td, #names-table th { padding: 0 4px; }
}
`;

const STYLE_HASH = `sha256-${createHash('sha256').update(HTML_STYLE).digest('base64')}`;

/** The report's Content-Security-Policy: nothing may load or run; only our own <style> applies. */
export const HTML_CSP = `default-src 'none'; style-src '${STYLE_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;
