import { parseArn } from '../arn.js';
import { AwsError } from '../aws-error.js';
import type { GetQueueUrlInput, MessageAttributeValue, SendMessageInput } from '../sqs/sqs-types.js';

/**
 * The SQS operations the other services send with (EventBridge, Lambda, Scheduler, SNS, Step
 * Functions, Lambda's poller), in the JSON protocol's shapes the local SqsService takes. A
 * caller that only sends string attributes may say so (`SqsQueues<StringAttribute>`).
 */
export interface SqsQueues<Attribute = MessageAttributeValue> {
  GetQueueUrl(input: GetQueueUrlInput): Promise<{ QueueUrl?: string }>;
  SendMessage(input: Omit<SendMessageInput, 'MessageAttributes'> & { MessageAttributes?: Record<string, Attribute> }): Promise<unknown>;
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
}

/**
 * Queues by ARN, as AWS services reach them: each queue's URL looked up once with GetQueueUrl
 * (by the name the ARN ends in) and kept, so a busy target costs one SendMessage per message.
 */
export class QueuesByArn implements QueueSender {
  readonly #urls = new Map<string, string>();

  constructor(private readonly sqs: SqsQueues) {}

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
    return this.sqs.SendMessage(input);
  }
}
