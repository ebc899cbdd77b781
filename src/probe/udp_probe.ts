/**
 * One UDP probe on a connected socket: a protocol-correct request where one exists (DNS, CLDAP),
 * else an empty datagram. An answer that parses as the protocol's reply is `open`; ICMP port
 * unreachable arrives as ECONNREFUSED on the connected socket (`refused`), host/network
 * unreachable as EHOSTUNREACH/ENETUNREACH (`unreachable`); silence is `open|filtered`.
 */
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { cldapAnswer, cldapPing } from './cldap_request.js';
import { dnsAnswer, dnsQuery } from './dns_request.js';
import { UNREACHABLE_CODES, elapsedMs, type ProbeOutcome, type UdpRequestKind } from './probe_types.js';

interface Request {
  bytes: Uint8Array;
  answer: (b: Uint8Array) => string | null;
}

/** The request for `kind` with a fresh id, and its answer check. */
export function udpRequest(kind: UdpRequestKind | null | undefined, id: number): Request {
  if (kind === 'dns') return { bytes: dnsQuery(id & 0xffff), answer: (b) => dnsAnswer(b, id & 0xffff) };
  if (kind === 'cldap') {
    const m = (id % 127) + 1;
    return { bytes: cldapPing(m), answer: (b) => cldapAnswer(b, m) };
  }
  return { bytes: new Uint8Array(0), answer: (b) => `${b.length}-byte answer` };
}

export function udpProbe(address: string, port: number, kind: UdpRequestKind | null | undefined, timeoutMs: number, id: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const t0 = process.hrtime.bigint();
    const req = udpRequest(kind, id);
    const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (state: ProbeOutcome['state'], how: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve({ state, how, startedAt, ms: elapsedMs(t0) });
    };
    const what = kind ? `${kind} request` : 'empty datagram';
    const timer = setTimeout(() => finish('open|filtered', `no answer to a ${what} in ${timeoutMs} ms`), timeoutMs);
    socket.on('message', (b) => {
      const a = req.answer(b);
      finish('open', a ?? `a ${b.length}-byte answer that is not a ${kind} reply`);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'error';
      if (code === 'ECONNREFUSED') finish('refused', 'ICMP port unreachable (ECONNREFUSED)');
      else if (UNREACHABLE_CODES.has(code)) finish('unreachable', `ICMP unreachable (${code})`);
      else finish('error', `cannot send: ${code}`);
    });
    socket.connect(port, address, () => socket.send(req.bytes));
  });
}
