import { AwsError } from '../../endpoint/aws-error.js';
import { tryParseArn } from '../../names/arn.js';
import { sqsRecordFilter } from '../../pipes/record-filter.js';
import type { SqsQueues } from '../../targets/queues.js';
import { type Clock, HeldWork, systemClock } from '../../time/clock.js';
import type { FunctionRuntime, LogSink } from '../runtime/function-runtime.js';

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
  /** Provisioned mode (ProvisionedPollerConfig), as given: each bound Lambda's default when left out. */
  readonly provisionedPollerConfig?: ProvisionedPollerConfig;
  /** Why Lambda would refuse the mapping (its error, as `<code>: <message>`): it is then listed but not run. */
  readonly refusal?: string;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
  /** Its FilterCriteria's patterns (JSON text): a message none matches is deleted without an invocation. */
  readonly filters?: readonly string[];
  /** The template's Tags (ListTags answers them; a mapping the API made has its own in the TagStore: LambdaTags). */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ProvisionedPollerConfig {
  readonly MinimumPollers?: number;
  readonly MaximumPollers?: number;
}

/**
 * Provisioned mode for SQS (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html):
 * MinimumPollers 2 to 200 (default 2), MaximumPollers 2 to 10,000 (default 200), not below the
 * minimum, and not together with ScalingConfig's MaximumConcurrency (the two are mutually
 * exclusive). Each SQS event poller drives up to 10 concurrent invocations.
 */
const SQS_POLLERS = { minimum: { least: 2, most: 200, default: 2 }, maximum: { least: 2, most: 10_000, default: 200 } } as const;
/** Lambda's model ranges for the two members, whatever the event source (its ValidationException beyond them). */
const MODEL_POLLERS = { MinimumPollers: [1, 200], MaximumPollers: [1, 10_000] } as const;
const INVOCATIONS_PER_SQS_POLLER = 10;

/**
 * Reads an SQS mapping's ProvisionedPollerConfig (template or API shape) and checks it as
 * Lambda does; throws Lambda's error (AwsError) for a value Lambda refuses. The wording of
 * the SQS-specific InvalidParameterValueException messages is not published; the codes are Lambda's.
 */
export function sqsProvisionedPollerConfig(config: unknown, scalingConfig?: unknown): ProvisionedPollerConfig | undefined {
  if (config === undefined || config === null) return undefined;
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new AwsError(
      'InvalidParameterValueException',
      'ProvisionedPollerConfig must be an object with MinimumPollers and MaximumPollers.',
    );
  }
  const raw = config as Record<string, unknown>;
  const member = (name: keyof typeof MODEL_POLLERS): number | undefined => {
    const value = raw[name];
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) {
      throw new AwsError('InvalidParameterValueException', `Invalid value: ${name} must be an integer, not ${JSON.stringify(value)}.`);
    }
    const [least, most] = MODEL_POLLERS[name];
    const field = `provisionedPollerConfig.${name[0]?.toLowerCase()}${name.slice(1)}`;
    if (number < least || number > most) {
      const constraint = number < least ? `greater than or equal to ${least}` : `less than or equal to ${most}`;
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${number}' at '${field}' failed to satisfy constraint: Member must have value ${constraint}`,
      );
    }
    return number;
  };
  const minimum = member('MinimumPollers');
  const maximum = member('MaximumPollers');
  for (const [name, value, range] of [
    ['MinimumPollers', minimum, SQS_POLLERS.minimum],
    ['MaximumPollers', maximum, SQS_POLLERS.maximum],
  ] as const) {
    if (value !== undefined && (value < range.least || value > range.most)) {
      throw new AwsError(
        'InvalidParameterValueException',
        `${name} for an Amazon SQS event source mapping must be between ${range.least} and ${range.most}, not ${value}.`,
      );
    }
  }
  if ((minimum ?? SQS_POLLERS.minimum.default) > (maximum ?? SQS_POLLERS.maximum.default)) {
    throw new AwsError(
      'InvalidParameterValueException',
      `MinimumPollers (${minimum ?? SQS_POLLERS.minimum.default}) must not be greater than MaximumPollers (${maximum ?? SQS_POLLERS.maximum.default}).`,
    );
  }
  if ((scalingConfig as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency !== undefined) {
    throw new AwsError(
      'InvalidParameterValueException',
      'ScalingConfig (MaximumConcurrency) and ProvisionedPollerConfig cannot both be set on an Amazon SQS event source mapping.',
    );
  }
  return { ...(minimum === undefined ? {} : { MinimumPollers: minimum }), ...(maximum === undefined ? {} : { MaximumPollers: maximum }) };
}

/**
 * The template's provisioned mode for a mapping, for its definition: the checked config, or
 * Lambda's error as the reason it is not run (CloudFormation would fail to create it), which
 * is also warned of under `where`.
 */
export function provisionedModeOf(
  properties: { readonly ProvisionedPollerConfig?: unknown; readonly ScalingConfig?: unknown },
  where: string,
  warnings: string[],
): Pick<SqsMappingDefinition, 'provisionedPollerConfig' | 'refusal'> {
  try {
    const config = sqsProvisionedPollerConfig(properties.ProvisionedPollerConfig, properties.ScalingConfig);
    return config ? { provisionedPollerConfig: config } : {};
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    const refusal = `${error.code}: ${error.message}`;
    warnings.push(
      `${where} (AWS::Lambda::EventSourceMapping): Lambda refuses its ProvisionedPollerConfig (${refusal}); the mapping is not run`,
    );
    return { refusal };
  }
}

/**
 * Drains a queue into a function the way Lambda's SQS event source does: long-polls,
 * gathers up to BatchSize records within the batching window, deletes those its
 * FilterCriteria do not match, invokes with the rest, deletes what succeeded. Failed records are left alone, so they come back after the visibility
 * timeout and, after maxReceiveCount, go to the DLQ.
 */
export class SqsEventSource {
  #stopped = false;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];
  readonly #matches: (record: object) => boolean;

  constructor(
    readonly mapping: SqsMappingDefinition,
    private readonly sqs: SqsForPoller,
    private readonly fn: FunctionRuntime,
    private readonly region: string,
    private readonly log: LogSink,
    /** The runtime's clock: a batch is work in flight on it from its receive to its delete (Clock.begin). */
    private readonly clock: Clock = systemClock,
  ) {
    this.#matches = sqsRecordFilter(mapping.filters ?? []);
  }

  async start(): Promise<void> {
    if (!this.mapping.enabled) return;
    if (this.mapping.refusal) {
      this.log(this.fn.definition.name, `event source mapping ${this.mapping.uuid} is not run: ${this.mapping.refusal}`);
      return;
    }
    const queueName = tryParseArn(this.mapping.queueArn)?.resourceId ?? '';
    const { QueueUrl } = await this.sqs.GetQueueUrl({ QueueName: queueName });
    if (!QueueUrl) throw new AwsError('ResourceNotFoundException', `event source queue ${this.mapping.queueArn} does not exist`, 404);
    for (let i = 0; i < this.batchesInFlight; i++) this.#loops.push(this.#poll(QueueUrl));
  }

  /**
   * How many batches may be in flight at once: one loop each. MaximumConcurrency caps them;
   * in provisioned mode MaximumPollers does, at 10 invocations a poller. Both are bounded by
   * the function's concurrency here. The local runtime does not scale pollers up and down:
   * it runs at its bound from the start, which MinimumPollers (a floor) is then always met by.
   */
  get batchesInFlight(): number {
    const provisioned = this.mapping.provisionedPollerConfig;
    const cap = provisioned
      ? INVOCATIONS_PER_SQS_POLLER * (provisioned.MaximumPollers ?? SQS_POLLERS.maximum.default)
      : (this.mapping.maximumConcurrency ?? this.fn.maxConcurrency);
    return Math.max(1, Math.min(cap, this.fn.maxConcurrency));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }

  async #poll(queueUrl: string): Promise<void> {
    while (!this.#stopped) {
      // The batch is work in flight from its first receive to its delete, but for its invocation,
      // which is work of its own (a durable function's execution waits on the clock between its invocations).
      const work = new HeldWork(
        this.clock,
        () => `a batch of ${this.mapping.uuid} (${this.mapping.queueArn} to ${this.fn.definition.name})`,
      );
      try {
        const batch = await collectSqsBatch(this.sqs, queueUrl, this.mapping, {
          signal: this.#abort.signal,
          stopped: () => this.#stopped,
          clock: this.clock,
          work,
        });
        if (batch.length > 0) await this.#deliver(queueUrl, batch, work);
      } catch (error) {
        if (this.#stopped) return;
        this.log(this.fn.definition.name, `event source ${this.mapping.uuid} poll failed: ${(error as Error).message}`);
        work.release();
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        work.release();
      }
    }
  }

  async #deliver(queueUrl: string, received: SqsMessage[], work: HeldWork): Promise<void> {
    const messages = await this.#filtered(queueUrl, received);
    if (messages.length === 0) return;
    // Lambda's SQS records carry md5OfMessageAttributes, null for a message without attributes.
    const event = {
      Records: messages.map((message) => ({
        md5OfMessageAttributes: null,
        ...sqsRecord(message, this.mapping.queueArn, this.region),
      })),
    };
    // Lambda continues the trace of the batch's messages (their AWSTraceHeader); each message is a parent of the invocation.
    const traceHeader = messages.map((message) => message.Attributes?.AWSTraceHeader).find((header) => header !== undefined);
    const batchIds = new Set(messages.map((m) => m.MessageId ?? ''));
    const failedMessages = this.mapping.reportBatchItemFailures
      ? (payload: string) => parseBatchItemFailures(payload, batchIds)
      : undefined;
    // invoke() marks its invocation as work in flight before it returns its promise: the batch hands over without a gap.
    const invoked = this.fn.invoke(event, {
      ...(traceHeader ? { traceHeader } : {}),
      messages: messages.map((message) => ({
        messageId: message.MessageId ?? '',
        queueArn: this.mapping.queueArn,
        ...(message.Attributes?.AWSTraceHeader ? { traceHeader: message.Attributes.AWSTraceHeader } : {}),
      })),
      ...(failedMessages ? { failedMessages } : {}),
    });
    work.release();
    const outcome = await invoked;
    work.hold();
    let succeeded: SqsMessage[];
    if (!outcome.ok) {
      this.log(this.fn.definition.name, `batch of ${messages.length} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      return;
    }
    if (failedMessages) {
      const failedIds = failedMessages(outcome.payload);
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
    await deleteSqsMessages(this.sqs, queueUrl, succeeded);
  }

  /**
   * The messages its FilterCriteria match; the others are deleted from the queue unread, as
   * Lambda deletes an SQS message that matches none of a mapping's filters.
   */
  async #filtered(queueUrl: string, messages: SqsMessage[]): Promise<SqsMessage[]> {
    if ((this.mapping.filters ?? []).length === 0) return messages;
    const record = (message: SqsMessage) => sqsRecord(message, this.mapping.queueArn, this.region);
    const kept = messages.filter((message) => this.#matches(record(message)));
    await deleteSqsMessages(
      this.sqs,
      queueUrl,
      messages.filter((message) => !kept.includes(message)),
    );
    return kept;
  }
}

/**
 * A batch as Lambda's SQS poller (and a pipe with an SQS source) gathers it: a long poll for
 * the first messages, then receives until `batchSize` or the batching window, counted from
 * the first message, has passed. Never more than `batchSize` (each receive asks for what
 * room is left); without a window, what the first receive brought.
 *
 * The batch is work in flight (`work`) from its first receive. The window is on the runtime's
 * clock: on a test's clock (virtual time) the batch is parked on the window's end meanwhile,
 * so moving the clock closes the window at once instead of waiting it out in real time, and
 * stops there until the batch is delivered (SleepOptions.holding).
 */
export async function collectSqsBatch(
  sqs: Pick<SqsForPoller, 'ReceiveMessage'>,
  queueUrl: string,
  { batchSize, maximumBatchingWindowSeconds }: { readonly batchSize: number; readonly maximumBatchingWindowSeconds: number },
  {
    signal,
    stopped,
    clock,
    work,
  }: {
    readonly signal: AbortSignal;
    readonly stopped: () => boolean;
    readonly clock: Clock;
    /** Held from the first messages received, before the batching window: the batch is in flight from then on. */
    readonly work: Pick<HeldWork, 'hold' | 'release'>;
  },
): Promise<SqsMessage[]> {
  const receive = async (waitSeconds: number, room: number, until = signal) =>
    (
      await sqs.ReceiveMessage(
        {
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, room),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        },
        { signal: until },
      )
    ).Messages ?? [];
  const batch = await receive(20, batchSize);
  if (batch.length > 0) work.hold();
  if (batch.length === 0 || maximumBatchingWindowSeconds === 0) return batch;
  const windowEnds = clock.now() + maximumBatchingWindowSeconds * 1000;
  const window = clock.sleep ? parkedWindow(clock, windowEnds - clock.now(), signal, work) : undefined;
  try {
    while (batch.length < batchSize && !stopped() && !window?.over.aborted) {
      const remaining = windowEnds - clock.now();
      if (remaining <= 0) break;
      // An aborted receive takes nothing, so closing the window on the clock loses no message.
      const waitSeconds = Math.min(20, Math.max(1, Math.floor(remaining / 1000)));
      batch.push(...(await receive(waitSeconds, batchSize - batch.length, window?.receiving ?? signal)));
    }
  } finally {
    window?.close();
  }
  return batch;
}

/**
 * A batching window on a clock that sleeps: the batch's work is parked on the window's end (not
 * running), and held again the moment the window ends, before whoever moved the clock looks for
 * idleness. `over` aborts then; `receiving` aborts a receive then, or on the poller's signal.
 */
function parkedWindow(clock: Clock, ms: number, signal: AbortSignal, work: Pick<HeldWork, 'hold' | 'release'>) {
  const ended = new AbortController();
  const cancel = new AbortController();
  work.release();
  clock.sleep?.(ms, AbortSignal.any([signal, cancel.signal]), { holding: () => 'an SQS batch in its batching window' }).then(
    () => {
      work.hold();
      ended.abort();
    },
    () => undefined,
  );
  return {
    over: ended.signal,
    receiving: AbortSignal.any([signal, ended.signal]),
    /** The window ended early (the batch is full, the poller stopped): the batch runs on, held. */
    close(): void {
      if (ended.signal.aborted) return;
      cancel.abort();
      work.hold();
      ended.abort();
    },
  };
}

/** Deletes the messages, ten to a DeleteMessageBatch. */
export async function deleteSqsMessages(
  sqs: Pick<SqsForPoller, 'DeleteMessageBatch'>,
  queueUrl: string,
  messages: readonly SqsMessage[],
): Promise<void> {
  for (let at = 0; at < messages.length; at += 10) {
    const entries = messages.slice(at, at + 10).map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle ?? '' }));
    await sqs.DeleteMessageBatch({ QueueUrl: queueUrl, Entries: entries });
  }
}

/** An SQS message as Lambda's SQS event source, and a pipe with an SQS source, hand it on: a record of `Records`. */
export function sqsRecord(message: SqsMessage, queueArn: string, region: string) {
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: { ...message.Attributes },
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
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Reads a partial batch response as Lambda does: null, `{}`, an empty/null list, or an
 * empty list answered instead of an object (as Lambda read it for DynamoDB and Kinesis
 * mappings, LocalStack's recorded `empty_list_success`) mean all succeeded; a malformed
 * response, or an itemIdentifier that is empty, null or not in the batch, fails the whole batch.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function parseBatchItemFailures(payload: string, batchIds: ReadonlySet<string>): Set<string> | 'invalid' {
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return 'invalid';
  }
  if (response === null || (Array.isArray(response) && response.length === 0)) return new Set();
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
