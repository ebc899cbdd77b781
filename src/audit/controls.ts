/**
 * "What this evidence shows" (issue 17): for each control auditors test network flows against
 * (PCI DSS 4.0 1.2.5, 1.2.7, 1.3.1, 1.3.2, 11.4.5; NIST SP 800-53 Rev. 5 SC-7, CA-7; ISO/IEC
 * 27001:2022 Annex A 8.20-8.22), what this audit supports and what it does not prove, with the
 * audit's own numbers. A passive audit records what was seen; it never shows that other traffic is
 * blocked, and it never states compliance. Pure function over a finished result; the JSON report
 * carries it as `controls`, every other format renders it as "What this evidence shows".
 */
import { observationCoverage, ruleCoverageNote, type ObservationCoverage } from './observation.js';
import type { AuditResult } from './result.js';
import { withFirewallEvidence } from './controls_firewall.js';

export interface ControlStatement {
  framework: 'PCI DSS 4.0' | 'NIST SP 800-53 Rev. 5' | 'ISO/IEC 27001:2022';
  /** "1.2.5", "SC-7", "A.8.20". */
  control: string;
  /** The control's title, shortened where long. */
  title: string;
  /** What this audit supports, with its numbers. */
  supports: string;
  /** What it does not prove, and how to test that. */
  doesNotProve: string;
}

export interface ControlsBlock {
  /** Constant: what kind of evidence this is, and that it is not a compliance statement. */
  scope: string;
  coverage: ObservationCoverage;
  /** Rules whose status rests on what was not seen (missing, not-visible), each with that coverage in words. */
  negativeRules: { rule: string; status: string; text: string }[];
  statements: ControlStatement[];
}

export const CONTROLS_SCOPE =
  'A passive audit: it records which flows were seen in the observation window and compares them with the matrix. It is evidence for the controls below, not a statement of compliance with any of them.';

const NOT_BLOCKED =
  'a passive audit does not prove that undocumented flows are blocked: a flow not seen in the window may still be allowed; test it actively from the client segment or review the firewall rules (flowaudit probe from the client segment; audit --firewall HOST=FILE)';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

interface Counts {
  rules: number;
  observed: number;
  failed: number;
  partial: number;
  missing: number;
  notApplicable: number;
  flows: number;
  connections: number;
  inbound: number;
  outbound: number;
  stopped: number;
  judged: boolean;
}

function countsOf(r: AuditResult): Counts {
  const by = (s: string): number => r.rules.filter((x) => x.status === s).length;
  return {
    rules: r.rules.length,
    observed: by('observed'),
    failed: by('failed'),
    partial: by('partial'),
    missing: r.rules.filter((x) => x.status === 'missing' && x.enforced).length,
    notApplicable: by('not-applicable') + by('not-visible'),
    flows: r.unexpected.length,
    connections: r.unexpected.reduce((n, u) => n + u.connections, 0),
    inbound: r.unexpected.filter((u) => u.serverRoles.length > 0).length,
    outbound: r.unexpected.filter((u) => u.clientRoles.length > 0).length,
    stopped: r.unexpected.reduce((n, u) => n + u.outcomes.refused + u.outcomes.unanswered, 0),
    judged: r.verdict !== 'inconclusive',
  };
}

/** "15 unexpected flows (44 connections)": the one count every format uses (a flow: one client → server, protocol and port). */
export function unexpectedCountText(flows: number, connections: number): string {
  return `${plural(flows, 'unexpected flow')} (${plural(connections, 'connection')})`;
}

/** "in 7.4 s", or "in an empty capture". */
function inWindow(cov: ObservationCoverage): string {
  return cov.seconds === null ? 'in an empty capture' : `in ${cov.window}`;
}

function seenOrNot(cov: ObservationCoverage, n: number, what: string): string {
  return n > 0 ? `${plural(n, 'unexpected flow')} ${what} ${n === 1 ? 'was' : 'were'} seen: not blocked on that path in the window` : `no unexpected flow ${what} was seen ${inWindow(cov)}`;
}

function pci(c: Counts, cov: ObservationCoverage): ControlStatement[] {
  const rules = `${c.rules} matrix rules: ${c.observed} observed, ${c.failed} failed, ${c.partial} partial, ${c.missing} required missing, ${c.notApplicable} not-applicable or not-visible`;
  return [
    {
      framework: 'PCI DSS 4.0', control: '1.2.5', title: 'All services, protocols and ports allowed are identified, approved, and have a defined business need',
      supports: `every service, protocol and port seen between the audited roles was compared with the matrix: ${unexpectedCountText(c.flows, c.connections)} matched no rule`,
      doesNotProve: 'that the matrix is approved or that each rule has a business need (the matrix owner\'s record), nor anything outside the window and vantage',
    },
    {
      framework: 'PCI DSS 4.0', control: '1.2.7', title: 'Configurations of NSCs are reviewed at least once every six months to confirm they are relevant and effective',
      supports: `which documented flows are in use (${rules}): input for the rule review`,
      doesNotProve: 'that the firewall configuration was reviewed: a rule not seen may still be open, and a flow seen may be allowed by a broader rule',
    },
    {
      framework: 'PCI DSS 4.0', control: '1.3.1', title: 'Inbound traffic to the CDE is restricted to only traffic that is necessary; all other traffic is specifically denied',
      supports: `${seenOrNot(cov, c.inbound, 'into an inventory host')}`,
      doesNotProve: `that all other inbound traffic is denied: ${NOT_BLOCKED}`,
    },
    {
      framework: 'PCI DSS 4.0', control: '1.3.2', title: 'Outbound traffic from the CDE is restricted to only traffic that is necessary; all other traffic is specifically denied',
      supports: `${seenOrNot(cov, c.outbound, 'from an inventory host')}`,
      doesNotProve: `that all other outbound traffic is denied: ${NOT_BLOCKED}`,
    },
    {
      framework: 'PCI DSS 4.0', control: '11.4.5', title: 'If segmentation is used to isolate the CDE, penetration tests are performed on segmentation controls',
      supports: c.stopped > 0 ? `${plural(c.stopped, 'unexpected connection attempt')} refused or unanswered: a control may have stopped ${c.stopped === 1 ? 'it' : 'them'}` : 'nothing: no refused or unanswered unexpected attempt was seen',
      doesNotProve: 'that segmentation is effective: passive observation is not a penetration test; test each segment actively (a penetration test, or flowaudit probe from each segment)',
    },
  ];
}

function nist(c: Counts, cov: ObservationCoverage): ControlStatement[] {
  return [
    {
      framework: 'NIST SP 800-53 Rev. 5', control: 'SC-7', title: 'Boundary Protection',
      supports: `communications ${cov.vantage.length ? `on the hosts of ${cov.vantage.join(', ')}` : 'at the capture point'} were monitored against the documented flows: ${unexpectedCountText(c.flows, c.connections)}`,
      doesNotProve: 'that boundary devices deny by default, or that every boundary was observed (only this vantage was)',
    },
    {
      framework: 'NIST SP 800-53 Rev. 5', control: 'CA-7', title: 'Continuous Monitoring',
      supports: `one observation (${cov.seconds === null ? 'an empty capture' : cov.window}); repeated runs (\`flowaudit live\`, \`merge\`) can feed a monitoring programme`,
      doesNotProve: 'ongoing monitoring: this report covers its window only',
    },
  ];
}

function iso(c: Counts, cov: ObservationCoverage): ControlStatement[] {
  return [
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.8.20', title: 'Networks security',
      supports: `which flows the network carried between the audited roles ${inWindow(cov)}`,
      doesNotProve: 'that networks and devices are secured, managed and controlled: their configuration was not examined',
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.8.21', title: 'Security of network services',
      supports: `which network services (protocol and port) were used and whether they answered: ${c.observed} of ${c.rules} rules observed`,
      doesNotProve: 'the security mechanisms or service levels of those services',
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.8.22', title: 'Segregation of networks',
      supports: c.flows > 0 ? `${unexpectedCountText(c.flows, c.connections)} crossed between hosts without a rule` : `no flow without a rule was seen ${inWindow(cov)}`,
      doesNotProve: `that groups of hosts are segregated: ${NOT_BLOCKED}`,
    },
  ];
}

export function controlsOf(r: AuditResult): ControlsBlock {
  const coverage = observationCoverage(r);
  const c = countsOf(r);
  const statements = withFirewallEvidence([...pci(c, coverage), ...nist(c, coverage), ...iso(c, coverage)], r.firewall);
  const scope = c.judged ? CONTROLS_SCOPE : `${CONTROLS_SCOPE} This audit is inconclusive (see the verdict reasons): the statements below describe what was read, and support nothing beyond it.`;
  const negativeRules = r.rules.flatMap((x) => {
    const text = ruleCoverageNote(x, coverage);
    return text === null ? [] : [{ rule: x.id, status: x.status, text }];
  });
  return { scope, coverage, negativeRules, statements };
}
