/**
 * Issue 21: what the host firewall files add to "What this evidence shows". With --firewall the
 * rule review of PCI DSS 1.2.7 and the inbound restriction of 1.3.1 get evidence from the rules
 * themselves (blocked documented flows, undocumented permits, rules that admitted nothing,
 * shadowed rules); 1.3.2 (outbound) and 11.4.5 say what the files do not cover. Always with the
 * limit: rules in a file are not proof that the host runs them.
 */
import type { ControlStatement } from './controls.js';
import type { FirewallSection } from './firewall_types.js';

const NOT_RUN = 'rules in a file are not proof the host runs them (compare with the live rule set, e.g. iptables-save or Get-NetFirewallRule at the time of the capture)';

function count(s: FirewallSection, kind: string): number {
  return s.findings.filter((f) => f.kind === kind).length;
}

function hostsText(s: FirewallSection): string {
  return s.hosts.map((h) => (h.host === h.address ? h.address : `${h.host} (${h.address})`)).join(', ');
}

/** The statements with the firewall evidence added (unchanged when there is no firewall section). */
export function withFirewallEvidence(statements: ControlStatement[], s: FirewallSection | undefined): ControlStatement[] {
  if (!s) return statements;
  const hosts = hostsText(s);
  const add: Record<string, { supports: string; doesNotProve: string }> = {
    '1.2.7': {
      supports: `; the firewall rules of ${hosts} were reviewed against the matrix and the traffic: ${count(s, 'undocumented-but-permitted')} rule finding(s) admit ports no matrix rule documents, ${count(s, 'permitted-never-seen')} ACCEPT rule(s) admitted nothing in the ${s.window.seconds} s window (removal candidates if no business need), ${count(s, 'shadowed')} shadowed`,
      doesNotProve: `; ${NOT_RUN}; a rule unused in a short window may still be needed`,
    },
    '1.3.1': {
      supports: `; the inbound rules of ${hosts}: ${count(s, 'documented-but-blocked')} documented flow(s) blocked, ${count(s, 'undocumented-but-permitted')} finding(s) of ports admitted that no matrix rule documents`,
      doesNotProve: `; for ${hosts} the rules were evaluated for the documented ports, the common admin ports and the ports the rules name, from the inventory and one outside address, not for every port and source; ${NOT_RUN}`,
    },
    '1.3.2': { supports: '', doesNotProve: `; the firewall files of ${hosts} were read for inbound rules only` },
    '11.4.5': { supports: '', doesNotProve: '; the host firewall files are a configuration review, not a segmentation test' },
  };
  return statements.map((st) => {
    const a = st.framework === 'PCI DSS 4.0' ? add[st.control] : undefined;
    return a ? { ...st, supports: st.supports + a.supports, doesNotProve: st.doesNotProve + a.doesNotProve } : st;
  });
}
