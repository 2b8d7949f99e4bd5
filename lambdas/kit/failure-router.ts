import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SendMessageCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { DEAD_LETTER_ATTRIBUTES } from '../../contracts/wiring.js';
import { ORIGINAL_ORDER_ATTRIBUTE, originalOrderAttribute } from './record-order.js';

/** SQS allows at most 10 message attributes on a message. */
const MAX_MESSAGE_ATTRIBUTES = 10;
/** Long enough for every problem of a schema-invalid detail; short enough to leave the body its room. */
const MAX_REASON_CHARS = 1024;
/** ChangeMessageVisibility takes 0 to 43,200 seconds. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** SendMessage's DelaySeconds takes 0 to 900 seconds. */
const MAX_DELAY_SECONDS = 900;

/** How long a transiently failed record waits before its next receive. */
export interface BackoffOptions {
  /**
   * Delay after the first failed receive; it doubles with every further receive.
   * @default 5
   */
  readonly baseSeconds?: number;
  /**
   * Longest delay, however often the record was received (at most 43,200).
   * @default 300
   */
  readonly maxSeconds?: number;
}

export interface FailureQueues {
  readonly client: SQSClient;
  /**
   * The queue the records come from (ChangeMessageVisibility). A record from another queue
   * (a consumer of several, as priority lanes are) is routed against its own: see `sourceQueueUrl`.
   */
  readonly queueUrl: string;
  /** Its dead-letter queue (SendMessage). */
  readonly deadLetterQueueUrl: string;
  /**
   * The queue's maxReceiveCount: a transient failure on this receive is the record's last
   * try, so the consumer dead-letters it itself, with the reason.
   * @default - SQS's redrive moves it, without a reason
   */
  readonly maxReceiveCount?: number;
  readonly backoff?: BackoffOptions;
}

/** Why a record is being given up on; becomes the dead-lettered message's attributes. */
export interface DeadLetterReason {
  readonly error: Error;
  readonly functionName: string;
  readonly failedAt: Date;
}

/**
 * The retry delay for a record received `receiveCount` times: exponential, capped, with
 * "equal jitter" (between half and all of the exponential delay), so that records that
 * failed together do not come back together, yet none comes back at once.
 */
export function backoffSeconds(receiveCount: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.baseSeconds ?? 5;
  const max = Math.min(options.maxSeconds ?? 300, MAX_VISIBILITY_SECONDS);
  const attempts = Math.max(1, Math.floor(receiveCount) || 1);
  const exponential = Math.min(max, base * 2 ** (attempts - 1));
  return Math.min(max, Math.ceil(exponential / 2 + random() * (exponential / 2)));
}

/** The record's receive count as SQS reports it (1 on the first receive). */
export function receiveCountOf(record: Pick<SQSRecord, 'attributes'>): number {
  const count = Number(record.attributes.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

/**
 * The URL of the queue a record came from, from its `eventSourceARN`
 * (`arn:aws:sqs:region:account:name`), so that a consumer of several queues holds back,
 * requeues and acknowledges each record against its own. `configuredUrl` (the consumer's
 * queue) answers for a record of that queue, and lends its origin otherwise when it is not
 * an AWS endpoint: a local runtime or custom endpoint names its queues `<origin>/<account>/<name>`,
 * and the SDK sends to a QueueUrl's own host. A record without a parsable ARN is the configured queue's.
 */
export function sourceQueueUrl(record: Pick<SQSRecord, 'eventSourceARN'>, configuredUrl: string): string {
  const arn = /^arn:(aws[\w-]*):sqs:([a-z0-9-]+):(\d{12}):([\w.-]+)$/.exec(record.eventSourceARN ?? '');
  if (arn === null) return configuredUrl;
  const [, partition, region, account, name] = arn as unknown as [string, string, string, string, string];
  let configured: URL | undefined;
  try {
    configured = new URL(configuredUrl);
  } catch {
    // Not a URL (a test's placeholder): only the ARN can say where the record came from.
  }
  const segments = configured?.pathname.split('/').filter((p) => p !== '') ?? [];
  const sameAccount = segments.length < 2 || segments.at(-2) === account;
  if (segments.at(-1) === name && sameAccount) return configuredUrl;
  if (configured !== undefined && !/(^|\.)amazonaws\.com(\.cn)?$/.test(configured.hostname))
    return `${configured.origin}/${account}/${name}`;
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/** Moves failed records along: permanent failures to the dead-letter queue, transient ones back after a backoff. */
export class FailureRouter {
  /** Per source ARN: a batch's records mostly share one. */
  readonly #urls = new Map<string, string>();

  constructor(private readonly queues: FailureQueues) {}

  /** The URL of the queue the record came from (see `sourceQueueUrl`). */
  queueUrlOf(record: Pick<SQSRecord, 'eventSourceARN'>): string {
    const arn = record.eventSourceARN ?? '';
    let url = this.#urls.get(arn);
    if (url === undefined) {
      url = sourceQueueUrl(record, this.queues.queueUrl);
      this.#urls.set(arn, url);
    }
    return url;
  }

  /** Whether a transient failure on this receive has no retry left. */
  isLastReceive(record: Pick<SQSRecord, 'attributes'>): boolean {
    const { maxReceiveCount } = this.queues;
    return maxReceiveCount !== undefined && receiveCountOf(record) >= maxReceiveCount;
  }

  /**
   * Sends the record, unchanged, to the dead-letter queue with the reason as message
   * attributes. Resolves with the new message's id; throws if SQS did not take it (the
   * caller must then report the record as failed, so that it is not lost).
   */
  async deadLetter(record: SQSRecord, reason: DeadLetterReason): Promise<string> {
    const input: SendMessageCommandInput = {
      QueueUrl: this.queues.deadLetterQueueUrl,
      MessageBody: record.body,
      MessageAttributes: deadLetterAttributes(record, reason),
    };
    if (this.queues.deadLetterQueueUrl.endsWith('.fifo')) {
      // A FIFO dead-letter queue needs a group; the record's own keeps its order.
      input.MessageGroupId = record.attributes.MessageGroupId ?? 'dead-letters';
      input.MessageDeduplicationId = record.messageId;
    }
    const { MessageId } = await this.queues.client.send(new SendMessageCommand(input));
    return MessageId ?? '';
  }

  /**
   * Makes the record visible again after its backoff instead of after the queue's whole
   * visibility timeout. Resolves with the delay set.
   */
  async backOff(record: SQSRecord): Promise<number> {
    const delay = this.backoffDelay(record);
    await this.queues.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrlOf(record),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: delay,
      }),
    );
    return delay;
  }

  /**
   * Deletes the record from its queue now, once its fate is settled elsewhere (sent to the
   * dead-letter queue, or requeued as a new message), instead of when the batch answers:
   * should the invocation time out or die first, the record would come back and be sent a
   * second time. The function may: the event source mapping's grant to consume includes
   * DeleteMessage.
   */
  async acknowledge(record: SQSRecord): Promise<void> {
    await this.queues.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrlOf(record), ReceiptHandle: record.receiptHandle }));
  }

  /** The delay `backOff` would set for this receive of the record, in seconds. */
  backoffDelay(record: SQSRecord): number {
    return backoffSeconds(receiveCountOf(record), this.queues.backoff);
  }

  /**
   * Makes the record visible again after `seconds` (clamped to what SQS takes), whatever
   * its receive count: for a failure that is not the record's (an open circuit).
   */
  async holdBack(record: SQSRecord, seconds: number): Promise<number> {
    const delay = Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(seconds)));
    await this.queues.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrlOf(record),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: delay,
      }),
    );
    return delay;
  }

  /** Whether requeue() can send to the configured queue (per-message delays exist on standard queues only). */
  get canRequeue(): boolean {
    return !this.queues.queueUrl.endsWith('.fifo');
  }

  /** Whether requeue() can send this record to its own queue (see `canRequeue`). */
  canRequeueRecord(record: Pick<SQSRecord, 'eventSourceARN'>): boolean {
    return !this.queueUrlOf(record).endsWith('.fifo');
  }

  /**
   * Sends a copy of the record (body, attributes and tenant) to its own queue, delivered
   * after `seconds` (at most 900, SQS's DelaySeconds limit): a new message whose receive
   * count starts again at 1. The caller then acknowledges the original. Resolves with the delay.
   * The copy keeps the record's MessageGroupId: on a fair queue a message without one is a
   * tenant of its own, so a noisy tenant's held-back records, requeued without it, would
   * each count as a quiet tenant and be delivered ahead of the quiet tenants they were held for.
   * The copy also carries its original's order (ORIGINAL_ORDER_ATTRIBUTE: SentTimestamp and
   * message id), which debounce orders it by, if SQS's 10 attributes leave it room: a record
   * that already has 10 of its own keeps them, and its copy orders by its own send.
   */
  async requeue(record: SQSRecord, seconds: number): Promise<number> {
    const delay = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)));
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(record.messageAttributes ?? ({} as SQSMessageAttributes))) {
      const converted = toSdkAttribute(value);
      if (converted) attributes[name] = converted;
    }
    const order = originalOrderAttribute(record);
    if (order !== undefined && (ORIGINAL_ORDER_ATTRIBUTE in attributes || Object.keys(attributes).length < MAX_MESSAGE_ATTRIBUTES)) {
      attributes[ORIGINAL_ORDER_ATTRIBUTE] = order;
    }
    await this.queues.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrlOf(record),
        MessageBody: record.body,
        DelaySeconds: delay,
        MessageAttributes: Object.keys(attributes).length > 0 ? attributes : undefined,
        MessageGroupId: record.attributes.MessageGroupId,
      }),
    );
    return delay;
  }
}

/** The reason attributes, plus as many of the record's own attributes as SQS's limit leaves room for. */
export function deadLetterAttributes(record: SQSRecord, reason: DeadLetterReason): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const message = reason.error.message || '(no message)';
  const attributes: Record<string, MessageAttributeValue> = {
    [DEAD_LETTER_ATTRIBUTES.errorName]: text(reason.error.name || 'Error'),
    [DEAD_LETTER_ATTRIBUTES.errorMessage]: text(message.length > MAX_REASON_CHARS ? `${message.slice(0, MAX_REASON_CHARS - 1)}…` : message),
    [DEAD_LETTER_ATTRIBUTES.functionName]: text(reason.functionName || 'unknown'),
    [DEAD_LETTER_ATTRIBUTES.failedAt]: text(reason.failedAt.toISOString()),
    [DEAD_LETTER_ATTRIBUTES.receiveCount]: { DataType: 'Number', StringValue: String(receiveCountOf(record)) },
    [DEAD_LETTER_ATTRIBUTES.originalMessageId]: text(record.messageId),
  };
  for (const [name, value] of Object.entries(record.messageAttributes ?? ({} as SQSMessageAttributes))) {
    if (Object.keys(attributes).length >= MAX_MESSAGE_ATTRIBUTES) break;
    if (name in attributes) continue;
    const converted = toSdkAttribute(value);
    if (converted) attributes[name] = converted;
  }
  return attributes;
}

/** A Lambda SQS event's message attribute (camelCase, binary as base64) as SendMessage takes it. */
function toSdkAttribute(value: SQSMessageAttributes[string]): MessageAttributeValue | undefined {
  if (value.stringValue !== undefined) return { DataType: value.dataType, StringValue: value.stringValue };
  if (value.binaryValue !== undefined) return { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
  return undefined;
}
