import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';

/**
 * Comparing the local runtime's answers with answers recorded against real AWS (LocalStack's
 * snapshot tests, test/conformance/aws-recorded/): the recordings' placeholders bind live
 * values, and bytes are shown as botocore shows them. Shared by the SQS, DynamoDB and Lambda replays.
 */

/** Uint8Array as Python's repr of bytes (how the recordings show BinaryValue). */
export function pythonShape(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    let text = '';
    for (const byte of value) {
      if (byte === 0x27 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
      else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
      else text += `\\x${byte.toString(16).padStart(2, '0')}`;
    }
    return `b'${text}'`;
  }
  if (Array.isArray(value)) return value.map(pythonShape);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = pythonShape(inner);
    return out;
  }
  return value;
}

const PLACEHOLDER = /^<[^<>]+>$/;
/** A placeholder with a number (`<uuid:1>`) stands for one value; one without (`<table-status>`) for any, as the transformers replaced every value of the key alike. */
const NUMBERED = /:\d+>$/;
/**
 * Placeholders inside a string: `<...>`, the recordings' account, and `date` before a tab,
 * where LocalStack's transformers replaced a log line's time (`[INFO]\tdate\t<request-id>\t...`).
 */
const EMBEDDED = /<[^<>]+>|111111111111|(?<=^|\t)date(?=\t)/g;
const LOG_TIME = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z';

/**
 * The differences between a recorded answer and a live one, as `path: recorded ≠ live`
 * lines (none when they match). `pairs` carries the placeholder bindings across the answers
 * of one test, so that `<uuid:1>` is one message id throughout.
 */
export function differences(recordedValue: unknown, live: unknown, pairs = new Bindings(), path = '$'): string[] {
  // A placeholder for any value stands for a number too (Lambda's `<code-size>`).
  if (typeof recordedValue === 'string' && PLACEHOLDER.test(recordedValue) && !NUMBERED.test(recordedValue)) return [];
  // An epoch-milliseconds number (SQS's StartedTimestamp, a JSON Long) the transformers replaced alike.
  if (recordedValue === 'timestamp' && typeof live === 'number') return Number.isInteger(live) ? [] : [`${path}: a timestamp ≠ ${live}`];
  if (typeof recordedValue === 'string' && typeof live === 'string') {
    if (recordedValue === 'timestamp') return /^\d+$/.test(live) ? [] : [`${path}: a timestamp ≠ ${JSON.stringify(live)}`];
    // Lambda's LastModified (`2026-05-01T10:00:00.000+0000`), which the recordings replace with `date`.
    if (recordedValue === 'date')
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(live) ? [] : [`${path}: a date ≠ ${JSON.stringify(live)}`];
    if (PLACEHOLDER.test(recordedValue))
      return pairs.bind(recordedValue, live) ? [] : [`${path}: ${recordedValue} bound elsewhere ≠ ${live}`];
    const embedded = recordedValue.match(EMBEDDED);
    if (embedded) {
      const literal = recordedValue.split(EMBEDDED).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      const pattern = literal.reduce((text, part, i) => `${text}${embedded[i - 1] === 'date' ? LOG_TIME : '(.+?)'}${part}`);
      return new RegExp(`^${pattern}$`).test(live) ? [] : [`${path}: ${JSON.stringify(recordedValue)} ≠ ${JSON.stringify(live)}`];
    }
  }
  if (Array.isArray(recordedValue) && Array.isArray(live)) {
    if (recordedValue.length !== live.length) return [`${path}: ${recordedValue.length} items ≠ ${live.length} items`];
    return recordedValue.flatMap((item, i) => differences(item, live[i], pairs, `${path}[${i}]`));
  }
  if (isObject(recordedValue) && isObject(live)) {
    const keys = [...new Set([...Object.keys(recordedValue), ...Object.keys(live)])].sort();
    return keys.flatMap((key) => {
      if (!(key in live)) return [`${path}.${key}: recorded ${JSON.stringify(recordedValue[key])}, absent`];
      if (!(key in recordedValue)) return [`${path}.${key}: absent in the recording, ${JSON.stringify(live[key])}`];
      return differences(recordedValue[key], live[key], pairs, `${path}.${key}`);
    });
  }
  return JSON.stringify(recordedValue) === JSON.stringify(live)
    ? []
    : [`${path}: ${JSON.stringify(recordedValue)} ≠ ${JSON.stringify(live)}`];
}

/**
 * The differences between a test's recorded answers and its live ones, keyed alike (`<key>: not
 * replayed` for a recorded answer with no live one), the placeholders bound across them all;
 * each recorded answer goes through `asCompared` first.
 */
export function caseDifferences(
  recorded: Record<string, unknown>,
  live: Record<string, unknown>,
  asCompared: (answer: unknown) => unknown = (answer) => answer,
): string[] {
  const pairs = new Bindings();
  return Object.keys(recorded).flatMap((key) =>
    key in live ? differences(asCompared(recorded[key]), live[key], pairs, key) : [`${key}: not replayed`],
  );
}

/**
 * A live answer as LocalStack's snapshot keeps one: a string that is a JSON object (it begins
 * with `{`) is parsed, once (the strings inside what it parsed are kept as they are); anything else
 * as it is. `nested` parses the strings inside too, as a test's `JsonStringTransformer` does (the
 * destination tests' message bodies).
 */
export function parsedAsSnapshot(value: unknown, { nested = false }: { readonly nested?: boolean } = {}): unknown {
  const parsed = (inner: unknown) => parsedAsSnapshot(inner, { nested });
  if (Array.isArray(value)) return value.map(parsed);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, parsed(inner)]));
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      const json = JSON.parse(value) as unknown;
      return nested ? parsed(json) : json;
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * A recorded error answer without botocore's top-level copy of `Error.Message` (newer botocore adds
 * it; older recordings lack it): `message`, or `Message` as a REST-JSON error's modelled member
 * (Scheduler's ValidationException).
 */
export function withoutMessageCopy(answer: unknown): unknown {
  if (!isObject(answer) || !isObject(answer.Error)) return answer;
  const copy = ['message', 'Message'].find((key) => key in answer && answer[key] === (answer.Error as Record<string, unknown>).Message);
  if (copy === undefined) return answer;
  const { [copy]: _copy, ...rest } = answer;
  return rest;
}

/** An SDK v3 output as the recordings show botocore's: a timestamp member (a Date here) as `datetime`, bytes as Python's, undefined members left out. */
export function botoShape(value: unknown): unknown {
  if (value instanceof Date) return 'datetime';
  if (Array.isArray(value)) return value.map(botoShape);
  if (isObject(value) && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, botoShape(v)]])));
  }
  return pythonShape(value);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A one-to-one pairing of recorded placeholders and live values. */
export class Bindings {
  readonly #forward = new Map<string, string>();
  readonly #backward = new Map<string, string>();

  bind(placeholder: string, live: string): boolean {
    const known = this.#forward.get(placeholder);
    const owner = this.#backward.get(live);
    if (known === undefined && owner === undefined) {
      this.#forward.set(placeholder, live);
      this.#backward.set(live, placeholder);
      return true;
    }
    return known === live && owner === placeholder;
  }
}

/**
 * A service's replays as tests: one that every recorded test has a replay, and one a replay
 * that its answers are AWS's (compare names no difference); `context` is read when a replay runs.
 *
 * npm test replays every twentieth recorded test of each category (`categoryOf`: the recording's
 * test class or file; by default the class a `Class::test` name starts with), the first of each
 * among them, so that every category keeps one; it leaves out those that wait out a timeout in
 * real time (`realTime`: a running invocation or an activity's worker keeps the runtime's clock
 * from moving past it). npm run test:conformance (SWITCHYARD_CONFORMANCE=1), which CI runs,
 * replays every one; Step Functions' and Lambda's replays, the longest, run only there
 * (vitest.config.ts's LONG_REPLAYS).
 */
const REPLAY_ALL = process.env.SWITCHYARD_CONFORMANCE !== undefined;
const SAMPLE_EVERY = 20;

export function itAnswersAsRecorded<C, A>(
  cases: Readonly<Record<string, (context: C) => Promise<A>>>,
  recordedTests: () => string[],
  compare: (test: string, live: A) => string[],
  context: () => C,
  {
    realTime = [],
    sampleEvery = SAMPLE_EVERY,
    timeoutMs = 20_000,
    categoryOf = testClassOf,
  }: {
    readonly realTime?: readonly string[];
    /** npm test's share, for a replay whose every test runs functions (a queue's mapping): one in so many of each category. */
    readonly sampleEvery?: number;
    /** How long one replay may take (one that waits for functions that sleep takes longer). */
    readonly timeoutMs?: number;
    readonly categoryOf?: (test: string) => string;
  } = {},
): void {
  it('replays every recorded test it holds', () => {
    expect(Object.keys(cases).sort()).toEqual(recordedTests().sort());
    expect(realTime.filter((test) => !Object.hasOwn(cases, test))).toEqual([]);
  });

  it.each(testsToReplay(Object.keys(cases), { realTime, categoryOf, sampleEvery }))(
    'answers %s as AWS did',
    async (test) => {
      const replay = cases[test];
      if (!replay) throw new Error(`no replay for ${test}`);
      expect(compare(test, await replay(context()))).toEqual([]);
    },
    timeoutMs,
  );
}

/**
 * The tests a replay runs: every one under npm run test:conformance (SWITCHYARD_CONFORMANCE=1),
 * npm test's sample otherwise (sampledTests).
 */
export function testsToReplay(
  names: readonly string[],
  {
    realTime = [],
    categoryOf = testClassOf,
    sampleEvery = SAMPLE_EVERY,
  }: { readonly realTime?: readonly string[]; readonly categoryOf?: (test: string) => string; readonly sampleEvery?: number } = {},
): string[] {
  return REPLAY_ALL ? [...names] : sampledTests(names, realTime, categoryOf, sampleEvery);
}

/** A `Class::test` name's class; '' for a name with none. */
const testClassOf = (test: string): string => (test.includes('::') ? test.slice(0, test.indexOf('::')) : '');

/** Every `every`-th test of each category, from its first, leaving out those that run in real time. */
export function sampledTests(
  names: readonly string[],
  realTime: readonly string[],
  categoryOf: (test: string) => string,
  every = SAMPLE_EVERY,
): string[] {
  const seen = new Map<string, number>();
  return names.filter((test) => {
    if (realTime.includes(test)) return false;
    const category = categoryOf(test);
    const index = seen.get(category) ?? 0;
    seen.set(category, index + 1);
    return index % every === 0;
  });
}

/** A difference from AWS's recorded answer that the local runtime still has, with why. */
export interface KnownDifference {
  /** The recorded test's name. */
  readonly test: string;
  /** Where in the answers it is found (a difference's path). */
  readonly path: RegExp;
  readonly reason: string;
}

/**
 * A replay's list of known differences: each must still occur when its test runs, so that one
 * that is gone is taken off the list (`gone`, checked by the replay's last test).
 */
export class KnownDifferences {
  readonly #ran = new Set<string>();
  readonly #met = new Set<KnownDifference>();

  constructor(private readonly list: readonly KnownDifference[]) {}

  /** The differences of a test not on the list; marks the listed ones found. */
  unexpected(test: string, found: readonly string[]): string[] {
    this.#ran.add(test);
    return found.filter((difference) => {
      const path = difference.slice(0, difference.indexOf(':'));
      const known = this.list.find((k) => k.test === test && k.path.test(path));
      if (known) this.#met.add(known);
      return known === undefined;
    });
  }

  /** The listed differences of the tests that ran that did not occur. */
  gone(): KnownDifference[] {
    return this.list.filter((k) => this.#ran.has(k.test) && !this.#met.has(k));
  }
}

/** An HTTP answer as it came, before the SDK read it: what botocore's report of it is made from. */
export interface RawAnswer {
  readonly status: number;
  /** By lower-case name. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** An AWS SDK client whose middleware a replay may add to (any service's). */
interface MiddlewareClient {
  readonly middlewareStack: { add(middleware: never, options: { step: 'deserialize'; priority: 'low'; name: string }): void };
}

/**
 * Keeps the last HTTP answer `client` got, read inside its deserializer (before the SDK turns
 * it into output or an exception) and put back for it: the returned function gives it.
 */
export function keepRawAnswers(client: MiddlewareClient): () => RawAnswer | undefined {
  let raw: RawAnswer | undefined;
  const keep =
    (next: (args: unknown) => Promise<{ response: unknown }>) =>
    async (args: unknown): Promise<{ response: unknown }> => {
      const out = await next(args);
      const response = out.response as { statusCode: number; headers: Record<string, string>; body: AsyncIterable<Uint8Array> };
      const chunks: Uint8Array[] = [];
      for await (const chunk of response.body) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      response.body = Readable.from([body]);
      raw = { status: response.statusCode, headers: response.headers, body: body.toString('utf8') };
      return out;
    };
  client.middlewareStack.add(keep as never, { step: 'deserialize', priority: 'low', name: 'keepRawAnswer' });
  return () => raw;
}

/**
 * A recorded answer whose values under the keys of `literals` that are the text a transformer
 * put there without a reference (`reference_replacement=False`: `"sequencer"`, `"amz-id"`) stand
 * for any value, as the placeholder `<sequencer>` does.
 */
export function anyValueUnder(answer: unknown, literals: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(answer)) return answer.map((item) => anyValueUnder(item, literals));
  if (!isObject(answer)) return answer;
  return Object.fromEntries(
    Object.entries(answer).map(([key, value]) => [
      key,
      Object.hasOwn(literals, key) && value === literals[key] ? `<${value}>` : anyValueUnder(value, literals),
    ]),
  );
}

/**
 * An answer (recorded or live) without the values at `paths` (dotted keys from the top, `*` for
 * any key), which a test's `skip_snapshot_verify` leaves out on both sides.
 */
export function withoutPaths<T>(answer: T, paths: readonly string[]): T {
  const without = (value: unknown, path: readonly string[]): unknown => {
    const [head, ...rest] = path;
    if (head === undefined || !isObject(value)) return value;
    return Object.fromEntries(
      Object.entries(value).flatMap(([key, inner]) => {
        if (head !== '*' && head !== key) return [[key, inner]];
        return rest.length === 0 ? [] : [[key, without(inner, rest)]];
      }),
    );
  };
  return paths.reduce<unknown>((kept, path) => without(kept, path.split('.')), answer) as T;
}

/** Snapshot files of LocalStack's (`<name>.snapshot.json`): each recorded test's `recorded-content`, by test name, the files' tests together. */
export function recordedContents(files: readonly URL[]): Readonly<Record<string, Record<string, unknown>>> {
  const contents: Record<string, Record<string, unknown>> = {};
  for (const file of files) {
    const tests = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { 'recorded-content'?: unknown }>;
    for (const [test, recorded] of Object.entries(tests)) {
      if (!isObject(recorded['recorded-content'])) throw new Error(`${file.pathname}: ${test} has no recorded-content`);
      contents[test] = recorded['recorded-content'];
    }
  }
  return contents;
}

/**
 * itAnswersAsRecorded for replays whose cases need no context, against snapshot files
 * (recordedContents): each case's live answers compared with its recorded content (caseDifferences,
 * each recorded answer through `asCompared`), without the paths `skipped` names for it (withoutPaths);
 * with `known`, the differences it lists are left out, and a last test checks that each still occurs.
 */
export function itAnswersAsSnapshot(
  cases: Readonly<Record<string, () => Promise<Record<string, unknown>>>>,
  files: readonly URL[],
  {
    asCompared,
    skipped = {},
    known,
  }: {
    readonly asCompared?: (answer: unknown) => unknown;
    readonly skipped?: Readonly<Record<string, readonly string[]>>;
    readonly known?: KnownDifferences;
  } = {},
): void {
  const recorded = recordedContents(files);
  itAnswersAsRecorded(
    cases,
    () => Object.keys(recorded),
    (test, live) => {
      const content = recorded[test];
      if (content === undefined) throw new Error(`no recorded case ${test}`);
      const paths = skipped[test] ?? [];
      const found = caseDifferences(withoutPaths(content, paths), withoutPaths(live, paths), asCompared);
      return known ? known.unexpected(test, found) : found;
    },
    () => undefined,
  );
  if (known) {
    it('meets every known difference of the tests that ran, so none is listed that is gone', () => {
      expect(known.gone().map((k) => `${k.test}: ${k.reason}`)).toEqual([]);
    });
  }
}
