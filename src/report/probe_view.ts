/**
 * What every probe report format shows, computed once: the results grouped per member (the
 * segmentation test), each row's cells, the not-tried list and the headline. The renderers
 * (probe_text.ts, probe_markdown.ts, probe_html.ts) only lay these out and escape them.
 */
import type { ProbeResult, ProbeRow } from '../audit/probe_result.js';

export const PROBE_VERDICT_LABEL: Record<ProbeResult['verdict'], string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };

/** What each judgement means to the reader, in one phrase. */
export const JUDGEMENT_TEXT: Record<ProbeRow['judgement'], string> = {
  works: 'documented, works',
  fails: 'documented, does not work',
  finding: 'FINDING: undocumented port open',
  closed: 'closed (as expected)',
  unproven: 'unproven',
  'not tried': 'not tried',
};

export const PROBE_COLUMNS = ['port', 'rule', 'result', 'judgement', 'ms', 'seen'] as const;

export interface MemberGroup {
  member: string;
  address: string;
  roles: string;
  rows: ProbeRow[];
}

/** Rows grouped by address, in plan order of first appearance; documented before undocumented, then by port. */
export function memberGroups(r: Pick<ProbeResult, 'results'>): MemberGroup[] {
  const groups = new Map<string, MemberGroup>();
  for (const row of r.results) {
    let g = groups.get(row.address);
    if (!g) groups.set(row.address, (g = { member: row.member, address: row.address, roles: row.roles.join(', '), rows: [] }));
    g.rows.push(row);
  }
  for (const g of groups.values()) g.rows.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'documented' ? -1 : 1) || a.protocol.localeCompare(b.protocol) || a.port - b.port);
  return [...groups.values()];
}

/** The cells of one row, in PROBE_COLUMNS order (plain text; the renderer escapes). */
export function rowCells(row: ProbeRow): string[] {
  const rule = row.kind === 'documented' ? `${row.rules.join(', ')}${row.required ? '' : ' (not required)'}` : 'undocumented';
  return [`${row.protocol}/${row.port}`, rule, row.state, JUDGEMENT_TEXT[row.judgement], row.ms === null ? '-' : row.ms.toFixed(1), row.how];
}

export function headline(r: ProbeResult): string {
  const s = r.summary;
  return `${s.tried}/${s.probes} probes tried · documented: ${s.documented.works} work, ${s.documented.fails} fail · undocumented: ${s.undocumented.finding} open, ${s.undocumented.closed} closed · ${s.documented.unproven + s.undocumented.unproven} unproven · ${s.notPlanned} flows not probeable`;
}

export function notTriedLines(r: ProbeResult): string[] {
  return r.notPlanned.map((n) => `${n.rule} ${n.protocol}/${n.ports} → ${n.target}: ${n.reason}`);
}

export function evidenceLines(r: ProbeResult): string[] {
  const c = r.capture;
  return [
    `command: ${r.evidence.commandLine}`,
    `from: ${r.from.host ?? '(unknown host)'}${r.from.addresses.length ? ` ${r.from.addresses.join(', ')}` : ''} as ${r.as}`,
    `window: ${r.window.start ?? '-'} → ${r.window.end ?? '-'}`,
    `settings: rate ${r.settings.ratePerSecond}/s, budget ${r.settings.budgetMs} ms, timeout ${r.settings.timeoutMs} ms`,
    `matrix: ${r.matrix.name} ${r.matrix.version} (${r.matrix.origin}) sha256 ${r.matrix.sha256}`,
    `inventory: ${r.inventory.origin} sha256 ${r.inventory.sha256 ?? '-'}`,
    `packets: ${c?.path ? `${c.path} (${c.engine}, ${c.packets} packets, sha256 ${c.sha256 ?? 'not computed'})` : `not kept${c?.unavailable ? `: ${c.unavailable}` : ''}`}`,
    `resultSha256: ${r.evidence.resultSha256}`,
  ];
}
