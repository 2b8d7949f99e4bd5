import { AwsError } from '../endpoint/aws-error.js';
import type { Dispatched, TargetServices } from '../targets/dispatcher.js';
import { TargetDispatcher } from '../targets/dispatcher.js';
import { QueuesByArn, type SqsQueues } from '../targets/queues.js';
import { EMAIL_PROTOCOLS, type EmailSubscriptions } from './email-subscriptions.js';
import { deliveredAttributes, type EnvelopeContext, lambdaEvent, messageFor, notificationEnvelope, sqsAttributes } from './envelope.js';
import type { DeliveryMade } from './lineage-notes.js';
import type { Notification } from './message.js';
import type { SubscriptionRecord } from './sns-store.js';

/** The SQS operations SNS delivers with (JSON protocol shapes). */
export type SqsForSns = SqsQueues;

/** Firehose's PutRecord, as SNS puts a notification into a delivery stream. */
export type FirehoseForSns = NonNullable<TargetServices['firehose']>;

/** Lambda's asynchronous invocation (InvocationType=Event), as SNS invokes functions. */
export interface LambdaForSns {
  invokeAsync(functionNameOrArn: string, event: unknown): Promise<{ requestId: string }>;
}

/**
 * A delivery that did not go through. SNS tells client-side errors (the endpoint is gone or
 * refuses SNS: not retried) from server-side ones (retried by the delivery policy).
 */
export class SnsDeliveryFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly clientSide: boolean,
  ) {
    super(message);
    this.name = 'SnsDeliveryFailure';
  }
}

/** SQS takes 10 attributes per message: a raw delivery with more is a client-side error (sns-message-attributes.html). */
const MAX_RAW_SQS_ATTRIBUTES = 10;

/** Lambda errors that mean the service could not take the event right now; anything else is the caller's. */
const LAMBDA_SERVER_SIDE = new Set(['TooManyRequestsException', 'ServiceException', 'EC2ThrottledException', 'ResourceNotReadyException']);

/** Hands one notification to one subscription's endpoint, in the form its protocol receives. */
export class SubscriptionDelivery {
  readonly #queues: QueuesByArn;
  readonly #dispatcher: TargetDispatcher;

  constructor(
    sqs: SqsForSns,
    lambda: LambdaForSns,
    /** IAM for a delivery: AWS's message when SNS may not send to the subscription's endpoint, else undefined. @default none */
    private readonly authorize?: (subscription: SubscriptionRecord) => Promise<string | undefined>,
    /** Email and email-json subscriptions' mail (the local mailbox). @default none: they are not delivered */
    private readonly emails?: EmailSubscriptions,
    /** Firehose subscriptions' delivery streams. @default none: they are not delivered */
    firehose?: FirehoseForSns,
  ) {
    this.#queues = new QueuesByArn(sqs);
    this.#dispatcher = new TargetDispatcher({
      sqs: this.#queues,
      lambda: { invokeAsync: (fn, event) => lambda.invokeAsync(fn, event) },
      ...(firehose ? { firehose } : {}),
    });
  }

  /** Resolves with what the endpoint made of it (the queue's message, the function's invocation), when its service says. */
  async deliver(subscription: SubscriptionRecord, notification: Notification, context: EnvelopeContext): Promise<DeliveryMade | undefined> {
    // An address has no policy: SNS mails it once its subscription is confirmed.
    if (EMAIL_PROTOCOLS.has(subscription.protocol)) {
      if (!this.emails?.mailing) throw new SnsDeliveryFailure('UnsupportedProtocol', 'no local mailbox to deliver email to', true);
      await this.emails.deliver(subscription, notification, context);
      return undefined;
    }
    // An endpoint whose policy does not let SNS in is a client-side error: not retried, dead-lettered if the subscription can be.
    const denied = await this.authorize?.(subscription);
    if (denied !== undefined) throw new SnsDeliveryFailure('AuthorizationError', denied, true);
    if (subscription.protocol === 'sqs') return this.#toQueue(subscription, notification, context);
    if (subscription.protocol === 'lambda') return this.#toFunction(subscription, notification, context);
    if (subscription.protocol === 'firehose') return this.#toStream(subscription, notification, context);
    throw new SnsDeliveryFailure('UnsupportedProtocol', `protocol ${subscription.protocol} is not delivered locally`, true);
  }

  /**
   * The body a queue gets: the raw message with raw delivery, else SNS's JSON envelope. A
   * Lambda subscription's dead-letter queue gets the envelope too, not the Lambda event
   * (recorded on AWS), with the text the function would have been given.
   */
  body(subscription: SubscriptionRecord, notification: Notification, context: EnvelopeContext): string {
    if (subscription.protocol === 'sqs' && subscription.attributes.RawMessageDelivery === 'true') {
      return messageFor(notification, 'sqs');
    }
    return JSON.stringify(notificationEnvelope(notification, subscription.arn, subscription.protocol, context));
  }

  /**
   * Sends a notification that could not be delivered to the subscription's dead-letter queue:
   * the body the endpoint would have received and, with raw delivery, the message's own
   * attributes. SNS adds none of its own (recorded on AWS: no RequestID, ErrorCode or
   * ErrorMessage), so why it failed is only in the runtime's log (and its lineage). Resolves with the message the queue got.
   */
  async deadLetter(
    queueArn: string,
    subscription: SubscriptionRecord,
    notification: Notification,
    context: EnvelopeContext,
  ): Promise<DeliveryMade | undefined> {
    const raw = subscription.protocol === 'sqs' && subscription.attributes.RawMessageDelivery === 'true';
    const attributeCount = Object.keys(deliveredAttributes(notification)).length;
    // More attributes than SQS takes is why such a raw delivery failed: the body goes without them.
    const keepOwn = raw && attributeCount > 0 && attributeCount <= MAX_RAW_SQS_ATTRIBUTES;
    const sent = await this.#dispatcher.send(queueArn, {
      body: this.body(subscription, notification, context),
      sqs: {
        ...(keepOwn ? { MessageAttributes: sqsAttributes(notification) } : {}),
        ...fifoParameters(queueArn, notification),
      },
    });
    return madeBy(sent);
  }

  async #toQueue(
    subscription: SubscriptionRecord,
    notification: Notification,
    context: EnvelopeContext,
  ): Promise<DeliveryMade | undefined> {
    const raw = subscription.attributes.RawMessageDelivery === 'true';
    const attributeCount = Object.keys(deliveredAttributes(notification)).length;
    if (raw && attributeCount > MAX_RAW_SQS_ATTRIBUTES) {
      throw new SnsDeliveryFailure(
        'InvalidParameterValue',
        `raw message delivery to SQS takes at most ${MAX_RAW_SQS_ATTRIBUTES} message attributes; the message has ${attributeCount}`,
        true,
      );
    }
    try {
      const sent = await this.#dispatcher.send(subscription.endpoint, {
        body: this.body(subscription, notification, context),
        sqs: {
          ...(raw && attributeCount > 0 ? { MessageAttributes: sqsAttributes(notification) } : {}),
          ...fifoParameters(subscription.endpoint, notification),
        },
      });
      return madeBy(sent);
    } catch (error) {
      this.#queues.forget(subscription.endpoint);
      if (error instanceof SnsDeliveryFailure) throw error;
      // SQS refusing the message (too large for the queue, bad attributes) is as final as a missing queue.
      if (error instanceof AwsError && error.senderFault) throw new SnsDeliveryFailure(error.code, error.message, true);
      throw new SnsDeliveryFailure('InternalFailure', (error as Error).message, false);
    }
  }

  /**
   * One record a notification: with raw delivery the message alone, else SNS's JSON envelope
   * without the signature (sns/latest/dg/firehose-archived-message-format-S3.html lists Type,
   * MessageId, TopicArn, Subject, Message, Timestamp, UnsubscribeURL, MessageAttributes), each
   * ended by a line break: the records reach S3 one a line, as that page shows them.
   */
  async #toStream(
    subscription: SubscriptionRecord,
    notification: Notification,
    context: EnvelopeContext,
  ): Promise<DeliveryMade | undefined> {
    const raw = subscription.attributes.RawMessageDelivery === 'true';
    const { SignatureVersion, Signature, SigningCertURL, ...envelope } = notificationEnvelope(
      notification,
      subscription.arn,
      'firehose',
      context,
    );
    const body = `${raw ? messageFor(notification, 'firehose') : JSON.stringify(envelope)}\n`;
    try {
      return madeBy(await this.#dispatcher.send(subscription.endpoint, { body }));
    } catch (error) {
      if (error instanceof AwsError) throw new SnsDeliveryFailure(error.code, error.message, error.senderFault);
      throw new SnsDeliveryFailure('InternalFailure', (error as Error).message, false);
    }
  }

  async #toFunction(
    subscription: SubscriptionRecord,
    notification: Notification,
    context: EnvelopeContext,
  ): Promise<DeliveryMade | undefined> {
    try {
      const sent = await this.#dispatcher.send(subscription.endpoint, {
        body: '',
        lambda: { event: lambdaEvent(notification, subscription.arn, context) },
      });
      return madeBy(sent);
    } catch (error) {
      if (error instanceof AwsError)
        throw new SnsDeliveryFailure(error.code, error.message, !LAMBDA_SERVER_SIDE.has(error.code) && error.senderFault);
      throw new SnsDeliveryFailure('InternalFailure', (error as Error).message, false);
    }
  }
}

/** What a send made, by its service's answer: SendMessage's MessageId, an asynchronous Invoke's request id. */
function madeBy(sent: Dispatched): DeliveryMade | undefined {
  if (sent.service !== 'sqs' && sent.service !== 'lambda') return undefined;
  const answer = sent.answer as { MessageId?: unknown; requestId?: unknown } | undefined;
  if (sent.service === 'sqs' && typeof answer?.MessageId === 'string') return { kind: 'message', id: answer.MessageId };
  if (sent.service === 'lambda' && typeof answer?.requestId === 'string') return { kind: 'invocation', id: answer.requestId };
  return undefined;
}

/**
 * A FIFO queue gets the message's group and deduplication ids (from a FIFO topic); a standard
 * queue gets the group id only when a standard topic's publisher set one (SQS fair queues):
 * a FIFO topic's group does not reach a standard queue (both recorded on AWS).
 */
function fifoParameters(queueArn: string, notification: Notification): { MessageGroupId?: string; MessageDeduplicationId?: string } {
  if (queueArn.endsWith('.fifo')) {
    return {
      MessageGroupId: notification.groupId ?? 'default',
      MessageDeduplicationId: notification.dedupId ?? notification.messageId,
    };
  }
  const fifoTopic = notification.sequenceNumber !== undefined;
  return notification.groupId === undefined || fifoTopic ? {} : { MessageGroupId: notification.groupId };
}
