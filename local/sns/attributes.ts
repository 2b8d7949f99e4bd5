import { jacksonRedactedReason } from '../json/jackson-syntax.js';
import { storedTopicDeliveryPolicy } from './delivery-policy.js';
import { type CompiledFilterPolicy, compileFilterPolicy, type FilterPolicyScope } from './filter-policy.js';
import { invalidParameter, SnsError } from './sns-errors.js';

/** Topic attributes CreateTopic and SetTopicAttributes take (the API reference's list). */
const DELIVERY_STATUS_ATTRIBUTES = ['Application', 'Firehose', 'HTTP', 'Lambda', 'SQS'].flatMap((protocol) => [
  `${protocol}SuccessFeedbackRoleArn`,
  `${protocol}SuccessFeedbackSampleRate`,
  `${protocol}FailureFeedbackRoleArn`,
]);
const SETTABLE_TOPIC_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'DisplayName',
  'Policy',
  'SignatureVersion',
  'TracingConfig',
  'KmsMasterKeyId',
  'ContentBasedDeduplication',
  'ArchivePolicy',
  'FifoThroughputScope',
  'DataProtectionPolicy',
  'MaximumMessageSize',
  ...DELIVERY_STATUS_ATTRIBUTES,
]);
/** The largest MaximumMessageSize a topic can have: 1 MiB. */
const MAX_TOPIC_MESSAGE_BYTES = 1_048_576;

/** The most a message published to the topic may be: its MaximumMessageSize, else SNS's default of 256 KiB. */
export function maxMessageBytes(attributes: Readonly<Record<string, string>>, fallback: number): number {
  const size = Number(attributes.MaximumMessageSize);
  return Number.isInteger(size) && size > 0 ? size : fallback;
}

/** FifoTopic can only be given at creation. */
const CREATE_TOPIC_ATTRIBUTES = new Set([...SETTABLE_TOPIC_ATTRIBUTES, 'FifoTopic']);

const SUBSCRIPTION_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);

/** Protocols whose subscribers can take the message alone, without the JSON envelope. */
const RAW_DELIVERY_PROTOCOLS = new Set(['sqs', 'http', 'https', 'firehose']);

/**
 * Checks topic attributes as CreateTopic or SetTopicAttributes gets them and returns them
 * in stored form (flags lower-cased).
 */
export function validateTopicAttributes(
  attributes: Record<string, string>,
  fifo: boolean,
  during: 'create' | 'set',
): Record<string, string> {
  const prefix = during === 'create' ? 'Attributes Reason: ' : '';
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const allowed = during === 'create' ? CREATE_TOPIC_ATTRIBUTES : SETTABLE_TOPIC_ATTRIBUTES;
    if (!allowed.has(name))
      throw invalidParameter(during === 'create' ? `Attributes Reason: Invalid attribute name: ${name}` : 'AttributeName');
    let stored = value;
    if (name === 'FifoTopic' || name === 'ContentBasedDeduplication') {
      if (!/^(true|false)$/i.test(value)) throw invalidParameter(`${prefix}${name}: Invalid value [${value}]. Must be true or false.`);
      stored = value.toLowerCase();
      if (name === 'ContentBasedDeduplication' && stored === 'true' && !fifo) {
        throw invalidParameter(`${prefix}ContentBasedDeduplication: Content-based deduplication can only be set for FIFO topics`);
      }
    } else if (name === 'SignatureVersion' && value !== '1' && value !== '2') {
      throw invalidParameter(`${prefix}SignatureVersion: Invalid value [${value}]. Must be 1 or 2.`);
    } else if (name === 'FifoThroughputScope') {
      if (!fifo)
        throw invalidParameter(`${prefix}FifoThroughputScope: Invalid parameter: FifoThroughputScope can only be set for FIFO topics`);
      if (value !== 'Topic' && value !== 'MessageGroup') {
        throw invalidParameter(`${prefix}FifoThroughputScope: Invalid value [${value}]. Please use either Topic or MessageGroup`);
      }
    } else if (name === 'MaximumMessageSize') {
      // 1 KiB to 1 MiB, 256 KiB when unset (the SNS API reference, CreateTopic and Publish).
      if (!/^\d+$/.test(value) || Number(value) < 1024 || Number(value) > MAX_TOPIC_MESSAGE_BYTES) {
        throw invalidParameter(`${prefix}MaximumMessageSize: Invalid value [${value}]. Must be an integer from 1024 to 1048576.`);
      }
      stored = String(Number(value));
    } else if ((name === 'Policy' || name === 'DeliveryPolicy' || name === 'ArchivePolicy') && value !== '' && !isJsonObject(value)) {
      throw invalidParameter(`${prefix}${name}: failed to parse JSON`);
    } else if (name === 'DeliveryPolicy' && value !== '') {
      stored = storedTopicDeliveryPolicy(value);
    }
    out[name] = stored;
  }
  return out;
}

/**
 * Checks subscription attributes (all of Subscribe's, or the one SetSubscriptionAttributes
 * changes, merged over the current ones) and returns them in stored form with the filter
 * policy compiled.
 */
export function validateSubscriptionAttributes(
  changed: Record<string, string>,
  current: Record<string, string>,
  protocol: string,
  during: 'subscribe' | 'set',
): { attributes: Record<string, string>; filter?: CompiledFilterPolicy } {
  const prefix = during === 'subscribe' ? 'Attributes Reason: ' : '';
  const attributes = { ...current };
  for (const [name, value] of Object.entries(changed)) {
    if (!SUBSCRIPTION_ATTRIBUTES.has(name)) {
      throw invalidParameter(during === 'subscribe' ? `Attributes Reason: Invalid attribute name: ${name}` : 'AttributeName');
    }
    switch (name) {
      case 'RawMessageDelivery':
        if (!/^(true|false)$/i.test(value))
          throw invalidParameter(`${prefix}RawMessageDelivery: Invalid value [${value}]. Must be true or false.`);
        if (value.toLowerCase() === 'true' && !RAW_DELIVERY_PROTOCOLS.has(protocol)) {
          throw invalidParameter(`${prefix}Delivery protocol [${protocol}] does not support raw message delivery.`);
        }
        attributes[name] = value.toLowerCase();
        break;
      case 'FilterPolicyScope':
        if (value !== 'MessageAttributes' && value !== 'MessageBody') {
          throw invalidParameter(
            `${prefix}FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`,
          );
        }
        attributes[name] = value;
        break;
      case 'RedrivePolicy':
        if (value === '') delete attributes[name];
        else attributes[name] = validateRedrivePolicy(value, prefix);
        break;
      case 'DeliveryPolicy':
      case 'ReplayPolicy':
        if (value !== '' && !isJsonObject(value)) throw invalidParameter(`${prefix}${name}: failed to parse JSON`);
        attributes[name] = value;
        break;
      default:
        attributes[name] = value;
    }
  }
  if (attributes.FilterPolicy === '' || attributes.FilterPolicy === undefined) {
    delete attributes.FilterPolicy;
    return { attributes };
  }
  const scope = (attributes.FilterPolicyScope ?? 'MessageAttributes') as FilterPolicyScope;
  return { attributes, filter: compileFilterPolicy(attributes.FilterPolicy, scope, during) };
}

/**
 * A FIFO queue's subscription to a FIFO topic dead-letters to a FIFO queue only; a standard
 * queue's subscription may use a standard one (both recorded on AWS).
 */
export function checkFifoDeadLetterQueue(
  attributes: Readonly<Record<string, string>>,
  endpoint: string,
  fifoTopic: boolean,
  during: 'subscribe' | 'set',
): void {
  if (!fifoTopic || !endpoint.endsWith('.fifo') || attributes.RedrivePolicy === undefined) return;
  const target = (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn: string }).deadLetterTargetArn;
  if (target.endsWith('.fifo')) return;
  const prefix = during === 'subscribe' ? 'Attributes Reason: ' : '';
  throw invalidParameter(`${prefix}RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.`);
}

/** `{"deadLetterTargetArn": "arn:aws:sqs:..."}`; the queue must be an SQS queue. */
function validateRedrivePolicy(value: string, prefix: string): string {
  let policy: unknown;
  try {
    policy = JSON.parse(value);
  } catch (error) {
    // AWS's reason is its JSON parser's (Jackson's); trailing text after a value is worded by JavaScript's.
    throw invalidParameter(`${prefix}RedrivePolicy: failed to parse JSON. ${jacksonRedactedReason(value) ?? (error as Error).message}`);
  }
  const target = (policy as { deadLetterTargetArn?: unknown } | null)?.deadLetterTargetArn;
  if (typeof target !== 'string') throw invalidParameter(`${prefix}RedrivePolicy: deadLetterTargetArn is missing`);
  // Not an ARN at all (recorded on AWS); an ARN of another service or shape keeps the wording below.
  if (!/^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$/.test(target))
    throw invalidParameter(`${prefix}RedrivePolicy: deadLetterTargetArn is an invalid arn`);
  if (!/^arn:aws[\w-]*:sqs:[^:]+:\d{12}:[\w-]{1,80}$/.test(target) && !/^arn:aws[\w-]*:sqs:[^:]+:\d{12}:[\w-]{1,75}\.fifo$/.test(target)) {
    throw invalidParameter(`${prefix}RedrivePolicy: Invalid deadLetterTargetArn: ${target}`);
  }
  return value;
}

function isJsonObject(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Subscribe's checks of an endpoint against its protocol and topic. */
export function validateEndpoint(protocol: string, endpoint: string, fifoTopic: boolean): void {
  if (protocol === 'sqs') {
    if (!/^arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[\w.-]+$/.test(endpoint)) throw invalidParameter('SQS endpoint ARN');
    if (endpoint.endsWith('.fifo') && !fifoTopic) {
      throw invalidParameter('Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics');
    }
  } else if (protocol === 'lambda') {
    if (!/^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(endpoint)) throw invalidParameter('Lambda endpoint ARN');
  } else if (protocol === 'sms' && !isSmsEndpoint(endpoint)) {
    throw new SnsError('InvalidParameter', `Invalid SMS endpoint: ${endpoint}`);
  } else if ((protocol === 'http' || protocol === 'https') && !endpoint.startsWith(`${protocol}://`)) {
    throw invalidParameter('Endpoint must match the specified protocol');
  } else if (endpoint === '') {
    throw invalidParameter('Endpoint');
  }
}

/**
 * A phone number SNS takes for an `sms` subscription: an E.164 number (up to 15 digits, no
 * leading 0), its digits optionally grouped by single `-`, `.`, `/` or spaces between them
 * (recorded on AWS: `+12/34-567.890` is taken; `+15--551234567`, `+15551234567.`,
 * `/+15551234567` and `NAA+15551234567` are not).
 */
function isSmsEndpoint(endpoint: string): boolean {
  return /^\+?\d+(?:[-./ ]\d+)*$/.test(endpoint) && /^\+?[1-9]\d{1,14}$/.test(endpoint.replace(/[-./ ]/g, ''));
}

export function defaultTopicAttribute(name: string): string | undefined {
  return name === 'FifoTopic' ? 'false' : undefined;
}

/** The policy SNS gives a new topic: the owner may do everything. */
export function defaultTopicPolicy(topicArn: string, accountId: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
      },
    ],
  });
}
