/**
 * Damaged inputs (issue 17): evidence with a hole in it cannot prove that no violation happened.
 * An input is damaged when it
 *   - ends inside a record or block (the file was cut: the last packet is missing);
 *   - is a live session whose engine cut packets to its snap length so far that the decoder could
 *     not read their headers (their connections are unknown: packets lost to the snap length).
 * An input that broke midway (a corrupt block: an error after some packets) is judged by
 * verdict.ts as before (inconclusive unless a violation was seen). A damaged input turns `pass`
 * into `inconclusive`; `fail` stays `fail`, with the damage among its reasons. `--accept-damaged`
 * (options.acceptDamaged) is the documented opposite choice: the damage is still said, as a
 * reason that does not decide the verdict.
 */
import type { InputResult } from './result.js';

/** Decoder error counters that mean a packet's headers were cut off (decode/decoded.ts names). */
const CUT_HEADERS = ['link-truncated', 'ipv4-truncated', 'ipv6-truncated', 'tcp-truncated', 'udp-truncated'];

/** The sentence for each damaged input (empty when none is damaged). */
export function damageReasons(inputs: readonly InputResult[], decodeErrors: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const i of inputs) {
    if (i.error !== null) continue; // broken or unreadable: verdict.ts says so
    if (i.truncated) {
      const w = i.warnings.find((x) => /ends inside/.test(x.message));
      const at = w && w.offset >= 0 ? ` at byte ${w.offset}` : '';
      out.push(`input ${i.path} ends inside a record${at}: a packet is missing, so the absence of a violation is not proven`);
    }
    const cut = i.warnings.find((x) => x.offset === -1 && /packets were longer than .* and were cut/.test(x.message));
    const lost = CUT_HEADERS.reduce((n, k) => n + (decodeErrors[k] ?? 0), 0);
    if (i.format === 'live' && cut && lost > 0) {
      out.push(`input ${i.path} lost ${lost} packet${lost === 1 ? '' : 's'} to the capture's snap length (${cut.message}; their headers were cut off): the absence of a violation is not proven`);
    }
  }
  return out;
}

/** The reason recorded when --accept-damaged kept a damaged input from deciding the verdict. */
export const acceptedDamage = (reason: string): string => `accepted with --accept-damaged: ${reason}`;
