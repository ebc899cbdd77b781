#!/usr/bin/env node
// Tiny traffic peer for the live tests, run with plain node (also inside `ip netns exec`).
//   node peer.mjs listen HOST PORT[,PORT...]      TCP listeners that send "hello\n" and close; UDP echo on the same ports.
//                                                  Prints "ready" once all listen; exits after 60 s at most.
//   node peer.mjs tcp HOST PORT TIMEOUT_MS [LOCAL] connect; prints answered | refused | timeout
//   node peer.mjs udp HOST PORT TIMEOUT_MS [LOCAL] send one datagram; prints answered | timeout
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, host, portArg, timeoutArg, local] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg ?? 1000);

if (mode === 'listen') {
  const ports = portArg.split(',').map(Number);
  let pending = ports.length * 2;
  const ok = () => {
    if (--pending === 0) console.log('ready');
  };
  for (const port of ports) {
    net.createServer((s) => s.end('hello\n')).listen(port, host, ok);
    const u = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    u.on('message', (m, r) => u.send(m, r.port, r.address));
    u.bind(port, host, ok);
  }
  setTimeout(() => process.exit(0), 60_000);
} else if (mode === 'tcp') {
  const s = net.connect({ host, port: Number(portArg), ...(local ? { localAddress: local } : {}) });
  const t = setTimeout(() => {
    console.log('timeout');
    s.destroy();
    process.exit(0);
  }, timeoutMs);
  s.on('data', () => {});
  s.on('end', () => {
    clearTimeout(t);
    console.log('answered');
    s.end();
  });
  s.on('error', (e) => {
    clearTimeout(t);
    console.log(e.code === 'ECONNREFUSED' ? 'refused' : `error ${e.code}`);
  });
} else if (mode === 'udp') {
  const u = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const t = setTimeout(() => {
    console.log('timeout');
    u.close();
  }, timeoutMs);
  u.on('message', () => {
    clearTimeout(t);
    console.log('answered');
    u.close();
  });
  u.on('error', () => {}); // ICMP port unreachable may surface as ECONNREFUSED: still "no answer"
  u.bind(0, local, () => u.send('ping', Number(portArg), host));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
