/**
 * A small stand-in for LocalStack's snapshot session, enough to compare the local
 * runtime's answers with the answers LocalStack recorded against AWS
 * (test/conformance/aws-recorded/events/README.md): a case records each answer under the
 * recording's key; `result()` applies the same transformers the recording applied.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const RECORDED_DIR = path.join(import.meta.dirname, '../../../conformance/aws-recorded/events');

export interface RecordedCase {
  readonly file: string;
  readonly id: string;
  readonly content: Record<string, unknown>;
}

/** Every recorded case of the folder, by file and test id. */
export function loadRecorded(): RecordedCase[] {
  const files = [
    'test_events',
    'test_archive_and_replay',
    'test_events_tags',
    'test_events_patterns',
    'test_events_schedule',
    'test_events_inputs',
    'test_events_targets',
  ];
  return files.flatMap((file) => {
    const cases = JSON.parse(readFileSync(path.join(RECORDED_DIR, `${file}.json`), 'utf8')) as Record<
      string,
      { 'recorded-content': Record<string, unknown> }
    >;
    return Object.entries(cases).map(([id, recorded]) => ({ file, id, content: recorded['recorded-content'] }));
  });
}

type Answer = Record<string, unknown>;

/** What the SDK v3 gave back, shaped as botocore's response dict (ResponseMetadata without headers). */
export function answerOf(output: { $metadata?: { httpStatusCode?: number } } & object): Answer {
  const { $metadata, ...rest } = output;
  return { ...rest, ResponseMetadata: { HTTPStatusCode: $metadata?.httpStatusCode } };
}

/** A ClientError's `response` as botocore gives it. */
export function errorOf(error: unknown): Answer {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata === undefined) throw error;
  return { Error: { Code: e.name, Message: e.message }, ResponseMetadata: { HTTPStatusCode: e.$metadata.httpStatusCode } };
}

/** Runs `call`, which must fail, and returns its error as botocore's response. */
export async function failure(call: () => Promise<unknown>): Promise<Answer> {
  try {
    await call();
  } catch (error) {
    return errorOf(error);
  }
  throw new Error('the call succeeded; the recording expects an error');
}

export class Snapshot {
  readonly #recorded: Answer = {};
  readonly #regexes: [string, string][] = [];
  readonly #keyValues: [string, string, boolean][] = [];
  readonly #sorts: [string, string][] = [];
  readonly #skipped: string[][] = [];
  readonly #atPaths: [string[], string][] = [];

  constructor(private readonly defaults: { accountId: string; region: string }) {}

  match(key: string, value: unknown): void {
    this.#recorded[key] = value;
  }

  /** snapshot.transform.regex: every occurrence of `text` becomes `replacement`. */
  regex(text: string, replacement: string): void {
    this.#regexes.push([text, replacement]);
  }

  /**
   * snapshot.transform.key_value / jsonpath: each distinct value of `key` becomes `<name:N>`;
   * with `reference: false` (reference_replacement=False) every value becomes `name` as it is.
   */
  keyValue(key: string, name: string, { reference = true }: { readonly reference?: boolean } = {}): void {
    this.#keyValues.push([key, name, reference]);
  }

  /**
   * snapshot.transform.jsonpath(path, value_replacement, reference_replacement=False): the value
   * at `path` (keys from the top, `*` for each item of a list) becomes `replacement` as it is.
   */
  replaceAt(path: string, replacement: string): void {
    this.#atPaths.push([path.split('.'), replacement]);
  }

  /** SortingTransformer: the list under `key` sorted by each item's `by`. */
  sortBy(key: string, by: string): void {
    this.#sorts.push([key, by]);
  }

  /**
   * markers.snapshot.skip_snapshot_verify(paths=["$..<path>"]): the test does not compare what
   * lies under `path` (dotted keys, found at any depth), on either side (`verifiable`).
   */
  skipVerify(path: string): void {
    this.#skipped.push(path.split('.'));
  }

  /** An answer (recorded or live) without what the test does not verify. */
  verifiable(answer: Answer): Answer {
    const without = (value: unknown, trail: string[]): unknown => {
      if (Array.isArray(value)) return value.map((item) => without(item, trail));
      if (value === null || typeof value !== 'object') return value;
      const kept = Object.entries(value).filter(([key]) => {
        const at = [...trail, key];
        return !this.#skipped.some((skip) => skip.every((part, i) => at[at.length - skip.length + i] === part));
      });
      return Object.fromEntries(kept.map(([key, inner]) => [key, without(inner, [...trail, key])]));
    };
    return without(answer, []) as Answer;
  }

  /** The answers recorded, transformed as LocalStack's snapshot session transforms them. */
  result(): Answer {
    // Datetimes become "datetime" and strings that begin with `{` are parsed (once).
    const plain = normalise(this.#recorded) as Answer;
    for (const [key, by] of this.#sorts) sortLists(plain, key, by);
    for (const [path, replacement] of this.#atPaths) replaceAtPath(plain, path, replacement);
    timestamps(plain);
    const references = new Map<string, string>();
    const counters = new Map<string, number>();
    const reference = (value: string, name: string) => {
      const seen = references.get(value);
      if (seen) return seen;
      const n = (counters.get(name) ?? 0) + 1;
      counters.set(name, n);
      const replacement = `<${name}:${n}>`;
      references.set(value, replacement);
      return replacement;
    };
    replaceValues(plain, (key, value) => {
      const named = this.#keyValues.find(([k]) => k === key);
      if (named) return named[2] ? reference(value, named[1]) : named[1];
      if (UUID.test(value)) return reference(value, 'uuid');
      return value;
    });
    // Replacements apply to values only: the recording's keys keep the region they name.
    const regexes: [string, string][] = [
      ...this.#regexes,
      [this.defaults.accountId, '111111111111'],
      [this.defaults.region, '<region>'],
      ['arn:aws:', 'arn:<partition>:'],
    ];
    replaceValues(plain, (_key, value) => regexes.reduce((text, [from, to]) => text.split(from).join(to), value.replace(ISO8601, 'date')));
    return plain;
  }
}

/** The session's RegexTransformer(PATTERN_ISO8601, "date"): a timestamp anywhere in a string. */
const ISO8601 = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})/g;

/**
 * The session's timestamp transformer: a value under a key that names a timestamp (or
 * `creationTime`, `ingestionTime`), unless an ISO 8601 text, becomes "timestamp".
 */
function timestamps(value: unknown): void {
  if (Array.isArray(value)) for (const item of value) timestamps(item);
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const [key, inner] of Object.entries(record)) {
      const named = /timestamp/i.test(key) || key === 'creationTime' || key === 'ingestionTime';
      if (named && inner !== null && typeof inner !== 'object' && !new RegExp(ISO8601.source).test(String(inner)))
        record[key] = 'timestamp';
      else timestamps(inner);
    }
  }
}

function replaceAtPath(value: unknown, path: readonly string[], replacement: string): void {
  const [head, ...rest] = path;
  if (head === undefined || value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(record) : [head];
  for (const key of keys) {
    if (!(key in record)) continue;
    if (rest.length === 0) record[key] = replacement;
    else replaceAtPath(record[key], rest, replacement);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function normalise(value: unknown): unknown {
  if (value instanceof Date) return 'datetime';
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  // As the session's _transform_dict_to_parseable_values: a string that begins with `{` is
  // parsed, once; the strings inside what it parsed stay as they are (an SNS message's Message).
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

function sortLists(value: unknown, key: string, by: string): void {
  if (Array.isArray(value)) for (const item of value) sortLists(item, key, by);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key && Array.isArray(v)) v.sort((a, b) => String(a[by]).localeCompare(String(b[by])));
      sortLists(v, key, by);
    }
  }
}

function replaceValues(value: unknown, replace: (key: string, value: string) => string): void {
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') (value as Record<string, unknown>)[k] = replace(k, v);
    else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (typeof item === 'string') v[i] = replace(k, item);
        else replaceValues(item, replace);
      });
    } else replaceValues(v, replace);
  }
}
