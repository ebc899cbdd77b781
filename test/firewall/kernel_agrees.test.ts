/**
 * evaluate() against the kernel's own verdict: two namespaces this test creates, joined by a veth
 * pair; the server namespace gets the lab dc2 rules (iptables) and listens on every tested port; the
 * client connects from several source addresses. Connected = ACCEPT, refused = REJECT (tcp-reset),
 * no answer within 1.2 s = DROP. Packets go only between these two namespaces; attempts are
 * bounded (one per case). Skipped with the reason when not root or tools are missing; fails
 * instead when FLOWAUDIT_REQUIRE_LIVE=1.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/firewall/iptables_save.js';
import { evaluate } from '../../src/audit/firewall_evaluate.js';
import { TestNetns, describeNetns, toolsUnavailable } from './netns_support.js';

const reason = toolsUnavailable([
  ['ip', ['-V'], 'iproute2'],
  ['iptables', ['--version'], 'iptables'],
  ['iptables-save', ['--version'], 'iptables'],
]);

const RULES = [
  '-N MGMT',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -p tcp --dport 135 -j DROP',
  '-A INPUT -s 10.66.0.10/32 -p tcp --dport 3268 -j REJECT --reject-with tcp-reset',
  '-A INPUT -s 10.66.0.0/16 -p tcp -m multiport --dports 389,3268 -j ACCEPT',
  '-A INPUT -p tcp -j MGMT',
  '-A MGMT -p tcp --dport 3389 -j ACCEPT',
  '-A MGMT ! -s 10.66.0.0/16 -j RETURN',
  '-A MGMT -p tcp --dport 22 -j ACCEPT',
  '-P INPUT DROP',
];
const PORTS = [22, 135, 389, 3268, 3389];
const SOURCES = ['10.66.0.10', '10.66.4.4', '10.67.0.1'];
const SERVER = '10.66.0.1';

const LISTEN = `const net=require('node:net');for(const p of ${JSON.stringify(PORTS)})net.createServer(s=>s.destroy()).listen(p,'${SERVER}');setTimeout(()=>process.exit(0),60000);console.log('ready')`;
const CONNECT = `const net=require('node:net');const [src,port]=process.argv.slice(1);
const s=net.connect({host:'${SERVER}',port:+port,localAddress:src});const t=setTimeout(()=>{console.log('DROP');process.exit(0)},1200);
s.on('connect',()=>{console.log('ACCEPT');process.exit(0)});s.on('error',e=>{console.log(e.code==='ECONNREFUSED'?'REJECT':e.code);process.exit(0)});`;

describeNetns('evaluate() agrees with the kernel (namespaces, real packets)', reason, () => {
  let srv: TestNetns | undefined;
  let cli: TestNetns | undefined;
  let listener: ChildProcess | undefined;
  let saved = '';

  beforeAll(async () => {
    srv = new TestNetns('ksrv');
    cli = new TestNetns('kcli');
    const veth = `fa${process.pid % 100000}`;
    execFileSync('ip', ['link', 'add', `${veth}a`, 'netns', srv.name, 'type', 'veth', 'peer', 'name', `${veth}b`, 'netns', cli.name]);
    srv.exec('ip', ['addr', 'add', `${SERVER}/16`, 'dev', `${veth}a`]);
    srv.exec('ip', ['addr', 'add', '10.67.0.254/24', 'dev', `${veth}a`]);
    for (const a of ['10.66.0.10/16', '10.66.4.4/16', '10.67.0.1/24']) cli.exec('ip', ['addr', 'add', a, 'dev', `${veth}b`]);
    for (const [ns, dev] of [[srv, `${veth}a`], [cli, `${veth}b`]] as const) {
      ns.exec('ip', ['link', 'set', dev, 'up']);
      ns.exec('ip', ['link', 'set', 'lo', 'up']);
    }
    for (const r of RULES) srv.exec('iptables', r.split(' '));
    saved = srv.exec('iptables-save', []);
    listener = spawn('ip', ['netns', 'exec', srv.name, process.execPath, '-e', LISTEN], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      listener!.stdout!.once('data', () => resolve());
      listener!.once('exit', (c) => reject(new Error(`listener exited ${c}`)));
    });
  }, 20_000);
  afterAll(() => {
    listener?.kill();
    cli?.delete();
    srv?.delete();
  });

  const seen = new Set<string>();
  const cases = SOURCES.flatMap((src) => PORTS.map((port) => [src, port] as const));
  it.each(cases)('%s -> tcp/%i', (src, port) => {
    const kernel = execFileSync('ip', ['netns', 'exec', cli!.name, process.execPath, '-e', CONNECT, src, String(port)], { encoding: 'utf8' }).trim();
    const ours = evaluate(parseIptablesSave(saved, 'saved'), { src, dstPort: port, proto: 'tcp' });
    seen.add(kernel);
    expect(ours.action).toBe(kernel);
  });

  it('the cases covered all three kernel outcomes', () => expect([...seen].sort()).toEqual(['ACCEPT', 'DROP', 'REJECT']));
});
