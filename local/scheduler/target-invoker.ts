import { AwsError } from '../aws-error.js';
import type { ScheduleTarget } from './definitions.js';
import { targetProblem } from './definitions.js';

/** The operations of the other local services a schedule's target reaches (their API shapes). */
export interface SchedulerTargetServices {
  readonly events: {
    PutEvents(input: {
      Entries: { EventBusName: string; Source: string; DetailType: string; Detail: string; Resources?: string[] }[];
    }): Promise<{ FailedEntryCount?: number; Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[] }>;
  };
  readonly sqs: {
    GetQueueUrl(input: { QueueName: string }): Promise<{ QueueUrl?: string }>;
    SendMessage(input: {
      QueueUrl: string;
      MessageBody: string;
      MessageGroupId?: string;
      MessageDeduplicationId?: string;
      MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
    }): Promise<unknown>;
  };
  readonly sns?: { Publish(input: { TopicArn: string; Message: string; MessageGroupId?: string }): Promise<unknown> };
  readonly lambda: { invokeAsync(functionArn: string, event: unknown): Promise<unknown> };
  readonly states: { StartExecution(input: { stateMachineArn: string; input: string; name?: string }): Promise<unknown> };
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
 * asynchronous Lambda invocation, StartExecution.
 */
export class SchedulerTargetInvoker {
  readonly #queueUrls = new Map<string, string>();

  constructor(private readonly services: SchedulerTargetServices) {}

  /** Resolves once the target accepted the input; rejects with the reason otherwise. */
  async invoke(target: ScheduleTarget, input: string, deduplicationId: string): Promise<void> {
    const problem = targetProblem(target.Arn);
    if (problem) throw new AwsError('UnsupportedTarget', problem);
    const service = target.Arn.split(':')[2];
    if (service === 'events') {
      const parameters = target.EventBridgeParameters;
      const result = await this.services.events.PutEvents({
        Entries: [
          {
            EventBusName: target.Arn,
            Source: parameters?.Source ?? '',
            DetailType: parameters?.DetailType ?? '',
            Detail: input,
          },
        ],
      });
      const failed = result.Entries?.[0];
      if ((result.FailedEntryCount ?? 0) > 0 || failed?.ErrorCode) {
        throw new AwsError(failed?.ErrorCode ?? 'PutEventsFailed', failed?.ErrorMessage ?? 'PutEvents refused the entry');
      }
      return;
    }
    if (service === 'sqs') {
      const fifo = target.Arn.endsWith('.fifo');
      await this.services.sqs.SendMessage({
        QueueUrl: await this.#queueUrl(target.Arn),
        MessageBody: input,
        ...(fifo ? { MessageGroupId: target.SqsParameters?.MessageGroupId, MessageDeduplicationId: deduplicationId } : {}),
      });
      return;
    }
    if (service === 'sns') {
      if (!this.services.sns) throw new AwsError('UnsupportedTarget', `SNS topic targets (${target.Arn}) are not run locally`);
      await this.services.sns.Publish({ TopicArn: target.Arn, Message: input });
      return;
    }
    if (service === 'lambda') {
      let event: unknown = input;
      try {
        event = JSON.parse(input);
      } catch {
        // Lambda receives a payload that is not JSON as a string.
      }
      await this.services.lambda.invokeAsync(target.Arn, event);
      return;
    }
    await this.services.states.StartExecution({ stateMachineArn: target.Arn, input });
  }

  /** Sends a firing that could not be delivered to the target's dead-letter queue, with Scheduler's attributes. */
  async deadLetter(queueArn: string, input: string, reason: SchedulerDeadLetterReason): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    await this.services.sqs.SendMessage({
      QueueUrl: await this.#queueUrl(queueArn),
      MessageBody: input,
      MessageAttributes: {
        ERROR_CODE: attribute(reason.errorCode),
        ERROR_MESSAGE: attribute(reason.errorMessage.slice(0, 1000) || reason.errorCode),
        RETRY_ATTEMPTS: attribute(String(reason.retryAttempts)),
        SCHEDULE_ARN: attribute(reason.scheduleArn),
        TARGET_ARN: attribute(reason.targetArn),
        ...(reason.exhaustedRetryCondition ? { EXHAUSTED_RETRY_CONDITION: attribute(reason.exhaustedRetryCondition) } : {}),
      },
    });
  }

  async #queueUrl(arn: string): Promise<string> {
    const cached = this.#queueUrls.get(arn);
    if (cached) return cached;
    const { QueueUrl } = await this.services.sqs.GetQueueUrl({ QueueName: arn.split(':')[5] ?? '' });
    if (!QueueUrl) throw new AwsError('QueueDoesNotExist', `queue ${arn} does not exist`);
    this.#queueUrls.set(arn, QueueUrl);
    return QueueUrl;
  }
}
