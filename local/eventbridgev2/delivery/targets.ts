import { AwsError } from '../../endpoint/aws-error.js';
import { tryParseArn } from '../../names/arn.js';
import type { CustomBusEvent, PutEventsEntry, TargetDispatcher, TargetMessage } from '../../targets/dispatcher.js';
import { isCustomBusArn } from '../../targets/reachable.js';
import type { Fields } from '../store.js';
import { type BusEvent, EVENTBRIDGE_CONTENT_TYPE, OCTET_STREAM } from './bus-event.js';
import { TransformError } from './expressions.js';
import { payloadText } from './selection.js';
import { callUniversalTarget, type UniversalTargetCalls, universalTargetOf } from './universal-targets.js';

/**
 * What a target takes in one call, from the CloudFormation reference of
 * `AWS::EventsV2::Subscriber BatchConfiguration` (MaxBatchSize: "500 for Kinesis Data Streams
 * and Amazon Data Firehose, 100 for Lambda, Step Functions, and AWS::EventsV2::EventBus
 * targets, 10 for Amazon SQS, Amazon SNS, and AWS::Events::EventBus targets") and the targets'
 * own request size limits (eb-custom-bus-batching: "the target's own payload size limit, for
 * example 256 KB for an Amazon SQS request").
 */
export interface TargetLimits {
  readonly maxBatch: number;
  readonly maxBytes: number;
}

const KB = 1024;
const LIMITS: Readonly<Record<string, TargetLimits>> = {
  sqs: { maxBatch: 10, maxBytes: 256 * KB },
  sns: { maxBatch: 10, maxBytes: 256 * KB },
  // Invoke's payload: 6 MB synchronous; the asynchronous 1 MB is taken below.
  lambda: { maxBatch: 100, maxBytes: 6 * KB * KB },
  // StartExecution's input.
  states: { maxBatch: 100, maxBytes: 256 * KB },
  kinesis: { maxBatch: 500, maxBytes: 5 * KB * KB },
  // PutRecordBatch: 500 records, 4 MiB in all (eb-custom-bus-target-firehose; Firehose's quotas).
  firehose: { maxBatch: 500, maxBytes: 4 * KB * KB },
  events: { maxBatch: 10, maxBytes: 256 * KB },
};
/**
 * An HTTP target (an API destination, an API Gateway method): one request carries the batch
 * (eb-custom-bus-target-http). AWS documents no cap of its own for them; an event is at most
 * 256 KB, and a batch here at most 100 events in that size.
 */
const HTTP_LIMITS: TargetLimits = { maxBatch: 100, maxBytes: 256 * KB };
/** A Custom Event Bus (`AWS::EventsV2::EventBus`): 100 events a call (the MaxBatchSize above), in the size a classic bus takes. */
const CUSTOM_BUS_LIMITS: TargetLimits = { maxBatch: 100, maxBytes: 256 * KB };
/**
 * A universal target: "BatchConfiguration is required, with both fields set, because EventBridge
 * cannot know how many events the action's request can carry" (eb-custom-bus-batching), so the
 * subscriber's MaxBatchSize (at most 500) is the count; the request is at most Input's 262,144
 * characters (API_UniversalTargetParameters), taken as 256 KB of events.
 */
const UNIVERSAL_LIMITS: TargetLimits = { maxBatch: 500, maxBytes: 256 * KB };

/** Whether a target is reached over HTTP: an API destination's or an API Gateway method's (`execute-api`) ARN. */
export function isHttpTarget(arn: string): boolean {
  const parsed = tryParseArn(arn);
  return parsed?.service === 'execute-api' || (parsed?.service === 'events' && parsed.resourceType === 'api-destination');
}

/**
 * Calls an HTTP target with one body and the HttpParameters resolved for it (path parameter
 * values, headers, query string), answering its status and body whatever they are.
 */
export type HttpTargetCall = (targetArn: string, body: string, parameters: Fields) => Promise<{ status: number; body: string }>;
const LAMBDA_ASYNC_BYTES = KB * KB;

/** The limits of the target `arn` names, for the parameters it is invoked with. */
export function targetLimits(arn: string, parameters: Fields): TargetLimits {
  if (isHttpTarget(arn)) return HTTP_LIMITS;
  if (universalTargetOf(arn)) return UNIVERSAL_LIMITS;
  if (isCustomBusArn(arn)) return CUSTOM_BUS_LIMITS;
  const service = tryParseArn(arn)?.service ?? '';
  const limits = LIMITS[service] ?? { maxBatch: 1, maxBytes: 256 * KB };
  if (service === 'lambda' && invocationType(parameters) !== 'REQUEST_RESPONSE') return { ...limits, maxBytes: LAMBDA_ASYNC_BYTES };
  return limits;
}

/** One event of a batch, as the target gets it. */
export interface BatchItem {
  readonly eventId: string;
  readonly groupId?: string;
  readonly payload: unknown;
  /** The subscriber's target parameters for this event (`SqsParameters`, `LambdaParameters`, ...). */
  readonly parameters: Fields;
  /** The event as the bus keeps it, for a Custom Event Bus target: what it is (PutEvents or raw), and the buses it passed through. */
  readonly origin?: { readonly event: BusEvent; readonly passedBuses: readonly string[] };
}

/** What became of one event of a batch at the target; `retry: false`, a failure that is never retried (LOOP_DETECTED). */
export type ItemResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string; readonly retry?: false };

/** Failures that no retry can cure: the event goes to the dead-letter queue at once. */
const NOT_RETRIED = new Set(['LOOP_DETECTED']);

/**
 * InvocationType of a Lambda (or Step Functions) target. The user guide documents no default
 * (eb-custom-bus-target-lambda); EVENT is taken, as a Custom Event Bus - Classic rule invokes.
 */
function invocationType(parameters: Fields): 'EVENT' | 'REQUEST_RESPONSE' {
  const lambda = (parameters.LambdaParameters ?? parameters.StepFunctionsParameters) as Fields | undefined;
  return lambda?.InvocationType === 'REQUEST_RESPONSE' ? 'REQUEST_RESPONSE' : 'EVENT';
}

const failed = (error: unknown): ItemResult => ({
  ok: false,
  errorCode:
    error instanceof AwsError
      ? error.code
      : error instanceof TransformError
        ? error.errorCode
        : ((error as Error)?.name ?? 'InternalFailure'),
  errorMessage: (error as Error)?.message ?? String(error),
});

/**
 * Sends a batch to the subscriber's target through the runtime's one TargetDispatcher, each
 * event its result in order. A function (eb-custom-bus-target-lambda) gets one Invoke with the
 * array of the batch's payloads (the payload itself when MaxBatchSize is 1), and a function
 * error under REQUEST_RESPONSE fails the whole batch (the user guide documents no per-event
 * response for subscribers); a state machine one execution per batch with the array as its
 * input (eb-custom-bus-target-sfn); a queue its batch through SendMessageBatch ("a queue receives
 * up to 10 events per SendMessageBatch", eb-custom-bus-batching) and a topic through PublishBatch
 * ("EventBridge calls PublishBatch, so one target call carries up to 10 events, and each topic
 * message carries one event", eb-custom-bus-target-sns), each entry its own result; a stream one
 * record per event, in order, and with `ordered` an event whose earlier event of the same group
 * failed is not sent; a delivery stream its batch through PutRecordBatch, one record per event
 * (eb-custom-bus-target-firehose), each record its own result.
 */
export async function sendBatch(
  dispatcher: TargetDispatcher,
  targetArn: string,
  items: readonly BatchItem[],
  options: {
    readonly singleEvent: boolean;
    readonly ordered: boolean;
    /** The per-invocation parameters (LambdaParameters, StepFunctionsParameters) resolved over the batch. @throws TransformError */
    readonly invocation: () => Promise<Fields>;
    /** How HTTP targets are called. @default none: their deliveries fail, naming the target */
    readonly http?: HttpTargetCall;
    /** What universal targets call through (Step Functions' AWS SDK integrations). @default none: their deliveries fail, naming the target */
    readonly universal?: () => UniversalTargetCalls;
    /** Whose batch it is: a Custom Event Bus target keys each event it puts by it and the event's id. @default the target's ARN */
    readonly subscriberArn?: string;
  },
): Promise<ItemResult[]> {
  const service = tryParseArn(targetArn)?.service;
  const first = items[0];
  if (first === undefined) return [];
  if (isHttpTarget(targetArn) && options.http) return toHttp(options.http, targetArn, items, options);
  if (universalTargetOf(targetArn)) {
    // One call per batch, its request UniversalTargetParameters.Input over the batch's events (eb-custom-bus-universal-targets).
    let result: ItemResult = { ok: true };
    try {
      if (!options.universal)
        throw new AwsError('TargetNotRunLocally', `the universal target ${targetArn} cannot run here: no AWS SDK integrations`, 500);
      await callUniversalTarget(options.universal(), targetArn, await options.invocation());
    } catch (error) {
      result = failed(error);
    }
    return items.map(() => result);
  }
  if (service === 'lambda' || service === 'states') {
    const payload = options.singleEvent && items.length === 1 ? first.payload : items.map((item) => item.payload);
    let result: ItemResult;
    try {
      result = await sendWhole(dispatcher, targetArn, payload, await options.invocation());
    } catch (error) {
      // A parameter expression that fails fails the whole invocation (TransformError).
      result = failed(error);
    }
    return items.map(() => result);
  }
  if (service === 'events' && tryParseArn(targetArn)?.resourceType === 'event-bus') return toClassicBus(dispatcher, targetArn, items);
  if (isCustomBusArn(targetArn)) return toCustomBus(dispatcher, targetArn, items, options.subscriberArn ?? targetArn);
  if (service === 'sqs' || service === 'sns' || service === 'firehose') {
    const sent = await dispatcher.sendBatch(
      targetArn,
      items.map((item) => perEventMessage(targetArn, item)),
    );
    return sent.map((result) => (result.ok ? result : failed(result.error)));
  }
  return eachInOrder(items, options.ordered, async (item) => {
    try {
      await dispatcher.send(targetArn, perEventMessage(targetArn, item));
      return { ok: true };
    } catch (error) {
      return failed(error);
    }
  });
}

/** Sends each event on its own, in order; with `ordered`, an event whose earlier event of the same group failed is not sent. */
async function eachInOrder(
  items: readonly BatchItem[],
  ordered: boolean,
  send: (item: BatchItem) => Promise<ItemResult>,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const failedGroups = new Set<string>();
  for (const item of items) {
    const group = item.groupId ?? '';
    if (ordered && failedGroups.has(group)) {
      results.push({ ok: false, errorCode: 'NotSent', errorMessage: 'not sent: an earlier event of its group failed in this batch' });
      continue;
    }
    const result = await send(item);
    if (!result.ok) failedGroups.add(group);
    results.push(result);
  }
  return results;
}

/**
 * An HTTP target (eb-custom-bus-target-http): "One HTTP request carries the batch as a JSON array
 * unless MaxBatchSize is 1", the request body the transformed events; "a response outside the
 * 2xx range is a failed delivery", of the whole request. With MaxBatchSize 1, each event is its
 * own request, with its own HttpParameters, and an ordered subscriber sends no event after one
 * of its group failed; a batch's request carries its first event's HttpParameters.
 */
async function toHttp(
  http: HttpTargetCall,
  targetArn: string,
  items: readonly BatchItem[],
  options: { readonly singleEvent: boolean; readonly ordered: boolean },
): Promise<ItemResult[]> {
  const call = async (body: string, item: BatchItem): Promise<ItemResult> => {
    try {
      const answer = await http(targetArn, body, (item.parameters.HttpParameters as Fields | undefined) ?? {});
      if (answer.status >= 200 && answer.status <= 299) return { ok: true };
      return {
        ok: false,
        errorCode: `HTTP${answer.status}`,
        errorMessage: `${targetArn} answered ${answer.status}: ${answer.body.slice(0, 300)}`,
      };
    } catch (error) {
      return failed(error);
    }
  };
  const first = items[0] as BatchItem;
  if (!options.singleEvent) {
    const result = await call(JSON.stringify(items.map((item) => item.payload)), first);
    return items.map(() => result);
  }
  return eachInOrder(items, options.ordered, (item) => call(payloadText(item.payload), item));
}

/**
 * A Custom Event Bus - Classic target (eb-custom-bus-target-bus: "The destination can be another
 * Custom Event Bus or a Custom Event Bus - Classic"; "the payload is the whole request"): the
 * batch's events in one PutEvents, each payload a PutEvents envelope (`source`, `detail-type`,
 * `detail`: a PutEvents event in the RAW payload format) and its event id the entry's key, so a
 * batch sent again after a crash puts each event once. A payload that is not an envelope (a
 * PutRawEvents event, WITH_METADATA, a transformer's other shape) fails alone; so does an entry the
 * bus refuses.
 */
async function toClassicBus(dispatcher: TargetDispatcher, targetArn: string, items: readonly BatchItem[]): Promise<ItemResult[]> {
  const entries = items.map((item) => classicEntry(item.payload));
  const sendable = entries.flatMap((entry, i) => ('Source' in entry ? [{ entry, key: (items[i] as BatchItem).eventId, index: i }] : []));
  const results: ItemResult[] = entries.map((entry) => ('Source' in entry ? { ok: true } : entry));
  if (sendable.length === 0) return results;
  try {
    const sent = await dispatcher.send(targetArn, {
      body: '',
      events: { entries: sendable.map((s) => s.entry), entryKeys: sendable.map((s) => s.key) },
    });
    const answered = sent.service === 'events' ? (sent.answer?.Entries ?? []) : [];
    sendable.forEach(({ index }, i) => {
      const answer = answered[i];
      if (answer === undefined)
        results[index] = { ok: false, errorCode: 'InternalFailure', errorMessage: `${targetArn} answered nothing for the event` };
      else if (answer.ErrorCode)
        results[index] = { ok: false, errorCode: answer.ErrorCode, errorMessage: answer.ErrorMessage ?? answer.ErrorCode };
    });
  } catch (error) {
    for (const { index } of sendable) results[index] = failed(error);
  }
  return results;
}

/**
 * A Custom Event Bus target (eb-custom-bus-target-bus): each event of the batch put onto the bus
 * as a new event, "the payload is the whole request": a PutEvents event (its payload a PutEvents
 * envelope) as a PutEvents entry, a raw event as a PutRawEvents entry of the payload, the
 * event's content type and metadata ("EventBridge chooses the action per event"). Each event is
 * keyed by the subscriber and its id, so a batch sent again after a crash puts it once, and two
 * subscribers forwarding one event put two; it carries the buses it passed through, so a loop
 * back to one of them fails LOOP_DETECTED, not retried. A bus that does not exist fails the
 * batch with PutEvents' ResourceNotFoundException, retried as any failure.
 */
async function toCustomBus(
  dispatcher: TargetDispatcher,
  targetArn: string,
  items: readonly BatchItem[],
  subscriberArn: string,
): Promise<ItemResult[]> {
  const prepared = items.map((item) => customBusEvent(item, `${subscriberArn}/${item.eventId}`));
  const sendable = prepared.flatMap((event, index) => ('action' in event ? [{ event, index }] : []));
  const results: ItemResult[] = prepared.map((event) => ('action' in event ? { ok: true } : event));
  if (sendable.length === 0) return results;
  try {
    const sent = await dispatcher.send(targetArn, { body: '', events: { customBus: sendable.map((s) => s.event) } });
    const answered = sent.service === 'eventsv2' ? sent.answer : [];
    sendable.forEach(({ index }, i) => {
      const answer = answered[i];
      if (answer === undefined)
        results[index] = { ok: false, errorCode: 'InternalFailure', errorMessage: `${targetArn} answered nothing for the event` };
      else if ('ErrorCode' in answer)
        results[index] = {
          ok: false,
          errorCode: answer.ErrorCode,
          errorMessage: answer.ErrorMessage,
          ...(NOT_RETRIED.has(answer.ErrorCode) ? { retry: false as const } : {}),
        };
    });
  } catch (error) {
    for (const { index } of sendable) results[index] = failed(error);
  }
  return results;
}

/** The entry a Custom Event Bus takes for one event of the batch, or why it cannot be put there. */
function customBusEvent(item: BatchItem, dedupKey: string): CustomBusEvent | Extract<ItemResult, { ok: false }> {
  const origin = item.origin;
  if (origin === undefined)
    return { ok: false, errorCode: 'InternalFailure', errorMessage: 'the event reached a Custom Event Bus target without its origin' };
  const keyed = { dedupKey, passedBuses: origin.passedBuses };
  const contentType = origin.event.SystemMetadata.ContentType;
  if (contentType === EVENTBRIDGE_CONTENT_TYPE) {
    const entry = classicEntry(item.payload);
    return 'Source' in entry ? { action: 'PutEvents', entry, ...keyed } : entry;
  }
  // Opaque bytes are their Base64 text already; other data is JSON (JSON content types are all a bus keeps here).
  const data =
    contentType === OCTET_STREAM && typeof item.payload === 'string'
      ? item.payload
      : Buffer.from(JSON.stringify(item.payload)).toString('base64');
  return {
    action: 'PutRawEvents',
    entry: { Data: data, Metadata: origin.event.Metadata ?? {}, SystemMetadata: { ContentType: contentType } },
    ...keyed,
  };
}

/** The PutEvents entry of a payload that is a PutEvents envelope, or why it is not one. */
function classicEntry(payload: unknown): Omit<PutEventsEntry, 'EventBusName'> | Extract<ItemResult, { ok: false }> {
  const envelope = (typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {}) as Fields;
  const { source, 'detail-type': detailType, detail, resources, time } = envelope;
  if (typeof source !== 'string' || typeof detailType !== 'string' || detail === undefined)
    return {
      ok: false,
      errorCode: 'InvalidTargetPayload',
      errorMessage:
        'an event bus target takes a PutEvents event as a PutEvents envelope: the payload must have source, detail-type and detail (an event published with PutEvents, in the RAW payload format); this one has not (a Custom Event Bus - Classic takes no other event)',
    };
  const at = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return {
    Source: source,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    ...(Array.isArray(resources) ? { Resources: resources.map(String) } : {}),
    ...(Number.isNaN(at) ? {} : { Time: at / 1000 }),
  };
}

async function sendWhole(dispatcher: TargetDispatcher, targetArn: string, payload: unknown, parameters: Fields): Promise<ItemResult> {
  const type = invocationType(parameters);
  try {
    if (tryParseArn(targetArn)?.service === 'states') {
      // eb-custom-bus-target-sfn: "REQUEST_RESPONSE calls StartSyncExecution, which only an Express
      // state machine supports, and treats a failed execution as a failed delivery" (a Standard
      // one is refused, StateMachineTypeNotSupported, and so fails the delivery).
      const name = (parameters.StepFunctionsParameters as Fields | undefined)?.Name;
      const sent = await dispatcher.send(targetArn, {
        body: payloadText(payload),
        states: { ...(typeof name === 'string' ? { name } : {}), synchronously: type === 'REQUEST_RESPONSE' },
      });
      if (sent.service === 'states' && sent.synchronously && sent.answer.status !== 'SUCCEEDED')
        return {
          ok: false,
          errorCode: sent.answer.error || `Execution${sent.answer.status ?? 'Failed'}`,
          errorMessage: `the execution ended ${sent.answer.status}${sent.answer.cause ? `: ${sent.answer.cause}` : ''}`,
        };
      return { ok: true };
    }
    const lambda = (parameters.LambdaParameters ?? {}) as Fields;
    const durable = lambda.DurableExecutionName;
    const dispatched = await dispatcher.send(qualified(targetArn, lambda.Qualifier), {
      body: '',
      lambda: {
        event: payload,
        invocationType: type === 'REQUEST_RESPONSE' ? 'RequestResponse' : 'Event',
        ...(typeof durable === 'string' ? { durableExecutionName: durable } : {}),
      },
    });
    const outcome = dispatched.service === 'lambda' ? dispatched.outcome : undefined;
    if (outcome !== undefined && !outcome.ok)
      return {
        ok: false,
        errorCode: outcome.error.errorType ?? 'FunctionError',
        errorMessage: outcome.error.errorMessage ?? 'the function failed',
      };
    return { ok: true };
  } catch (error) {
    return failed(error);
  }
}

/** The function ARN with LambdaParameters' Qualifier, when the ARN names no version or alias itself. */
function qualified(arn: string, qualifier: unknown): string {
  return typeof qualifier === 'string' && arn.split(':').length === 7 ? `${arn}:${qualifier}` : arn;
}

/** The message of one event to a queue, a topic or a stream, with its parameters (SqsParameters, SnsParameters, KinesisParameters). */
function perEventMessage(targetArn: string, item: BatchItem): TargetMessage {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const sqs = (item.parameters.SqsParameters ?? {}) as Fields;
  const sns = (item.parameters.SnsParameters ?? {}) as Fields;
  const kinesis = (item.parameters.KinesisParameters ?? {}) as Fields;
  // A FIFO queue or topic needs a group and a deduplication id: the event's group, and its id, so
  // that an event sent again after a crash is taken once (SQS's 5-minute deduplication).
  const fifo = targetArn.endsWith('.fifo');
  const groupId = text(sqs.MessageGroupId ?? sns.MessageGroupId) ?? (fifo ? item.groupId : undefined);
  const dedupId = text(sqs.MessageDeduplicationId ?? sns.MessageDeduplicationId) ?? (fifo ? item.eventId : undefined);
  const delay = text(sqs.DelaySeconds);
  const subject = text(sns.Subject);
  const ids = { ...(groupId ? { MessageGroupId: groupId } : {}), ...(dedupId ? { MessageDeduplicationId: dedupId } : {}) };
  return {
    body: payloadText(item.payload),
    sqs: { ...ids, ...(delay === undefined ? {} : { DelaySeconds: Number(delay) }) },
    sns: { ...ids, ...(subject ? { Subject: subject } : {}) },
    kinesis: { partitionKey: text(kinesis.PartitionKey) ?? item.eventId },
  };
}
