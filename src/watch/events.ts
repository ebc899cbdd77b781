/**
 * `flowaudit watch` events: ECS JSON objects in the `--format ecs` vocabulary (report/ecs.ts:
 * ecs.version, event.module flowaudit, rule.* for a matrix rule, source/destination/network with
 * Community ID for a flow), dataset `flowaudit.watch`. Every event carries the matrix and inventory
 * in force (name, origin, SHA-256) in `flowaudit.policy`, and the rule id or the group it concerns.
 * @timestamp is the LOG's time (the row that caused it, or the deadline that passed), so a replay
 * gives the same events.
 *
 *   action                  kind   what
 *   unexpected-flow         alert  first connection of an unexpected group (client, server, proto, port)
 *   unexpected-flow-count   alert  the group's count, at most once per --repeat
 *   rule-quiet              alert  a watched rule had no attempt for longer than its quiet-after
 *   rule-back               event  its first attempt after being quiet (with the silence)
 *   rule-failing            alert  a member (server) of a watched rule refused or left unanswered N attempts in a row
 *   rule-recovered          event  that member answered again
 *   learning-ended          state  the end of --learn: groups learned, intervals learned
 *   policy-reloaded         state  SIGHUP: the new matrix/inventory hashes (and the old ones)
 *   policy-error            alert  SIGHUP with a bad matrix/inventory: kept the old one
 *   watch-started / watch-stopped  state
 * During --learn, alerts are written as event.kind `event` with flowaudit.learning true (marked,
 * not suppressed).
 */
import { ECS_VERSION, ecsRule, ecsTransport } from '../report/ecs.js';
import type { MatrixRule } from '../matrix/types.js';
import { isoMicros } from '../audit/time.js';
import { VERSION } from '../version.js';
import type { PolicyHashes } from './policy.js';

export type WatchEvent = Record<string, unknown>;

/** Every event.action watch writes (the table above; docs/watch.md lists them too). */
export const WATCH_ACTIONS = [
  'unexpected-flow',
  'unexpected-flow-count',
  'rule-quiet',
  'rule-back',
  'rule-failing',
  'rule-recovered',
  'learning-ended',
  'policy-reloaded',
  'policy-error',
  'watch-started',
  'watch-stopped',
] as const;

export interface EventContext {
  hashes: PolicyHashes;
  host: string | null;
  /** Whether the log time of the event is within the learning period. */
  learning: boolean;
}

const IANA: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

export function baseEvent(ctx: EventContext, atUs: number, kind: 'alert' | 'event' | 'state', action: string, reason: string, extra: Record<string, unknown> = {}): WatchEvent {
  const learningAlert = ctx.learning && kind === 'alert';
  return {
    '@timestamp': isoMicros(atUs),
    ecs: { version: ECS_VERSION },
    event: { kind: learningAlert ? 'event' : kind, module: 'flowaudit', dataset: 'flowaudit.watch', action, category: ['network'], reason },
    observer: { vendor: 'flowaudit', product: 'flowaudit', type: 'sensor', version: VERSION, ...(ctx.host ? { hostname: ctx.host } : {}) },
    flowaudit: { policy: ctx.hashes, ...(ctx.learning ? { learning: true } : {}), ...extra },
  };
}

export function ruleBlock(rule: MatrixRule, hashes: PolicyHashes): Record<string, unknown> {
  return ecsRule(rule, { name: hashes.matrix.name, sha256: hashes.matrix.sha256 });
}

export interface FlowSample {
  client: string;
  clientPort: number;
  server: string;
  protocol: string;
  port: number;
  readonly communityId: string | null;
}

/** A copy to keep (the core's row flow is refilled by the next row). */
export function keepFlow(f: FlowSample): FlowSample {
  return { client: f.client, clientPort: f.clientPort, server: f.server, protocol: f.protocol, port: f.port, communityId: f.communityId };
}

/** source / destination / network / related for one connection (ports only for TCP/UDP). */
export function flowBlocks(f: FlowSample): Record<string, unknown> {
  const ports = f.protocol === 'tcp' || f.protocol === 'udp';
  const iana = IANA[f.protocol];
  return {
    source: { ip: f.client, ...(ports && f.clientPort > 0 ? { port: f.clientPort } : {}) },
    destination: { ip: f.server, ...(ports ? { port: f.port } : {}) },
    network: {
      transport: ecsTransport(f.protocol),
      ...(iana !== undefined ? { iana_number: String(iana) } : {}),
      type: f.server.includes(':') ? 'ipv6' : 'ipv4',
      ...(f.communityId ? { community_id: f.communityId } : {}),
    },
    related: { ip: [...new Set([f.client, f.server])] },
  };
}

/** "3m 20s", "2h 5m", "45s": a duration for a reason text. */
export function spoken(us: number): string {
  let s = Math.round(us / 1e6);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', s || (!d && !h && !m) ? `${s}s` : ''].filter(Boolean);
  return parts.slice(0, 2).join(' ');
}
