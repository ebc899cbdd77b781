import { expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/firewall/iptables_save.js';
import { shadowedRules } from '../../src/audit/firewall_shadowed.js';

const rules = (body: string) => parseIptablesSave(`*filter\n:INPUT DROP [0:0]\n${body}\nCOMMIT\n`, 't');

it.each([
  // [what, rules, shadowed "rule#<-by#" pairs]
  ['same port later', '-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 22 -j DROP', ['2<-1']],
  ['narrower source later', '-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j DROP\n-A INPUT -s 10.1.0.0/16 -p tcp --dport 22 -j ACCEPT', ['2<-1']],
  ['broader source later is not shadowed', '-A INPUT -s 10.1.0.0/16 -p tcp --dport 22 -j DROP\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT', []],
  ['port inside an earlier multiport range', '-A INPUT -p tcp -m multiport --dports 1:1024 -j ACCEPT\n-A INPUT -p tcp --dport 443 -j REJECT', ['2<-1']],
  ['other protocol is not shadowed', '-A INPUT -p udp --dport 53 -j ACCEPT\n-A INPUT -p tcp --dport 53 -j ACCEPT', []],
  ['an earlier catch-all shadows all after it', '-A INPUT -j ACCEPT\n-A INPUT -p tcp --dport 22 -j DROP\n-A INPUT -s 10.0.0.1 -j DROP', ['2<-1', '3<-1']],
  ['a jump does not decide, so it shadows nothing', '-A INPUT -p tcp -j LOG\n-A INPUT -p tcp --dport 22 -j ACCEPT', []],
  ['unknown criteria never shadow', '-A INPUT -p tcp --dport 22 -m recent --rcheck -j DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT', []],
  ['negated source covers a narrower negation', '-A INPUT ! -s 10.1.0.0/16 -p tcp -j DROP\n-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 22 -j DROP', ['2<-1']],
  ['an interface rule does not shadow one without it', '-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT', []],
])('%s', (_what, body, want) => {
  expect(shadowedRules(rules(body)).map((s) => `${s.rule.number}<-${s.by.number}`)).toEqual(want);
});
