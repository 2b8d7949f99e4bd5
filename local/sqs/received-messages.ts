import type { Queue, SqsContext } from './sqs-context.js';
import { batchFailure, invalidParameterValue, missingParameter, SqsError } from './sqs-errors.js';
import type {
  BatchOutput,
  ChangeMessageVisibilityBatchInput,
  ChangeMessageVisibilityInput,
  DeleteMessageBatchInput,
  DeleteMessageInput,
  EmptyOutput,
} from './sqs-types.js';
import { integerParameter, MAX_VISIBILITY_SECONDS, validateBatchEntries } from './validation.js';

/**
 * What a consumer does with a message it received, by receipt handle: delete it, or change
 * how long it stays invisible. A receipt handle names the queue, the message and the receive
 * it came from, so a handle from an earlier receive can be told apart from the current one.
 */
export class ReceivedMessages {
  constructor(private readonly context: SqsContext) {}

  deleteMessage(input: DeleteMessageInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const handle = this.parseReceiptHandle(queue, input.ReceiptHandle);
    this.deleteByHandle(queue, handle, input.ReceiptHandle, this.context.clock.now());
    if (queue.fifo) this.context.notify(queue, 1);
    return {};
  }

  deleteMessageBatch(input: DeleteMessageBatchInput): BatchOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const output = this.eachEntry(input.Entries, 'DeleteMessageBatchRequestEntry', (entry, now) =>
      this.deleteByHandle(queue, this.parseReceiptHandle(queue, entry.ReceiptHandle), entry.ReceiptHandle, now),
    );
    if (queue.fifo) this.context.notify(queue, 1);
    return output;
  }

  changeMessageVisibility(input: ChangeMessageVisibilityInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    this.changeVisibility(queue, input.ReceiptHandle, input.VisibilityTimeout, this.context.clock.now());
    this.context.notify(queue, 1);
    return {};
  }

  changeMessageVisibilityBatch(input: ChangeMessageVisibilityBatchInput): BatchOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const output = this.eachEntry(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry', (entry, now) =>
      this.changeVisibility(queue, entry.ReceiptHandle, entry.VisibilityTimeout, now),
    );
    this.context.notify(queue);
    return output;
  }

  /** A batch's entries applied in one transaction at one time, each answered by its Id in Successful or, with its error, in Failed. */
  private eachEntry<E extends { Id: string }>(entries: E[], entryShape: string, apply: (entry: E, now: number) => void): BatchOutput {
    validateBatchEntries(entries, entryShape);
    const output: BatchOutput = { Successful: [], Failed: [] };
    const now = this.context.clock.now();
    this.context.transaction(() => {
      for (const entry of entries) {
        try {
          apply(entry, now);
          output.Successful.push({ Id: entry.Id });
        } catch (error) {
          output.Failed.push(batchFailure(entry.Id, error));
        }
      }
    });
    return output;
  }

  private parseReceiptHandle(queue: Queue, raw: string | undefined): ReceiptHandle {
    if (!raw) throw missingParameter('ReceiptHandle');
    const handle = typeof raw === 'string' ? decodeReceiptHandle(raw) : undefined;
    if (!handle || handle.queueId !== queue.id) {
      throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${raw}" is not a valid receipt handle.`);
    }
    return handle;
  }

  /**
   * Standard queues delete with any receipt handle the message was ever received with (AWS
   * accepts an outdated one); FIFO queues only with the current one while it is in flight.
   * Deleting a message that is already gone succeeds.
   */
  private deleteByHandle(queue: Queue, handle: ReceiptHandle, raw: string, now: number): void {
    if (!queue.fifo) {
      const deleted = this.context.store.deleteMessageReturning.get(handle.seq, queue.id);
      if (deleted) this.context.fairQueues.noteProcessed(queue, handle.seq, deleted, now, true);
      return;
    }
    const row = this.context.store.message.get(handle.seq);
    if (!row || row.queue_id !== queue.id) return;
    if (row.receipt !== handle.token || row.visible_at <= now) {
      throw invalidParameterValue('ReceiptHandle', raw, 'The receipt handle has expired.');
    }
    this.context.store.deleteMessage.run(handle.seq, queue.id);
  }

  private changeVisibility(queue: Queue, raw: string | undefined, timeout: unknown, now: number): void {
    const handle = this.parseReceiptHandle(queue, raw);
    const seconds = integerParameter(
      'VisibilityTimeout',
      timeout,
      0,
      MAX_VISIBILITY_SECONDS,
      `Must be between 0 and ${MAX_VISIBILITY_SECONDS}, if provided.`,
    );
    if (seconds === undefined) throw missingParameter('VisibilityTimeout');
    const row = this.context.store.message.get(handle.seq);
    if (!row || row.queue_id !== queue.id || row.receipt !== handle.token) {
      throw invalidParameterValue('ReceiptHandle', raw, 'Message does not exist or is not available for visibility timeout change.');
    }
    if (queue.fifo && row.visible_at <= now) throw invalidParameterValue('ReceiptHandle', raw, 'The receipt handle has expired.');
    if (row.received_at !== null && now + seconds * 1000 - row.received_at > MAX_VISIBILITY_SECONDS * 1000) {
      throw invalidParameterValue(
        'VisibilityTimeout',
        seconds,
        `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds]`,
      );
    }
    this.context.store.setVisibleAt.run(now + seconds * 1000, handle.seq);
    this.context.fairQueues.noteProcessed(queue, handle.seq, row, now, false);
  }
}

export interface ReceiptHandle {
  queueId: number;
  seq: number;
  token: string;
}

export function encodeReceiptHandle(handle: ReceiptHandle): string {
  return Buffer.from(`${handle.queueId}:${handle.seq}:${handle.token}`, 'utf8').toString('base64');
}

function decodeReceiptHandle(raw: string): ReceiptHandle | undefined {
  const match = /^(\d+):(\d+):([\w-]{16})$/.exec(Buffer.from(raw, 'base64').toString('utf8'));
  if (!match) return undefined;
  return { queueId: Number(match[1]), seq: Number(match[2]), token: match[3] ?? '' };
}
