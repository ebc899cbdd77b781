/**
 * Where rows enter watch: a RecordCollector that hands each record, oriented, to the core instead
 * of keeping it (it adds the record to a bounded FlowAggregates, whose tuple index keys the
 * classification cache), and the current row's flow for events (one object, refilled per row).
 */
import { connectionCommunityId } from '../flows/community_id.js';
import type { Connection } from '../flows/connection.js';
import { RecordCollector, type RecordGroup } from '../records/collector.js';
import { emptyTuple, FlowAggregates, type FlowTuple } from '../records/flow_aggregate.js';
import type { FlowRecord } from '../records/flow_record.js';
import { recordTuple } from '../records/record_tuple.js';
import type { FlowSample } from './events.js';
import type { WatchPolicy } from './policy.js';

/** Distinct tuples remembered (with their class) before starting afresh. */
export const MAX_TUPLES = 20_000;

/** A RecordCollector that hands every record, oriented, to watch instead of keeping it. */
export class WatchCollector extends RecordCollector {
  agg = new FlowAggregates();
  private readonly t = emptyTuple();
  constructor(
    policy: WatchPolicy,
    private readonly take: (r: FlowRecord, i: number, t: FlowTuple) => void,
    private readonly reset: () => void,
  ) {
    super(policy.serverPorts);
  }
  override addRecord(r: FlowRecord, orig?: Uint32Array, resp?: Uint32Array, _group?: RecordGroup): number | string {
    const t = recordTuple(r, this.serverPorts, this.t, orig, resp);
    if (typeof t === 'string') return t;
    t.sni = 0;
    t.host = 0;
    if (this.agg.tuples >= MAX_TUPLES) {
      this.agg = new FlowAggregates();
      this.reset();
    }
    const i = this.agg.add(t);
    this.take(r, i, t);
    return i;
  }
}

/** The current row's flow (one object, refilled per row); its Community ID computed only if an event reads it. */
export class RowFlow implements FlowSample {
  client = '';
  clientPort = 0;
  server = '';
  protocol = '';
  port = 0;
  private c: Connection | null = null;
  of(c: Connection, t: FlowTuple): this {
    this.c = c;
    this.client = c.client;
    this.clientPort = t.clientPort;
    this.server = c.server;
    this.protocol = c.protocol;
    this.port = c.protocol === 'tcp' || c.protocol === 'udp' ? c.serverPort : Math.max(c.icmpType, 0);
    return this;
  }
  get communityId(): string | null {
    const c = this.c;
    if (c === null) return null;
    c.count = 1;
    c.clientPort = this.clientPort;
    return connectionCommunityId(c);
  }
}
