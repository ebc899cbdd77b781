/**
 * The allowed signers file of `ssh-keygen -Y verify` (ssh-keygen(1), ALLOWED SIGNERS): one signer
 * a line, `principals [options] keytype base64-key [comment]`; principals comma-separated, `*` and
 * `?` wildcards; options comma-separated, of which `namespaces="a,b"` limits the namespaces,
 * `valid-after`/`valid-before` limit the time (flowaudit refuses such a line rather than guess the
 * signing time) and `cert-authority` marks a CA (certificates are not checked by flowaudit). Lines
 * that are blank or start with `#` are skipped.
 */
export interface AllowedSigner {
  line: number;
  principals: string[];
  namespaces: string[] | null;
  /** Why flowaudit cannot use this line (cert-authority, validity times), or null. */
  unsupported: string | null;
  keyType: string;
  /** The public key blob, base64 as in the file. */
  key: string;
}

const KEY_TYPE = /^(ssh-|ecdsa-|sk-)/;

/** Splits on whitespace outside double quotes. */
function fields(line: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"]+|"[^"]*")+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[0]);
  return out;
}

export function parseAllowedSigners(text: string): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const f = fields(line);
    if (f.length < 3) return;
    const principals = f[0]!.split(',');
    let at = 1;
    let options = '';
    if (!KEY_TYPE.test(f[1]!)) {
      options = f[1]!;
      at = 2;
    }
    const keyType = f[at];
    const key = f[at + 1];
    if (keyType === undefined || key === undefined) return;
    const ns = /(?:^|,)namespaces="([^"]*)"/i.exec(options);
    const unsupported = /(?:^|,)cert-authority(?:,|$)/i.test(options) ? 'cert-authority' : /valid-(after|before)=/i.test(options) ? 'valid-after/valid-before' : null;
    out.push({ line: k + 1, principals, namespaces: ns ? ns[1]!.split(',') : null, unsupported, keyType, key });
  });
  return out;
}

/** Whether `identity` matches one of the patterns (`*`, `?`, a leading `!` negates). */
export function principalMatches(patterns: readonly string[], identity: string): boolean {
  let ok = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    const body = neg ? p.slice(1) : p;
    const re = new RegExp(`^${body.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (re.test(identity)) {
      if (neg) return false;
      ok = true;
    }
  }
  return ok;
}
