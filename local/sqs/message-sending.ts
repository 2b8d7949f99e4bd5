import { createHash, randomUUID } from 'node:crypto';
import { currentTraceHeader } from '../endpoint/trace-header.js';
import { type IdempotentCall, IdempotentRequests } from '../store/idempotent-requests.js';
import { type Queue, type SqsContext, sequenceNumber } from './sqs-context.js';
import { batchFailure, invalidParameter, invalidParameterValue, missingParameter, SqsError } from './sqs-errors.js';
import type {
  SendMessageBatchInput,
  SendMessageBatchOutput,
  SendMessageBatchRequestEntry,
  SendMessageInput,
  SendMessageOutput,
} from './sqs-types.js';
import {
  FIFO_DEDUP_WINDOW_MS,
  integerParameter,
  MAX_MESSAGE_BYTES,
  md5OfBody,
  type ValidatedAttributes,
  validateBatchEntries,
  validateBody,
  validateMessageAttributes,
  validateMessageToken,
} from './validation.js';

interface PreparedMessage {
  /** The X-Ray trace header the message keeps (`AWSTraceHeader`): the system attribute, or the request's `X-Amzn-Trace-Id`. */
  traceHeader: string | undefined;
  body: string;
  md5Body: string;
  attributes: ValidatedAttributes | undefined;
  system: ValidatedAttributes | undefined;
  delaySeconds: number;
  groupId: string | null;
  dedupId: string | null;
  size: number;
}

/** Expired deduplication ids are swept every this many FIFO sends, not on each one. */
const DEDUP_SWEEP_EVERY = 500;

/**
 * SendMessage and SendMessageBatch: validation, FIFO message groups and deduplication, and
 * waking long polls for what became receivable.
 */
export class MessageSender {
  private fifoSendsSinceSweep = 0;
  private readonly requests: IdempotentRequests;

  constructor(
    private readonly context: SqsContext,
    private readonly senderId: string,
  ) {
    this.requests = new IdempotentRequests(context.db, context.clock.now());
  }

  /**
   * SendMessage. An in-process caller may pass a key (a Step Functions task, which runs
   * again after a restart): the first answer to the key is kept with the message, and a
   * repeat is answered with it without sending again.
   */
  sendMessage(input: SendMessageInput, options: IdempotentCall = {}): SendMessageOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const prepared = this.prepareMessage(queue, input, 'single');
    const key = options.idempotencyKey;
    let repeated = false;
    const store = () => {
      const answered = this.requests.recall<SendMessageOutput>(key);
      repeated = answered !== undefined;
      if (answered) return answered;
      const now = this.context.clock.now();
      const output = this.storeMessage(queue, prepared, now);
      this.requests.remember(key, output, now);
      return output;
    };
    // A standard send is a single INSERT, committed on its own; FIFO and a keyed send also touch another table.
    const result = queue.fifo || key !== undefined ? this.context.transaction(store) : store();
    if (repeated) return result;
    this.afterSend(queue, [prepared]);
    this.noteSent(queue, result.MessageId, prepared);
    return result;
  }

  sendMessageBatch(input: SendMessageBatchInput): SendMessageBatchOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const entries = input.Entries;
    validateBatchEntries(entries, 'SendMessageBatchRequestEntry');
    let total = 0;
    for (const entry of entries) total += approximateSize(entry);
    if (total > MAX_MESSAGE_BYTES) {
      throw new SqsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
      );
    }
    if (queue.fifo) {
      // AWS rejects the whole FIFO batch, not the entry, when these are missing.
      for (const entry of entries) {
        if (entry.MessageGroupId === undefined || entry.MessageGroupId === null) {
          throw invalidParameter('The request must contain the parameter MessageGroupId.');
        }
        if (!entry.MessageDeduplicationId && !queue.settings.contentBasedDeduplication) {
          throw invalidParameter(
            'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
          );
        }
      }
    }
    const prepared: { entry: SendMessageBatchRequestEntry; message: PreparedMessage }[] = [];
    const output: SendMessageBatchOutput = { Successful: [], Failed: [] };
    for (const entry of entries) {
      try {
        prepared.push({ entry, message: this.prepareMessage(queue, entry, 'batch') });
      } catch (error) {
        output.Failed.push(batchFailure(entry.Id, error));
      }
    }
    const now = this.context.clock.now();
    this.context.transaction(() => {
      for (const { entry, message } of prepared) {
        output.Successful.push({ Id: entry.Id, ...this.storeMessage(queue, message, now) });
      }
    });
    for (const [i, { message }] of prepared.entries()) this.noteSent(queue, output.Successful[i]?.MessageId, message);
    this.afterSend(
      queue,
      prepared.map((p) => p.message),
    );
    return output;
  }

  private prepareMessage(queue: Queue, input: Omit<SendMessageInput, 'QueueUrl'>, mode: 'single' | 'batch'): PreparedMessage {
    validateBody(input.MessageBody);
    const body = input.MessageBody;
    let delaySeconds = queue.settings.delaySeconds;
    if (input.DelaySeconds !== undefined && input.DelaySeconds !== null) {
      if (queue.fifo && Number(input.DelaySeconds) !== 0) {
        throw invalidParameterValue(
          'DelaySeconds',
          input.DelaySeconds,
          'The request include parameter that is not valid for this queue type.',
        );
      }
      delaySeconds = integerParameter('DelaySeconds', input.DelaySeconds, 0, 900, 'DelaySeconds must be >= 0 and <= 900.') ?? 0;
      if (queue.fifo) delaySeconds = queue.settings.delaySeconds;
    }
    const attributes = validateMessageAttributes(input.MessageAttributes, 'user');
    const system = validateMessageAttributes(input.MessageSystemAttributes, 'system');
    const size = Buffer.byteLength(body, 'utf8') + (attributes?.size ?? 0);
    if (size > queue.settings.maxMessageSize) {
      // AWS words it differently for a batch entry (recorded on AWS).
      const what = mode === 'batch' ? 'cannot be validated' : 'are invalid';
      throw invalidParameter(
        `One or more parameters ${what}. Reason: Message must be shorter than ${queue.settings.maxMessageSize} bytes.`,
      );
    }
    let groupId: string | null = null;
    let dedupId: string | null = null;
    if (input.MessageGroupId !== undefined && input.MessageGroupId !== null) {
      validateMessageToken('MessageGroupId', input.MessageGroupId);
      groupId = input.MessageGroupId;
    }
    if (queue.fifo) {
      if (groupId === null) {
        throw mode === 'single'
          ? missingParameter('MessageGroupId')
          : invalidParameter('The request must contain the parameter MessageGroupId.');
      }
      if (input.MessageDeduplicationId !== undefined && input.MessageDeduplicationId !== null) {
        validateMessageToken('MessageDeduplicationId', input.MessageDeduplicationId);
        dedupId = input.MessageDeduplicationId;
      } else if (queue.settings.contentBasedDeduplication) {
        dedupId = createHash('sha256').update(body, 'utf8').digest('hex');
      } else {
        throw invalidParameter(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
    } else if (input.MessageDeduplicationId !== undefined && input.MessageDeduplicationId !== null) {
      throw invalidParameterValue(
        'MessageDeduplicationId',
        input.MessageDeduplicationId,
        'The request include parameter that is not valid for this queue type.',
      );
    }
    // The system attribute wins over the HTTP header (https://docs.aws.amazon.com/xray/latest/devguide/xray-services-sqs.html).
    const traceHeader = system?.attributes.AWSTraceHeader?.StringValue ?? currentTraceHeader();
    return { body, md5Body: md5OfBody(body), attributes, system, delaySeconds, groupId, dedupId, size, traceHeader };
  }

  private noteSent(queue: Queue, messageId: string | undefined, message: PreparedMessage): void {
    if (!this.context.onMessage || messageId === undefined) return;
    const strings = Object.entries(message.attributes?.attributes ?? {}).flatMap(([name, value]) =>
      typeof value.StringValue === 'string' ? [[name, value.StringValue] as const] : [],
    );
    this.context.onMessage({
      ...(strings.length ? { attributes: Object.fromEntries(strings) } : {}),
      kind: 'sent',
      queueArn: queue.arn,
      messageId,
      time: this.context.clock.now(),
      ...(message.traceHeader ? { traceHeader: message.traceHeader } : {}),
    });
  }

  private storeMessage(queue: Queue, message: PreparedMessage, now: number): SendMessageOutput {
    const output = (messageId: string, seq: number): SendMessageOutput => {
      const result: SendMessageOutput = { MessageId: messageId, MD5OfMessageBody: message.md5Body };
      if (message.attributes) result.MD5OfMessageAttributes = message.attributes.md5;
      if (message.system) result.MD5OfMessageSystemAttributes = message.system.md5;
      if (queue.fifo) result.SequenceNumber = sequenceNumber(seq);
      return result;
    };
    let dedupKey: string | undefined;
    if (queue.fifo && message.dedupId !== null) {
      dedupKey = queue.settings.deduplicationByGroup ? `${message.groupId}\u0000${message.dedupId}` : message.dedupId;
      const duplicate = this.context.store.dedup.get(queue.id, dedupKey, now);
      // Within the window a duplicate is accepted, answered like the original, and not enqueued.
      if (duplicate) return output(duplicate.message_id, duplicate.seq);
    }
    const messageId = randomUUID();
    const { lastInsertRowid: seq } = this.context.store.insertMessage.run(
      queue.id,
      messageId,
      message.body,
      message.md5Body,
      message.attributes ? JSON.stringify(message.attributes.attributes) : null,
      message.attributes?.md5 ?? null,
      storedSystemAttributes(message),
      this.senderId,
      now,
      now + message.delaySeconds * 1000,
      message.groupId,
      message.dedupId,
    );
    this.context.fairQueues.noteSent(queue, message.groupId, now);
    if (dedupKey !== undefined) {
      this.context.store.upsertDedup.run(queue.id, dedupKey, messageId, seq, now + FIFO_DEDUP_WINDOW_MS);
      if (++this.fifoSendsSinceSweep >= DEDUP_SWEEP_EVERY) {
        this.fifoSendsSinceSweep = 0;
        this.context.store.deleteExpiredDedup.run(queue.id, now);
      }
    }
    return output(messageId, seq);
  }

  private afterSend(queue: Queue, messages: PreparedMessage[]): void {
    if (!this.context.waiters.hasWaiters(queue.id)) return;
    const visibleNow = messages.filter((m) => m.delaySeconds === 0).length;
    if (visibleNow > 0) this.context.waiters.wake(queue.id, visibleNow);
    const soonestDelayed = Math.min(...messages.filter((m) => m.delaySeconds > 0).map((m) => m.delaySeconds));
    if (Number.isFinite(soonestDelayed)) this.context.waiters.wakeAfter(queue.id, soonestDelayed * 1000);
  }
}

/**
 * The system attributes kept with the message: those sent, or the HTTP header's trace as
 * `AWSTraceHeader` (it is not counted in the message size, and no MD5 of it is answered,
 * because the caller did not send it as an attribute).
 */
function storedSystemAttributes(message: PreparedMessage): string | null {
  if (message.system) return JSON.stringify(message.system.attributes);
  if (message.traceHeader === undefined) return null;
  return JSON.stringify({ AWSTraceHeader: { DataType: 'String', StringValue: message.traceHeader } });
}

/** What an entry weighs against the batch limit: body plus attribute names, types and values. */
function approximateSize(entry: SendMessageBatchRequestEntry): number {
  let size = typeof entry.MessageBody === 'string' ? Buffer.byteLength(entry.MessageBody, 'utf8') : 0;
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    if (!value) continue;
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(String(value.DataType ?? ''), 'utf8');
    if (typeof value.StringValue === 'string') size += Buffer.byteLength(value.StringValue, 'utf8');
    if (typeof value.BinaryValue === 'string') size += Buffer.byteLength(value.BinaryValue, 'base64');
    else if (value.BinaryValue) size += value.BinaryValue.byteLength;
  }
  return size;
}
