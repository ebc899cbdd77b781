/** Zeek conn.log (TSV) lines for watch tests: the header block and one row per connection. */
export const CONN_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2026-12-07-19-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
];

/** 2026-12-07T19:00:00Z in seconds. */
export const T0 = Date.UTC(2026, 11, 7, 19, 0, 0) / 1000;

let uid = 0;

/** One TCP connection: answered (SF), refused (REJ) or unanswered (S0), at `ts` seconds. */
export function connRow(ts: number, client: string, server: string, port: number, how: 'answered' | 'refused' | 'unanswered' = 'answered', clientPort = 50000 + (uid % 10000)): string {
  uid++;
  const [state, history, op, rp] = how === 'answered' ? ['SF', 'ShADadFf', 7, 6] : how === 'refused' ? ['REJ', 'Sr', 1, 1] : ['S0', 'S', 2, 0];
  return `${ts.toFixed(6)}\tC${uid.toString(36)}\t${client}\t${clientPort}\t${server}\t${port}\ttcp\t-\t0.120000\t517\t4312\t${state}\tT\tT\t0\t${history}\t${op}\t889\t${rp}\t${rp ? 4632 : 0}\t-`;
}

/** The lab's agent (non-domain-agent, rule agent-ams-api) and the AMS server. */
export const AGENT = '10.0.5.40';
export const AMS = '10.0.0.10';

/** Minutes [from, to) after T0: the agent checking in every minute (unless `agents` is false) and the AMS server's LDAP. */
export function minutes(from: number, to: number, agents = true): string[] {
  const out: string[] = [];
  for (let m = from; m < to; m++) {
    if (agents) out.push(connRow(T0 + m * 60, AGENT, AMS, 443));
    out.push(connRow(T0 + m * 60 + 20, AMS, '10.0.0.2', 389));
  }
  return out;
}
