/**
 * Locate the first JSON syntax error in a text (V8's messages do not always carry a position):
 * a small recursive-descent scanner that only checks, never builds values.
 */

/** Where a JSON text stops being JSON, and why. */
export interface JsonSyntaxError {
  offset: number;
  reason: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/**
 * The 0-based offset of the first JSON syntax error in `text` and a short reason, or null if the
 * text is valid JSON.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  const s = new JsonScanner(text);
  try {
    s.value();
    s.ws();
    if (s.i < text.length) s.fail('unexpected text after the JSON value');
    return null;
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, reason: e.reason };
    throw e;
  }
}

class JsonScanner {
  i = 0;
  private readonly n: number;
  constructor(private readonly text: string) {
    this.n = text.length;
  }

  fail(reason?: string): never {
    if (this.i >= this.n) throw new Stop(this.n, reason ?? 'unexpected end of input');
    throw new Stop(this.i, reason ?? `unexpected ${JSON.stringify(this.text[this.i])}`);
  }

  /** Fail with `reason` when there is a character here, else with "unexpected end of input". */
  private expected(reason: string): never {
    return this.fail(this.i < this.n ? `${reason}, found ${JSON.stringify(this.text[this.i])}` : undefined);
  }

  ws(): void {
    const t = this.text;
    while (this.i < this.n && (t[this.i] === ' ' || t[this.i] === '\t' || t[this.i] === '\n' || t[this.i] === '\r')) this.i++;
  }

  value(): void {
    this.ws();
    const c = this.text[this.i];
    if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.str();
    else if (c === 't') this.lit('true');
    else if (c === 'f') this.lit('false');
    else if (c === 'n') this.lit('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.num();
    else this.fail();
  }

  private object(): void {
    const t = this.text;
    this.i++;
    this.ws();
    if (t[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (t[this.i] !== '"') this.expected('expected a property name');
      this.str();
      this.ws();
      if (t[this.i] !== ':') this.expected("expected ':'");
      this.i++;
      this.value();
      this.ws();
      if (t[this.i] === ',') this.i++;
      else if (t[this.i] === '}') {
        this.i++;
        return;
      } else this.expected("expected ',' or '}'");
    }
  }

  private array(): void {
    const t = this.text;
    this.i++;
    this.ws();
    if (t[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.ws();
      if (t[this.i] === ',') this.i++;
      else if (t[this.i] === ']') {
        this.i++;
        return;
      } else this.expected("expected ',' or ']'");
    }
  }

  private lit(word: string): void {
    for (const ch of word) {
      if (this.text[this.i] !== ch) this.fail();
      this.i++;
    }
  }

  private str(): void {
    const t = this.text;
    this.i++; // opening quote
    for (;;) {
      if (this.i >= this.n) this.fail('unterminated string');
      const c = t.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      this.i++;
      const e = t[this.i];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.i + 1, this.i + 5))) this.fail('bad \\u escape');
        this.i += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i++;
      else this.fail('bad escape');
    }
  }

  private num(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (!m) this.fail();
    this.i += m[0].length;
  }
}
