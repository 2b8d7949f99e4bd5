import { AwsError } from './aws-error.js';
import type { DeadLetterReason, EventEnvelope, TargetDefinition, TargetDelivery } from './events/definitions.js';
import type { LambdaService } from './lambda/lambda-service.js';

/** The SQS operations targets use (JSON protocol shapes). */
export interface SqsForTargets {
  GetQueueUrl(input: { QueueName: string }): Promise<{ QueueUrl?: string }>;
  SendMessage(input: {
    QueueUrl: string;
    MessageBody: string;
    MessageGroupId?: string;
    MessageDeduplicationId?: string;
    MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
  }): Promise<unknown>;
}

/** Where SNS topic targets go (SNS's Publish). */
export interface SnsForTargets {
  Publish(input: { TopicArn: string; Message: string; MessageGroupId?: string; MessageDeduplicationId?: string }): Promise<unknown>;
}

/** Where Step Functions targets go. */
export interface StatesForTargets {
  StartExecution(input: { stateMachineArn: string; input: string }): Promise<unknown>;
}

/**
 * Hands a rule target's input to the local service behind the target's ARN, through
 * that service's own operations (as EventBridge calls SQS, Lambda and Step Functions).
 */
export class LocalTargetDelivery implements TargetDelivery {
  readonly #queueUrls = new Map<string, string>();

  constructor(
    private readonly services: {
      readonly sqs: SqsForTargets;
      readonly sns?: SnsForTargets;
      readonly lambda: Pick<LambdaService, 'invokeAsync'>;
      readonly states: StatesForTargets;
      readonly forwardToBus: (busArn: string, event: EventEnvelope) => void;
      readonly log: (line: string) => void;
    },
  ) {}

  async deliver(target: TargetDefinition, input: string, event: EventEnvelope): Promise<void> {
    const service = target.arn.split(':')[2];
    switch (service) {
      case 'sqs': {
        const fifo = target.arn.endsWith('.fifo');
        await this.services.sqs.SendMessage({
          QueueUrl: await this.#queueUrl(target.arn),
          MessageBody: input,
          // EventBridge uses the event id as the deduplication id for FIFO targets.
          ...(fifo ? { MessageGroupId: target.messageGroupId, MessageDeduplicationId: event.id } : {}),
        });
        return;
      }
      case 'lambda': {
        // EventBridge invokes Lambda asynchronously: the delivery succeeds once the invocation is accepted.
        await this.services.lambda.invokeAsync(target.arn, JSON.parse(input));
        return;
      }
      case 'sns': {
        if (!this.services.sns) throw new AwsError('UnsupportedTarget', `SNS topic targets (${target.arn}) are not run locally`);
        const fifo = target.arn.endsWith('.fifo');
        await this.services.sns.Publish({
          TopicArn: target.arn,
          Message: input,
          // As for FIFO queues: the target's group id, the event id as deduplication id.
          ...(fifo ? { MessageGroupId: target.messageGroupId, MessageDeduplicationId: event.id } : {}),
        });
        return;
      }
      case 'states': {
        await this.services.states.StartExecution({ stateMachineArn: target.arn, input });
        return;
      }
      case 'events': {
        this.services.forwardToBus(target.arn, event);
        return;
      }
      default:
        throw new AwsError('UnsupportedTarget', `targets of service ${service} (${target.arn}) are not run locally`);
    }
  }

  async deadLetter(queueArn: string, event: EventEnvelope, reason: DeadLetterReason): Promise<{ messageId?: string }> {
    // The attributes EventBridge puts on dead-lettered events.
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    const sent = await this.services.sqs.SendMessage({
      QueueUrl: await this.#queueUrl(queueArn),
      MessageBody: JSON.stringify(event),
      MessageAttributes: {
        RULE_ARN: attribute(reason.ruleArn),
        TARGET_ARN: attribute(reason.targetArn),
        ERROR_CODE: attribute(reason.errorCode),
        ERROR_MESSAGE: attribute(reason.errorMessage.slice(0, 1000)),
        ...(reason.retryAttempts === undefined ? {} : { RETRY_ATTEMPTS: attribute(String(reason.retryAttempts)) }),
        ...(reason.exhaustedRetryCondition ? { EXHAUSTED_RETRY_CONDITION: attribute(reason.exhaustedRetryCondition) } : {}),
      },
    });
    return { messageId: (sent as { MessageId?: string } | undefined)?.MessageId };
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
