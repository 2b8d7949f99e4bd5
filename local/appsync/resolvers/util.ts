import { randomBytes } from 'node:crypto';
import type { AppendedError } from '../errors.js';
import { appSyncUtil, toDynamoDb } from '../vtl-util.js';
import { codeError } from './code-errors.js';
import { filterExpression } from './filter-expressions.js';

/** What one handler's `util` reports to its evaluation: the errors `util.appendError` collected. */
export interface UtilState {
  readonly now: () => number;
  readonly authType: string;
  readonly errors: AppendedError[];
}

/**
 * `util` of `@aws-appsync/utils` as the APPSYNC_JS runtime has it
 * (https://docs.aws.amazon.com/appsync/latest/devguide/built-in-util-js.html): VTL's `$util`
 * where the two are the same (one implementation, `../vtl-util.ts`: error, appendError, autoId,
 * autoUlid, the type checks, time, str, math, dynamodb, escapeJavaScript, url and base64), less
 * what only templates have (qr, quiet, toJson, the `*Json` converters), plus what only
 * JavaScript has: autoKsuid, `util.transform`'s DynamoDB expressions, `util.dynamodb`'s
 * binary and S3 converters.
 */
export function appSyncJsUtil(state: UtilState) {
  const { qr: _qr, quiet: _quiet, toJson: _toJson, parseJson: _parseJson, dynamodb, ...shared } = appSyncUtil({ ...state, raised: {} });
  return {
    ...shared,
    autoKsuid: () => ksuid(state.now()),
    transform: {
      toDynamoDBFilterExpression: (filter: unknown) =>
        JSON.stringify(filterExpression(filter, 'util.transform.toDynamoDBFilterExpression')),
      toDynamoDBConditionExpression: (condition: unknown) =>
        JSON.stringify(filterExpression(condition, 'util.transform.toDynamoDBConditionExpression')),
      toElasticsearchQueryDSL: unsupported('util.transform.toElasticsearchQueryDSL (OpenSearch data sources do not run locally)'),
      toSubscriptionFilter: unsupported('util.transform.toSubscriptionFilter (enhanced subscription filters do not run locally)'),
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
