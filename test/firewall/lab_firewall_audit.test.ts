/**
 * The namespace lab of issue 21's closing note: `flowaudit audit CAPTURE --inventory … --firewall
 * dc=RULES` on traffic this test makes. Two namespaces it creates, joined by a veth pair: "dc"
 * (10.0.0.3) gets iptables rules (drop tcp/135, reject tcp/3268 from the AMS server, accept the
 * other AMS flows, and tcp/3389 and tcp/22 from anywhere) and listens; "ams" (10.0.0.10) makes the
 * AMS flows once each while tcpdump records them there. Then iptables-save is read back and the
 * audit must name the blocking rules and the undocumented permits. Packets stay between these two
 * namespaces; every attempt is one connection, bounded in time. Skipped with the reason when not
 * root or a tool is missing; fails instead when FLOWAUDIT_REQUIRE_LIVE=1. With FLOWAUDIT_LAB_OUT=DIR
 * the capture, the rules, the inventory and the text report are kept in DIR (the docs' example).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { TestNetns, describeNetns, toolsUnavailable } from './netns_support.js';

const reason = toolsUnavailable([
  ['ip', ['-V'], 'iproute2'],
  ['iptables', ['--version'], 'iptables'],
  ['iptables-save', ['--version'], 'iptables'],
  ['tcpdump', ['--version'], 'tcpdump'],
]);

const DC = '10.0.0.3';
const AMS = '10.0.0.10';
const RULES = [
  '-N MGMT',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -p tcp --dport 135 -j DROP',
  `-A INPUT -s ${AMS}/32 -p tcp --dport 3268 -j REJECT --reject-with tcp-reset`,
  '-A INPUT -s 10.0.0.0/24 -p tcp -m multiport --dports 389,3268,49152:65535 -j ACCEPT',
  '-A INPUT -s 10.0.0.0/24 -p udp -m multiport --dports 53,389 -j ACCEPT',
  '-A INPUT -p tcp -j MGMT',
  '-A MGMT -p tcp --dport 3389 -j ACCEPT',
  '-A MGMT -p tcp --dport 22 -j ACCEPT',
  '-P INPUT DROP',
];
const TCP_PORTS = [389, 135, 3268, 49700, 3389, 22];
const UDP_PORTS = [53, 389];
// Beside the AMS server's address: a range across the /24 the rules admit (judged for every address),
// and a host name the lab's traffic never names (inconclusive: no address seen).
const AMS_RANGE = '10.0.0.128-10.0.1.127';
const AMS_NAME = 'ams.lab.example';
const INVENTORY = { roles: { 'ams-server': [AMS, AMS_RANGE, AMS_NAME], 'domain-controller': [DC], 'global-catalog': [DC], 'dns-server': [DC] }, names: { [DC]: 'dc', [AMS]: 'ams' } };

const LISTEN = `const net=require('node:net'),dgram=require('node:dgram');
for(const p of ${JSON.stringify(TCP_PORTS)})net.createServer(s=>{s.end('ok')}).listen(p,'${DC}');
for(const p of ${JSON.stringify(UDP_PORTS)}){const u=dgram.createSocket('udp4');u.on('message',(m,r)=>u.send(m,r.port,r.address));u.bind(p,'${DC}');}
setTimeout(()=>process.exit(0),60000);setTimeout(()=>console.log('ready'),200);`;
// The AMS side: LDAP, EPM (dropped), GC (rejected), one dynamic RPC port, DNS and CLDAP; one try each, 1.5 s at most.
const FLOWS = `const net=require('node:net'),dgram=require('node:dgram');
const tcp=p=>new Promise(r=>{const s=net.connect({host:'${DC}',port:p,localAddress:'${AMS}'});const t=setTimeout(()=>{s.destroy();r(p+' DROP')},1500);
s.on('data',()=>{clearTimeout(t);s.end();setTimeout(()=>r(p+' ACCEPT'),50)});s.on('error',e=>{clearTimeout(t);r(p+' '+e.code)})});
const udp=p=>new Promise(r=>{const u=dgram.createSocket('udp4');const t=setTimeout(()=>{u.close();r('udp/'+p+' none')},1000);
u.on('message',()=>{clearTimeout(t);u.close();r('udp/'+p+' answer')});u.bind(0,'${AMS}',()=>u.send(Buffer.from('flowaudit lab'),p,'${DC}'))});
(async()=>{const out=[];for(const p of [389,135,3268,49700])out.push(await tcp(p));for(const p of ${JSON.stringify(UDP_PORTS)})out.push(await udp(p));console.log(out.join(','))})();`;

describeNetns('the namespace lab: audit --firewall names the blocking rules and the undocumented permits', reason, () => {
  let dc: TestNetns | undefined;
  let ams: TestNetns | undefined;
  let listener: ChildProcess | undefined;
  const dir = process.env.FLOWAUDIT_LAB_OUT ?? mkdtempSync(join(tmpdir(), 'fa-fwlab-'));
  let attempts = '';

  beforeAll(async () => {
    dc = new TestNetns('fwdc');
    ams = new TestNetns('fwams');
    const veth = `fw${process.pid % 100000}`;
    execFileSync('ip', ['link', 'add', `${veth}a`, 'netns', dc.name, 'type', 'veth', 'peer', 'name', `${veth}b`, 'netns', ams.name]);
    dc.exec('ip', ['addr', 'add', `${DC}/24`, 'dev', `${veth}a`]);
    ams.exec('ip', ['addr', 'add', `${AMS}/24`, 'dev', `${veth}b`]);
    for (const [ns, dev] of [[dc, `${veth}a`], [ams, `${veth}b`]] as const) {
      ns.exec('ip', ['link', 'set', dev, 'up']);
      ns.exec('ip', ['link', 'set', 'lo', 'up']);
    }
    for (const r of RULES) dc.exec('iptables', r.split(' '));
    writeFileSync(join(dir, 'dc.rules'), dc.exec('iptables-save', []));
    writeFileSync(join(dir, 'lab.inventory.json'), `${JSON.stringify(INVENTORY, null, 2)}\n`);
    listener = spawn('ip', ['netns', 'exec', dc.name, process.execPath, '-e', LISTEN], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      listener!.stdout!.once('data', () => resolve());
      listener!.once('exit', (c) => reject(new Error(`listener exited ${c}`)));
    });
    // tcpdump in the ams namespace, on its veth only, bounded in packets; -U writes each packet at once.
    const capture = join(dir, 'lab.pcap');
    const dump = spawn('ip', ['netns', 'exec', ams.name, 'tcpdump', '-i', `${veth}b`, '-U', '-Z', 'root', '-c', '500', '-w', capture], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve) => dump.stderr!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
    attempts = execFileSync('ip', ['netns', 'exec', ams.name, process.execPath, '-e', FLOWS], { encoding: 'utf8' }).trim();
    await new Promise((r) => setTimeout(r, 1000)); // tcpdump writes each packet at once (-U), but may lag on a loaded machine
    const done = new Promise((r) => dump.once('exit', r));
    dump.kill('SIGINT');
    await done;
  }, 30_000);
  afterAll(() => {
    listener?.kill();
    ams?.delete();
    dc?.delete();
  });

  it('the kernel did what the rules say: LDAP answered, EPM dropped, GC refused', () => {
    expect(attempts).toBe('389 ACCEPT,135 DROP,3268 ECONNREFUSED,49700 ACCEPT,udp/53 answer,udp/389 answer');
  });

  it('the audit names the blocking rules (with their lines) and the undocumented RDP/SSH permits from anywhere', async () => {
    const args = ['audit', join(dir, 'lab.pcap'), '--inventory', join(dir, 'lab.inventory.json'), '--firewall', `dc=${join(dir, 'dc.rules')}`];
    const j = JSON.parse((await runCli([...args, '--format', 'json'])).stdout);
    const text = await runCli(args);
    writeFileSync(join(dir, 'report.txt'), text.stdout);
    const f = j.firewall.findings as { kind: string; decidedBy: string; ports: string; traffic: string | null; sources: string[]; rule: { text: string; line: number } | null }[];
    const blocked = f.filter((x) => x.kind === 'documented-but-blocked').map((x) => `${x.decidedBy} ${x.rule?.text} ${x.ports} ${x.traffic}`);
    // The range's upper half (10.0.1.0/25) is outside the /24 the ACCEPT rules name: the policy drops it.
    expect(blocked).toEqual([
      'INPUT policy DROP undefined 389 not tried',
      'INPUT policy DROP undefined 389 not tried',
      'INPUT #4 -A INPUT -s 10.0.0.10/32 -p tcp -m tcp --dport 3268 -j REJECT --reject-with tcp-reset 3268 failed',
      'INPUT policy DROP undefined 3268 not tried',
      'INPUT #3 -A INPUT -p tcp -m tcp --dport 135 -j DROP 135 failed',
      'INPUT #3 -A INPUT -p tcp -m tcp --dport 135 -j DROP 135 not tried',
      'INPUT policy DROP undefined 49152-65535 not tried',
      'INPUT policy DROP undefined 53 not tried',
    ]);
    const documented = (j.firewall.hosts[0].documented as { ruleId: string; source: string; status: string; reason: string | null; examples?: { admitted: string; blocked: string } }[])
      .filter((c) => c.source !== AMS && ['ams-ldap', 'ams-global-catalog'].includes(c.ruleId))
      .map((c) => `${c.ruleId} ${c.source} ${c.status} ${c.examples ? `${c.examples.admitted} / ${c.examples.blocked}` : (c.reason ?? '')}`);
    expect(documented).toEqual([
      'ams-ldap 10.0.0.128-10.0.1.127 partly-blocked 10.0.0.128 tcp/389 / 10.0.1.0 tcp/389',
      'ams-ldap ams.lab.example inconclusive no address seen for ams.lab.example in the window',
      'ams-global-catalog 10.0.0.128-10.0.1.127 partly-blocked 10.0.0.128 tcp/3268 / 10.0.1.0 tcp/3268',
      'ams-global-catalog ams.lab.example inconclusive no address seen for ams.lab.example in the window',
    ]);
    const permits = f.filter((x) => x.kind === 'undocumented-but-permitted').map((x) => `${x.decidedBy} ${x.ports} ${x.sources.join(',')}`);
    expect(permits).toEqual(['MGMT #1 3389 10.0.0.10,any (outside the inventory, e.g. 192.0.2.1)', 'MGMT #2 22 10.0.0.10,any (outside the inventory, e.g. 192.0.2.1)']);
    expect(j.verdict).toBe('fail');
    expect(text.stdout).toContain('documented but blocked: dc (10.0.0.3): required flow ams-rpc-epm tcp/135 from 10.0.0.10 is blocked: DROP by INPUT #3');
    const obs = j.firewall.hosts[0].observed.map((o: { port: number; protocol: string; status: string }) => `${o.protocol}/${o.port} ${o.status}`);
    expect(obs).toEqual(['tcp/135 blocked', 'tcp/389 admitted', 'tcp/3268 blocked', 'tcp/49700 admitted', 'udp/53 admitted', 'udp/389 admitted']);
  });
});
