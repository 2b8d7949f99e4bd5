import { randomBytes } from 'node:crypto';
import type { AppendedError } from '../errors.js';
import { toSubscriptionFilter } from '../subscription-filters.js';
import { appSyncUtil, toDynamoDb } from '../vtl-util.js';
import { codeError } from './code-errors.js';
import { filterExpression } from './filter-expressions.js';

/** What one handler's `util` reports to its evaluation: the errors `util.appendError` collected. */
export interface UtilState {
  readonly now: () => number;
  readonly authType: string;
  readonly errors: AppendedError[];
  /** Where `util.http.addResponseHeader` sends a header for the GraphQL response; without one, the call fails naming itself. */
  readonly addResponseHeader?: (name: string, value: string) => void;
}

/**
 * `util` of `@aws-appsync/utils` as the APPSYNC_JS runtime has it
 * (https://docs.aws.amazon.com/appsync/latest/devguide/built-in-util-js.html): VTL's `$util`
 * where the two are the same (one implementation, `../vtl-util.ts`: error, appendError, autoId,
 * autoUlid, the type checks, time, str, math, dynamodb, xml, escapeJavaScript, url and base64), less
 * what only templates have (qr, quiet, toJson, the `*Json` converters), plus what only
 * JavaScript has: autoKsuid, `util.transform`'s DynamoDB expressions, `util.dynamodb`'s
 * binary and S3 converters.
 */
export function appSyncJsUtil(state: UtilState) {
  const { qr: _qr, quiet: _quiet, toJson: _toJson, parseJson: _parseJson, dynamodb, ...shared } = appSyncUtil({ ...state, raised: {} });
  return {
    ...shared,
    autoKsuid: () => ksuid(state.now()),
    http: httpUtil(state),
    transform: {
      toDynamoDBFilterExpression: (filter: unknown) =>
        JSON.stringify(filterExpression(filter, 'util.transform.toDynamoDBFilterExpression')),
      toDynamoDBConditionExpression: (condition: unknown) =>
        JSON.stringify(filterExpression(condition, 'util.transform.toDynamoDBConditionExpression')),
      toElasticsearchQueryDSL: unsupported('util.transform.toElasticsearchQueryDSL (OpenSearch data sources do not run locally)'),
      toSubscriptionFilter,
    },
    dynamodb: {
      ...Object.fromEntries(Object.entries(dynamodb).filter(([name]) => !name.endsWith('Json'))),
      toDynamoDB: (value: unknown) => toDynamoDb(value),
      toBinary: (value: unknown) => (value === null || value === undefined ? null : { B: String(value) }),
      toBinarySet: (values: unknown) => (Array.isArray(values) ? { BS: values.map(String) } : null),
      toS3Object: (key: unknown, bucket: unknown, region: unknown, version?: unknown) => ({
        S: JSON.stringify({ s3: { key, bucket, region, ...(version === undefined ? {} : { version }) } }),
      }),
      fromS3ObjectJson: (text: unknown) => {
        const parsed = JSON.parse(String(text)) as { s3?: unknown };
        if (typeof parsed !== 'object' || parsed === null || parsed.s3 === undefined) {
          throw codeError(`util.dynamodb.fromS3ObjectJson takes what toS3Object wrote ({"s3":{...}}), not ${String(text)}`);
        }
        return parsed.s3;
      },
    },
  };
}

/** Headers `util.http.copyHeaders` leaves out (https://docs.aws.amazon.com/appsync/latest/devguide/http-helpers-in-utils-http-js.html). */
const RESTRICTED_HEADERS = new Set([
  'transfer-encoding',
  'connection',
  'host',
  'expect',
  'keep-alive',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'content-length',
]);

/** Response headers a resolver may not set, beyond those copyHeaders leaves out (same page). */
const RESTRICTED_RESPONSE_HEADERS = new Set([
  'access-control-allow-credentials',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'access-control-max-age',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'vary',
  'content-type',
]);

/**
 * `util.http`: copyHeaders, and the response headers, which AWS refuses (as a
 * `ResponseHeaderError` in the response's errors) when the name is empty or restricted or
 * the value null.
 */
function httpUtil(state: UtilState) {
  const add = (name: unknown, value: unknown) => {
    const lower = String(name ?? '').toLowerCase();
    const refused =
      lower === '' ||
      RESTRICTED_HEADERS.has(lower) ||
      RESTRICTED_RESPONSE_HEADERS.has(lower) ||
      lower.startsWith('x-amz-') ||
      lower.startsWith('x-amzn-') ||
      value === null ||
      value === undefined;
    if (refused) {
      state.errors.push({
        message: `the response header ${JSON.stringify(name)} is restricted, empty or has no value`,
        errorType: 'ResponseHeaderError',
      });
      return;
    }
    if (state.addResponseHeader === undefined) {
      throw codeError('util.http.addResponseHeader: this caller of the local APPSYNC_JS evaluator takes no response headers');
    }
    state.addResponseHeader(String(name), typeof value === 'string' ? value : JSON.stringify(value));
  };
  return {
    copyHeaders: (headers: unknown) =>
      Object.fromEntries(
        Object.entries(typeof headers === 'object' && headers !== null ? headers : {}).filter(
          ([name]) => !RESTRICTED_HEADERS.has(name.toLowerCase()),
        ),
      ),
    addResponseHeader: add,
    addResponseHeaders: (headers: unknown) => {
      for (const [name, value] of Object.entries(typeof headers === 'object' && headers !== null ? headers : {})) add(name, value);
    },
  };
}

/** A util function AppSync has and the local runtime does not: it fails naming itself, never answering as if it had worked. */
function unsupported(what: string) {
  return (): never => {
    throw codeError(`${what} is not supported by the local APPSYNC_JS runtime`);
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** KSUID's epoch, 2014-05-13T16:53:20Z (https://github.com/segmentio/ksuid). */
const KSUID_EPOCH_SECONDS = 1_400_000_000;

/** A KSUID: 4 bytes of seconds since KSUID's epoch and 16 random, in 27 base-62 characters. */
export function ksuid(nowMs: number): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(Math.max(0, Math.floor(nowMs / 1000) - KSUID_EPOCH_SECONDS), 0);
  randomBytes(16).copy(bytes, 4);
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62.charAt(Number(n % 62n)) + out;
    n /= 62n;
  }
  return out.padStart(27, '0');
}
