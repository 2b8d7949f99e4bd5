import { AwsError } from '../endpoint/aws-error.js';
import { parseArn } from '../names/arn.js';
import type {
  GetQueueUrlInput,
  MessageAttributeValue,
  SendMessageBatchInput,
  SendMessageBatchOutput,
  SendMessageInput,
} from '../sqs/sqs-types.js';
import { CoalescedSends } from './coalesced-sends.js';

/**
 * The SQS operations the other services send with (EventBridge, Lambda, Scheduler, SNS, Step
 * Functions, Lambda's poller), in the JSON protocol's shapes the local SqsService takes. A
 * caller that only sends string attributes may say so (`SqsQueues<StringAttribute>`).
 */
export interface SqsQueues<Attribute = MessageAttributeValue> {
  GetQueueUrl(input: GetQueueUrlInput): Promise<{ QueueUrl?: string }>;
  SendMessage(input: Omit<SendMessageInput, 'MessageAttributes'> & { MessageAttributes?: Record<string, Attribute> }): Promise<unknown>;
  /** Served by the local SqsService; a caller that sends one message at a time may leave it out. */
  SendMessageBatch?(input: SendMessageBatchInput): Promise<SendMessageBatchOutput>;
}

/** A message attribute with a string value (`String` and `Number` types). */
export interface StringAttribute {
  DataType: string;
  StringValue: string;
}

/** What the dispatcher sends to queues with: a queue's URL for its ARN, and SendMessage. */
export interface QueueSender {
  queueUrl(queueArn: string): string | Promise<string>;
  SendMessage(input: SendMessageInput): Promise<unknown>;
  /** Up to 10 messages in one call, each its own result; left out, the dispatcher sends a batch one SendMessage at a time. */
  readonly SendMessageBatch?: (input: SendMessageBatchInput) => Promise<SendMessageBatchOutput>;
}

/**
 * Queues by ARN, as AWS services reach them: each queue's URL looked up once with GetQueueUrl
 * (by the name the ARN ends in) and kept, so a busy target costs one SendMessage per message;
 * with `coalesce`, the SendMessage calls of one turn of the event loop to one queue go as
 * SendMessageBatch calls (CoalescedSends: one commit for up to ten messages).
 */
export class QueuesByArn implements QueueSender {
  readonly #urls = new Map<string, string>();
  readonly #coalesced?: CoalescedSends;
  readonly SendMessageBatch?: (input: SendMessageBatchInput) => Promise<SendMessageBatchOutput>;

  constructor(
    private readonly sqs: SqsQueues,
    options: { readonly coalesce?: boolean } = {},
  ) {
    const batch = sqs.SendMessageBatch?.bind(sqs);
    if (batch) this.SendMessageBatch = batch;
    if (batch && options.coalesce)
      this.#coalesced = new CoalescedSends({ SendMessage: (input) => sqs.SendMessage(input), SendMessageBatch: batch });
  }

  /** @throws AwsError QueueDoesNotExist when SQS has no URL for the queue. */
  async queueUrl(queueArn: string): Promise<string> {
    const cached = this.#urls.get(queueArn);
    if (cached) return cached;
    const { QueueUrl } = await this.sqs.GetQueueUrl({ QueueName: parseArn(queueArn).resourceId });
    if (!QueueUrl) throw new AwsError('QueueDoesNotExist', `queue ${queueArn} does not exist`);
    this.#urls.set(queueArn, QueueUrl);
    return QueueUrl;
  }

  /** Looks the queue's URL up again next time (after a send failed: the queue may have been deleted and created again). */
  forget(queueArn: string): void {
    this.#urls.delete(queueArn);
  }

  SendMessage(input: SendMessageInput): Promise<unknown> {
    return this.#coalesced ? this.#coalesced.send(input) : this.sqs.SendMessage(input);
  }
}
