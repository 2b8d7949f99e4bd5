import { createHash } from 'node:crypto';
import type { StoredAttribute } from './filter-policy.js';
import { invalidParameter, missingMember, parameterValueInvalid } from './sns-errors.js';

/** Publish's total size limit: the message plus every attribute's name, type and value. */
export const MAX_MESSAGE_BYTES = 262_144;
export const MAX_BATCH_ENTRIES = 10;
export const DEDUP_WINDOW_MS = 5 * 60_000;

/** A message attribute as the API takes it (binary values base64 on the wire, bytes in process). */
export interface MessageAttributeValue {
  DataType?: string;
  StringValue?: string;
  BinaryValue?: string | Uint8Array;
}

export interface PublishInput {
  TopicArn?: string;
  TargetArn?: string;
  PhoneNumber?: string;
  Message?: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

export interface PublishBatchRequestEntry extends Omit<PublishInput, 'TopicArn' | 'TargetArn' | 'PhoneNumber'> {
  Id?: string;
}

/** What was published, as it is kept until every subscription has it. */
export interface Notification {
  readonly messageId: string;
  readonly topicArn: string;
  readonly message: string;
  /** With MessageStructure=json: the text for each protocol, `default` for the others. */
  readonly perProtocol?: Readonly<Record<string, string>>;
  readonly subject?: string;
  readonly attributes: Readonly<Record<string, StoredAttribute>>;
  /** ISO-8601 with milliseconds, as SNS stamps notifications. */
  readonly timestamp: string;
  readonly groupId?: string;
  readonly dedupId?: string;
  readonly sequenceNumber?: string;
  /** The publisher's X-Ray trace header, passed on to the subscribers (SQS keeps it as AWSTraceHeader). */
  readonly traceHeader?: string;
}

/** A validated message, before it has an id. */
export interface ValidatedMessage {
  readonly message: string;
  readonly perProtocol?: Record<string, string>;
  readonly subject?: string;
  readonly attributes: Record<string, StoredAttribute>;
  readonly groupId?: string;
  readonly dedupId?: string;
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
/** MessageGroupId and MessageDeduplicationId: 1-128 alphanumeric or punctuation characters. */
const TOKEN = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/**
 * Validates what Publish and each PublishBatch entry carry, in the order SNS checks it.
 * @param member where a missing member is named in validation errors (`message`, `publishBatchRequestEntries.1.member.message`)
 */
export function validateMessage(
  input: Omit<PublishInput, 'TopicArn' | 'TargetArn' | 'PhoneNumber'>,
  fifo: boolean,
  member: string,
  contentBasedDeduplication: boolean,
  /** The topic's MaximumMessageSize. */
  maxBytes = MAX_MESSAGE_BYTES,
): ValidatedMessage {
  if (input.Message === undefined || input.Message === null) throw missingMember(member);
  if (input.Subject !== undefined && !validSubject(input.Subject)) throw invalidParameter('Subject');
  if (input.Message === '') throw invalidParameter('Empty message');
  const attributes = validateAttributes(input.MessageAttributes ?? {});
  if (messageSize(input.Message, attributes) > maxBytes) throw invalidParameter('Message too long');

  let perProtocol: Record<string, string> | undefined;
  if (input.MessageStructure !== undefined) {
    if (input.MessageStructure !== 'json')
      throw invalidParameter(`MessageStructure Reason: ${input.MessageStructure} is not a valid value`);
    perProtocol = parseStructure(input.Message);
  }

  if (input.MessageGroupId !== undefined && !TOKEN.test(input.MessageGroupId)) {
    throw invalidParameter(
      'MessageGroupId Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
    );
  }
  if (input.MessageDeduplicationId !== undefined && !TOKEN.test(input.MessageDeduplicationId)) {
    throw invalidParameter(
      'MessageDeduplicationId Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
    );
  }
  let dedupId = input.MessageDeduplicationId;
  if (fifo) {
    if (input.MessageGroupId === undefined) throw invalidParameter('The MessageGroupId parameter is required for FIFO topics');
    if (dedupId === undefined) {
      if (!contentBasedDeduplication) {
        throw invalidParameter(
          'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      // SNS derives the id from the body only, not the attributes.
      dedupId = createHash('sha256').update(input.Message, 'utf8').digest('hex');
    }
  } else if (dedupId !== undefined) {
    throw invalidParameter(
      'MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
    );
  }
  return compact({
    message: input.Message,
    perProtocol,
    subject: input.Subject,
    attributes,
    // On a standard topic the group id only reaches SQS standard queues (fair queues).
    groupId: input.MessageGroupId,
    dedupId,
  });
}

/** Subjects: 1-99 characters, no line breaks or control characters (the API reference's constraint). */
function validSubject(subject: string): boolean {
  return subject.length > 0 && subject.length < 100 && !/[\p{Cc}]/u.test(subject);
}

function parseStructure(message: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  // Keys whose value is not a string are ignored, as SNS does.
  const texts = Object.fromEntries(Object.entries(parsed).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
  if (texts.default === undefined) throw invalidParameter('Message Structure - No default entry in JSON message body');
  return texts;
}

/** Validates message attributes (SNS's names, types and values) into their stored form. */
function validateAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, StoredAttribute> {
  const stored: [string, StoredAttribute][] = [];
  for (const [name, value] of Object.entries(attributes)) {
    validateAttributeName(name);
    const type = value?.DataType;
    if (type === undefined || type === null) throw missingMember(`messageAttributes.${name}.member.dataType`);
    if (!/^(String|Number|Binary)(\..+)?$/.test(type) && type !== 'String.Array') {
      throw parameterValueInvalid(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const binary = type.startsWith('Binary');
    const field = binary ? 'BinaryValue' : 'StringValue';
    const raw = value[field];
    if (raw === undefined || raw === null) {
      const other = binary ? value.StringValue : value.BinaryValue;
      throw parameterValueInvalid(
        other === undefined
          ? `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`
          : `The message attribute '${name}' with type '${type}' must use field '${binary ? 'Binary' : 'String'}'.`,
      );
    }
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('base64');
    if (text === '') {
      throw parameterValueInvalid(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
      );
    }
    if (type.startsWith('Number') && !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text)) {
      throw parameterValueInvalid(`Could not cast message attribute '${name}' value to number.`);
    }
    if (type === 'String.Array' && !isJsonArray(text)) {
      throw parameterValueInvalid(`The message attribute '${name}' with type 'String.Array' has to be a valid array.`);
    }
    stored.push([name, binary ? { DataType: type, BinaryValue: text } : { DataType: type, StringValue: text }]);
  }
  return Object.fromEntries(stored);
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

function validateAttributeName(name: string): void {
  if (Buffer.byteLength(name, 'utf8') > 256) throw parameterValueInvalid('Length of message attribute name must be less than 256 bytes.');
  if (ATTRIBUTE_NAME.test(name) && !name.startsWith('.') && !name.endsWith('.') && !name.includes('..')) return;
  if (name.startsWith('.')) throw parameterValueInvalid("Invalid message attribute name starting with character '.' was found.");
  if (name.endsWith('.')) throw parameterValueInvalid("Invalid message attribute name ending with character '.' was found.");
  const bad = [...name].find((c) => !/[A-Za-z0-9_.-]/.test(c));
  if (bad !== undefined) {
    throw parameterValueInvalid(
      `Invalid non-alphanumeric character '#x${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase()}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`,
    );
  }
  throw parameterValueInvalid("Message attribute name can not have successive '.' character.");
}

/** The size SNS counts against 256 KiB: the body, and each attribute's name, type and value. */
function messageSize(message: string, attributes: Record<string, StoredAttribute>): number {
  let size = Buffer.byteLength(message, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType, 'utf8');
    size +=
      value.BinaryValue !== undefined
        ? Buffer.from(value.BinaryValue, 'base64').length
        : Buffer.byteLength(value.StringValue ?? '', 'utf8');
  }
  return size;
}

/** The size of a message as requested, before validation (PublishBatch's total is checked first). */
export function requestSize(entry: Pick<PublishInput, 'Message' | 'MessageAttributes'>): number {
  let size = Buffer.byteLength(entry.Message ?? '', 'utf8');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value?.DataType ?? '');
    const raw = value?.StringValue ?? value?.BinaryValue;
    size += typeof raw === 'string' ? Buffer.byteLength(raw) : (raw?.length ?? 0);
  }
  return size;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
