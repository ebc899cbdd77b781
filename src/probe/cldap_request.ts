/**
 * The CLDAP probe: the "LDAP ping" Windows clients send to find a domain controller (MS-ADTS
 * 6.3.3): an LDAPv3 searchRequest over UDP 389 on the rootDSE (base "", scope base), filter
 * (&(NtVer=\06\00\00\00)), attribute Netlogon. A DC answers with a searchResEntry carrying a
 * NETLOGON_SAM_LOGON_RESPONSE_EX and a searchResDone; any LDAP reply with our message id proves an
 * LDAP service on the port. BER (X.690), all lengths short form:
 *   30 33 02 01 <id> 63 2e 04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00
 *         a0 0f a3 0d 04 05 "NtVer" 04 04 06 00 00 00   30 0a 04 08 "Netlogon"
 */

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

function tlv(tag: number, ...parts: number[][]): number[] {
  const body = parts.flat();
  if (body.length > 127) throw new RangeError('cldap: short-form lengths only');
  return [tag, body.length, ...body];
}

/** The LDAP ping with message id `id` (1..127). */
export function cldapPing(id: number): Uint8Array {
  if (!(id >= 1 && id <= 127)) throw new RangeError(`cldap message id ${id} is not 1..127`);
  const filter = tlv(0xa0, tlv(0xa3, tlv(0x04, ascii('NtVer')), tlv(0x04, [6, 0, 0, 0])));
  const search = tlv(
    0x63,
    tlv(0x04, []), // baseObject ""
    tlv(0x0a, [0]), // scope baseObject
    tlv(0x0a, [0]), // derefAliases never
    tlv(0x02, [0]), // sizeLimit
    tlv(0x02, [0]), // timeLimit
    tlv(0x01, [0]), // typesOnly FALSE
    filter,
    tlv(0x30, tlv(0x04, ascii('Netlogon'))),
  );
  return Uint8Array.from(tlv(0x30, tlv(0x02, [id]), search));
}

/** LDAP protocolOp tags (RFC 4511): 0x64 searchResEntry, 0x65 searchResDone, 0x78 extendedResp. */
const OPS = new Map<number, string>([
  [0x64, 'searchResEntry'],
  [0x65, 'searchResDone'],
  [0x78, 'extendedResp'],
]);

/** Reads a BER length at `at`: [length, next offset], or null when truncated or too long. */
function berLength(b: Uint8Array, at: number): [number, number] | null {
  const first = b[at];
  if (first === undefined) return null;
  if (first < 0x80) return [first, at + 1];
  const n = first & 0x7f;
  if (n === 0 || n > 4 || at + 1 + n > b.length) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[at + 1 + i]!;
  return [len, at + 1 + n];
}

/** An LDAP reply to message `id`: "LDAP searchResEntry" etc., else null. */
export function cldapAnswer(b: Uint8Array, id: number): string | null {
  if (b[0] !== 0x30) return null;
  const outer = berLength(b, 1);
  if (!outer) return null;
  let at = outer[1];
  if (b[at] !== 0x02) return null;
  const idLen = berLength(b, at + 1);
  if (!idLen || idLen[0] < 1 || idLen[0] > 4 || idLen[1] + idLen[0] > b.length) return null;
  let got = 0;
  for (let i = 0; i < idLen[0]; i++) got = got * 256 + b[idLen[1] + i]!;
  if (got !== id) return null;
  at = idLen[1] + idLen[0];
  const op = b[at];
  if (op === undefined) return null;
  return `LDAP ${OPS.get(op) ?? `operation 0x${op.toString(16)}`}`;
}
