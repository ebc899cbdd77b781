/**
 * recordTuple remembers the orientation of TCP rows with the log's state and a SYN or SYN-ACK
 * (record_tuple.ts): for every state × history × which side sent packets × either port order, the
 * remembered result (second and later rows) is what orientRecord computes for that row.
 */
import { describe, expect, it } from 'vitest';
import { CONN_STATES } from '../../src/flows/conn_state.js';
import { defaultServerPorts } from '../../src/flows/direction.js';
import { BASES, DIRECTION_BYS, emptyTuple, OUTCOMES } from '../../src/records/flow_aggregate.js';
import { emptyRecord, historyEvents, type FlowRecord } from '../../src/records/flow_record.js';
import { orientRecord } from '../../src/records/orient.js';
import { recordTuple } from '../../src/records/record_tuple.js';

const HISTORIES = ['ShADadFf', 'S', 'Sr', '^hADad', 'ShR', 'hA', '^Sh', 'sH', 'ShADadR', 'H', 'Ss'];
const ports = defaultServerPorts();

function row(state: (typeof CONN_STATES)[number], history: string, origPkts: number, respPkts: number, swapPorts: boolean): FlowRecord {
  const r = emptyRecord();
  const [o, e] = historyEvents(history);
  Object.assign(r, {
    ipProto: 6, orig: '10.0.0.10', resp: '10.0.0.2', origPort: swapPorts ? 389 : 50000, respPort: swapPorts ? 50000 : 389,
    origPkts, respPkts, origBytes: origPkts * 60, respBytes: respPkts * 60, byteBasis: 'ip', firstSeen: 1e15, lastSeen: 1e15 + 5,
    state, history, origEvents: o, respEvents: e, respSentFirst: history.includes('^'),
  });
  return r;
}

const cases = CONN_STATES.flatMap((st) => HISTORIES.flatMap((h) => [[0, 0], [2, 0], [0, 2], [3, 4]].flatMap(([op, rp]) => [false, true].map((sw) => [st, h, op!, rp!, sw] as const))));

describe('orientation memo', () => {
  it(`gives orientRecord's result for ${cases.length} row shapes, first and repeated`, () => {
    for (const [st, h, op, rp, sw] of cases) {
      const r = row(st, h, op, rp, sw);
      const o = orientRecord(r, ports);
      for (let i = 0; i < 2; i++) {
        const t = recordTuple(r, ports, emptyTuple());
        if (typeof t === 'string') throw new Error(t);
        const got = { state: CONN_STATES[t.state], outcome: OUTCOMES[t.outcome], by: DIRECTION_BYS[t.directionBy], history: t.history, server: t.serverPort, basis: BASES[t.basis] };
        expect(got, `${st} ${h} ${op}/${rp} ${sw}`).toEqual({ state: o.state, outcome: o.outcome, by: o.by, history: o.history, server: o.swapped ? r.origPort : r.respPort, basis: 'ip' });
      }
    }
  });
});
