/**
 * One TCP connect with a timeout: open (SYN-ACK), refused (RST), filtered (nothing before the
 * timeout), unreachable (an ICMP unreachable turned into EHOSTUNREACH/ENETUNREACH by the kernel).
 * An open connection is closed at once (FIN); nothing is sent on it.
 */
import { Socket } from 'node:net';
import { UNREACHABLE_CODES, elapsedMs, type ProbeOutcome } from './probe_types.js';

export function tcpProbe(address: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const t0 = process.hrtime.bigint();
    const socket = new Socket();
    let done = false;
    const finish = (state: ProbeOutcome['state'], how: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ state, how, startedAt, ms: elapsedMs(t0) });
    };
    const timer = setTimeout(() => finish('filtered', `no answer in ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => finish('open', 'SYN-ACK (connected)'));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'error';
      if (code === 'ECONNREFUSED') finish('refused', 'RST (ECONNREFUSED)');
      else if (UNREACHABLE_CODES.has(code)) finish('unreachable', `ICMP unreachable (${code})`);
      else if (code === 'ETIMEDOUT') finish('filtered', 'no answer (ETIMEDOUT)');
      else finish('error', `cannot connect: ${code}`);
    });
    socket.connect({ host: address, port });
  });
}
