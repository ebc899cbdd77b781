/**
 * "What this evidence shows" for a probe: what an active segmentation test proves (from this host,
 * at this time, these ports answered or did not) and what it does not (other sources, other
 * times, ports not tried), and the PCI DSS 4.0 requirements it is evidence for.
 */
import type { ProbeControls, ProbeResult } from './probe_result.js';

type Body = Pick<ProbeResult, 'as' | 'from' | 'window' | 'summary' | 'settings' | 'results' | 'notPlanned' | 'capture'>;

export const PROBE_REQUIREMENTS: readonly { id: string; text: string }[] = [
  { id: 'PCI DSS 11.4.5', text: 'segmentation testing: confirm the segmentation controls work and isolate the systems they should (this report is the result of one such test)' },
  { id: 'PCI DSS 1.3.1', text: 'inbound traffic to the tested members is limited to what is necessary: undocumented ports closed to this source' },
  { id: 'PCI DSS 1.3.2', text: 'outbound traffic from this source is limited to what is necessary: only documented flows answer' },
];

export function probeControls(b: Body): ProbeControls {
  const s = b.summary;
  const src = `${b.from.host ?? 'this host'}${b.from.addresses.length ? ` (${b.from.addresses.join(', ')})` : ''}, as ${b.as}${b.from.inRole ? '' : ` (NOT an inventory member of ${b.as})`}`;
  const when = b.window.start ? `between ${b.window.start} and ${b.window.end}` : 'at no time (nothing was tried)';
  const shows = [
    `From ${src}, ${when}: ${s.tried} of ${s.probes} planned probes were tried, at most ${b.settings.ratePerSecond} a second, each waiting ${b.settings.timeoutMs} ms for an answer.`,
    `Documented flows: ${s.documented.works} answered, ${s.documented.fails} did not (refused, filtered or unreachable), ${s.documented.unproven} unproven.`,
    `Undocumented ports (${b.settings.undocumentedPorts.join(', ')}): ${s.undocumented.finding} open (findings), ${s.undocumented.closed} closed to this source (refused, dropped or ICMP-unreachable), ${s.undocumented.unproven} unproven.`,
    b.capture?.path && b.capture.sha256
      ? `The probe's own packets are kept in ${b.capture.path} (${b.capture.packets} packets, sha256 ${b.capture.sha256}), captured by ${b.capture.engine}.`
      : `The probe's own packets were not kept${b.capture?.unavailable ? `: ${b.capture.unavailable}` : ' (use --write FILE.pcapng)'}.`,
  ];
  const doesNotShow = [
    'Anything about other sources: another host, subnet or role may be allowed what this host was refused, or refused what it was allowed.',
    'Anything about other times: rules change; this is one test at one time (PCI DSS 11.4.5 asks for it periodically and after changes).',
    `Ports not tried: only the ports listed were tried, never a sweep${s.notPlanned > 0 ? `; ${s.notPlanned} documented flow(s) could not be tried at all (port ranges, host names, CIDR members: see "Not tried")` : ''}.`,
    'Why a port is closed: RST means nothing accepted the connection (no listener or a REJECT rule), silence means a drop somewhere on the path; the host firewall rules themselves are read by flowaudit audit --firewall.',
    'That an open port is reachable by anyone else, or what the service behind it does.',
  ];
  return { shows, doesNotShow, requirements: [...PROBE_REQUIREMENTS] };
}
