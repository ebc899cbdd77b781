/**
 * Audit CSV, one row per fact with a `kind` column, in this order:
 *   verdict (one row: verdict, reasons, totals, time span, matrix/inventory/result hashes),
 *   warning (issue 8: e.g. an inventory name never seen),
 *   input (one per capture: path, format, packets, time span, SHA-256),
 *   rule, unexpected (one per client → server, protocol, port: the full detail), near-miss,
 *   scan (when the result has scan findings), discovered-member (a discovered inventory),
 *   firewall-file, firewall-documented, firewall-observed, firewall-finding (issue 21, --firewall).
 * Columns are only ever added at the end (firstSeen … trigger came with issue 12), so readers that
 * pick columns by name keep working. Written with csv-stringify; every string cell is neutralised
 * against formula injection.
 */
import { queryEvidenceText } from '../inputs/record_input.js';
import { stringify } from 'csv-stringify/sync';
import type { NameRef } from '../audit/grouping.js';
import type { Diagnosis } from '../audit/diagnosis.js';
import type { AuditResult, StateCounts } from '../audit/result.js';
import { safeCsvCast } from './csv_cell.js';
import { firewallCsvRows } from './firewall_csv.js';

const COLUMNS = [
  'kind',
  'id',
  'status',
  'requirement',
  'feature',
  'source',
  'destination',
  'client',
  'server',
  'protocol',
  'ports',
  'connections',
  'packets',
  'bytes',
  'answered',
  'refused',
  'unanswered',
  'states',
  'description',
  'evidence',
  'diagnosis',
  'firstSeen',
  'lastSeen',
  'clientNames',
  'serverNames',
  'sha256',
  'trigger',
] as const;

type Row = Partial<Record<(typeof COLUMNS)[number], string | number>>;

export function statesText(s: StateCounts): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
}

/** A diagnosis in one cell: the findings when any, else the summary. */
function diagnosisText(d: Diagnosis | null): string {
  if (!d || d.attempts === d.answered) return '';
  return d.findings.length ? d.findings.map((f) => f.text).join('; ') : d.summary;
}

/** "ams1 [inventory]; ams.corp.example [http-host]". */
function namesCell(names: readonly NameRef[] | undefined): string {
  return (names ?? []).map((n) => `${n.name} [${n.source}]`).join('; ');
}

export function renderCsv(r: AuditResult): string {
  const rows: Row[] = [];
  const names = new Map((r.names ?? []).map((e) => [e.address, e.names]));
  const namesOf = (a: string): string => namesCell(names.get(a));
  const s = r.summary;
  rows.push({
    kind: 'verdict', status: r.verdict, connections: s.connections, packets: s.packets, bytes: s.bytes,
    description: r.verdictReasons.join('; '),
    evidence: `matrix ${r.matrix.origin} ${r.matrix.version} sha256 ${r.matrix.sha256}; inventory ${r.inventory.origin} sha256 ${r.inventory.sha256 ?? 'none'}`,
    firstSeen: s.firstSeen ?? '', lastSeen: s.lastSeen ?? '', sha256: r.evidence?.resultSha256 ?? '',
  });
  for (const w of r.warnings ?? []) rows.push({ kind: 'warning', id: w.name, status: 'warning', source: w.roles.join(' '), description: w.text });
  for (const i of r.inputs) {
    rows.push({
      kind: 'input', id: i.path, status: i.error ? 'error' : i.truncated ? 'truncated' : 'read',
      protocol: [i.format, i.version].filter(Boolean).join(' '), packets: i.packets, bytes: i.bytes,
      description: [...(i.records?.query ? [queryEvidenceText(i.records.query)] : []), ...i.warnings.map((w) => `warning at offset ${w.offset}: ${w.message}`), ...(i.error ? [`error at offset ${i.error.offset}: ${i.error.message}`] : [])].join('; '),
      firstSeen: i.firstSeen ?? '', lastSeen: i.lastSeen ?? '', sha256: i.sha256 ?? '',
    });
  }
  for (const x of r.rules) {
    rows.push({
      kind: 'rule', id: x.id, status: x.status, requirement: x.requirement, feature: x.feature ?? '', source: x.source, destination: x.destination,
      client: x.clients.join(' '), server: x.servers.join(' '), protocol: x.protocol, ports: x.ports.join(' '),
      connections: x.connections, packets: x.packets, bytes: x.bytes, answered: x.outcomes.answered, refused: x.outcomes.refused, unanswered: x.outcomes.unanswered,
      states: statesText(x.states), description: x.reason ? `${x.description} [${x.status}: ${x.reason}]` : x.description,
      evidence: (x.evidence ?? []).map((e) => `${e.server}${e.names.length ? ` ${e.names.join(' ')}` : ''} [${e.sources.join(' ')}]`).join('; '),
      diagnosis: diagnosisText(x.diagnosis),
      firstSeen: x.firstSeen ?? '', lastSeen: x.lastSeen ?? '',
      clientNames: x.clients.length === 1 ? namesOf(x.clients[0]!) : '', serverNames: x.servers.length === 1 ? namesOf(x.servers[0]!) : '',
      trigger: x.trigger ?? '',
    });
  }
  for (const g of r.unexpected) {
    rows.push({
      kind: 'unexpected', status: 'unexpected', source: g.clientRoles.join(' '), destination: g.serverRoles.join(' '),
      client: g.client, server: g.server, protocol: g.protocol, ports: String(g.port),
      connections: g.connections, packets: g.packets, bytes: g.bytes, answered: g.outcomes.answered, refused: g.outcomes.refused, unanswered: g.outcomes.unanswered,
      states: statesText(g.states), description: g.disabledRules.length ? `would match ${g.disabledRules.join(' ')} (feature off)` : '',
      evidence: (g.nearMisses ?? []).map((n) => `near miss of ${n.rule}: ${n.address} not in role ${n.missingRole}`).join('; '),
      diagnosis: diagnosisText(g.diagnosis),
      firstSeen: g.firstSeen, lastSeen: g.lastSeen,
      clientNames: namesCell(g.clientNames) || namesOf(g.client), serverNames: namesCell(g.serverNames) || namesOf(g.server),
    });
  }
  rows.push(...adInfrastructureRows(r));
  // Near misses (issue 4): unexpected connections that would match `id` but for one side's role.
  for (const m of r.nearMisses ?? []) {
    rows.push({
      kind: 'near-miss', id: m.rule, status: 'unexpected', source: m.side === 'source' ? m.missingRole : '', destination: m.side === 'destination' ? m.missingRole : '',
      client: m.client, server: m.server, protocol: m.protocol, ports: String(m.port), connections: m.connections, description: m.text,
      clientNames: namesOf(m.client), serverNames: namesOf(m.server),
    });
  }
  for (const f of r.scans ?? []) {
    rows.push({
      kind: 'scan', status: 'unexpected', source: f.clientRoles.join(' '), client: f.client, protocol: f.protocols.join(' '),
      ports: f.lowPort === null ? '' : f.lowPort === f.highPort ? String(f.lowPort) : `${f.lowPort}-${f.highPort}`,
      connections: f.probes, answered: f.answered, refused: f.refused, unanswered: f.unanswered,
      description: f.text, evidence: f.open.length ? `open: ${f.open.join('; ')}` : '',
      firstSeen: f.firstSeen, lastSeen: f.lastSeen, clientNames: namesOf(f.client),
    });
  }
  // A discovered inventory (issue 10): one row per proposed member, with its evidence and confidence.
  for (const m of r.inventory.discovered?.members ?? []) {
    rows.push({
      kind: 'discovered-member', status: m.confidence ?? '', destination: m.role, server: m.member,
      description: `inventory DISCOVERED by ${r.inventory.discovered?.tool ?? 'flowaudit discover'}, not reviewed${m.name ? `; name ${m.name}` : ''}`,
      evidence: m.evidence.join('; '),
    });
  }
  rows.push(...(firewallCsvRows(r) as Row[]));
  return stringify(rows, { header: true, columns: [...COLUMNS], cast: safeCsvCast, record_delimiter: 'unix' });
}

/** Issue 20: the pointer to builtin:ad-infrastructure, one row (none when no unexpected flow is AD traffic). */
function adInfrastructureRows(r: AuditResult): Row[] {
  const h = r.adInfrastructure;
  if (!h) return [];
  return [{ kind: 'hint', id: h.matrix, status: 'unexpected', connections: h.connections, description: h.text, evidence: h.rules.map((x) => `${x.id}: ${x.flows}`).join('; ') }];
}
