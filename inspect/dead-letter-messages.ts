import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { idFieldOf } from '../clients/execution-subject.js';
import { truncate } from '../clients/format.js';
import { type QueueMessagesPage, READ_API_PATHS } from '../clients/read-api-contract.js';
import { resourceName } from '../clients/resource-names.js';
import { DEAD_LETTER_ATTRIBUTES } from '../contracts/wiring.js';
import { type Clients, call } from './aws.js';
import type { DeadLetterQueue, DeadLetterSource } from './dead-letters.js';
import { getReadApi } from './read-api.js';

/**
 * How long a message peeked on AWS stays hidden if the CLI dies before handing it back. The
 * SQS console's "poll for messages" receives with the queue's own visibility timeout, so what
 * it shows stays in flight for that long (and each view counts as a receive). Here every
 * receive asks for a short timeout and the messages are handed back at once
 * (ChangeMessageVisibility 0) once read: a consumer or a redrive sees them again within
 * a second, and within this bound at worst.
 */
export const PEEK_VISIBILITY_SECONDS = 20;

/** The attributes EventBridge puts on an event it dead-letters (EventBridge User Guide, "Using dead-letter queues"). */
export const EVENTBRIDGE_DLQ_ATTRIBUTES = {
  ruleArn: 'RULE_ARN',
  targetArn: 'TARGET_ARN',
  errorCode: 'ERROR_CODE',
  errorMessage: 'ERROR_MESSAGE',
  exhaustedRetryCondition: 'EXHAUSTED_RETRY_CONDITION',
  retryAttempts: 'RETRY_ATTEMPTS',
} as const;

/** The attributes Lambda puts on a failed asynchronous invocation sent to a function's DeadLetterConfig queue. */
const LAMBDA_DLQ_ATTRIBUTES = { requestId: 'RequestID', errorCode: 'ErrorCode', errorMessage: 'ErrorMessage' } as const;

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly arn?: string;
}

export async function queueDepth(clients: Clients, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await call(clients.target, () =>
    clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'QueueArn',
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    ),
  );
  const n = (value: string | undefined) => Number(value ?? 0) || 0;
  return {
    visible: n(Attributes.ApproximateNumberOfMessages),
    inFlight: n(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: n(Attributes.ApproximateNumberOfMessagesDelayed),
    arn: Attributes.QueueArn,
  };
}

/**
 * Reads up to `limit` messages of a queue (at most 1,000) without taking them away. From a
 * local runtime, through its read API, which reads them without receiving them: their
 * ApproximateReceiveCount stays as it is (and they carry no ReceiptHandle). From AWS, which
 * has no such read, or with `receive` (a caller that deletes what it read: the testing API's
 * `failures`), stopping early once the `expected` number, its depth, has been read:
 * ReceiveMessage with all system and message attributes and a short visibility timeout, then
 * ChangeMessageVisibilityBatch to 0 for every message read, so the receive leaves no trace but
 * the receive count.
 */
export async function peekMessages(
  clients: Clients,
  queueUrl: string,
  limit: number,
  expected = limit,
  { receive = false }: { readonly receive?: boolean } = {},
): Promise<Message[]> {
  if (clients.target.kind === 'local' && !receive) {
    const query = new URLSearchParams({ queueUrl, limit: String(limit) });
    const page = await getReadApi<QueueMessagesPage>(clients.target, `${READ_API_PATHS.queueMessages}?${query}`);
    return page.messages as Message[];
  }
  const seen = new Map<string, Message>();
  const handles: { Id: string; ReceiptHandle: string }[] = [];
  try {
    while (seen.size < Math.min(limit, expected)) {
      const { Messages = [] } = await call(clients.target, () =>
        clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, limit - seen.size),
            VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
            // A long poll asks every SQS server; a short one may answer empty while messages wait.
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        ),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        if (message.ReceiptHandle) handles.push({ Id: `m${handles.length}`, ReceiptHandle: message.ReceiptHandle });
        if (message.MessageId && !seen.has(message.MessageId)) seen.set(message.MessageId, message);
      }
    }
  } finally {
    await handBack(clients, queueUrl, handles);
  }
  return [...seen.values()];
}

/** Makes received messages visible again at once. */
export async function handBack(clients: Clients, queueUrl: string, handles: readonly { Id: string; ReceiptHandle: string }[]) {
  for (let i = 0; i < handles.length; i += 10) {
    const Entries = handles.slice(i, i + 10).map((h) => ({ ...h, VisibilityTimeout: 0 }));
    await call(clients.target, () => clients.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries })));
  }
}

/** One dead-lettered message, explained. */
export interface DeadLetter {
  readonly messageId: string;
  /** When it failed: the reason's own time, else when the message was sent (to the DLQ, or first to its source queue). */
  readonly failedAt?: Date;
  /** `InvalidEvent`, `ERROR_CODE`'s value, `maxReceiveCount`... */
  readonly errorName: string;
  /** One line: what happened and, where known, where. */
  readonly reason: string;
  /** Who reported it: `consumer`, `eventbridge`, `sqs-redrive`, `lambda`, or `unknown`. */
  readonly reportedBy: 'consumer' | 'eventbridge' | 'sqs-redrive' | 'lambda' | 'unknown';
  /** The event the message carries, when its body is an EventBridge event. */
  readonly event?: { readonly id?: string; readonly detailType?: string; readonly source?: string; readonly summary?: string };
  /** The queue SQS moved it from (`DeadLetterQueueSourceArn`). */
  readonly sourceArn?: string;
  /** The Custom Event Bus subscriber whose dead-letter record it is (its name). */
  readonly subscriber?: string;
  readonly body: string;
}

/** Why a message is in a dead-letter queue, from what each sender puts on it. */
export function explain(message: Message, queue: Pick<DeadLetterQueue, 'sources'>): DeadLetter {
  const attrs = message.MessageAttributes ?? {};
  const system = message.Attributes ?? {};
  const text = (name: string) => attrs[name]?.StringValue;
  const body = message.Body ?? '';
  const event = eventOf(body);
  const sent = epoch(system.SentTimestamp);
  const base = { messageId: message.MessageId ?? '', event, body, sourceArn: system.DeadLetterQueueSourceArn };

  const errorName = text(DEAD_LETTER_ATTRIBUTES.errorName);
  if (errorName !== undefined) {
    const fn = text(DEAD_LETTER_ATTRIBUTES.functionName);
    const receives = text(DEAD_LETTER_ATTRIBUTES.receiveCount);
    const failedAt = text(DEAD_LETTER_ATTRIBUTES.failedAt);
    const where = [fn ? `given up by ${fn}` : undefined, receives ? `on receive ${receives}` : undefined].filter((w) => w !== undefined);
    return {
      ...base,
      failedAt: failedAt !== undefined && Number.isFinite(Date.parse(failedAt)) ? new Date(failedAt) : sent,
      errorName,
      reportedBy: 'consumer',
      reason: `${errorName}: ${text(DEAD_LETTER_ATTRIBUTES.errorMessage) ?? '(no message)'}${where.length ? ` (${where.join(', ')})` : ''}`,
    };
  }
  const errorCode = text(EVENTBRIDGE_DLQ_ATTRIBUTES.errorCode);
  const targetArn = text(EVENTBRIDGE_DLQ_ATTRIBUTES.targetArn);
  if (errorCode !== undefined && targetArn !== undefined) {
    const rule = text(EVENTBRIDGE_DLQ_ATTRIBUTES.ruleArn)?.split('/').at(-1);
    const retries = text(EVENTBRIDGE_DLQ_ATTRIBUTES.retryAttempts);
    const exhausted = text(EVENTBRIDGE_DLQ_ATTRIBUTES.exhaustedRetryCondition);
    const details = [
      rule ? `rule ${rule}` : undefined,
      retries !== undefined ? `${retries} retries` : undefined,
      exhausted ? `${exhausted} exhausted` : undefined,
    ].filter((d) => d !== undefined);
    return {
      ...base,
      failedAt: sent,
      errorName: errorCode,
      reportedBy: 'eventbridge',
      reason:
        `EventBridge could not deliver to ${shortArn(targetArn)}: ${errorCode} ${text(EVENTBRIDGE_DLQ_ATTRIBUTES.errorMessage) ?? ''}`.trimEnd() +
        (details.length ? ` (${details.join(', ')})` : ''),
    };
  }
  const lambdaError = text(LAMBDA_DLQ_ATTRIBUTES.errorCode);
  if (lambdaError !== undefined && text(LAMBDA_DLQ_ATTRIBUTES.requestId) !== undefined) {
    return {
      ...base,
      failedAt: sent,
      errorName: lambdaError,
      reportedBy: 'lambda',
      reason: `asynchronous invocation failed: ${lambdaError} ${text(LAMBDA_DLQ_ATTRIBUTES.errorMessage) ?? ''}`.trimEnd(),
    };
  }
  const subscriberRecord = subscriberDeadLetterRecord(body);
  if (subscriberRecord !== undefined) return { ...base, failedAt: sent, reportedBy: 'eventbridge', ...subscriberRecord };
  const onFailure = onFailureRecord(body);
  if (onFailure !== undefined) return { ...base, failedAt: sent, reportedBy: 'lambda', ...onFailure };
  if (system.DeadLetterQueueSourceArn !== undefined) {
    const sourceName = system.DeadLetterQueueSourceArn.split(':').at(-1) ?? system.DeadLetterQueueSourceArn;
    const source = queue.sources.find((s): s is Extract<DeadLetterSource, { kind: 'queue' }> => s.kind === 'queue');
    const times = source?.maxReceiveCount ?? system.ApproximateReceiveCount;
    const by = source?.consumers.length ? ` by ${source.consumers.map(resourceName).join(', ')}` : '';
    return {
      ...base,
      failedAt: sent,
      errorName: 'maxReceiveCount',
      reportedBy: 'sqs-redrive',
      reason: `received ${times} times from ${sourceName}${by}, never deleted (no reason recorded: the consumer failed or timed out without saying why)`,
    };
  }
  return {
    ...base,
    failedAt: sent,
    errorName: 'Unknown',
    reportedBy: 'unknown',
    reason: 'no reason recorded: sent straight to the dead-letter queue without reason attributes',
  };
}

/**
 * A Custom Event Bus subscriber's dead-letter record, as the user guide documents it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-retry.html, "The
 * dead-letter record"): `{ version, busArn, subscriberArn, targetArn, errorCode, errorMessage,
 * exhaustedRetryCondition, retryAttempts, failedMessages: [{ eventId, eventGroupId, ... }] }`,
 * one record for the events of a batch that failed together. The reason names the subscriber
 * (its ARN is `subscriber/<name>/<id>`), the target and the error; the event is the first failed one.
 */
function subscriberDeadLetterRecord(body: string): Pick<DeadLetter, 'errorName' | 'reason' | 'event' | 'subscriber'> | undefined {
  let record: {
    subscriberArn?: unknown;
    targetArn?: unknown;
    errorCode?: unknown;
    errorMessage?: unknown;
    exhaustedRetryCondition?: unknown;
    retryAttempts?: unknown;
    failedMessages?: { eventId?: unknown; eventGroupId?: unknown }[];
  };
  try {
    record = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || typeof record.subscriberArn !== 'string' || typeof record.errorCode !== 'string') {
    return undefined;
  }
  const subscriber = record.subscriberArn.split(':').slice(5).join(':').split('/')[1] ?? record.subscriberArn;
  const ids = (Array.isArray(record.failedMessages) ? record.failedMessages : []).flatMap((m) =>
    typeof m?.eventId === 'string' ? [m.eventId] : [],
  );
  const details = [
    typeof record.retryAttempts === 'number' ? `${record.retryAttempts} retries` : undefined,
    typeof record.exhaustedRetryCondition === 'string' ? `${record.exhaustedRetryCondition} exhausted` : undefined,
  ].filter((d) => d !== undefined);
  const target = typeof record.targetArn === 'string' ? shortArn(record.targetArn) : 'its target';
  const message = typeof record.errorMessage === 'string' ? ` ${record.errorMessage}` : '';
  return {
    errorName: record.errorCode,
    subscriber,
    reason:
      `subscriber ${subscriber} could not deliver ${ids.length === 1 ? 'the event' : `${ids.length} events`} to ${target}: ${record.errorCode}${message}` +
      (details.length ? ` (${details.join(', ')})` : ''),
    ...(ids.length === 0 ? {} : { event: { id: ids[0], summary: ids.length === 1 ? `event ${ids[0]}` : `events ${ids.join(', ')}` } }),
  };
}

/** A Lambda on-failure destination record: `{ requestContext: { condition, functionArn, approximateInvokeCount }, responsePayload }`. */
function onFailureRecord(body: string): Pick<DeadLetter, 'errorName' | 'reason'> | undefined {
  try {
    const record = JSON.parse(body) as {
      requestContext?: { condition?: string; functionArn?: string; approximateInvokeCount?: number };
      responsePayload?: { errorType?: string; errorMessage?: string };
    };
    if (record.requestContext?.condition === undefined) return undefined;
    const { condition, functionArn, approximateInvokeCount } = record.requestContext;
    const error = record.responsePayload?.errorType ?? condition;
    return {
      errorName: error,
      reason:
        `${shortArn(functionArn ?? 'function')} failed ${approximateInvokeCount ?? '?'} times (${condition}): ${error} ${record.responsePayload?.errorMessage ?? ''}`.trimEnd(),
    };
  } catch {
    return undefined;
  }
}

function eventOf(body: string): DeadLetter['event'] {
  try {
    const value = JSON.parse(body) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null || typeof value['detail-type'] !== 'string') return undefined;
    const detail = (value.detail ?? {}) as Record<string, unknown>;
    return {
      id: typeof value.id === 'string' ? value.id : undefined,
      detailType: value['detail-type'],
      source: typeof value.source === 'string' ? value.source : undefined,
      // The first id-like field of the detail, so a line says which ticket it is.
      summary: idFieldOf(detail) ?? truncate(JSON.stringify(detail), 60),
    };
  } catch {
    return undefined;
  }
}

function epoch(value: string | undefined): Date | undefined {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? new Date(n) : undefined;
}

/** `arn:aws:sqs:us-east-1:1:name` → `sqs name`; `arn:aws:lambda:...:function:fn` → `lambda fn`. */
export function shortArn(arn: string): string {
  const parts = arn.split(':');
  if (parts.length < 6) return arn;
  const resource = parts
    .slice(5)
    .join(':')
    .replace(/^(function|stateMachine|rule|event-bus):/, '')
    .replace(/^(rule|event-bus)\//, '');
  return `${parts[2]} ${resource}`;
}
