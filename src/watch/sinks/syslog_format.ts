/**
 * One RFC 5424 syslog message whose MSG is a watch event's JSON:
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG
 * PRI = facility × 8 + severity (facility local0 by default; severity from the event's
 * `log.level`, else notice); TIMESTAMP in RFC 3339 UTC with milliseconds; HOSTNAME, APP-NAME,
 * PROCID and MSGID are printable US-ASCII without spaces, cut to their RFC lengths, '-' when empty;
 * MSGID is the event's `event.action`; no STRUCTURED-DATA. MSG is plain UTF-8 JSON without the
 * optional BOM (a BOM before the JSON trips up collectors that parse MSG as JSON). Written here rather than with a library: the
 * format is these few lines, and a widely used npm client (syslog-client) frames TCP by a
 * trailing newline, not RFC 6587 octet counting, and has no queue while the peer is down.
 */

export const FACILITY_LOCAL0 = 16;

const SEVERITY: Record<string, number> = {
  emergency: 0,
  alert: 1,
  critical: 2,
  error: 3,
  warning: 4,
  warn: 4,
  notice: 5,
  info: 6,
  informational: 6,
  debug: 7,
};

export interface SyslogHeader {
  hostname: string;
  appName: string;
  procId: string;
  facility: number;
}

/** Printable US-ASCII (33..126), at most `max` characters, '-' when nothing is left (RFC 5424 §6). */
export function headerField(value: string, max: number): string {
  const v = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return v.length > 0 ? v : '-';
}

function field(event: Record<string, unknown>, dotted: string): unknown {
  if (dotted in event) return event[dotted];
  let cur: unknown = event;
  for (const part of dotted.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The syslog severity of an event: its ECS `log.level` (warning, error, …), else notice (5). */
export function severityOf(event: Record<string, unknown>): number {
  const level = field(event, 'log.level');
  return typeof level === 'string' ? (SEVERITY[level.toLowerCase()] ?? 5) : 5;
}

/** The RFC 5424 header and MSG of one event, as bytes (UTF-8). */
export function formatSyslog(event: Record<string, unknown>, h: SyslogHeader, now = new Date()): { header: string; msg: string } {
  const pri = h.facility * 8 + severityOf(event);
  const action = field(event, 'event.action');
  const msgId = headerField(typeof action === 'string' ? action : '', 32);
  const header = `<${pri}>1 ${now.toISOString()} ${headerField(h.hostname, 255)} ${headerField(h.appName, 48)} ${headerField(h.procId, 128)} ${msgId} - `;
  return { header, msg: JSON.stringify(event) };
}

/** Cuts a UTF-8 text to at most `max` bytes without splitting a character. */
export function cutUtf8(text: string, max: number): string {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= max) return text;
  let end = max;
  while (end > 0 && ((b[end] ?? 0) & 0xc0) === 0x80) end--;
  return b.toString('utf8', 0, end);
}
