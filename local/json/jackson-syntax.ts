/**
 * Why a JSON text does not parse, worded as AWS's Java services word it: their parser is
 * Jackson's (jackson-core 2.12 and later), so Step Functions' InvalidExecutionInput and
 * INVALID_JSON_DESCRIPTION texts and SNS's `failed to parse JSON.` reasons are Jackson's (`Unrecognized token 'not': was expecting (JSON String, Number, Array,
 * Object or token 'null', 'true' or 'false')`, AWS's recorded answers), located by line and
 * column as Jackson locates them: just past the character or token it stopped at.
 */

export interface JacksonSyntaxError {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

const VALID_TOKENS = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/** A character as Jackson shows it in its messages: `'x' (code 120)`, control characters by name. */
function shown(c: string): string {
  const code = c.codePointAt(0) as number;
  return code < 32 ? `(CTRL-CHAR, code ${code})` : `'${c}' (code ${code})`;
}

class Stop {
  constructor(
    readonly message: string,
    readonly at: number,
  ) {}
}

/** A recursive-descent reading of the first JSON value that stops, as Jackson does, at the first thing it cannot read. */
class Reader {
  i = 0;
  constructor(readonly text: string) {}

  fail(message: string, at = this.i): never {
    throw new Stop(message, at);
  }

  /** The next character past whitespace, not consumed; '' at the end. */
  peek(): string {
    while (this.i < this.text.length && ' \t\r\n'.includes(this.text[this.i] as string)) this.i++;
    return this.text[this.i] ?? '';
  }

  unexpected(what: string): never {
    const c = this.text[this.i] as string;
    this.fail(`Unexpected character (${shown(c)}): ${what}`, this.i + 1);
  }

  value(): void {
    const c = this.peek();
    if (c === '') this.fail(`Unexpected end-of-input: expected a valid value ${VALID_TOKENS}`);
    else if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.string();
    else if (c === '-' || (c >= '0' && c <= '9')) this.number();
    else if (/[\p{L}_$]/u.test(c)) this.word();
    else this.unexpected(`expected a valid value ${VALID_TOKENS}`);
  }

  /** `true`, `false`, `null`; any other word is an unrecognized token, read as far as it goes. */
  word(): void {
    const start = this.i;
    while (this.i < this.text.length && /[\p{L}\p{N}_$]/u.test(this.text[this.i] as string)) this.i++;
    const token = this.text.slice(start, this.i);
    if (token !== 'true' && token !== 'false' && token !== 'null')
      this.fail(`Unrecognized token '${token}': was expecting ${VALID_TOKENS}`);
  }

  number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.i));
    if (!match) this.fail('Invalid numeric value: Missing integer part', this.i + 1);
    this.i += match[0].length;
  }

  string(): void {
    this.i++;
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) this.fail('Unexpected end-of-input: was expecting closing quote for a string value');
      this.i++;
      if (c === '"') return;
      if (c < ' ') this.fail(`Illegal unquoted character (${shown(c)}): has to be escaped using backslash to be included in string value`);
      if (c === '\\') {
        const e = this.text[this.i++];
        if (e === undefined) this.fail('Unexpected end-of-input in character escape sequence');
        if (e === 'u' && !/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i, this.i + 4)))
          this.fail('Unexpected character in unicode escape: expected a hex-digit');
        if (!'"\\/bfnrtu'.includes(e)) this.fail(`Unrecognized character escape ${shown(e)}`);
        if (e === 'u') this.i += 4;
      }
    }
  }

  object(): void {
    this.i++;
    if (this.peek() === '}') {
      this.i++;
      return;
    }
    for (;;) {
      const c = this.peek();
      if (c === '') this.fail('Unexpected end-of-input: expected close marker for OBJECT');
      if (c !== '"') this.unexpected('was expecting double-quote to start field name');
      this.string();
      if (this.peek() !== ':') {
        if (this.text[this.i] === undefined) this.fail('Unexpected end-of-input: expected close marker for OBJECT');
        this.unexpected('was expecting a colon to separate field name and value');
      }
      this.i++;
      this.value();
      const next = this.peek();
      if (next === '}') {
        this.i++;
        return;
      }
      if (next === '') this.fail('Unexpected end-of-input: expected close marker for OBJECT');
      if (next !== ',') this.unexpected('was expecting comma to separate Object entries');
      this.i++;
    }
  }

  array(): void {
    this.i++;
    if (this.peek() === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      const next = this.peek();
      if (next === ']') {
        this.i++;
        return;
      }
      if (next === '') this.fail('Unexpected end-of-input: expected close marker for ARRAY');
      if (next !== ',') this.unexpected('was expecting comma to separate Array entries');
      this.i++;
    }
  }
}

/**
 * Jackson's reason for refusing `text`, or undefined when its first value reads (what follows
 * it is then the caller's to judge, as Jackson leaves trailing content to its caller).
 */
export function jacksonSyntaxError(text: string): JacksonSyntaxError | undefined {
  const reader = new Reader(text);
  try {
    reader.value();
    return undefined;
  } catch (stop) {
    if (!(stop instanceof Stop)) throw stop;
    const before = text.slice(0, stop.at);
    const lineStart = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) + 1;
    return { message: stop.message, line: (before.match(/\r\n|\r|\n/g)?.length ?? 0) + 1, column: stop.at - lineStart + 1 };
  }
}

/** Jackson's source location: the text quoted (its first 500 characters), then line and column. */
export function jacksonLocation(text: string, error: JacksonSyntaxError): string {
  const source = text.length > 500 ? `${text.slice(0, 500)}"[truncated ${text.length - 500} chars]` : `${text}"`;
  return `[Source: (String)"${source}; line: ${error.line}, column: ${error.column}]`;
}

/**
 * Jackson's source location since 2.16, where quoting the source is off by default (SNS's
 * attribute policies, recorded on AWS): the source redacted, then line and column. Since 2.17
 * (jackson-core#1173) an unexpected character is located at itself rather than just past it
 * (`{invalidjson}`: column 2); an unrecognized token still just past it (`invalid-json`: column 8).
 */
export function jacksonRedactedLocation(error: JacksonSyntaxError): string {
  const column = error.message.startsWith('Unexpected character') ? Math.max(1, error.column - 1) : error.column;
  return `[Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: ${error.line}, column: ${column}]`;
}

/** `<Jackson's reason>\n at <location, source redacted>`, or undefined when the text's first value reads. */
export function jacksonRedactedReason(text: string): string | undefined {
  const error = jacksonSyntaxError(text);
  return error ? `${error.message}\n at ${jacksonRedactedLocation(error)}` : undefined;
}
