/** Table-driven tests of each flow-log parser over tiny inputs. */
import { describe, expect, it } from 'vitest';
import { defaultServerPorts } from '../../src/flows/direction.js';
import { sniffRecordLog } from '../../src/records/detect.js';
import { flowauditFlowRecord } from '../../src/records/flowaudit_flows.js';
import { historyEvents, type FlowRecord } from '../../src/records/flow_record.js';
import { parseLogTime } from '../../src/records/log_time.js';
import { orientRecord } from '../../src/records/orient.js';
import { suricataEveRecord } from '../../src/records/suricata_eve.js';
import { zeekConnRecord } from '../../src/records/zeek_conn.js';
import { zeekDnsAnswers, zeekSslName } from '../../src/records/zeek_names.js';
import { JsonRow, unescapeZeek, ZeekTsvHeader, type ZeekRow } from '../../src/records/zeek_row.js';

const T = '\t';
const sp = defaultServerPorts();

/** Header lines + one data line → the row (or the error text). */
function tsvRow(header: string[], data: string): ZeekRow | string {
  const h = new ZeekTsvHeader();
  for (const l of header) h.directive(l);
  return h.row(data);
}

const STD_HEADER = [
  '#separator \\x09',
  `#set_separator${T},`,
  `#empty_field${T}(empty)`,
  `#unset_field${T}-`,
  `#path${T}conn`,
  `#fields${T}ts${T}uid${T}id.orig_h${T}id.orig_p${T}id.resp_h${T}id.resp_p${T}proto${T}duration${T}orig_bytes${T}resp_bytes${T}conn_state${T}history${T}orig_pkts${T}orig_ip_bytes${T}resp_pkts${T}resp_ip_bytes${T}tunnel_parents`,
];

function conn(header: string[], data: string): FlowRecord {
  const row = tsvRow(header, data);
  if (typeof row === 'string') throw new Error(row);
  const r = zeekConnRecord(row);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

describe('Zeek ASCII escapes', () => {
  it.each([
    ['plain', 'abc', 'abc'],
    ['tab', 'a\\x09b', 'a\tb'],
    ['comma (set separator inside a value)', 'a\\x2cb', 'a,b'],
    ['backslash', 'a\\\\b', 'a\\b'],
    ['UTF-8 bytes', 'caf\\xc3\\xa9', 'café'],
    ['not an escape', '\\q', '\\q'],
  ])('%s', (_n, input, want) => expect(unescapeZeek(input)).toBe(want));
});

describe('Zeek TSV header and rows', () => {
  it.each([
    ['tab separator, standard header', STD_HEADER, `1.5${T}C1${T}10.0.0.1${T}5000${T}10.0.0.2${T}80${T}tcp${T}0.5${T}1${T}2${T}SF${T}ShADadFf${T}3${T}150${T}2${T}120${T}(empty)`, { orig: '10.0.0.1', respPort: 80, origPkts: 3, respBytes: 120, state: 'SF', byteBasis: 'ip' }],
    [
      'comma separator given as \\x2c, | as set separator, NULL unset, EMPTY empty',
      ['#separator \\x2c', '#set_separator,|', '#empty_field,EMPTY', '#unset_field,NULL', '#fields,id.resp_p,id.resp_h,id.orig_p,id.orig_h,proto,conn_state,orig_pkts,resp_pkts,ts,tunnel_parents'],
      '53,10.0.0.9,40000,10.0.0.1,udp,SF,1,1,NULL,a|b',
      { orig: '10.0.0.1', origPort: 40000, resp: '10.0.0.9', respPort: 53, ipProto: 17, firstSeen: NaN, byteBasis: 'payload' },
    ],
    [
      'columns in another order are read by name, never by position',
      ['#separator \\x09', `#fields${T}conn_state${T}orig_pkts${T}resp_pkts${T}id.resp_h${T}id.orig_h${T}id.resp_p${T}id.orig_p${T}proto${T}ts`],
      `S0${T}1${T}0${T}192.0.2.1${T}192.0.2.2${T}443${T}5555${T}tcp${T}1000.25`,
      { orig: '192.0.2.2', resp: '192.0.2.1', respPort: 443, state: 'S0', firstSeen: 1000.25e6 },
    ],
    [
      'Bro 2.0 column set (no local_resp, tunnel_parents, ip_proto; 11-character uid)',
      ['#separator \\x09', `#fields${T}ts${T}uid${T}id.orig_h${T}id.orig_p${T}id.resp_h${T}id.resp_p${T}proto${T}service${T}duration${T}orig_bytes${T}resp_bytes${T}conn_state${T}local_orig${T}missed_bytes${T}history${T}orig_pkts${T}orig_ip_bytes${T}resp_pkts${T}resp_ip_bytes`],
      `952109346.874907${T}UWkUyAuUGXf${T}10.1.2.1${T}11001${T}10.34.0.1${T}23${T}tcp${T}-${T}2.102560${T}26${T}0${T}SH${T}-${T}0${T}SADF${T}11${T}470${T}0${T}0`,
      { orig: '10.1.2.1', respPort: 23, state: 'SH', origPkts: 11, origBytes: 470, byteBasis: 'ip', firstSeen: 952109346874907, lastSeen: 952109346874907 + 2102560 },
    ],
    [
      'renamed 5-tuple (Log::default_field_name_map: src_ip src_port dst_ip dst_port)',
      ['#separator \\x09', `#fields${T}ts${T}src_ip${T}src_port${T}dst_ip${T}dst_port${T}proto${T}conn_state`],
      `XXXXXXXXXX.XXXXXX${T}192.168.1.2${T}49159${T}192.168.1.1${T}20000${T}tcp${T}S0`,
      { orig: '192.168.1.2', origPort: 49159, resp: '192.168.1.1', respPort: 20000, firstSeen: NaN },
    ],
    [
      'unset duration and bytes (one-packet UDP): last = first, payload bytes 0',
      ['#separator \\x09', `#fields${T}ts${T}id.orig_h${T}id.orig_p${T}id.resp_h${T}id.resp_p${T}proto${T}duration${T}orig_bytes${T}resp_bytes${T}orig_pkts${T}resp_pkts`],
      `10.0${T}10.0.0.1${T}68${T}10.0.0.2${T}67${T}udp${T}-${T}-${T}-${T}1${T}0`,
      { firstSeen: 10e6, lastSeen: 10e6, origBytes: 0, respBytes: 0, byteBasis: 'payload' },
    ],
    [
      'ICMP: orig_p is the type, resp_p the code; no ports',
      STD_HEADER,
      `1.0${T}C2${T}10.0.0.1${T}8${T}10.0.0.2${T}0${T}icmp${T}-${T}-${T}-${T}OTH${T}-${T}1${T}84${T}1${T}84${T}-`,
      { ipProto: 1, icmpType: 8, icmpCode: 0, origPort: 0, respPort: 0 },
    ],
    [
      'ICMPv6 is logged as proto icmp with IPv6 addresses',
      STD_HEADER,
      `1.0${T}C2${T}fe80::1${T}143${T}ff02::16${T}0${T}icmp${T}-${T}-${T}-${T}OTH${T}-${T}1${T}76${T}0${T}0${T}-`,
      { ipProto: 58, icmpType: 143 },
    ],
    [
      'unknown_transport with ip_proto (Zeek 7.1+)',
      [...STD_HEADER.slice(0, 5), `${STD_HEADER[5]}${T}ip_proto`],
      `1.0${T}C3${T}1.1.1.0${T}0${T}2.2.2.2${T}0${T}unknown_transport${T}-${T}-${T}-${T}OTH${T}-${T}2${T}60${T}0${T}0${T}-${T}132`,
      { ipProto: 132 },
    ],
  ] as [string, string[], string, Partial<FlowRecord>][])('%s', (_n, header, data, want) => {
    expect(conn(header, data)).toMatchObject(want);
  });

  it.each([
    ['too few columns', STD_HEADER, `1.0${T}C1${T}10.0.0.1`, /3 columns, but #fields names 17/],
    ['data before #fields', ['#separator \\x09'], 'a\tb', /before any #fields/],
  ])('%s is an error naming why', (_n, header, data, want) => {
    expect(tsvRow(header, data)).toMatch(want);
  });

  it.each([
    ['unknown proto', `1.0${T}C1${T}10.0.0.1${T}1${T}10.0.0.2${T}2${T}xtp${T}-${T}-${T}-${T}SF${T}-${T}1${T}1${T}1${T}1${T}-`, /unknown proto "xtp"/],
    ['bad packet count', `1.0${T}C1${T}10.0.0.1${T}1${T}10.0.0.2${T}2${T}tcp${T}-${T}-${T}-${T}SF${T}-${T}x${T}1${T}1${T}1${T}-`, /bad orig_pkts/],
    ['port out of range', `1.0${T}C1${T}10.0.0.1${T}70000${T}10.0.0.2${T}2${T}tcp${T}-${T}-${T}-${T}SF${T}-${T}1${T}1${T}1${T}1${T}-`, /bad port/],
  ])('a malformed record (%s) is refused with a reason', (_n, data, want) => {
    const row = tsvRow(STD_HEADER, data);
    expect(typeof row).not.toBe('string');
    expect(zeekConnRecord(row as ZeekRow)).toMatch(want);
  });
});

describe('Zeek JSON rows', () => {
  it.each([
    ['dotted keys, epoch ts', { ts: 1591367999.305988, uid: 'C1', 'id.orig_h': '10.0.0.1', 'id.orig_p': 5000, 'id.resp_h': '10.0.0.2', 'id.resp_p': 389, proto: 'tcp', conn_state: 'SF', orig_pkts: 5, resp_pkts: 3, orig_ip_bytes: 300, resp_ip_bytes: 200, history: 'ShADadFf' }, { firstSeen: 1591367999305988, state: 'SF', respPort: 389, byteBasis: 'ip' }],
    ['nested id object, ISO 8601 ts', { ts: '2020-06-05T14:39:59.305988Z', uid: 'C1', id: { orig_h: '10.0.0.1', orig_p: 5000, resp_h: '10.0.0.2', resp_p: 88 }, proto: 'udp', orig_pkts: 1, resp_pkts: 1 }, { firstSeen: Date.UTC(2020, 5, 5, 14, 39, 59) * 1000 + 305988, respPort: 88, ipProto: 17 }],
    ['unset fields are absent: no duration, no bytes, no history', { ts: 5, 'id.orig_h': '10.0.0.1', 'id.orig_p': 1, 'id.resp_h': '10.0.0.2', 'id.resp_p': 2, proto: 'tcp', conn_state: 'S0' }, { lastSeen: 5e6, origPkts: 0, origEvents: null, history: '', byteBasis: 'payload' }],
  ] as [string, Record<string, unknown>, Partial<FlowRecord>][])('%s', (_n, obj, want) => {
    expect(zeekConnRecord(new JsonRow(obj))).toMatchObject(want);
  });

  it('ssl.log server_name and dns.log answers (with CNAMEs) as names', () => {
    expect(zeekSslName(new JsonRow({ uid: 'C1', 'id.orig_h': '10.0.0.1', 'id.orig_p': 5, 'id.resp_h': '10.0.0.2', 'id.resp_p': 443, server_name: 'ams.corp.example' }))).toEqual({
      key: 'C1|10.0.0.1|5|10.0.0.2|443',
      serverName: 'ams.corp.example',
    });
    const a = zeekDnsAnswers(new JsonRow({ ts: 1, 'id.orig_h': '10.0.0.10', 'id.resp_h': '10.0.0.2', query: 'www.Example.org', answers: ['edge.example.net', '192.0.2.7'], TTLs: [300, 60] }));
    expect(a).toEqual([
      { address: '192.0.2.7', fact: { name: 'www.example.org', ttl: 60, ts: 1e6, client: '10.0.0.10', resolver: '10.0.0.2' } },
      { address: '192.0.2.7', fact: { name: 'edge.example.net', ttl: 60, ts: 1e6, client: '10.0.0.10', resolver: '10.0.0.2' } },
    ]);
  });
});

describe('log times', () => {
  it.each([
    ['Zeek epoch', '1278600802.069419', 1278600802069419],
    ['epoch, no fraction', '10', 10e6],
    ['ISO with Z', '2023-12-27T08:54:54.668726Z', Date.UTC(2023, 11, 27, 8, 54, 54) * 1000 + 668726],
    ['Suricata +0000', '2023-12-27T08:54:54.668726+0000', Date.UTC(2023, 11, 27, 8, 54, 54) * 1000 + 668726],
    ['offset +02:00', '2023-12-27T10:54:54.000001+02:00', Date.UTC(2023, 11, 27, 8, 54, 54) * 1000 + 1],
    ['nanoseconds keep the microseconds', '2023-12-27T08:54:54.123456789Z', Date.UTC(2023, 11, 27, 8, 54, 54) * 1000 + 123456.789],
    ['btest mask', 'XXXXXXXXXX.XXXXXX', NaN],
    ['unset', null, NaN],
  ])('%s', (_n, input, want) => {
    const got = parseLogTime(input);
    if (Number.isNaN(want)) expect(got).toBeNaN();
    else expect(got).toBeCloseTo(want, 3);
  });
});

describe('history letters and the ^ flip', () => {
  it.each([
    ['normal handshake', 'ShADadFf', { orig: 'SADF', resp: 'HADF' }],
    ['flipped, responder data only', '^d', { orig: '', resp: 'D' }],
    ['checksum and retransmission letters only mark a sender', 'CT', { orig: 'X', resp: '' }],
  ])('%s', (_n, h, want) => {
    const names = (ev: number): string =>
      (ev & 1 ? 'S' : '') + (ev & 2 ? 'H' : '') + (ev & 4 ? 'A' : '') + (ev & 8 ? 'D' : '') + (ev & 16 ? 'F' : '') + (ev & 32 ? 'R' : '') + (ev === 0x40 ? 'X' : '');
    const [o, r] = historyEvents(h);
    expect({ orig: names(o), resp: names(r) }).toEqual(want);
  });

  it.each([
    // [what, record patch, client, server port, state, outcome, by]
    ['SYN from the originator: kept', { history: 'S', state: 'S0', origPort: 50000, respPort: 389 }, '10.0.0.1', 389, 'S0', 'unanswered', 'syn'],
    ['Zeek flipped (^d): first packet from the responder, both ports < 1024: the engine picks the first sender (which got no reply)', { history: '^d', state: 'SHR', origPort: 68, respPort: 67, ipProto: 17, origPkts: 0, respPkts: 1 }, '10.0.0.2', 68, 'S0', 'unanswered', 'first-packet'],
    ['midstream row logged from the server side (orig sent SYN-ACK: H): turned round; the server SYN-ACK is an answer', { history: 'H', state: 'OTH', origPort: 80, respPort: 6705 }, '10.0.0.2', 80, 'OTH', 'answered', 'syn-ack'],
    ['no history, orig on a server port: turned round by server port, SH mirrored to SHR', { state: 'SH', origPort: 443, respPort: 50123, origPkts: 3 }, '10.0.0.2', 443, 'SHR', 'answered', 'server-port'],
    ['refused (REJ) stays refused', { history: 'Sr', state: 'REJ', origPort: 50000, respPort: 3268, respPkts: 1 }, '10.0.0.1', 3268, 'REJ', 'refused', 'syn'],
  ] as [string, Partial<FlowRecord>, string, number, string, string, string][])('%s', (_n, patch, client, port, state, outcome, by) => {
    const r: FlowRecord = { ...conn(STD_HEADER, `1.0${T}C1${T}10.0.0.1${T}1${T}10.0.0.2${T}2${T}tcp${T}-${T}-${T}-${T}OTH${T}-${T}1${T}40${T}0${T}0${T}-`), ...patch };
    if (patch.history !== undefined) {
      [r.origEvents, r.respEvents] = historyEvents(patch.history);
      r.respSentFirst = patch.history.includes('^');
    } else {
      r.origEvents = null;
      r.respEvents = null;
    }
    const o = orientRecord(r, sp);
    expect({ client: o.swapped ? r.resp : r.orig, port: o.swapped ? r.origPort : r.respPort, state: o.state, outcome: o.outcome, by: o.by }).toEqual({ client, port, state, outcome, by });
  });
});

describe('Suricata eve', () => {
  const flow = (tcp: Record<string, unknown> | undefined, counts = [1, 0, 74, 0]): Record<string, unknown> => ({
    timestamp: '2017-01-26T20:16:58.309492+0000',
    event_type: 'flow',
    src_ip: '10.16.1.11',
    src_port: 38195,
    dest_ip: '8.8.4.4',
    dest_port: 53,
    proto: 'TCP',
    flow: { pkts_toserver: counts[0], pkts_toclient: counts[1], bytes_toserver: counts[2], bytes_toclient: counts[3], start: '2017-01-26T20:16:58.192874+0000', end: '2017-01-26T20:16:58.309492+0000', state: 'closed' },
    ...(tcp ? { tcp } : {}),
  });
  it.each([
    ['full handshake and close (1b / 1b)', flow({ tcp_flags_ts: '1b', tcp_flags_tc: '1b' }, [6, 4, 461, 509]), 'SF', 'answered'],
    ['SYN only, no reply (02 / 00)', flow({ tcp_flags_ts: '02', tcp_flags_tc: '00' }), 'S0', 'unanswered'],
    ['SYN answered by RST (02 / 14)', flow({ tcp_flags_ts: '02', tcp_flags_tc: '14' }, [1, 1, 74, 60]), 'REJ', 'refused'],
    ['established, not closed (1a / 12)', flow({ tcp_flags_ts: '1a', tcp_flags_tc: '12' }, [3, 2, 300, 200]), 'S1', 'answered'],
    ['no tcp{} block: flow.state decides', flow(undefined, [3, 2, 300, 200]), 'OTH', 'answered'],
  ])('%s', (_n, obj, state, outcome) => {
    const e = suricataEveRecord(obj);
    if (e.kind !== 'flow') throw new Error(e.kind);
    const o = orientRecord(e.record, sp);
    expect({ state: o.state, outcome: o.outcome, basis: e.record.byteBasis }).toEqual({ state, outcome, basis: 'frame' });
  });

  it.each([
    ['a dns event is ignored', { event_type: 'dns', src_ip: '1.1.1.1' }, 'ignored'],
    ['an alert carries a flow{} block but is not a connection', { event_type: 'alert', flow: { pkts_toserver: 1 } }, 'ignored'],
    ['a flow event without counts is malformed', { event_type: 'flow', src_ip: '1.1.1.1', dest_ip: '2.2.2.2', proto: 'UDP', src_port: 1, dest_port: 2, flow: {} }, 'bad'],
    ['no event_type', { src_ip: '1.1.1.1' }, 'bad'],
  ])('%s', (_n, obj, kind) => expect(suricataEveRecord(obj).kind).toBe(kind));

  it('ICMP flow: type and code from icmp_type / icmp_code', () => {
    const e = suricataEveRecord({ event_type: 'flow', src_ip: '10.0.0.1', dest_ip: '10.0.0.2', proto: 'ICMP', icmp_type: 8, icmp_code: 0, flow: { pkts_toserver: 1, pkts_toclient: 1, bytes_toserver: 98, bytes_toclient: 98 } });
    expect(e.kind === 'flow' && [e.record.ipProto, e.record.icmpType, e.record.icmpCode]).toEqual([1, 8, 0]);
  });
});

describe('flowaudit flows lines', () => {
  const line = { protocol: 'tcp', client: '10.0.0.10', clientPort: 49801, server: '10.0.0.2', serverPort: 389, packetsToServer: 5, packetsToClient: 3, bytesToServer: 570, bytesToClient: 1562, firstSeen: '2026-03-02T09:00:00.031800Z', lastSeen: '2026-03-02T09:00:00.032850Z', state: 'SF', outcome: 'answered', directionBy: 'syn', history: 'SADFhadf' };
  it('kept as written (already oriented), frame bytes by default', () => {
    const r = flowauditFlowRecord(line);
    if (typeof r === 'string') throw new Error(r);
    expect(r).toMatchObject({ orig: '10.0.0.10', respPort: 389, byteBasis: 'frame', state: 'SF', oriented: { directionBy: 'syn', outcome: 'answered' } });
    expect(orientRecord(r, sp)).toMatchObject({ swapped: false, state: 'SF', outcome: 'answered', by: 'syn' });
  });
  it.each([
    ['unknown state', { ...line, state: 'XX' }, /unknown state/],
    ['negative count', { ...line, packetsToServer: -1 }, /bad packetsToServer/],
    ['unknown protocol', { ...line, protocol: 'nope' }, /unknown protocol/],
    ['unknown byte basis', { ...line, byteBasis: 'bits' }, /unknown byteBasis/],
  ])('%s is refused', (_n, obj, want) => expect(flowauditFlowRecord(obj)).toMatch(want));
});

describe('detection by content', () => {
  it.each([
    ['Zeek TSV conn.log (btest line first)', `### BTest baseline data\n#separator \\x09\n#path${T}conn\n#fields${T}ts${T}uid\n`, 'zeek-conn-tsv'],
    ['Zeek TSV ssl.log', `#separator \\x09\n#path${T}ssl\n`, 'zeek-ssl'],
    ['Zeek TSV without #path: by its fields', `#separator \\x09\n#fields${T}ts${T}uid${T}query${T}answers\n`, 'zeek-dns'],
    ['Zeek JSON conn', '{"ts":1.0,"uid":"C1","id.orig_h":"1.1.1.1","id.orig_p":1,"id.resp_h":"2.2.2.2","id.resp_p":2,"proto":"tcp","conn_state":"SF"}\n', 'zeek-conn-json'],
    ['Zeek JSON with _path dns', '{"_path":"dns","ts":1.0}\n', 'zeek-dns'],
    ['Suricata eve (stats first)', '{"timestamp":"x","event_type":"stats","stats":{}}\n', 'suricata-eve'],
    ['flowaudit flows', '{"protocol":"udp","client":"1.1.1.1","clientPort":1,"server":"2.2.2.2","serverPort":53,"state":"SF","outcome":"answered"}\n', 'flowaudit-flows'],
  ])('%s', (_n, head, format) => expect(sniffRecordLog(head)).toEqual({ format }));

  it.each([
    ['a Zeek log of another kind', `#separator \\x09\n#path${T}http\n#fields${T}ts${T}uid${T}host\n`, /not conn, ssl or dns/],
    ['a JSON object of no known log', '{"hello":"world"}\n', /neither a Suricata eve event/],
    ['a # line without a Zeek header', '# just a comment\n', /no Zeek #separator/],
  ])('%s: a clear error', (_n, head, want) => {
    const s = sniffRecordLog(head);
    expect(s && 'error' in s ? s.error : '').toMatch(want);
  });

  it('binary (a capture) is not a flow log', () => {
    expect(sniffRecordLog(String.fromCharCode(0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0))).toBeNull();
  });
});
