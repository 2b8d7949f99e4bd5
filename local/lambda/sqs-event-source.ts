import { tryParseArn } from '../arn.js';
import { AwsError } from '../aws-error.js';
import type { SqsQueues } from '../targets/queues.js';
import type { FunctionRuntime, LogSink } from './function-runtime.js';

/** The SQS operations the poller needs, in the SQS JSON protocol's shapes (the local SqsService has them). */
export interface SqsForPoller extends Pick<SqsQueues, 'GetQueueUrl'> {
  ReceiveMessage(
    input: {
      QueueUrl: string;
      MaxNumberOfMessages: number;
      WaitTimeSeconds: number;
      MessageSystemAttributeNames?: string[];
      AttributeNames?: string[];
      MessageAttributeNames?: string[];
    },
    options?: { signal?: AbortSignal },
  ): Promise<{ Messages?: SqsMessage[] }>;
  DeleteMessageBatch(input: { QueueUrl: string; Entries: { Id: string; ReceiptHandle: string }[] }): Promise<unknown>;
}

export interface SqsMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  MD5OfBody?: string;
  MD5OfMessageAttributes?: string;
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<
    string,
    { DataType?: string; StringValue?: string; BinaryValue?: string; StringListValues?: string[]; BinaryListValues?: string[] }
  >;
}

/** An AWS::Lambda::EventSourceMapping with an SQS source, as the template defines it. */
export interface SqsMappingDefinition {
  readonly uuid: string;
  readonly queueArn: string;
  readonly functionName: string;
  /** The function, version or alias the template maps the queue to, as its FunctionName gives it (name or ARN, maybe qualified). */
  readonly functionReference?: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly maximumConcurrency?: number;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
}

/**
 * Drains a queue into a function the way Lambda's SQS event source does: long-polls,
 * gathers up to BatchSize records within the batching window, invokes, deletes what
 * succeeded. Failed records are left alone, so they come back after the visibility
 * timeout and, after maxReceiveCount, go to the DLQ.
 */
export class SqsEventSource {
  #stopped = false;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];

  constructor(
    readonly mapping: SqsMappingDefinition,
    private readonly sqs: SqsForPoller,
    private readonly fn: FunctionRuntime,
    private readonly region: string,
    private readonly log: LogSink,
  ) {}

  async start(): Promise<void> {
    if (!this.mapping.enabled) return;
    const queueName = tryParseArn(this.mapping.queueArn)?.resourceId ?? '';
    const { QueueUrl } = await this.sqs.GetQueueUrl({ QueueName: queueName });
    if (!QueueUrl) throw new AwsError('ResourceNotFoundException', `event source queue ${this.mapping.queueArn} does not exist`, 404);
    const pollers = Math.max(1, Math.min(this.mapping.maximumConcurrency ?? this.fn.maxConcurrency, this.fn.maxConcurrency));
    for (let i = 0; i < pollers; i++) this.#loops.push(this.#poll(QueueUrl));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }

  async #poll(queueUrl: string): Promise<void> {
    while (!this.#stopped) {
      try {
        const batch = await this.#collect(queueUrl);
        if (batch.length > 0) await this.#deliver(queueUrl, batch);
      } catch (error) {
        if (this.#stopped) return;
        this.log(this.fn.definition.name, `event source ${this.mapping.uuid} poll failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Receives until the batch is full or the batching window has passed since the first record. */
  async #collect(queueUrl: string): Promise<SqsMessage[]> {
    const { batchSize, maximumBatchingWindowSeconds } = this.mapping;
    const receive = async (waitSeconds: number) =>
      (
        await this.sqs.ReceiveMessage(
          {
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, batchSize),
            WaitTimeSeconds: waitSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          },
          { signal: this.#abort.signal },
        )
      ).Messages ?? [];
    const batch = await receive(20);
    if (batch.length === 0 || maximumBatchingWindowSeconds === 0) return batch;
    const windowEnds = Date.now() + maximumBatchingWindowSeconds * 1000;
    while (batch.length < batchSize && !this.#stopped) {
      const remaining = windowEnds - Date.now();
      if (remaining <= 0) break;
      batch.push(...(await receive(Math.min(20, Math.max(1, Math.floor(remaining / 1000))))));
    }
    return batch;
  }

  async #deliver(queueUrl: string, messages: SqsMessage[]): Promise<void> {
    const event = { Records: messages.map((message) => this.#record(message)) };
    // Lambda continues the trace of the batch's messages (their AWSTraceHeader); each message is a parent of the invocation.
    const traceHeader = messages.map((message) => message.Attributes?.AWSTraceHeader).find((header) => header !== undefined);
    const outcome = await this.fn.invoke(event, {
      ...(traceHeader ? { traceHeader } : {}),
      messages: messages.map((message) => ({ messageId: message.MessageId ?? '', queueArn: this.mapping.queueArn })),
    });
    let succeeded: SqsMessage[];
    if (!outcome.ok) {
      this.log(this.fn.definition.name, `batch of ${messages.length} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      return;
    }
    if (this.mapping.reportBatchItemFailures) {
      const failedIds = parseBatchItemFailures(outcome.payload, new Set(messages.map((m) => m.MessageId ?? '')));
      if (failedIds === 'invalid') {
        this.log(
          this.fn.definition.name,
          `batch of ${messages.length} failed: the partial batch response is invalid, so Lambda treats the whole batch as failed`,
        );
        return;
      }
      succeeded = messages.filter((m) => !failedIds.has(m.MessageId ?? ''));
    } else {
      succeeded = messages;
    }
    for (let i = 0; i < succeeded.length; i += 10) {
      const entries = succeeded.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? '' }));
      await this.sqs.DeleteMessageBatch({ QueueUrl: queueUrl, Entries: entries });
    }
  }

  #record(message: SqsMessage) {
    const attributes = { ...message.Attributes };
    return {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes,
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            stringValue: value.StringValue,
            binaryValue: value.BinaryValue,
            stringListValues: value.StringListValues ?? [],
            binaryListValues: value.BinaryListValues ?? [],
            dataType: value.DataType,
          },
        ]),
      ),
      md5OfBody: message.MD5OfBody,
      ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.mapping.queueArn,
      awsRegion: this.region,
    };
  }
}

/**
 * Reads a partial batch response as Lambda does: null, `{}` or an empty/null list mean
 * all succeeded; a malformed response, or an itemIdentifier that is empty, null or not
 * in the batch, fails the whole batch.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function parseBatchItemFailures(payload: string, batchIds: ReadonlySet<string>): Set<string> | 'invalid' {
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return 'invalid';
  }
  if (response === null) return new Set();
  if (typeof response !== 'object' || Array.isArray(response)) return 'invalid';
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'invalid';
  const ids = new Set<string>();
  for (const failure of failures) {
    if (failure === null || typeof failure !== 'object') return 'invalid';
    const id = (failure as { itemIdentifier?: unknown }).itemIdentifier;
    if (typeof id !== 'string' || id === '' || !batchIds.has(id)) return 'invalid';
    ids.add(id);
  }
  return ids;
}
