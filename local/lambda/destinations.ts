import { AwsError } from '../aws-error.js';

/** A message attribute as SQS and SNS take it. */
export interface DestinationAttribute {
  readonly DataType: 'String' | 'Number';
  readonly StringValue: string;
}

/** Where Lambda sends invocation records (destinations) and failed events (dead-letter queues). */
export interface DestinationSender {
  send(arn: string, payload: string, attributes?: Readonly<Record<string, DestinationAttribute>>): Promise<void>;
}

/** What an invocation record says about the last attempt. */
export interface ResponseContext {
  readonly statusCode: number;
  readonly executedVersion: string;
  readonly functionError?: 'Unhandled';
}

export type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** The invocation record Lambda sends to a destination (Lambda developer guide, "Invocation records"). */
export interface InvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: Condition;
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext?: ResponseContext;
  readonly responsePayload?: unknown;
}

/** The services destinations reach, each through the operation its endpoint serves. */
export interface DestinationServices {
  readonly sqs: {
    GetQueueUrl(input: { QueueName: string }): Promise<{ QueueUrl?: string }>;
    SendMessage(input: {
      QueueUrl: string;
      MessageBody: string;
      MessageAttributes?: Record<string, DestinationAttribute>;
    }): Promise<unknown>;
  };
  readonly lambda: { invokeAsync(functionNameOrArn: string, event: unknown): Promise<{ requestId: string }> };
  readonly events: {
    putServiceEvent(busName: string, event: { source: string; 'detail-type': string; resources: string[]; detail: unknown }): void;
  };
  /** SNS topics; absent until the local SNS service runs. */
  readonly sns?: {
    publish(topicArn: string, message: string, attributes?: Readonly<Record<string, DestinationAttribute>>): Promise<void>;
  };
}

/**
 * Sends to the local service behind a destination ARN: SQS queues get the record as the
 * message body, functions are invoked asynchronously with it, event buses get an event
 * from source `lambda` whose detail is the record, as Lambda sends them.
 */
export class ServiceDestinations implements DestinationSender {
  constructor(private readonly services: DestinationServices) {}

  async send(arn: string, payload: string, attributes?: Readonly<Record<string, DestinationAttribute>>): Promise<void> {
    const service = arn.split(':')[2];
    switch (service) {
      case 'sqs': {
        const { QueueUrl } = await this.services.sqs.GetQueueUrl({ QueueName: arn.split(':')[5] ?? '' });
        if (!QueueUrl) throw new AwsError('QueueDoesNotExist', `queue ${arn} does not exist`);
        await this.services.sqs.SendMessage({
          QueueUrl,
          MessageBody: payload,
          ...(attributes ? { MessageAttributes: { ...attributes } } : {}),
        });
        return;
      }
      case 'lambda':
        await this.services.lambda.invokeAsync(arn, JSON.parse(payload));
        return;
      case 'events': {
        const record = JSON.parse(payload) as InvocationRecord;
        const outcome = record.requestContext.condition === 'Success' ? 'Success' : 'Failure';
        this.services.events.putServiceEvent(arn, {
          source: 'lambda',
          'detail-type': `Lambda Function Invocation Result - ${outcome}`,
          resources: [arn, record.requestContext.functionArn],
          detail: record,
        });
        return;
      }
      case 'sns':
        // The SNS service plugs in here once it runs locally (services.sns).
        if (!this.services.sns) throw new AwsError('UnsupportedDestination', `SNS topic ${arn} is not run locally yet`);
        await this.services.sns.publish(arn, payload, attributes);
        return;
      default:
        throw new AwsError('UnsupportedDestination', `destinations of service ${service} (${arn}) are not run locally`);
    }
  }
}
