import { AwsError } from '../endpoint/aws-error.js';
import type { LambdaService } from '../lambda/lambda-service.js';
import { tryParseArn } from '../names/arn.js';
import { TargetDispatcher, type TargetServices } from '../targets/dispatcher.js';
import { QueuesByArn, type SqsQueues } from '../targets/queues.js';
import type { ApiDestinationTargets } from './api-destination-target.js';
import {
  type DeadLetterReason,
  type EventEnvelope,
  isApiDestinationArn,
  type TargetDefinition,
  type TargetDelivery,
} from './definitions.js';
import { dynamicParameter } from './input-transform.js';

/** The SQS operations targets use (JSON protocol shapes). */
export type SqsForTargets = SqsQueues;

/** Where SNS topic targets go (SNS's Publish). */
export type SnsForTargets = NonNullable<TargetServices['sns']>;

/** Where Step Functions targets go. */
export type StatesForTargets = NonNullable<TargetServices['states']>;

/**
 * Hands a rule target's input to the local service behind the target's ARN, through
 * that service's own operations (as EventBridge calls SQS, Lambda, Step Functions, Kinesis and Firehose).
 * What EventBridge adds is here: FIFO ids from the target and the event, the event itself
 * (not the input) for a bus target, its dead-letter attributes; the sending is the dispatcher's.
 */
export class LocalTargetDelivery implements TargetDelivery {
  readonly #queues: QueuesByArn;
  readonly #dispatcher: TargetDispatcher;
  readonly #authorize?: (target: TargetDefinition, ruleArn: string) => Promise<string | undefined>;
  readonly #apiDestinations?: ApiDestinationTargets;

  constructor(services: {
    readonly sqs: SqsForTargets;
    readonly sns?: SnsForTargets;
    readonly lambda: Pick<LambdaService, 'invokeAsync'>;
    readonly states: StatesForTargets;
    readonly forwardToBus: (busArn: string, event: EventEnvelope) => void;
    readonly logs?: NonNullable<TargetServices['logs']>;
    readonly kinesis?: NonNullable<TargetServices['kinesis']>;
    /** Firehose delivery stream targets: EventBridge puts each event's input as one record (PutRecord). @default none: their deliveries fail as targets not run */
    readonly firehose?: NonNullable<TargetServices['firehose']>;
    /** Custom Event Bus targets (`event-busv2/...`): the event put there as a PutEvents event. @default none: their deliveries fail as targets not run */
    readonly customBuses?: NonNullable<TargetServices['customBuses']>;
    readonly log: (line: string) => void;
    /**
     * IAM for a delivery: AWS's message when EventBridge (or the target's role) may not send
     * to the target, else undefined. @default none
     */
    readonly authorize?: (target: TargetDefinition, ruleArn: string) => Promise<string | undefined>;
    /** API destination targets, called through their connections. @default none: their deliveries fail as targets not run */
    readonly apiDestinations?: ApiDestinationTargets;
  }) {
    this.#authorize = services.authorize;
    this.#apiDestinations = services.apiDestinations;
    // A busy rule's deliveries to a queue go in batches: one SQS commit for up to ten events, each still durable before it counts as delivered.
    this.#queues = new QueuesByArn(services.sqs, { coalesce: true });
    this.#dispatcher = new TargetDispatcher({
      sqs: this.#queues,
      ...(services.sns ? { sns: services.sns } : {}),
      // EventBridge invokes Lambda asynchronously: the delivery succeeds once the invocation is accepted.
      lambda: { invokeAsync: (fn, event) => services.lambda.invokeAsync(fn, event) },
      states: { StartExecution: (input) => services.states.StartExecution(input) },
      events: { forward: (busArn, event) => services.forwardToBus(busArn, event) },
      ...(services.logs ? { logs: services.logs } : {}),
      ...(services.kinesis ? { kinesis: services.kinesis } : {}),
      ...(services.firehose ? { firehose: services.firehose } : {}),
      ...(services.customBuses ? { customBuses: services.customBuses } : {}),
    });
  }

  async deliver(target: TargetDefinition, input: string, event: EventEnvelope, ruleArn?: string): Promise<void> {
    // A target EventBridge may not send to is not retried: the event goes to the target's dead-letter queue as NO_PERMISSIONS.
    const denied = ruleArn === undefined ? undefined : await this.#authorize?.(target, ruleArn);
    if (denied !== undefined) throw new AwsError('NO_PERMISSIONS', denied, 403);
    if (this.#apiDestinations && isApiDestinationArn(target.arn)) return this.#apiDestinations.deliver(target, input, event);
    // The group id may be a dynamic path parameter (`$.detail.customerId`), resolved against each event.
    const groupId = dynamicParameter(target.messageGroupId, event);
    // EventBridge uses the target's group id and the event id as the deduplication id for FIFO queues and topics.
    const fifo = target.arn.endsWith('.fifo') ? { MessageGroupId: groupId, MessageDeduplicationId: event.id } : {};
    // A standard queue with a group id is a fair queue: the group id names the message's tenant.
    const fair = !target.arn.endsWith('.fifo') && groupId !== undefined ? { MessageGroupId: groupId } : {};
    await this.#dispatcher.send(target.arn, {
      ...(tryParseArn(target.arn)?.service === 'logs' ? logEvent(input, event) : { body: input }),
      sqs: { ...fifo, ...fair },
      sns: fifo,
      // A rule's delivery sent again after a crash puts the event on a Custom Event Bus once; two rules' deliveries put it twice.
      events: { forward: event, ...(ruleArn === undefined ? {} : { forwardKey: `rule:${ruleArn}/${target.id}/${event.id}` }) },
      // KinesisParameters: the partition key is the value at PartitionKeyPath, else the event's id (API_KinesisParameters).
      kinesis: { partitionKey: dynamicParameter(target.partitionKeyPath, event) ?? event.id },
    });
  }

  async deadLetter(queueArn: string, event: EventEnvelope, reason: DeadLetterReason): Promise<{ messageId?: string }> {
    // The attributes EventBridge puts on dead-lettered events.
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    const sent = await this.#dispatcher.send(queueArn, {
      body: JSON.stringify(event),
      sqs: {
        MessageAttributes: {
          RULE_ARN: attribute(reason.ruleArn),
          TARGET_ARN: attribute(reason.targetArn),
          ERROR_CODE: attribute(reason.errorCode),
          ERROR_MESSAGE: attribute(reason.errorMessage.slice(0, 1000)),
          ...(reason.retryAttempts === undefined ? {} : { RETRY_ATTEMPTS: attribute(String(reason.retryAttempts)) }),
          ...(reason.exhaustedRetryCondition ? { EXHAUSTED_RETRY_CONDITION: attribute(reason.exhaustedRetryCondition) } : {}),
        },
      },
    });
    const answer = sent.service === 'sqs' ? (sent.answer as { MessageId?: string } | undefined) : undefined;
    return { messageId: answer?.MessageId };
  }
}

/**
 * What a log group target gets: the input as the log event's message at the event's time,
 * or, for an input transformed to `{"timestamp", "message"}` (the shape EventBridge takes
 * for log groups, CDK's LogGroupTargetInput), that message at that time. Each event goes to
 * a stream named after the event's id (unverified: AWS does not document the name).
 */
function logEvent(input: string, event: EventEnvelope): { body: string; logs: { streamName: string; timestamp: number } } {
  const at = Date.parse(event.time);
  let shaped: { timestamp?: unknown; message?: unknown } | undefined;
  try {
    const parsed = JSON.parse(input) as unknown;
    const keys = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : [];
    if (keys.includes('message') && keys.every((k) => k === 'message' || k === 'timestamp')) shaped = parsed as typeof shaped;
  } catch {
    // Not JSON: the text is the message.
  }
  if (!shaped) return { body: input, logs: { streamName: event.id, timestamp: at } };
  const message = typeof shaped.message === 'string' ? shaped.message : JSON.stringify(shaped.message);
  const time = typeof shaped.timestamp === 'number' ? shaped.timestamp : Date.parse(String(shaped.timestamp));
  return { body: message, logs: { streamName: event.id, timestamp: Number.isFinite(time) ? time : at } };
}
