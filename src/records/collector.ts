/**
 * Everything read from the flow logs of one run: the oriented connections (RecordTable), and the
 * names Zeek's ssl.log and dns.log gave (joined to conn.log rows by uid and 5-tuple).
 */
import type { ServerPorts } from '../flows/direction.js';
import type { DnsNameFact } from '../flows/hints.js';
import { emptyTuple, FlowAggregates } from './flow_aggregate.js';
import type { FlowRecord } from './flow_record.js';
import { RecordTable } from './record_table.js';
import { recordTuple } from './record_tuple.js';
import { connKey, type DnsAnswer } from './zeek_names.js';

/** Bounds like the engine's (flows/hints.ts), so a hostile dns.log cannot grow memory without limit. */
const MAX_NAMED_ADDRESSES = 100_000;
const MAX_NAMES_PER_ADDRESS = 16;

/**
 * How records are kept: `tuples` (the default) aggregates them as they are read (FlowAggregates:
 * memory grows with distinct tuples, the audit runs per tuple); `rows` keeps one connection per
 * record (RecordTable), for listing them (`flowaudit flows`).
 */
export type RecordKeeping = 'tuples' | 'rows';

/** A record that stands for a group of records already summed by a query engine (ClickHouse). */
export interface RecordGroup {
  count: number;
  /** µs: the latest start among the group's records. */
  lastStart: number;
}

export class RecordCollector {
  readonly table: RecordTable | null;
  readonly tuples: FlowAggregates | null;
  private readonly tuple = emptyTuple();
  /** ssl.log: connection key (uid + 5-tuple) → server_name. Read before the conn.logs. */
  readonly sslNames = new Map<string, string>();
  /** Record index → TLS server name (SNI) from ssl.log or a flows line; → HTTP Host from a flows line. */
  readonly sni = new Map<number, string>();
  readonly httpHost = new Map<number, string>();
  /** Address → names from dns.log answers. */
  readonly dnsNames = new Map<string, DnsNameFact[]>();

  /** `part`: this collector aggregates a share of one file's lines (a parse worker's; see FlowAggregates). */
  constructor(
    readonly serverPorts: ServerPorts,
    keeping: RecordKeeping = 'tuples',
    part: { historyLimit: number } | null = null,
  ) {
    this.table = keeping === 'rows' ? new RecordTable() : null;
    this.tuples = keeping === 'tuples' ? new FlowAggregates(part) : null;
  }

  /** The connections read: tuples or rows. */
  get connections(): FlowAggregates | RecordTable {
    return (this.tuples ?? this.table)!;
  }

  /** Orient and keep a record; an error text when it cannot be stored (bad address). */
  addRecord(r: FlowRecord, orig?: Uint32Array, resp?: Uint32Array, group?: RecordGroup): number | string {
    let sni = r.sni;
    if (r.uid !== undefined && this.sslNames.size > 0) sni = this.sslNames.get(connKey(r.uid, r.orig, r.origPort, r.resp, r.respPort)) ?? sni;
    let i: number | string;
    if (this.tuples) {
      const t = recordTuple(r, this.serverPorts, this.tuple, orig, resp);
      if (typeof t === 'string') return t;
      t.sni = this.tuples.nameId(sni);
      t.host = this.tuples.nameId(r.httpHost);
      if (group) {
        t.count = group.count;
        t.lastStart = group.lastStart;
      }
      i = this.tuples.add(t);
    } else if (group && group.count !== 1) return 'a query group of records cannot be kept as rows (--flow-log-rows / --emit-state)';
    else i = this.table!.add(r, this.serverPorts);
    if (typeof i === 'number' && sni !== undefined) this.sni.set(i, sni);
    if (typeof i === 'number' && r.httpHost !== undefined) this.httpHost.set(i, r.httpHost);
    return i;
  }

  addDnsAnswer(a: DnsAnswer): void {
    let list = this.dnsNames.get(a.address);
    if (!list) {
      if (this.dnsNames.size >= MAX_NAMED_ADDRESSES) return;
      list = [];
      this.dnsNames.set(a.address, list);
    }
    if (list.length < MAX_NAMES_PER_ADDRESS && !list.some((x) => x.name === a.fact.name)) list.push(a.fact);
  }
}
