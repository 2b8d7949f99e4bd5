import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../time/clock.js';

/** A delivery stream to S3, as the template or CreateDeliveryStream declares it. */
export interface DeliveryStreamDefinition {
  readonly name: string;
  readonly bucketArn: string;
  /** The object key prefix; without one, Firehose's `YYYY/MM/dd/HH/`. */
  readonly prefix?: string;
  readonly errorOutputPrefix?: string;
  readonly intervalSeconds: number;
  readonly sizeMb: number;
  /** The Lambda processor, if the stream transforms its records. */
  readonly processor?: { readonly lambdaArn: string; readonly retries: number };
  /** S3BackupMode Enabled: the source records, as they were put, are delivered here too. */
  readonly backup?: { readonly bucketArn: string; readonly prefix?: string };
}

/** A buffered record, as `firehose_records` keeps it. */
export interface StoredRecord {
  readonly id: number;
  readonly record_id: string;
  readonly data: Uint8Array;
  readonly arrived_ms: number;
}

/** What a flush delivers through: the bucket's objects, and the processor's invocations. */
export interface DeliveryTargets {
  /** Done (the object durable) once it returns or resolves. */
  putObject(bucket: string, key: string, body: Buffer): void | Promise<void>;
  /** Invokes the function synchronously: its answer's JSON, or the error it failed with. */
  invoke(functionArn: string, event: unknown): Promise<{ ok: true; payload: string } | { ok: false; error: string }>;
}

/** Where the processing-failed records go when the stream names no ErrorOutputPrefix (Firehose's default). */
const DEFAULT_ERROR_PREFIX = 'processing-failed/';

interface Failed {
  readonly record: StoredRecord;
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
}

/**
 * A batch as its flush planned it, before anything was written: the same after a restart, so a
 * batch delivered again (the runtime died between the S3 write and the records' deletion) writes
 * the same objects under the same keys, and S3 holds each record once.
 */
export interface PlannedBatch {
  /** When the flush planned the batch: the time in its objects' keys. */
  readonly plannedMs: number;
  /** What the keys' UUIDs and random strings derive from. */
  readonly token: string;
}

/**
 * Delivers one batch: through the Lambda processor if the stream has one (records answered
 * `Ok` are delivered with their new data, `Dropped` ones left out, `ProcessingFailed` ones and
 * those of an invocation that failed every retry written to the error prefix, as Firehose
 * does), then as one object of the records' data concatenated, no delimiter added. The objects'
 * keys come from `batch`, so delivering the same batch again overwrites them.
 */
export async function deliverBatch(
  stream: DeliveryStreamDefinition,
  streamArn: string,
  region: string,
  records: readonly StoredRecord[],
  targets: DeliveryTargets,
  clock: Clock,
  batch: PlannedBatch,
): Promise<{ readonly failed?: { readonly count: number; readonly codes: readonly string[]; readonly at: string } }> {
  const { delivered, failed } = stream.processor
    ? await transform(stream.processor, streamArn, region, records, targets)
    : { delivered: records.map((r) => Buffer.from(r.data)), failed: [] as Failed[] };
  const oldest = Math.min(...records.map((r) => r.arrived_ms));
  const bucket = bucketOf(stream.bucketArn);
  const key = (prefix: string | undefined, kind: string, errorType = '') =>
    objectKey(prefix, stream.name, oldest, batch.plannedMs, errorType, `${batch.token}/${kind}`);
  if (delivered.length > 0) {
    await targets.putObject(bucket, key(stream.prefix, 'delivered'), Buffer.concat(delivered));
  }
  if (stream.backup) {
    const source = Buffer.concat(records.map((r) => Buffer.from(r.data)));
    await targets.putObject(bucketOf(stream.backup.bucketArn), key(stream.backup.prefix, 'backup'), source);
  }
  if (failed.length > 0) {
    const now = clock.now();
    const lines = failed.map((f) =>
      JSON.stringify({
        attemptsMade: f.attempts,
        arrivalTimestamp: f.record.arrived_ms,
        errorCode: f.code,
        errorMessage: f.message,
        attemptEndingTimestamp: now,
        rawData: Buffer.from(f.record.data).toString('base64'),
        lambdaArn: stream.processor?.lambdaArn,
      }),
    );
    const failedKey = key(stream.errorOutputPrefix ?? DEFAULT_ERROR_PREFIX, 'failed', 'processing-failed');
    await targets.putObject(bucket, failedKey, Buffer.from(`${lines.join('\n')}\n`));
    return { failed: { count: failed.length, codes: [...new Set(failed.map((f) => f.code))], at: `s3://${bucket}/${failedKey}` } };
  }
  return {};
}

/** The processor's answer applied to the batch; an invocation that fails is retried NumberOfRetries times, then the batch fails. */
async function transform(
  processor: NonNullable<DeliveryStreamDefinition['processor']>,
  streamArn: string,
  region: string,
  records: readonly StoredRecord[],
  targets: DeliveryTargets,
): Promise<{ delivered: Buffer[]; failed: Failed[] }> {
  const event = {
    invocationId: randomUUID(),
    deliveryStreamArn: streamArn,
    region,
    records: records.map((r) => ({
      recordId: r.record_id,
      approximateArrivalTimestamp: r.arrived_ms,
      data: Buffer.from(r.data).toString('base64'),
    })),
  };
  let lastError = '';
  for (let attempt = 1; attempt <= processor.retries + 1; attempt++) {
    const outcome = await targets.invoke(processor.lambdaArn, event);
    if (!outcome.ok) {
      lastError = outcome.error;
      continue;
    }
    const answer = parseAnswer(outcome.payload);
    if (answer === undefined) {
      lastError = `The Lambda function's answer is not {records: [...]}: ${outcome.payload.slice(0, 200)}`;
      continue;
    }
    return applyAnswer(records, answer, attempt);
  }
  return {
    delivered: [],
    failed: records.map((record) => ({ record, code: 'Lambda.FunctionError', message: lastError, attempts: processor.retries + 1 })),
  };
}

interface AnsweredRecord {
  readonly recordId?: unknown;
  readonly result?: unknown;
  readonly data?: unknown;
}

function parseAnswer(payload: string): AnsweredRecord[] | undefined {
  try {
    const parsed = JSON.parse(payload) as { records?: unknown };
    return Array.isArray(parsed?.records) ? (parsed.records as AnsweredRecord[]) : undefined;
  } catch {
    return undefined; // Not JSON: a failed attempt, said in the error record.
  }
}

function applyAnswer(records: readonly StoredRecord[], answer: readonly AnsweredRecord[], attempts: number) {
  const byId = new Map(answer.map((a) => [String(a.recordId), a]));
  const delivered: Buffer[] = [];
  const failed: Failed[] = [];
  for (const record of records) {
    const answered = byId.get(record.record_id);
    if (answered === undefined) {
      failed.push({ record, code: 'Lambda.MissingRecordId', message: 'The record ID was not returned by the Lambda function.', attempts });
    } else if (answered.result === 'Ok' && typeof answered.data === 'string') {
      delivered.push(Buffer.from(answered.data, 'base64'));
    } else if (answered.result === 'Dropped') {
      // Left out on purpose by the function: delivered nowhere.
    } else if (answered.result === 'ProcessingFailed') {
      failed.push({ record, code: 'Lambda.ProcessingFailedStatus', message: 'ProcessingFailed status set for record', attempts });
    } else {
      failed.push({
        record,
        code: 'Lambda.InvalidOutput',
        message: `The record's result is ${JSON.stringify(answered.result)} (Ok, Dropped or ProcessingFailed), or an Ok record has no data`,
        attempts,
      });
    }
  }
  return { delivered, failed };
}

/** The bucket's name from its ARN (`arn:aws:s3:::name`), or the name as given. */
export function bucketOf(bucketArn: string): string {
  return bucketArn.replace(/^arn:[^:]+:s3:::/, '');
}

/**
 * `<evaluated prefix><stream>-1-<yyyy-MM-dd-HH-mm-ss>-<uuid>`. A prefix without `!{...}`
 * expressions gets Firehose's `YYYY/MM/dd/HH/` after it; `!{timestamp:...}` is evaluated at the
 * oldest record's arrival, `!{firehose:error-output-type}` and `!{firehose:random-string}` too.
 * The UUID and the random string derive from `seed` when given (the same seed, the same key).
 */
export function objectKey(
  prefix: string | undefined,
  stream: string,
  oldestMs: number,
  nowMs: number,
  errorType = '',
  seed: string = randomUUID(),
): string {
  const uuid = uuidOf(seed);
  const evaluated = (prefix ?? '').includes('!{')
    ? evaluatePrefix(prefix ?? '', oldestMs, errorType, uuid)
    : `${prefix ?? ''}${formatTime(oldestMs, 'yyyy/MM/dd/HH')}/`;
  return `${evaluated}${stream}-1-${formatTime(nowMs, 'yyyy-MM-dd-HH-mm-ss')}-${uuid}`;
}

/** A UUID-shaped text derived from `seed`. */
function uuidOf(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function evaluatePrefix(prefix: string, oldestMs: number, errorType: string, uuid: string): string {
  return prefix.replace(/!\{([a-zA-Z]+):([^}]*)\}/g, (whole, namespace: string, value: string) => {
    if (namespace === 'timestamp') return formatTime(oldestMs, value);
    if (namespace === 'firehose' && value === 'error-output-type') return errorType;
    if (namespace === 'firehose' && value === 'random-string') return uuidOf(`${uuid}/random-string`).replaceAll('-', '').slice(0, 11);
    return whole;
  });
}

/** Java DateTimeFormatter's yyyy, MM, dd, HH, mm and ss, in UTC; other text kept (quotes removed). */
function formatTime(ms: number, pattern: string): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const parts: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()),
    MM: two(d.getUTCMonth() + 1),
    dd: two(d.getUTCDate()),
    HH: two(d.getUTCHours()),
    mm: two(d.getUTCMinutes()),
    ss: two(d.getUTCSeconds()),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss|'/g, (token) => (token === "'" ? '' : (parts[token] ?? token)));
}
