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
  /** S3 buckets, an on-failure destination's: PutObject, committed when it returns; absent, a bucket destination is not reached. */
  readonly s3?: { putObject(bucket: string, key: string, body: string): void };
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
  readonly #s3: DestinationServices['s3'];

  constructor(services: DestinationServices) {
    this.#s3 = services.s3;
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
    // An S3 bucket is Lambda's own kind of destination (on failure only), no target the dispatcher's other senders reach.
    const bucket = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn)?.[1];
    if (bucket !== undefined) {
      if (this.#s3 === undefined) throw unsupportedDestination(arn, 's3');
      this.#s3.putObject(bucket, s3RecordKey(JSON.parse(payload) as InvocationRecord), payload);
      return;
    }
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

/**
 * Where Lambda writes an invocation record in a bucket destination:
 * `aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`, at the record's time (UTC).
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export function s3RecordKey(record: InvocationRecord, uuid: string = crypto.randomUUID()): string {
  const functionName = record.requestContext.functionArn.split(':')[6] ?? 'unknown';
  const iso = new Date(record.timestamp).toISOString();
  const [date = '', time = ''] = iso.split('T');
  return `aws/lambda/async/${functionName}/${date.replace(/-/g, '/')}/${date}T${time.slice(0, 8).replace(/:/g, '.')}-${uuid}`;
}

function unsupportedDestination(arn: string, service: string | undefined): UnsupportedTargetError {
  const message =
    service === 'sns' ? `SNS topic ${arn} is not run locally yet` : `destinations of service ${service} (${arn}) are not run locally`;
  return new UnsupportedTargetError(arn, service, message, 'UnsupportedDestination');
}
