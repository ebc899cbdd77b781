/**
 * Escaping for the HTML report. Every string that comes from packets or user files (paths, role
 * and rule names, descriptions, host names) goes through `esc()` before it reaches markup, in text
 * and in attribute values alike (both quote characters are escaped, so one function serves both).
 * Control characters become visible `\xNN` escapes, as in the text report.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A token safe for class names and data attributes built from our own enums (status, kind). */
export function token(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_');
}
