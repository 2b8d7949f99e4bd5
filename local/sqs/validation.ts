import { md5OfBody, md5OfMessageAttributes, type StoredAttributeValue } from './md5.js';
import { invalidParameter, invalidParameterValue, missingParameter, SqsError } from './sqs-errors.js';
import type { MessageAttributeValue, QueueAttributeMap } from './sqs-types.js';

/** The largest message and the largest SendMessageBatch payload SQS accepts (1 MiB since August 2025). */
export const MAX_MESSAGE_BYTES = 1_048_576;
export const MAX_BATCH_ENTRIES = 10;
export const FIFO_DEDUP_WINDOW_MS = 5 * 60_000;
/** ChangeMessageVisibility cannot push a message's visibility past 12 hours after it was received. */
export const MAX_VISIBILITY_SECONDS = 43_200;

const NUMERIC_ATTRIBUTES: Record<string, readonly [number, number]> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, MAX_MESSAGE_BYTES],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, MAX_VISIBILITY_SECONDS],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};
const BOOLEAN_ATTRIBUTES = new Set(['SqsManagedSseEnabled', 'ContentBasedDeduplication', 'FifoQueue']);
const ENUM_ATTRIBUTES: Record<string, readonly string[]> = {
  DeduplicationScope: ['messageGroup', 'queue'],
  FifoThroughputLimit: ['perQueue', 'perMessageGroupId'],
};
const FIFO_ONLY_ATTRIBUTES = new Set(['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);
const FREE_FORM_ATTRIBUTES = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId']);

/** Attributes SQS computes; GetQueueAttributes returns them, the setters reject them. */
export const COMPUTED_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
] as const;

const SETTABLE_ATTRIBUTES = new Set([
  ...Object.keys(NUMERIC_ATTRIBUTES),
  ...BOOLEAN_ATTRIBUTES,
  ...Object.keys(ENUM_ATTRIBUTES),
  ...FREE_FORM_ATTRIBUTES,
]);

/** Every attribute name GetQueueAttributes knows for a queue of this type. */
export function knownAttributeNames(fifo: boolean): Set<string> {
  const names = new Set<string>([...SETTABLE_ATTRIBUTES, ...COMPUTED_ATTRIBUTES]);
  if (!fifo) for (const name of [...FIFO_ONLY_ATTRIBUTES, 'FifoQueue']) names.delete(name);
  return names;
}

/** What a new queue reports for the attributes nobody set (AWS's current defaults). */
export function defaultAttributes(fifo: boolean): QueueAttributeMap {
  const defaults: QueueAttributeMap = {
    DelaySeconds: '0',
    MaximumMessageSize: String(MAX_MESSAGE_BYTES),
    MessageRetentionPeriod: '345600',
    ReceiveMessageWaitTimeSeconds: '0',
    VisibilityTimeout: '30',
    SqsManagedSseEnabled: 'true',
  };
  if (fifo) {
    Object.assign(defaults, {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'queue',
      FifoThroughputLimit: 'perQueue',
    });
  }
  return defaults;
}

const unknownAttribute = (name: string) => new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
const invalidAttribute = (name: string, reason?: string) =>
  new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ''}`);

/**
 * Checks CreateQueue/SetQueueAttributes attributes and returns them in the form SQS reports
 * them (`"true"`, not `"TRUE"`; numbers without padding). RedrivePolicy is checked against the
 * other queues by the service, since only it knows them.
 */
export function normalizeQueueAttributes(
  input: Record<string, unknown> | undefined,
  fifo: boolean,
  mode: 'create' | 'set',
): QueueAttributeMap {
  const out: QueueAttributeMap = {};
  for (const [name, raw] of Object.entries(input ?? {})) {
    if (raw === undefined || raw === null) continue;
    const value = String(raw);
    checkAttributeName(name, value, fifo, mode);
    const range = NUMERIC_ATTRIBUTES[name];
    const allowed = ENUM_ATTRIBUTES[name];
    if (range) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isInteger(n) || n < range[0] || n > range[1]) throw invalidAttribute(name);
      out[name] = String(n);
    } else if (BOOLEAN_ATTRIBUTES.has(name)) {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalidAttribute(name);
      out[name] = lower;
    } else if (allowed) {
      if (!allowed.includes(value)) throw invalidAttribute(name);
      out[name] = value;
    } else if (name === 'Policy') {
      if (value !== '' && !isJsonObject(value)) throw invalidAttribute(name);
      out[name] = value;
    } else if (name === 'RedriveAllowPolicy') {
      out[name] = value === '' ? '' : normalizeRedriveAllowPolicy(value);
    } else {
      out[name] = value;
    }
  }
  if (out.SqsManagedSseEnabled === 'true' && out.KmsMasterKeyId) {
    throw new SqsError(
      'InvalidAttributeName',
      'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.',
    );
  }
  return out;
}

/**
 * Whether a queue of this type takes the attribute, as AWS answers (recorded on AWS): a
 * standard queue knows no FifoQueue at all, not even `false`, and names
 * DeduplicationScope and FifoThroughputLimit as FIFO-only; a FIFO queue takes
 * FifoQueue=true again (nothing changes) but not `false`.
 */
function checkAttributeName(name: string, value: string, fifo: boolean, mode: 'create' | 'set'): void {
  if (name === 'FifoQueue') {
    if (!fifo) throw unknownAttribute(name);
    if (mode === 'set' && value.toLowerCase() !== 'true') throw invalidAttribute(name, 'Modifying queue type is not supported.');
    return;
  }
  if (!SETTABLE_ATTRIBUTES.has(name)) throw unknownAttribute(name);
  if (!fifo && FIFO_ONLY_ATTRIBUTES.has(name)) {
    if (name === 'ContentBasedDeduplication') throw unknownAttribute(name);
    throw new SqsError('InvalidAttributeName', `You can specify the ${name} only when FifoQueue is set to true.`);
  }
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

const QUEUE_ARN = /^arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[\w-]{1,80}(\.fifo)?$/;

/** Parses a RedrivePolicy value; the target's existence is the caller's to check. */
export function parseRedrivePolicy(raw: string): RedrivePolicy {
  const reject = (reason: string) => invalidParameterValue('RedrivePolicy', raw, reason);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw reject('Redrive policy is not a valid JSON map.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw reject('Redrive policy is not a valid JSON map.');
  const { deadLetterTargetArn, maxReceiveCount } = parsed as Record<string, unknown>;
  if (typeof deadLetterTargetArn !== 'string' || !QUEUE_ARN.test(deadLetterTargetArn)) {
    throw reject('Invalid value for deadLetterTargetArn.');
  }
  const count = typeof maxReceiveCount === 'string' && maxReceiveCount.trim() !== '' ? Number(maxReceiveCount) : maxReceiveCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) {
    throw reject(`Invalid value for maxReceiveCount: ${String(maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`);
  }
  return { deadLetterTargetArn, maxReceiveCount: count };
}

/** The form GetQueueAttributes returns a redrive policy in. */
export function formatRedrivePolicy(policy: RedrivePolicy): string {
  return JSON.stringify({ deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: policy.maxReceiveCount });
}

export interface RedriveAllowPolicy {
  redrivePermission: 'allowAll' | 'denyAll' | 'byQueue';
  sourceQueueArns?: string[];
}

function normalizeRedriveAllowPolicy(raw: string): string {
  const reject = (reason: string) => invalidParameterValue('RedriveAllowPolicy', raw, reason);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw reject('Redrive allow policy is not a valid JSON map.');
  }
  const { redrivePermission, sourceQueueArns } = (parsed ?? {}) as Record<string, unknown>;
  if (redrivePermission !== 'allowAll' && redrivePermission !== 'denyAll' && redrivePermission !== 'byQueue') {
    throw reject('Invalid value for redrivePermission.');
  }
  if (redrivePermission === 'byQueue') {
    if (
      !Array.isArray(sourceQueueArns) ||
      sourceQueueArns.length < 1 ||
      sourceQueueArns.length > 10 ||
      !sourceQueueArns.every((arn) => typeof arn === 'string' && QUEUE_ARN.test(arn))
    ) {
      throw reject('sourceQueueArns must list 1 to 10 queue ARNs when redrivePermission is byQueue.');
    }
    return JSON.stringify({ redrivePermission, sourceQueueArns });
  }
  if (sourceQueueArns !== undefined) throw reject('sourceQueueArns is only allowed when redrivePermission is byQueue.');
  return JSON.stringify({ redrivePermission });
}

export function parseRedriveAllowPolicy(raw: string | undefined): RedriveAllowPolicy | undefined {
  return raw ? (JSON.parse(raw) as RedriveAllowPolicy) : undefined;
}

/** Queue names: 1-80 characters of alphanumerics, `-` and `_`, plus a `.fifo` suffix exactly when FIFO. */
export function validateQueueName(name: unknown, fifo: boolean): asserts name is string {
  if (typeof name !== 'string' || name === '') throw missingParameter('QueueName');
  if (fifo) {
    if (name.length > 80 || !/^[\w-]+\.fifo$/.test(name)) {
      throw invalidParameter(
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    }
  } else if (name.length > 80 || !/^[\w-]+$/.test(name)) {
    throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
}

// SQS accepts the XML 1.0 character set and nothing else.
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function validateBody(body: unknown): asserts body is string {
  if (typeof body !== 'string' || body === '') throw missingParameter('MessageBody');
  if (INVALID_BODY_CHARACTER.test(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;
const NUMBER_VALUE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface ValidatedAttributes {
  attributes: Record<string, StoredAttributeValue>;
  md5: string;
  /** Bytes of names, types and values: they count toward the message size limit. */
  size: number;
}

function toBase64(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('base64');
}

/** Validates user (`MessageAttributes`) or system (`MessageSystemAttributes`) attributes. */
export function validateMessageAttributes(
  input: Record<string, MessageAttributeValue> | undefined,
  kind: 'user' | 'system',
): ValidatedAttributes | undefined {
  const entries = Object.entries(input ?? {}).filter(([, value]) => value !== undefined && value !== null);
  if (entries.length === 0) return undefined;
  if (kind === 'user' && entries.length > 10) {
    throw invalidParameter(`Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`);
  }
  const attributes: Record<string, StoredAttributeValue> = {};
  let size = 0;
  for (const [name, value] of entries) {
    if (kind === 'system') {
      if (name !== 'AWSTraceHeader') throw invalidParameter(`Message system attribute name '${name}' is invalid.`);
      if (value.DataType !== 'String') {
        throw invalidParameter(`Message system attribute '${name}' must have a DataType of 'String'.`);
      }
    } else if (
      !ATTRIBUTE_NAME.test(name) ||
      /^(aws|amazon)\./i.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.includes('..')
    ) {
      throw invalidParameter(
        `Message (user) attribute name '${name}' is invalid. Names can contain alphanumeric characters, hyphens, underscores and periods, can't start or end with a period, can't contain consecutive periods, can't start with AWS. or Amazon., and can be up to 256 characters long.`,
      );
    }
    const type = value.DataType;
    if (typeof type !== 'string' || type === '') {
      throw invalidParameter(`The message (${kind}) attribute '${name}' must contain a non-empty attribute type.`);
    }
    const match = DATA_TYPE.exec(type);
    if (!match || type.length > 256) {
      throw invalidParameter(
        `The type of message (${kind}) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    if (value.StringListValues?.length || value.BinaryListValues?.length) {
      throw invalidParameter('Message attribute list values in SendMessage operation are not supported.');
    }
    const base = match[1] as 'String' | 'Number' | 'Binary';
    let stored: StoredAttributeValue;
    let valueBytes: number;
    if (base === 'Binary') {
      const binary = value.BinaryValue === undefined ? '' : toBase64(value.BinaryValue);
      valueBytes = Buffer.byteLength(binary, 'base64');
      if (valueBytes === 0) {
        throw invalidParameter(`Message (${kind}) attribute '${name}' must contain a non-empty value of type 'Binary'.`);
      }
      stored = { DataType: type, BinaryValue: binary };
    } else {
      const text = value.StringValue;
      if (typeof text !== 'string' || text === '') {
        throw invalidParameter(`Message (${kind}) attribute '${name}' must contain a non-empty value of type '${base}'.`);
      }
      if (base === 'Number' && !isValidNumber(text)) {
        throw invalidParameter(`Can't cast the value of message (${kind}) attribute '${name}' to a number.`);
      }
      validateBody(text);
      valueBytes = Buffer.byteLength(text, 'utf8');
      stored = { DataType: type, StringValue: text };
    }
    attributes[name] = stored;
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(type, 'utf8') + valueBytes;
  }
  return { attributes, md5: md5OfMessageAttributes(attributes), size };
}

/** SQS numbers: up to 38 significant digits, magnitude between 10^-128 and 10^+126. */
function isValidNumber(text: string): boolean {
  const trimmed = text.trim();
  if (!NUMBER_VALUE.test(trimmed)) return false;
  const digits = trimmed
    .replace(/[eE].*$/, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '');
  if (digits.length > 38) return false;
  const n = Number(trimmed);
  return n === 0 || (Math.abs(n) >= 1e-128 && Math.abs(n) <= 1e126);
}

/** MessageGroupId and MessageDeduplicationId: 1-128 alphanumeric or punctuation characters. */
export function validateMessageToken(parameter: 'MessageGroupId' | 'MessageDeduplicationId', value: string): void {
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw invalidParameterValue(
      parameter,
      value,
      `${parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
    );
  }
}

/** A batch entry `Id`: up to 80 alphanumerics, hyphens and underscores, unique within the request. */
export function validateBatchEntries(entries: { Id: string }[] | undefined, entryShape: string): void {
  if (!entries || entries.length === 0) {
    throw new SqsError('EmptyBatchRequest', `There should be at least one ${entryShape} in the request.`);
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries as unknown[]) {
    // A null entry (`"Entries": [null]`) is an entry without an Id.
    const Id = entry !== null && typeof entry === 'object' ? (entry as { Id?: unknown }).Id : undefined;
    if (typeof Id !== 'string' || !/^[\w-]{1,80}$/.test(Id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(Id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${Id} repeated.`);
    seen.add(Id);
  }
}

export function integerParameter(parameter: string, value: unknown, min: number, max: number, reason: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw invalidParameterValue(parameter, value, reason);
  return n;
}

export { md5OfBody };
