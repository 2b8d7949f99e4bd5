import { TargetDispatcher, UnsupportedTargetError } from '../../targets/dispatcher.js';
import { QueuesByArn, type SqsQueues } from '../../targets/queues.js';

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

/** Why an event ended; ZeroReservedConcurrency: the function may not run at all (reserved concurrency 0), so it is not tried. */
export type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded' | 'ZeroReservedConcurrency';

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
  readonly sqs: SqsQueues;
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
  readonly #dispatcher: TargetDispatcher;

  constructor(services: DestinationServices) {
    const sns = services.sns;
    this.#dispatcher = new TargetDispatcher(
      {
        sqs: new QueuesByArn(services.sqs),
        lambda: { invokeAsync: (fn, event) => services.lambda.invokeAsync(fn, event) },
        events: { putServiceEvent: (bus, event) => services.events.putServiceEvent(bus, event) },
        // The SNS service plugs in here once it runs locally (services.sns).
        ...(sns
          ? { sns: { Publish: (input) => sns.publish(input.TopicArn, input.Message, input.MessageAttributes as DestinationAttributes) } }
          : {}),
      },
      unsupportedDestination,
    );
  }

  async send(arn: string, payload: string, attributes?: DestinationAttributes): Promise<void> {
    await this.#dispatcher.send(arn, {
      body: payload,
      sqs: attributes ? { MessageAttributes: { ...attributes } } : {},
      ...(attributes ? { sns: { MessageAttributes: attributes } } : {}),
      // Only a bus destination gets the record as an event (a dead-letter queue gets the function's event).
      events: () => ({ serviceEvent: invocationResultEvent(arn, payload) }),
    });
  }
}

type DestinationAttributes = Readonly<Record<string, DestinationAttribute>>;

/** The event Lambda puts on a destination bus: from source `lambda`, the record as its detail. */
function invocationResultEvent(busArn: string, payload: string) {
  const record = JSON.parse(payload) as InvocationRecord;
  const outcome = record.requestContext.condition === 'Success' ? 'Success' : 'Failure';
  return {
    source: 'lambda',
    'detail-type': `Lambda Function Invocation Result - ${outcome}`,
    resources: [busArn, record.requestContext.functionArn],
    detail: record,
  };
}

function unsupportedDestination(arn: string, service: string | undefined): UnsupportedTargetError {
  const message =
    service === 'sns' ? `SNS topic ${arn} is not run locally yet` : `destinations of service ${service} (${arn}) are not run locally`;
  return new UnsupportedTargetError(arn, service, message, 'UnsupportedDestination');
}
