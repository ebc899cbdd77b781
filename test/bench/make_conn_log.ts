/**
 * A synthetic Zeek conn.log (TSV, Zeek 6 columns) of N records with an AMS-like mix, for measuring
 * how fast flowaudit audits flow records: `npx tsx test/bench/make_conn_log.ts OUT N`.
 * Mix (per 10 records): 4 AMS server → DC (LDAP 389, Kerberos 88, RPC 135, GC 3268, SMB 445),
 * 4 web users → AMS 443, 1 agent → AMS 443, 1 workstation → DC 3389 (unexpected).
 */
import { createWriteStream } from 'node:fs';

const [out = 'conn.log', nArg = '1000000'] = process.argv.slice(2);
const n = Number(nArg);
const header = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2026-03-02-09-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
].join('\n');
const w = createWriteStream(out);
w.write(`${header}\n`);
const t0 = 1772442000;
const dcPorts = [389, 88, 135, 3268, 445];
let buf = '';
for (let i = 0; i < n; i++) {
  const ts = (t0 + i * 0.6048).toFixed(6); // 1M records ≈ one week
  const k = i % 10;
  const sport = 49152 + (i % 16000);
  let orig: string;
  let resp: string;
  let port: number;
  if (k < 4) [orig, resp, port] = ['10.0.0.10', i % 2 ? '10.0.0.2' : '10.0.0.3', dcPorts[i % 5]!];
  else if (k < 8) [orig, resp, port] = [`10.0.6.${(i % 200) + 20}`, '10.0.0.10', 443];
  else if (k < 9) [orig, resp, port] = [`10.0.2.${(i % 200) + 20}`, '10.0.0.10', 443];
  else [orig, resp, port] = [`10.0.3.${(i % 200) + 20}`, '10.0.0.2', 3389];
  buf += `${ts}\tC${i.toString(36)}\t${orig}\t${sport}\t${resp}\t${port}\ttcp\t-\t0.120000\t517\t4312\tSF\tT\tT\t0\tShADadFf\t7\t889\t6\t4632\t-\n`;
  if (buf.length > 1 << 20) {
    w.write(buf);
    buf = '';
  }
}
w.write(`${buf}#close\t2026-03-09-09-00-00\n`);
w.end();
