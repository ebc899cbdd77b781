/**
 * The SSH wire encoding (RFC 4251 §5) that OpenSSH keys and signatures are made of: uint32
 * big-endian integers and `string`s (a uint32 length, then that many bytes). The reader never reads
 * past its buffer: a short or overlong field is an SshWireError naming what was being read.
 */
export class SshWireError extends Error {}

export class SshReader {
  private at = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {}

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  uint32(field: string): number {
    if (this.remaining < 4) throw new SshWireError(`${this.what}: ends inside ${field} (byte ${this.at})`);
    const b = this.buf;
    const v = ((b[this.at]! << 24) >>> 0) + (b[this.at + 1]! << 16) + (b[this.at + 2]! << 8) + b[this.at + 3]!;
    this.at += 4;
    return v;
  }

  bytes(n: number, field: string): Uint8Array {
    if (this.remaining < n) throw new SshWireError(`${this.what}: ${field} needs ${n} bytes, ${this.remaining} left (byte ${this.at})`);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  string(field: string): Uint8Array {
    return this.bytes(this.uint32(`the length of ${field}`), field);
  }

  text(field: string): string {
    return Buffer.from(this.string(field)).toString('utf8');
  }
}

/** Concatenates SSH wire fields: numbers as uint32, strings and byte arrays as `string`. */
export function sshString(data: Uint8Array | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  return Buffer.concat([len, body]);
}

export function sshUint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** The public key blob of an ed25519 key: string "ssh-ed25519", string key(32). */
export function ed25519PublicBlob(pub: Uint8Array): Buffer {
  return Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
}
