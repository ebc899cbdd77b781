/**
 * A small audit whose user files and packets carry markup and spreadsheet-formula payloads, so the
 * reports' escaping can be tested: a custom matrix (name, version, source, services, descriptions),
 * an inventory with member names, a capture whose file name is itself a payload, and packets whose
 * DNS answer, TLS SNI and HTTP Host carry the payloads (attacker-controlled names).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../fixtures/lab_builder.js';
import { dnsQuery, dnsResponse, httpRequest, tlsClientHello } from './app_packets.js';

export const SCRIPT = '<script>alert(1)</script>';
export const IMG = '"><img src=x onerror=alert(1)>';
export const FORMULA = '=HYPERLINK("http://x","y")';
/** The names as flowaudit shows them once taken from packets (lower-cased; space → \x20). */
export const DNS_NAME = `${SCRIPT}.evil.example`;
export const SNI_SHOWN = '"><img\\x20src=x\\x20onerror=alert(1)>';
export const HOST_SHOWN = '=hyperlink("http://x","y")';

export interface HostileCase {
  dir: string;
  capture: string;
  matrix: string;
  inventory: string;
}

export function hostileCase(): HostileCase {
  const dir = mkdtempSync(join(tmpdir(), 'fa-hostile-'));
  const matrix = join(dir, 'matrix.json');
  const inventory = join(dir, 'inventory.json');
  // A file name cannot hold "/", so the <script> payload goes elsewhere; this one can.
  const capture = join(dir, `${IMG}.pcapng`);
  writeFileSync(
    matrix,
    JSON.stringify({
      name: SCRIPT,
      version: IMG,
      source: FORMULA,
      description: SCRIPT,
      roles: { client: { description: SCRIPT }, server: { description: IMG } },
      rules: [
        { id: 'web', source: 'client', destination: 'server', protocol: 'tcp', ports: ['443'], requirement: 'required', service: IMG, description: FORMULA },
        { id: 'admin', source: 'client', destination: 'server', protocol: 'tcp', ports: ['8443'], requirement: 'required', service: SCRIPT, description: SCRIPT },
      ],
    }),
  );
  writeFileSync(
    inventory,
    JSON.stringify({
      roles: {
        client: [{ address: '10.1.0.1', name: SCRIPT }],
        server: [{ address: '10.1.0.2', name: FORMULA }],
      },
    }),
  );
  const client = { ip: '10.1.0.1' };
  const server = { ip: '10.1.0.2' };
  const lab = new Lab(1772442000);
  lab.tcp(client, 40001, server, 443, 'answered');
  lab.tcp(client, 40002, server, 8443, 'refused');
  lab.tcp(client, 40003, { ip: '10.1.0.9' }, 22, 'answered');
  // Names from packets: a DNS answer naming the server, then TLS SNI and an HTTP Host to it.
  lab.udpTalk(client, 53001, { ip: '10.1.0.53' }, 53, dnsQuery({ id: 7, question: DNS_NAME }), dnsResponse({
    id: 7, question: DNS_NAME, answers: [{ name: DNS_NAME, type: 'A', ttl: 300, data: '10.1.0.2' }],
  }));
  lab.tcpTalk(client, 40004, server, 443, [{ from: 'c', data: tlsClientHello({ sni: IMG }) }, { from: 's', data: new Uint8Array(200) }]);
  lab.tcpTalk(client, 40005, server, 8443, [{ from: 'c', data: httpRequest({ host: FORMULA }) }, { from: 's', data: new Uint8Array(200) }]);
  writeFileSync(capture, lab.toPcapng([{ name: 'eth0', linkType: 1 }]));
  return { dir, capture, matrix, inventory };
}
