import { randomUUID } from 'node:crypto';
import { convertToAttr, unmarshall } from '@aws-sdk/util-dynamodb';
import { stringOf, vtlUtil } from '../apigateway/vtl/util.js';
import { type AppendedError, AppSyncResolverError } from './errors.js';
import { xmlToJsonString, xmlToMap } from './xml-map.js';

/**
 * AppSync's `$util` in VTL templates
 * (https://docs.aws.amazon.com/appsync/latest/devguide/utility-helpers-in-util.html): API
 * Gateway's functions where they are the same (escapeJavaScript, urlEncode, base64...),
 * and AppSync's own. `errors` collects `$util.appendError`; `$util.error` throws.
 */
export function appSyncUtil(options: {
  readonly now: () => number;
  readonly authType: string;
  readonly errors: AppendedError[];
  /** Where `$util.error` leaves its error: velocityjs rewrites the message and name of what a method throws, so the renderer rethrows this one. */
  readonly raised: { error?: AppSyncResolverError };
}) {
  const { now, errors } = options;
  const error = (message: unknown, errorType?: unknown, data?: unknown, errorInfo?: unknown): never => {
    const made = () =>
      new AppSyncResolverError(
        stringOf(message),
        errorType === undefined ? undefined : stringOf(errorType),
        data ?? null,
        errorInfo ?? null,
      );
    options.raised.error = made();
    throw made();
  };
  return {
    ...vtlUtil,
    qr: () => '',
    quiet: () => '',
    toJson: (value: unknown) => JSON.stringify(value ?? null),
    autoId: () => randomUUID(),
    autoUlid: () => ulid(now()),
    error,
    appendError(message: unknown, errorType?: unknown, data?: unknown, errorInfo?: unknown) {
      errors.push({
        message: stringOf(message),
        ...(errorType === undefined ? {} : { errorType: stringOf(errorType) }),
        data: data ?? null,
        errorInfo: errorInfo ?? null,
      });
      return '';
    },
    unauthorized: () => error('Unauthorized', 'Unauthorized'),
    validate(condition: unknown, message: unknown, errorType?: unknown, data?: unknown) {
      if (condition !== true) error(message, errorType ?? 'CustomTemplateException', data);
      return '';
    },
    authType: () => options.authType,
    ...TYPE_HELPERS,
    xml: { toMap: xmlToMap, toJsonString: xmlToJsonString },
    dynamodb: dynamoDbUtil,
    time: timeUtil(now),
    str: {
      toUpper: (value: unknown) => stringOf(value).toUpperCase(),
      toLower: (value: unknown) => stringOf(value).toLowerCase(),
      toReplace: (value: unknown, from: unknown, to: unknown) => stringOf(value).split(stringOf(from)).join(stringOf(to)),
      normalize: (value: unknown, form: unknown) => stringOf(value).normalize(stringOf(form) as 'NFC'),
    },
    math: {
      roundNum: (value: number) => Math.round(value),
      minVal: (a: number, b: number) => Math.min(a, b),
      maxVal: (a: number, b: number) => Math.max(a, b),
      randomDouble: () => Math.random(),
      randomWithinRange: (a: number, b: number) => a + Math.floor(Math.random() * (b - a + 1)),
    },
    list: {
      copyAndRetainAll: (list: unknown[], keep: unknown[]) => list.filter((item) => keep.includes(item)),
      copyAndRemoveAll: (list: unknown[], drop: unknown[]) => list.filter((item) => !drop.includes(item)),
    },
    map: {
      copyAndRetainAllKeys: (map: Record<string, unknown>, keys: string[]) =>
        Object.fromEntries(Object.entries(map).filter(([key]) => keys.includes(key))),
      copyAndRemoveAllKeys: (map: Record<string, unknown>, keys: string[]) =>
        Object.fromEntries(Object.entries(map).filter(([key]) => !keys.includes(key))),
    },
  };
}

const isNull = (value: unknown) => value === null || value === undefined;
const isNullOrEmpty = (value: unknown) => isNull(value) || value === '';
const isNullOrBlank = (value: unknown) => isNull(value) || (typeof value === 'string' && value.trim() === '');

/** `$util`'s checks of a value's type and emptiness, and their defaults. */
const TYPE_HELPERS = {
  isNull,
  isNullOrEmpty,
  isNullOrBlank,
  defaultIfNull: (value: unknown, fallback: unknown) => (isNull(value) ? fallback : value),
  defaultIfNullOrEmpty: (value: unknown, fallback: unknown) => (isNullOrEmpty(value) ? fallback : value),
  defaultIfNullOrBlank: (value: unknown, fallback: unknown) => (isNullOrBlank(value) ? fallback : value),
  isString: (value: unknown) => typeof value === 'string',
  isNumber: (value: unknown) => typeof value === 'number',
  isBoolean: (value: unknown) => typeof value === 'boolean',
  isList: (value: unknown) => Array.isArray(value),
  isMap: (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value),
  typeOf: (value: unknown) => typeOf(value),
  matches: (pattern: unknown, value: unknown) => new RegExp(`^(?:${stringOf(pattern)})$`).test(stringOf(value)),
};

function typeOf(value: unknown): string {
  if (value === null || value === undefined) return 'Null';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'number') return 'Number';
  if (typeof value === 'boolean') return 'Boolean';
  return Array.isArray(value) ? 'List' : 'Map';
}

/** An attribute value in DynamoDB's typed JSON, as `$util.dynamodb.toDynamoDB` writes it (numbers as `N` text, lists as `L`, maps as `M`). */
export function toDynamoDb(value: unknown): Record<string, unknown> {
  return convertToAttr(value ?? null, { convertClassInstanceToMap: true, removeUndefinedValues: true }) as unknown as Record<
    string,
    unknown
  >;
}

/** An item read from DynamoDB as AppSync hands it to a response template: plain values, sets as lists. */
export function fromDynamoDbItem(item: Record<string, unknown>): Record<string, unknown> {
  return plain(unmarshall(item as Parameters<typeof unmarshall>[0])) as Record<string, unknown>;
}

function plain(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(plain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const mapValues = (map: unknown) =>
  Object.fromEntries(Object.entries((map ?? {}) as Record<string, unknown>).map(([key, value]) => [key, toDynamoDb(value)]));

/** `$util.dynamodb`: each `to*` has a `to*Json` twin that writes the same as JSON text. */
const dynamoDbUtil = {
  toDynamoDB: toDynamoDb,
  toDynamoDBJson: (value: unknown) => JSON.stringify(toDynamoDb(value)),
  toMapValues: mapValues,
  toMapValuesJson: (map: unknown) => JSON.stringify(mapValues(map)),
  toString: (value: unknown) => ({ S: stringOf(value) }),
  toStringJson: (value: unknown) => JSON.stringify({ S: stringOf(value) }),
  toNumber: (value: unknown) => ({ N: String(value) }),
  toNumberJson: (value: unknown) => JSON.stringify({ N: String(value) }),
  toBoolean: (value: unknown) => ({ BOOL: value === true }),
  toBooleanJson: (value: unknown) => JSON.stringify({ BOOL: value === true }),
  toNull: () => ({ NULL: true }),
  toNullJson: () => JSON.stringify({ NULL: true }),
  toList: (value: unknown[]) => ({ L: value.map(toDynamoDb) }),
  toListJson: (value: unknown[]) => JSON.stringify({ L: value.map(toDynamoDb) }),
  toMap: (value: unknown) => ({ M: mapValues(value) }),
  toMapJson: (value: unknown) => JSON.stringify({ M: mapValues(value) }),
  toStringSet: (value: unknown[]) => ({ SS: value.map(stringOf) }),
  toStringSetJson: (value: unknown[]) => JSON.stringify({ SS: value.map(stringOf) }),
  toNumberSet: (value: unknown[]) => ({ NS: value.map(String) }),
  toNumberSetJson: (value: unknown[]) => JSON.stringify({ NS: value.map(String) }),
};

/** `$util.time` (https://docs.aws.amazon.com/appsync/latest/devguide/time-helpers-in-util-time.html), on the runtime's clock. */
function timeUtil(now: () => number) {
  return {
    nowISO8601: () => new Date(now()).toISOString(),
    nowEpochSeconds: () => Math.floor(now() / 1000),
    nowEpochMilliSeconds: () => now(),
    nowFormatted: (format: unknown) => formatted(now(), stringOf(format)),
    parseISO8601ToEpochMilliSeconds: (text: unknown) => Date.parse(stringOf(text)),
    epochMilliSecondsToSeconds: (ms: number) => Math.floor(ms / 1000),
    epochMilliSecondsToISO8601: (ms: number) => new Date(ms).toISOString(),
    epochMilliSecondsToFormatted: (ms: number, format: unknown) => formatted(ms, stringOf(format)),
  };
}

/** Java's DateTimeFormatter letters the templates use (yyyy MM dd HH mm ss SSS), in UTC; other letters stay as written. */
function formatted(ms: number, format: string): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const parts: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()),
    MM: pad(d.getUTCMonth() + 1),
    dd: pad(d.getUTCDate()),
    HH: pad(d.getUTCHours()),
    mm: pad(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
    SSS: pad(d.getUTCMilliseconds(), 3),
    Z: '+0000',
  };
  return format.replace(/yyyy|MM|dd|HH|mm|ss|SSS|Z/g, (token) => parts[token] ?? token);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 10 characters of time, 16 random (Crockford's base 32). */
function ulid(ms: number): string {
  let time = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(rest % 32) + time;
    rest = Math.floor(rest / 32);
  }
  const random = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => CROCKFORD.charAt(b % 32)).join('');
  return time + random;
}
