import { describe, expect, it } from 'vitest';
import {
  EV_ACK as A,
  EV_ANY as X,
  EV_DATA as D,
  EV_FIN as F,
  EV_RST as R,
  EV_SYN as S,
  EV_SYNACK as H,
  datagramState,
  historyOf,
  outcomeOf,
  tcpState,
} from '../../src/flows/conn_state.js';

describe('tcpState (Zeek conn_state)', () => {
  // [name, originator events, responder events, orig bytes, resp bytes, state, outcome]
  it.each([
    ['SYN, no reply', S | X, 0, 60, 0, 'S0', 'unanswered'],
    ['SYN answered by RST', S | X, R | X, 60, 54, 'REJ', 'refused'],
    ['handshake, data, both FIN', S | A | D | F | X, H | A | D | F | X, 500, 900, 'SF', 'answered'],
    ['handshake, no close', S | A | X, H | A | X, 120, 60, 'S1', 'answered'],
    ['handshake seen half (SYN, SYN-ACK)', S | X, H | X, 60, 60, 'S1', 'answered'],
    ['originator FIN only', S | A | F | X, H | A | X, 200, 60, 'S2', 'answered'],
    ['responder FIN only', S | A | X, H | A | F | X, 200, 60, 'S3', 'answered'],
    ['originator aborts', S | A | D | R | X, H | A | D | X, 200, 60, 'RSTO', 'answered'],
    ['responder resets established', S | A | D | X, H | A | D | R | X, 200, 60, 'RSTR', 'answered'],
    ['SYN then own RST, no answer', S | R | X, 0, 120, 0, 'RSTOS0', 'unanswered'],
    ['SYN then FIN, no answer', S | F | X, 0, 120, 0, 'SH', 'unanswered'],
    ['responder SYN-ACK then RST, no SYN seen', 0, H | R | X, 0, 120, 'RSTRH', 'answered'],
    ['responder SYN-ACK then FIN, no SYN seen', 0, H | F | X, 0, 120, 'SHR', 'answered'],
    ['midstream ACKs both ways', A | D | X, A | D | X, 600, 600, 'OTH', 'answered'],
    ['midstream one way only', A | D | X, 0, 600, 0, 'OTH', 'unanswered'],
  ] as const)('%s → %s', (_n, o, r, ob, rb, state, outcome) => {
    const st = tcpState(o, r, ob, rb);
    expect(st).toBe(state);
    expect(outcomeOf(true, st, r)).toBe(outcome);
  });

  it('UDP: answered only when the responder sent something', () => {
    expect(datagramState(0)).toBe('S0');
    expect(datagramState(D | X)).toBe('SF');
    expect(outcomeOf(false, 'S0', 0)).toBe('unanswered');
    expect(outcomeOf(false, 'SF', D | X)).toBe('answered');
  });

  it('history letters: upper for the originator, lower for the responder', () => {
    expect(historyOf(S | A | D | F, H | A | F)).toBe('SADFhaf');
    expect(historyOf(S, R)).toBe('Sr');
  });
});
