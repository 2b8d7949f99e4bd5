import { AwsError } from '../endpoint/aws-error.js';
import type { EventEnvelope } from '../events/definitions.js';
import { type Arn, tryParseArn } from '../names/arn.js';
import type { PublishBatchRequestEntry, PublishInput } from '../sns/message.js';
import type { SendMessageInput } from '../sqs/sqs-types.js';
import type { QueueSender } from './queues.js';
import { dispatchableService, isCustomBusArn } from './reachable.js';

/** A PutEvents entry; the bus is the target's ARN. */
export interface PutEventsEntry {
  readonly EventBusName: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly Resources?: string[];
  /** Seconds since the epoch, as the SDK sends it. */
  readonly Time?: number;
}

/** What PutEvents answers: an entry with an `ErrorCode` was refused. */
export interface PutEventsAnswer {
  readonly FailedEntryCount?: number;
  readonly Entries?: readonly { readonly EventId?: string; readonly ErrorCode?: string; readonly ErrorMessage?: string }[];
}

/**
 * An event put onto a Custom Event Bus (AWS::EventsV2, `event-busv2/<name>/<id>`) as a new event
 * (eb-custom-bus-target-bus): a PutEvents entry or a PutRawEvents entry, as its API takes them.
 */
export interface CustomBusEvent {
  readonly action: 'PutEvents' | 'PutRawEvents';
  /** The request's entry (`Source`, `DetailType`, `Detail`, ...; or `Data` in Base64, `Metadata`, `SystemMetadata.ContentType`). */
  readonly entry: Readonly<Record<string, unknown>>;
  /** What a sender that may send it again after a crash keys it by: the bus puts it once within its deduplication window. */
  readonly dedupKey?: string;
  /** The Custom Event Buses the event (or the one it derives from) has passed through: one of them as the destination is a loop. */
  readonly passedBuses?: readonly string[];
}

/** What became of one CustomBusEvent: PutEvents' entry result. */
export type CustomBusEntryResult =
  | { readonly EventId: string; readonly SuccessCode?: string }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** An event an AWS service puts on a bus itself (Lambda's invocation results): its `source` may be one callers may not use. */
export interface ServiceEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly resources: string[];
  readonly detail: unknown;
}

/** The services messages are dispatched to, each through the operation its endpoint serves; one left out is not reached. */
export interface TargetServices {
  readonly sqs?: QueueSender;
  readonly sns?: {
    Publish(input: PublishInput & { TopicArn: string; Message: string }): Promise<unknown>;
    /** Up to 10 messages in one call, each its own result; left out, the dispatcher sends a batch one Publish at a time. */
    PublishBatch?(input: { TopicArn: string; PublishBatchRequestEntries: PublishBatchRequestEntry[] }): Promise<BatchAnswer>;
  };
  readonly lambda?: {
    /** InvocationType `Event`: resolves once the invocation is queued. */
    invokeAsync?(functionArn: string, event: unknown, options?: LambdaInvokeOptions): Promise<unknown>;
    /** InvocationType `RequestResponse`: resolves with the function's outcome, failed or not. */
    invoke?(functionArn: string, event: unknown, options?: LambdaInvokeOptions): Promise<LambdaOutcome>;
  };
  readonly states?: {
    StartExecution(input: { stateMachineArn: string; input: string; name?: string }): Promise<unknown>;
    /** An Express state machine's execution run to its end (a Standard one is refused: StateMachineTypeNotSupported). */
    StartSyncExecution?(input: { stateMachineArn: string; input: string; name?: string }): Promise<SyncExecution>;
  };
  readonly events?: {
    /** `entryKeys`: a key per entry, which the bus answers a repeat of from its first answer (EventsService's PutEventsCall). */
    PutEvents?(input: { Entries: PutEventsEntry[] }, options?: { entryKeys?: readonly (string | undefined)[] }): Promise<PutEventsAnswer>;
    putServiceEvent?(busArn: string, event: ServiceEvent): void;
    forward?(busArn: string, event: EventEnvelope): void;
  };
  /**
   * Custom Event Buses (AWS::EventsV2): the one function that puts events onto one as new events,
   * each its result in order (EventBridgeV2Service's `forward`).
   * @throws AwsError ResourceNotFoundException when the bus does not exist
   */
  readonly customBuses?: { forward(busArn: string, events: readonly CustomBusEvent[]): readonly CustomBusEntryResult[] };
  /** Kinesis's PutRecord (JSON protocol: Data in base64). */
  readonly kinesis?: { PutRecord(input: { StreamARN: string; Data: string; PartitionKey: string }): Promise<unknown> };
  readonly logs?: {
    /** Appends the events to the group's stream (creating both as needed), durably by the time it returns. */
    write(group: string, stream: string, events: readonly { readonly timestamp: number; readonly message: string }[]): void;
  };
  /**
   * Firehose's PutRecord and PutRecordBatch (JSON protocol: Data in base64), the delivery
   * stream named by the ARN's name; each record is in the stream's buffer once it resolves.
   * @throws AwsError ResourceNotFoundException when the stream does not exist
   */
  readonly firehose?: {
    PutRecord(input: { DeliveryStreamName: string; Record: { Data: string } }): Promise<unknown>;
    /** Up to 500 records in one call, each its own answer in order; left out, the dispatcher sends a batch one PutRecord at a time. */
    PutRecordBatch?(input: { DeliveryStreamName: string; Records: { Data: string }[] }): Promise<FirehoseBatchAnswer>;
  };
}

/** What PutRecordBatch answers: a response per record, in order, one with an `ErrorCode` refused. */
export interface FirehoseBatchAnswer {
  readonly FailedPutCount?: number;
  readonly RequestResponses?: readonly { readonly RecordId?: string; readonly ErrorCode?: string; readonly ErrorMessage?: string }[];
}

/** What StartSyncExecution answers: the execution's end. */
export interface SyncExecution {
  readonly status?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** Invoke's options a sender may set: a durable function's execution name (Custom Event Bus subscribers' DurableExecutionName). */
export interface LambdaInvokeOptions {
  readonly durableExecutionName?: string;
}

/** A synchronous invocation's outcome, as LambdaService's `invoke` answers it. */
export type LambdaOutcome = { ok: true; payload: string } | { ok: false; error: { errorType?: string; errorMessage?: string } };

/** How an event bus target takes the message: as PutEvents entries, as a service's own event, or as the event it is (bus to bus). */
export type BusMessage =
  | {
      readonly entries: readonly Omit<PutEventsEntry, 'EventBusName'>[];
      /** A key per entry, for a sender that may send the same entries again after a crash (a pipe): the bus puts each once. */
      readonly entryKeys?: readonly (string | undefined)[];
    }
  | { readonly serviceEvent: ServiceEvent }
  | {
      readonly forward: EventEnvelope;
      /**
       * What the delivery is keyed by (a rule's target and the event), for a Custom Event Bus
       * destination: a delivery sent again after a crash is put there once.
       */
      readonly forwardKey?: string;
    }
  /** Events for a Custom Event Bus target (`event-busv2/...`), as they are to be put there. */
  | { readonly customBus: readonly CustomBusEvent[] };

/**
 * One message to a target, with what each kind of target needs besides the payload. Only the
 * options of the target's service are read; what the payload is, and what a failure means
 * (retries, dead-letter queues), is the caller's.
 */
export interface TargetMessage {
  /** The payload as text: a queue's message body, a topic's message, an execution's input. */
  readonly body: string;
  readonly sqs?: Pick<SendMessageInput, 'MessageGroupId' | 'MessageDeduplicationId' | 'MessageAttributes' | 'DelaySeconds'>;
  readonly sns?: Pick<PublishInput, 'Subject' | 'MessageGroupId' | 'MessageDeduplicationId' | 'MessageAttributes'>;
  /** `event` is what the function gets (the body parsed as JSON when left out); `Event` invocation unless said otherwise. */
  readonly lambda?: { readonly invocationType?: 'Event' | 'RequestResponse'; readonly event?: unknown } & LambdaInvokeOptions;
  /** `synchronously`: StartSyncExecution, answered with the execution's end (an Express state machine only); else StartExecution. */
  readonly states?: { readonly name?: string; readonly synchronously?: boolean };
  /** Required for event bus targets: an event bus takes events, not text (a function when only a bus target can build it). */
  readonly events?: BusMessage | (() => BusMessage);
  /** Required for Kinesis stream targets: the record's partition key; `data`, the record's bytes when they are not the body's text (CloudWatch Logs' gzip). */
  readonly kinesis?: { readonly partitionKey: string; readonly data?: Uint8Array };
  /** Required for log group targets: the stream the body goes to, and the log event's time. */
  readonly logs?: { readonly streamName: string; readonly timestamp: number };
  /** For Firehose delivery stream targets: `data`, the record's bytes when they are not the body's text (CloudWatch Logs' gzip). */
  readonly firehose?: { readonly data?: Uint8Array };
}

/** What SendMessageBatch and PublishBatch answer: the entries taken and the entries refused, by Id. */
export interface BatchAnswer {
  readonly Successful?: readonly { readonly Id?: string }[];
  readonly Failed?: readonly { readonly Id?: string; readonly Code?: string; readonly Message?: string; readonly SenderFault?: boolean }[];
}

/** What became of one message of a batch (sendBatch): taken, or refused with its error. */
export type BatchEntryResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/** The most messages SendMessageBatch and PublishBatch take in one call; PutRecordBatch takes 500 records (Firehose's quotas). */
const MAX_BATCH_ENTRIES = 10;
const MAX_FIREHOSE_BATCH_RECORDS = 500;

/** What the target's service answered, by service. */
export type Dispatched =
  | { readonly service: 'sqs'; readonly answer: unknown }
  | { readonly service: 'sns'; readonly answer: unknown }
  | { readonly service: 'lambda'; readonly outcome?: LambdaOutcome; readonly answer?: unknown }
  | { readonly service: 'states'; readonly answer: unknown; readonly synchronously?: false }
  | { readonly service: 'states'; readonly answer: SyncExecution; readonly synchronously: true }
  | { readonly service: 'events'; readonly answer?: PutEventsAnswer }
  | { readonly service: 'eventsv2'; readonly answer: readonly CustomBusEntryResult[] }
  | { readonly service: 'kinesis'; readonly answer: unknown }
  | { readonly service: 'logs' }
  | { readonly service: 'firehose'; readonly answer: unknown };

/**
 * A target the runtime cannot send to: its service is not run locally (or not given to this
 * dispatcher), or the string is not an ARN. `code` is the AWS-style error code callers record.
 */
export class UnsupportedTargetError extends AwsError {
  override readonly name = 'UnsupportedTargetError';
  constructor(
    readonly arn: string,
    /** The ARN's service; undefined when the target is not an ARN. */
    readonly service: string | undefined,
    message: string,
    code = 'UnsupportedTarget',
  ) {
    super(code, message);
  }
}

/** The wording of rule and schedule targets (EventBridge, Scheduler). */
function unsupportedTarget(arn: string, service: string | undefined): UnsupportedTargetError {
  if (service === undefined) return new UnsupportedTargetError(arn, service, `target ${arn} is not an ARN`);
  if (service === 'sns') return new UnsupportedTargetError(arn, service, `SNS topic targets (${arn}) are not run locally`);
  return new UnsupportedTargetError(arn, service, `targets of service ${service} (${arn}) are not run locally`);
}

/**
 * Sends a message to whatever the runtime runs behind an ARN, the way AWS services call each
 * other: SendMessage to a queue, Publish to a topic, Invoke a function, StartExecution of a
 * state machine, an event on a bus, a record on a stream, a log event in a log group, a record in
 * a delivery stream's buffer. EventBridge rule targets,
 * Lambda destinations, Scheduler and Pipes targets and SNS subscriptions all send through it.
 */
export class TargetDispatcher {
  constructor(
    private readonly services: TargetServices,
    /** The error for a target this dispatcher cannot reach, in the caller's words. */
    private readonly unsupported: (arn: string, service: string | undefined) => Error = unsupportedTarget,
  ) {}

  /** Resolves with the service's answer once it took the message; rejects with its error, or the unsupported error. */
  async send(arn: string, message: TargetMessage): Promise<Dispatched> {
    const parsed = tryParseArn(arn);
    if (parsed === undefined) throw this.unsupported(arn, undefined);
    if (isCustomBusArn(arn)) return this.#toCustomBus(arn, parsed, message);
    const service = dispatchableService(arn);
    if (service === undefined) throw this.unsupported(arn, parsed.service);
    switch (service) {
      case 'sqs':
        return { service: 'sqs', answer: await this.#toQueue(arn, parsed, message) };
      case 'sns':
        return { service: 'sns', answer: await this.#toTopic(arn, parsed, message) };
      case 'lambda':
        return this.#toFunction(arn, parsed, message);
      case 'states': {
        const states = this.#service(this.services.states, arn, parsed);
        const name = message.states?.name;
        const input = { stateMachineArn: arn, input: message.body, ...(name === undefined ? {} : { name }) };
        if (!message.states?.synchronously) return { service: 'states', answer: await states.StartExecution(input) };
        if (!states.StartSyncExecution) throw this.unsupported(arn, parsed.service);
        return { service: 'states', answer: await states.StartSyncExecution(input), synchronously: true };
      }
      case 'events':
        return this.#toBus(arn, parsed, message);
      case 'kinesis': {
        const kinesis = this.#service(this.services.kinesis, arn, parsed);
        if (!message.kinesis) throw this.unsupported(arn, parsed.service);
        const data = message.kinesis.data === undefined ? Buffer.from(message.body) : Buffer.from(message.kinesis.data);
        const record = { StreamARN: arn, Data: data.toString('base64'), PartitionKey: message.kinesis.partitionKey };
        return { service: 'kinesis', answer: await kinesis.PutRecord(record) };
      }
      case 'logs': {
        const logs = this.#service(this.services.logs, arn, parsed);
        if (!message.logs) throw this.unsupported(arn, parsed.service);
        logs.write(parsed.resourceId, message.logs.streamName, [{ timestamp: message.logs.timestamp, message: message.body }]);
        return { service: 'logs' };
      }
      case 'firehose': {
        const firehose = this.#service(this.services.firehose, arn, parsed);
        const Record = { Data: firehoseData(message).toString('base64') };
        return { service: 'firehose', answer: await firehose.PutRecord({ DeliveryStreamName: parsed.resourceId, Record }) };
      }
      default:
        // DISPATCHABLE names a service this switch has no case for.
        return service satisfies never;
    }
  }

  /**
   * Sends messages to one target as AWS services send a batch: to a queue through
   * SendMessageBatch and to a topic through PublishBatch, up to 10 a call (the entries' Ids their
   * places in `messages`), to a delivery stream through PutRecordBatch, up to 500 a call, each
   * message its own result (an entry the service refused fails alone;
   * a call refused as a whole fails each of its entries). To a target without a batch operation,
   * or a service given without one, one send per message, in order.
   */
  async sendBatch(arn: string, messages: readonly TargetMessage[]): Promise<BatchEntryResult[]> {
    const batchSend = this.#batchSender(arn);
    const results: BatchEntryResult[] = [];
    if (batchSend === undefined) {
      for (const message of messages) results.push(await this.send(arn, message).then(taken, refused));
      return results;
    }
    const size = dispatchableService(arn) === 'firehose' ? MAX_FIREHOSE_BATCH_RECORDS : MAX_BATCH_ENTRIES;
    for (let offset = 0; offset < messages.length; offset += size) {
      const chunk = messages.slice(offset, offset + size);
      const answer = await batchSend(chunk, offset).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (answer instanceof Error) {
        results.push(...chunk.map(() => refused(answer)));
        continue;
      }
      const failed = new Map((answer.Failed ?? []).map((entry) => [entry.Id, entry]));
      const succeeded = new Set((answer.Successful ?? []).map((entry) => entry.Id));
      chunk.forEach((_, i) => {
        const id = String(offset + i);
        const failure = failed.get(id);
        if (failure !== undefined)
          results.push(refused(new AwsError(failure.Code ?? 'InternalFailure', failure.Message ?? `entry ${id} refused`)));
        else if (succeeded.has(id)) results.push({ ok: true });
        // An answer that names an entry neither taken nor refused: not a success.
        else results.push(refused(new AwsError('InternalFailure', `${arn} answered nothing for batch entry ${id}`)));
      });
    }
    return results;
  }

  /** The batch operation of the queue, topic or delivery stream `arn` names (SendMessageBatch, PublishBatch, PutRecordBatch), if its service was given one. */
  #batchSender(arn: string): ((chunk: readonly TargetMessage[], offset: number) => Promise<BatchAnswer>) | undefined {
    const service = dispatchableService(arn);
    const sqs = this.services.sqs;
    const sendMessageBatch = sqs?.SendMessageBatch;
    if (service === 'sqs' && sqs && sendMessageBatch)
      return async (chunk, offset) =>
        sendMessageBatch({
          QueueUrl: await sqs.queueUrl(arn),
          Entries: chunk.map((message, i) => ({ Id: String(offset + i), MessageBody: message.body, ...message.sqs })),
        });
    const sns = this.services.sns;
    if (service === 'sns' && sns?.PublishBatch)
      return (chunk, offset) =>
        (sns.PublishBatch as NonNullable<typeof sns.PublishBatch>)({
          TopicArn: arn,
          PublishBatchRequestEntries: chunk.map((message, i) => ({ Id: String(offset + i), Message: message.body, ...message.sns })),
        });
    const putRecordBatch = this.services.firehose?.PutRecordBatch;
    if (service === 'firehose' && putRecordBatch)
      return async (chunk, offset) => {
        const DeliveryStreamName = tryParseArn(arn)?.resourceId ?? arn;
        const Records = chunk.map((message) => ({ Data: firehoseData(message).toString('base64') }));
        const answer = await putRecordBatch({ DeliveryStreamName, Records });
        // PutRecordBatch answers by place, not by Id: its responses become the entries taken and refused.
        const responses = answer.RequestResponses ?? [];
        const ids = chunk.map((_, i) => String(offset + i));
        return {
          Successful: ids.filter((_, i) => responses[i] !== undefined && !responses[i]?.ErrorCode).map((Id) => ({ Id })),
          Failed: ids.flatMap((Id, i) => {
            const response = responses[i];
            return response?.ErrorCode ? [{ Id, Code: response.ErrorCode, Message: response.ErrorMessage ?? response.ErrorCode }] : [];
          }),
        };
      };
    return undefined;
  }

  async #toQueue(arn: string, parsed: Arn, message: TargetMessage): Promise<unknown> {
    const sqs = this.#service(this.services.sqs, arn, parsed);
    return sqs.SendMessage({ QueueUrl: await sqs.queueUrl(arn), MessageBody: message.body, ...message.sqs });
  }

  async #toTopic(arn: string, parsed: Arn, message: TargetMessage): Promise<unknown> {
    const sns = this.#service(this.services.sns, arn, parsed);
    return sns.Publish({ TopicArn: arn, Message: message.body, ...message.sns });
  }

  async #toFunction(arn: string, parsed: Arn, message: TargetMessage): Promise<Dispatched> {
    const lambda = this.services.lambda;
    const options = message.lambda;
    const event = options?.event === undefined ? JSON.parse(message.body) : options.event;
    const name = options?.durableExecutionName;
    if (options?.invocationType === 'RequestResponse') {
      if (!lambda?.invoke) throw this.unsupported(arn, parsed.service);
      return {
        service: 'lambda',
        outcome: await (name ? lambda.invoke(arn, event, { durableExecutionName: name }) : lambda.invoke(arn, event)),
      };
    }
    if (!lambda?.invokeAsync) throw this.unsupported(arn, parsed.service);
    // Lambda's answer (its request id) names the invocation: a sender that records what it made reads it.
    const answer = await (name ? lambda.invokeAsync(arn, event, { durableExecutionName: name }) : lambda.invokeAsync(arn, event));
    return { service: 'lambda', answer };
  }

  async #toBus(arn: string, parsed: Arn, message: TargetMessage): Promise<Dispatched> {
    const events = this.services.events;
    const bus = typeof message.events === 'function' ? message.events() : message.events;
    if (bus && 'entries' in bus && events?.PutEvents) {
      const entries = bus.entries.map((entry) => ({ EventBusName: arn, ...entry }));
      const answer = await (bus.entryKeys
        ? events.PutEvents({ Entries: entries }, { entryKeys: bus.entryKeys })
        : events.PutEvents({ Entries: entries }));
      return { service: 'events', answer };
    }
    if (bus && 'serviceEvent' in bus && events?.putServiceEvent) {
      events.putServiceEvent(arn, bus.serviceEvent);
      return { service: 'events' };
    }
    if (bus && 'forward' in bus && events?.forward) {
      events.forward(arn, bus.forward);
      return { service: 'events' };
    }
    throw this.unsupported(arn, parsed.service);
  }

  /**
   * A Custom Event Bus: the message's events through its `forward`, each its result; a classic
   * rule's event (`forward`) as one PutEvents entry of its source, detail-type, detail and
   * resources (eb-custom-bus-target-bus: "A Custom Event Bus - Classic rule can likewise name a
   * Custom Event Bus as its target"), failing as a whole when the bus refuses it.
   */
  #toCustomBus(arn: string, parsed: Arn, message: TargetMessage): Dispatched {
    const buses = this.#service(this.services.customBuses, arn, parsed);
    const bus = typeof message.events === 'function' ? message.events() : message.events;
    if (bus && 'customBus' in bus) return { service: 'eventsv2', answer: buses.forward(arn, bus.customBus) };
    if (!bus || !('forward' in bus)) throw this.unsupported(arn, parsed.service);
    const { source, 'detail-type': detailType, detail, resources, time } = bus.forward;
    const entry = {
      Source: source,
      DetailType: detailType,
      Detail: JSON.stringify(detail ?? {}),
      ...(Array.isArray(resources) ? { Resources: resources } : {}),
      ...(typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? { Time: Date.parse(time) / 1000 } : {}),
    };
    const answer = buses.forward(arn, [{ action: 'PutEvents', entry, ...(bus.forwardKey ? { dedupKey: bus.forwardKey } : {}) }]);
    const refusal = answer.find((result) => 'ErrorCode' in result);
    if (refusal && 'ErrorCode' in refusal) throw new AwsError(refusal.ErrorCode, refusal.ErrorMessage);
    return { service: 'eventsv2', answer };
  }

  #service<S>(service: S | undefined, arn: string, parsed: Arn): S {
    if (service === undefined) throw this.unsupported(arn, parsed.service);
    return service;
  }
}

/** A Firehose record's bytes: the message's own, or its body's text. */
const firehoseData = (message: TargetMessage): Buffer =>
  message.firehose?.data === undefined ? Buffer.from(message.body) : Buffer.from(message.firehose.data);

const taken = (): BatchEntryResult => ({ ok: true });
const refused = (error: unknown): BatchEntryResult => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) });
