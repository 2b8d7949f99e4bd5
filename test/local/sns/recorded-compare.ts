/**
 * Compares the local runtime's answers with answers recorded against real AWS by LocalStack's
 * snapshot tests (test/conformance/aws-recorded/sns/README.md), modulo the snapshot's
 * transformers: `<kind:N>` placeholders stand for one value each throughout a case (and two
 * numbers of a kind for two different values), `<kind>` for any value, `date` for an ISO
 * time and `timestamp` for epoch milliseconds; the recording's account is 111111111111.
 */

/** What the local runtime answers with: the local account, shown as the recording's. */
const LOCAL_ACCOUNT = '000000000000';
const RECORDED_ACCOUNT = '111111111111';

/** An SDK v3 answer or error, in the shape boto3 gives it (what the snapshots hold). */
export async function answerOf(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    const { $metadata, ...rest } = (await call) as Record<string, unknown> & { $metadata: { httpStatusCode?: number } };
    return { ...rest, ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
  } catch (error) {
    const e = error as Error & { $fault?: string; $metadata?: { httpStatusCode?: number }; Code?: string };
    if (e.$metadata === undefined) throw error;
    return {
      Error: { Code: e.Code ?? e.name, Message: e.message, Type: e.$fault === 'server' ? 'Receiver' : 'Sender' },
      ResponseMetadata: { HTTPStatusCode: e.$metadata.httpStatusCode },
    };
  }
}

/**
 * The snapshot library's view of a value: JSON text inside strings parsed (a message body, a
 * policy), bytes written as Python's `b'...'`, the local account replaced by the recording's.
 */
export function normalise(value: unknown, insideJsonText = false): unknown {
  if (value instanceof Uint8Array) return pythonBytes(value);
  if (Array.isArray(value)) return value.map((item) => normalise(item, insideJsonText));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, member]) => member !== undefined)
        .map(([key, member]) => [key, normalise(member, insideJsonText)]),
    );
  }
  if (typeof value !== 'string') return value;
  const text = value.replaceAll(LOCAL_ACCOUNT, RECORDED_ACCOUNT);
  // One level only: the recordings keep JSON text inside a parsed body (a notification's Message) as text.
  if (!insideJsonText && /^\s*[[{]/.test(text)) {
    try {
      return { [PARSED]: true, value: normalise(JSON.parse(text), true) };
    } catch {
      return text;
    }
  }
  return text;
}

/** Marks a value parsed from JSON text: the order of its members is AWS's own and compared too. */
const PARSED = Symbol('parsed JSON text');

function pythonBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x27) out += "\\'";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `b'${out}'`;
}

/** The placeholders of one case, bound as the comparison meets them. */
export class Bindings {
  readonly #values = new Map<string, string>();
  readonly #owners = new Map<string, string>();

  /** Binds `placeholder` (`<kind:N>`) to `value`, or says why it cannot be. */
  bind(placeholder: string, value: string): string | undefined {
    const bound = this.#values.get(placeholder);
    if (bound !== undefined) return bound === value ? undefined : `${placeholder} is ${JSON.stringify(bound)} elsewhere`;
    const kind = placeholder.replace(/:\d+>$/, '');
    const owner = this.#owners.get(`${kind}\u0000${value}`);
    if (owner !== undefined) return `${JSON.stringify(value)} is already ${owner}`;
    this.#values.set(placeholder, value);
    this.#owners.set(`${kind}\u0000${value}`, placeholder);
    return undefined;
  }

  value(placeholder: string): string | undefined {
    return this.#values.get(placeholder);
  }
}

const PLACEHOLDER = /<([a-z][a-z0-9-]*)(?::(\d+))?>/g;
const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Every difference between a recorded value and the local one, each with its path. */
export function differences(recorded: unknown, actual: unknown, bindings: Bindings, path = '$'): string[] {
  if (isParsed(actual)) {
    const inner = differences(recorded, actual.value, bindings, path);
    const order = memberOrder(recorded, actual.value, path);
    return order ? [...inner, order] : inner;
  }
  if (typeof recorded === 'string') return stringDifference(recorded, actual, bindings, path);
  if (Array.isArray(recorded)) {
    if (!Array.isArray(actual)) return [`${path}: AWS has a list, local has ${describe(actual)}`];
    const out = recorded.length === actual.length ? [] : [`${path}: AWS has ${recorded.length} items, local ${actual.length}`];
    recorded.forEach((item, i) => {
      if (i < actual.length) out.push(...differences(item, actual[i], bindings, `${path}[${i}]`));
    });
    return out;
  }
  if (recorded !== null && typeof recorded === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${path}: AWS has an object, local has ${describe(actual)}`];
    }
    const want = recorded as Record<string, unknown>;
    const have = actual as Record<string, unknown>;
    const out: string[] = [];
    for (const key of Object.keys(want)) {
      if (!(key in have)) out.push(`${path}.${key}: missing locally (AWS: ${describe(want[key])})`);
      else out.push(...differences(want[key], have[key], bindings, `${path}.${key}`));
    }
    for (const key of Object.keys(have)) {
      if (!(key in want)) out.push(`${path}.${key}: not in AWS's answer (local: ${describe(have[key])})`);
    }
    return out;
  }
  return recorded === actual ? [] : [`${path}: AWS ${JSON.stringify(recorded)}, local ${describe(actual)}`];
}

function isParsed(value: unknown): value is { [PARSED]: true; value: unknown } {
  return value !== null && typeof value === 'object' && PARSED in value;
}

/** The members of a JSON document AWS wrote (a notification), in AWS's order. */
function memberOrder(recorded: unknown, actual: unknown, path: string): string | undefined {
  if (recorded === null || typeof recorded !== 'object' || Array.isArray(recorded)) return undefined;
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return undefined;
  const want = Object.keys(recorded).filter((key) => key in actual);
  const have = Object.keys(actual).filter((key) => key in recorded);
  return want.join() === have.join() ? undefined : `${path}: members in the order ${have.join(', ')}; AWS: ${want.join(', ')}`;
}

function stringDifference(recorded: string, actual: unknown, bindings: Bindings, path: string): string[] {
  if (typeof actual !== 'string') {
    if (isParsed(actual)) return [`${path}: AWS ${JSON.stringify(recorded)}, local JSON text`];
    return [`${path}: AWS ${JSON.stringify(recorded)}, local ${describe(actual)}`];
  }
  if (recorded === 'date') return ISO_DATE.test(actual) ? [] : [`${path}: AWS an ISO date, local ${JSON.stringify(actual)}`];
  if (recorded === 'timestamp') return /^\d+$/.test(actual) ? [] : [`${path}: AWS a timestamp, local ${JSON.stringify(actual)}`];
  const names: string[] = [];
  let source = '';
  let last = 0;
  const whole = recorded.replace(PLACEHOLDER, '') === '';
  for (const match of recorded.matchAll(PLACEHOLDER)) {
    source += literal(recorded.slice(last, match.index));
    last = match.index + match[0].length;
    const bound = match[2] === undefined ? undefined : bindings.value(match[0]);
    const earlier = names.indexOf(match[0]);
    if (bound !== undefined) source += literal(bound);
    else if (earlier >= 0 && match[2] !== undefined) source += `\\${earlier + 1}`;
    else {
      names.push(match[0]);
      source += `(${placeholderPattern(match[1] as string, whole)})`;
    }
  }
  source += literal(recorded.slice(last));
  const found = new RegExp(`^${source}$`, 's').exec(actual);
  if (!found) return [`${path}: AWS ${JSON.stringify(recorded)}, local ${JSON.stringify(actual)}`];
  const out: string[] = [];
  names.forEach((name, i) => {
    if (!/:\d+>$/.test(name)) return;
    const problem = bindings.bind(name, found[i + 1] as string);
    if (problem) out.push(`${path}: ${problem} (local ${JSON.stringify(actual)})`);
  });
  return out;
}

function placeholderPattern(kind: string, whole: boolean): string {
  if (kind === 'cert-domain' || kind === 'unsubscribe-domain') return 'https?://[^/]+';
  // A placeholder inside an ARN or URL stands for one of its parts.
  return whole ? '.+' : '[^:/&?=%\\s]+';
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function describe(value: unknown): string {
  if (isParsed(value)) return JSON.stringify(value.value);
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
