#!/usr/bin/env node
// The target of the probe lab, run with plain node inside `ip netns exec` (test/probe/netns.test.ts):
//   node lab_peer.mjs HOST TCPPORT[,TCPPORT...]
// TCP listeners that accept and close, printing "accept PORT MS" (ms since the epoch, sub-ms) per
// connection; a DNS responder on udp/53 (echoes the query with QR set, rcode REFUSED) and a CLDAP
// responder on udp/389 (an LDAP searchResDone, success, with the request's message id). Prints
// "ready" once all listen; exits after 60 s at most.
import dgram from 'node:dgram';
import net from 'node:net';

const [host, portArg] = process.argv.slice(2);
const ports = portArg ? portArg.split(',').map(Number) : [];
let pending = ports.length + 2;
const ok = () => {
  if (--pending === 0) console.log('ready');
};
const now = () => (performance.timeOrigin + performance.now()).toFixed(3);
for (const port of ports) {
  net.createServer((s) => {
    console.log(`accept ${port} ${now()}`);
    s.on('error', () => {});
    s.end();
  }).listen(port, host, ok);
}
const dns = dgram.createSocket('udp4');
dns.on('message', (m, r) => {
  if (m.length < 12) return;
  const a = Buffer.from(m);
  a[2] = 0x80 | (a[2] & 0x78); // QR, same opcode
  a[3] = 5; // REFUSED
  dns.send(a, r.port, r.address);
});
dns.bind(53, host, ok);
const cldap = dgram.createSocket('udp4');
cldap.on('message', (m, r) => {
  // 30 len 02 01 ID ...: answer searchResDone (0x65) resultCode success, matchedDN "", diagnosticMessage "".
  if (m[0] !== 0x30 || m[2] !== 0x02 || m[3] !== 0x01) return;
  cldap.send(Buffer.from([0x30, 0x0c, 0x02, 0x01, m[4], 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]), r.port, r.address);
});
cldap.bind(389, host, ok);
setTimeout(() => process.exit(0), 60_000);
