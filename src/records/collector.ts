/**
 * Everything read from the flow logs of one run: the oriented connections (RecordTable), and the
 * names Zeek's ssl.log and dns.log gave (joined to conn.log rows by uid and 5-tuple).
 */
import type { ServerPorts } from '../flows/direction.js';
import type { DnsNameFact } from '../flows/hints.js';
import type { FlowRecord } from './flow_record.js';
import { RecordTable } from './record_table.js';
import { connKey, type DnsAnswer } from './zeek_names.js';

/** Bounds like the engine's (flows/hints.ts), so a hostile dns.log cannot grow memory without limit. */
const MAX_NAMED_ADDRESSES = 100_000;
const MAX_NAMES_PER_ADDRESS = 16;

export class RecordCollector {
  readonly table = new RecordTable();
  /** ssl.log: connection key (uid + 5-tuple) → server_name. Read before the conn.logs. */
  readonly sslNames = new Map<string, string>();
  /** Record index → TLS server name (SNI) from ssl.log or a flows line; → HTTP Host from a flows line. */
  readonly sni = new Map<number, string>();
  readonly httpHost = new Map<number, string>();
  /** Address → names from dns.log answers. */
  readonly dnsNames = new Map<string, DnsNameFact[]>();

  constructor(private readonly serverPorts: ServerPorts) {}

  /** Orient and keep a record; an error text when it cannot be stored (bad address). */
  addRecord(r: FlowRecord): number | string {
    const i = this.table.add(r, this.serverPorts);
    if (typeof i === 'number' && r.sni !== undefined) this.sni.set(i, r.sni);
    if (typeof i === 'number' && r.httpHost !== undefined) this.httpHost.set(i, r.httpHost);
    if (typeof i === 'number' && r.uid !== undefined && this.sslNames.size > 0) {
      const name = this.sslNames.get(connKey(r.uid, r.orig, r.origPort, r.resp, r.respPort));
      if (name !== undefined) this.sni.set(i, name);
    }
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
