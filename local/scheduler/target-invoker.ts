import { AwsError } from '../endpoint/aws-error.js';
import { jsonOrText } from '../json/json-depth.js';
import { type PutEventsAnswer, type PutEventsEntry, TargetDispatcher, type TargetServices } from '../targets/dispatcher.js';
import { QueuesByArn, type SqsQueues, type StringAttribute } from '../targets/queues.js';
import type { ScheduleTarget } from './definitions.js';
import { targetProblem } from './definitions.js';
import { callUniversalTarget, type UniversalTargetCalls, universalProblem, universalTargetOf } from './universal-targets.js';

/** The operations of the other local services a schedule's target reaches (their API shapes). */
export interface SchedulerTargetServices {
  readonly events: { PutEvents(input: { Entries: PutEventsEntry[] }): Promise<PutEventsAnswer> };
  readonly sqs: SqsQueues<StringAttribute>;
  readonly sns?: { Publish(input: { TopicArn: string; Message: string; MessageGroupId?: string }): Promise<unknown> };
  readonly lambda: { invokeAsync(functionArn: string, event: unknown): Promise<unknown> };
  readonly states: { StartExecution(input: { stateMachineArn: string; input: string; name?: string }): Promise<unknown> };
  readonly kinesis?: NonNullable<TargetServices['kinesis']>;
  /** Firehose's PutRecord: the templated target puts the input as one record. @default none: its firings fail, naming the target */
  readonly firehose?: NonNullable<TargetServices['firehose']>;
  /** What universal targets call through (Step Functions' AWS SDK integrations), looked up when one fires. @default none: their firings fail, naming the target */
  readonly universal?: () => UniversalTargetCalls;
}

/** Why a firing was dead-lettered: the message attributes Scheduler puts on it. */
export interface SchedulerDeadLetterReason {
  readonly scheduleArn: string;
  readonly targetArn: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly retryAttempts: number;
  readonly exhaustedRetryCondition?: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';
}

/**
 * Invokes a schedule's templated target as Scheduler does: PutEvents to a bus (with the
 * target's detail-type and source, the input as detail), SendMessage, Publish, an
 * asynchronous Lambda invocation, StartExecution, Kinesis's and Firehose's PutRecord (the input
 * as the record's data);
 * and a universal target's action, the input its request.
 */
export class SchedulerTargetInvoker {
  readonly #dispatcher: TargetDispatcher;
  readonly #universal: SchedulerTargetServices['universal'];

  constructor(services: SchedulerTargetServices) {
    this.#universal = services.universal;
    const sns = services.sns;
    this.#dispatcher = new TargetDispatcher({
      sqs: new QueuesByArn(services.sqs),
      ...(sns ? { sns: { Publish: (input) => sns.Publish(input) } } : {}),
      lambda: { invokeAsync: (fn, event) => services.lambda.invokeAsync(fn, event) },
      states: { StartExecution: (input) => services.states.StartExecution(input) },
      events: { PutEvents: (input) => services.events.PutEvents(input) },
      ...(services.kinesis ? { kinesis: services.kinesis } : {}),
      ...(services.firehose ? { firehose: services.firehose } : {}),
    });
  }

  /** Why the target `arn` names cannot be invoked here, or undefined: a universal target's action is looked up among the hosted services. */
  problem(arn: string): string | undefined {
    return targetProblem(arn) ?? this.universalProblem(arn);
  }

  /** Why the runtime cannot call the universal target `arn` names (a service or action it does not host), or undefined. */
  universalProblem(arn: string): string | undefined {
    return universalProblem(arn, this.#universal?.());
  }

  /** Resolves once the target accepted the input; rejects with the reason otherwise. */
  async invoke(target: ScheduleTarget, input: string, deduplicationId: string): Promise<void> {
    const problem = targetProblem(target.Arn);
    if (problem) throw new AwsError('UnsupportedTarget', problem);
    // A universal target: one call of its action, the firing's Input its request (managing-targets-universal).
    if (universalTargetOf(target.Arn)) return callUniversalTarget(this.#universal?.(), target.Arn, input);
    const parameters = target.EventBridgeParameters;
    const sent = await this.#dispatcher.send(target.Arn, {
      body: input,
      // A FIFO queue gets the target's group id and the firing's deduplication id.
      sqs: target.Arn.endsWith('.fifo')
        ? { MessageGroupId: target.SqsParameters?.MessageGroupId, MessageDeduplicationId: deduplicationId }
        : {},
      // A topic, FIFO or not, gets Publish with the input alone, as Scheduler's templated SNS target sends it:
      // SqsParameters is the SQS SendMessage target's, and the SNS target has no parameters (Scheduler API
      // reference, Target). A FIFO topic refuses a Publish without MessageGroupId, so every firing fails
      // as on AWS; the universal target arn:aws:scheduler:::aws-sdk:sns:publish is AWS's way to set one.
      sns: {},
      lambda: { event: jsonOrText(input) },
      events: { entries: [{ Source: parameters?.Source ?? '', DetailType: parameters?.DetailType ?? '', Detail: input }] },
      // KinesisParameters.PartitionKey is required for a stream target (API_KinesisParameters); without it the firing fails.
      ...(target.KinesisParameters?.PartitionKey === undefined ? {} : { kinesis: { partitionKey: target.KinesisParameters.PartitionKey } }),
    });
    if (sent.service !== 'events') return;
    const result = sent.answer ?? {};
    const failed = result.Entries?.[0];
    if ((result.FailedEntryCount ?? 0) > 0 || failed?.ErrorCode) {
      throw new AwsError(failed?.ErrorCode ?? 'PutEventsFailed', failed?.ErrorMessage ?? 'PutEvents refused the entry');
    }
  }

  /** Sends a firing that could not be delivered to the target's dead-letter queue, with Scheduler's attributes. */
  async deadLetter(queueArn: string, input: string, reason: SchedulerDeadLetterReason): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    await this.#dispatcher.send(queueArn, {
      body: input,
      sqs: {
        MessageAttributes: {
          ERROR_CODE: attribute(reason.errorCode),
          ERROR_MESSAGE: attribute(reason.errorMessage.slice(0, 1000) || reason.errorCode),
          RETRY_ATTEMPTS: attribute(String(reason.retryAttempts)),
          SCHEDULE_ARN: attribute(reason.scheduleArn),
          TARGET_ARN: attribute(reason.targetArn),
          ...(reason.exhaustedRetryCondition ? { EXHAUSTED_RETRY_CONDITION: attribute(reason.exhaustedRetryCondition) } : {}),
        },
      },
    });
  }
}
