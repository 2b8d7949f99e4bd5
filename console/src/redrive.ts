import { type RedriveMessage, type RedriveQueue, redriveReceiveRequest } from '../../clients/message-redrive.js';
import type { RedrivenReads } from '../../clients/redriven-messages.js';
import { call } from './aws.js';
import { message } from './dom.js';
import { lineage, queueConsumers, ReadApiError, retryingMessages } from './feed.js';

/**
 * A dead-letter queue's SQS calls, signed as every console call is, for the redrive the
 * console shares with `switchyard redrive` (clients/message-redrive.ts).
 */
export function signedRedriveQueue(queue: { readonly name: string; readonly url: string }): RedriveQueue {
  return {
    name: queue.name,
    async receive() {
      const { Messages = [] } = await call<{ Messages?: RedriveMessage[] }>('sqs', 'ReceiveMessage', redriveReceiveRequest(queue.url));
      return Messages;
    },
    async send(request) {
      const { MessageId } = await call<{ MessageId?: string }>('sqs', 'SendMessage', request);
      return MessageId;
    },
    async delete(receiptHandle) {
      await call('sqs', 'DeleteMessage', { QueueUrl: queue.url, ReceiptHandle: receiptHandle });
    },
    async handBack(receiptHandles) {
      for (let i = 0; i < receiptHandles.length; i += 10) {
        const Entries = receiptHandles.slice(i, i + 10).map((ReceiptHandle, j) => ({ Id: `m${j}`, ReceiptHandle, VisibilityTimeout: 0 }));
        await call('sqs', 'ChangeMessageVisibilityBatch', { QueueUrl: queue.url, Entries });
      }
    },
    // AwsCallError's message is `Code: AWS's message`.
    describeError: message,
  };
}

/**
 * The read API's answers a redrive is followed with (clients/redriven-messages.ts, the logic
 * `switchyard redrive` follows it with too).
 */
export const consoleRedrivenReads: RedrivenReads = {
  async message(id) {
    try {
      return (await lineage(id)).roots.find((root) => root.kind === 'message' && root.id === id);
    } catch (error) {
      // No lineage yet: nothing has received it.
      if (error instanceof ReadApiError && error.status === 404) return undefined;
      throw error;
    }
  },
  retrying: retryingMessages,
  consumers: queueConsumers,
};
