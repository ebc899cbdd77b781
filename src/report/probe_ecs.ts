/**
 * `probe --format ecs`: one ECS 8.x event per probe (JSON Lines) and one for the verdict.
 *   probe         event.kind alert for a finding (undocumented port open) or a required documented
 *                 flow that fails, else event; category [network], type [connection], action
 *                 probe-<judgement>, outcome success (answered) / failure; source.ip (the probing
 *                 host's first address), destination.ip/port, network.transport; rule.id for
 *                 documented ones; event.start and event.duration (ns)
 *   the verdict   event.kind state, action probe-verdict, outcome success / failure / unknown
 * Every event: ecs.version, event.module flowaudit, event.dataset flowaudit.probe, observer.*, and a
 * `flowaudit` object (judgement, state, how, member, roles, report hash).
 */
import type { ProbeResult, ProbeRow } from '../audit/probe_result.js';
import { ECS_VERSION } from './ecs.js';

type Json = Record<string, unknown>;

function base(r: ProbeResult, timestamp: string, kind: string, action: string): Json {
  return {
    '@timestamp': timestamp,
    ecs: { version: ECS_VERSION },
    event: { kind, module: 'flowaudit', dataset: 'flowaudit.probe', action, created: r.generatedAt },
    observer: { vendor: 'flowaudit', product: 'flowaudit', type: 'sensor', version: r.tool.version, ...(r.from.host ? { hostname: r.from.host } : {}) },
  };
}

function probeEvent(r: ProbeResult, row: ProbeRow): Json {
  const alert = row.judgement === 'finding' || (row.judgement === 'fails' && row.required);
  const e = base(r, row.startedAt ?? r.generatedAt, alert ? 'alert' : 'event', `probe-${row.judgement.replace(' ', '-')}`);
  Object.assign(e.event as Json, {
    category: ['network'],
    type: ['connection'],
    outcome: row.state === 'open' ? 'success' : row.judgement === 'not tried' || row.judgement === 'unproven' ? 'unknown' : 'failure',
    ...(row.startedAt ? { start: row.startedAt, duration: Math.round((row.ms ?? 0) * 1e6) } : {}),
  });
  return {
    ...e,
    ...(r.from.addresses[0] ? { source: { ip: r.from.addresses[0] } } : {}),
    destination: { ip: row.address, port: row.port },
    network: { transport: row.protocol, iana_number: row.protocol === 'tcp' ? '6' : '17' },
    ...(row.rules.length ? { rule: { id: row.rules.join(','), ruleset: r.matrix.name, version: r.matrix.sha256 } } : {}),
    related: { ip: [...r.from.addresses.slice(0, 1), row.address] },
    flowaudit: { judgement: row.judgement, state: row.state, how: row.how, kind: row.kind, member: row.member, roles: row.roles, as: r.as, report_sha256: r.evidence.resultSha256 },
  };
}

export function renderProbeEcs(r: ProbeResult): string {
  const events = r.results.map((row) => probeEvent(r, row));
  const v = base(r, r.window.end ?? r.generatedAt, 'state', 'probe-verdict');
  Object.assign(v.event as Json, { category: ['network'], type: ['info'], outcome: r.verdict === 'pass' ? 'success' : r.verdict === 'fail' ? 'failure' : 'unknown', reason: r.verdictReasons.join('; ') || 'every probe answered as the matrix expects' });
  events.push({ ...v, flowaudit: { verdict: r.verdict, summary: r.summary, as: r.as, report_sha256: r.evidence.resultSha256 } });
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}
