/** md(): one untrusted string made safe for inline Markdown and table cells (markdown.ts, markdown_sections.ts). */
/** Escape one untrusted string for inline Markdown (also safe inside a table cell). */
export function md(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'))
    .replace(/[\\`*_[\]#!|~]/g, (c) => `\\${c}`)
    // No autolinks from untrusted text (GFM turns http://… and www.… into links).
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}
