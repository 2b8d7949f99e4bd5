import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import type { Replay } from './recorded-replay.js';

/**
 * The recorded tests about queues, tags and batch validation, replayed call by call as
 * tests/aws/services/sqs/test_sqs.py makes them (its JSON-protocol `[sqs]` variant); each
 * returns the answers by the recording's snapshot keys.
 */
export const QUEUE_CASES: Record<string, Replay> = {
  async 'test_tag_untag_queue[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    await call(new TagQueueCommand({ QueueUrl, Tags: { tag1: 'value1', tag2: 'value2', tag3: '' } }));
    const first = await call(new ListQueueTagsCommand({ QueueUrl }));
    await call(new UntagQueueCommand({ QueueUrl, TagKeys: ['tag1', 'tag3'] }));
    const second = await call(new ListQueueTagsCommand({ QueueUrl }));
    await call(new UntagQueueCommand({ QueueUrl, TagKeys: ['tag2'] }));
    return { 'get-tag-1': first, 'get-tag-2': second, 'get-tag-after-untag': await call(new ListQueueTagsCommand({ QueueUrl })) };
  },

  async test_non_existent_queue({ call, queue, name, query }) {
    const QueueName = name();
    const QueueUrl = await queue({ QueueName });
    await call(new DeleteQueueCommand({ QueueUrl }));
    return {
      'queue-does-not-exist': await call(new GetQueueAttributesCommand({ QueueUrl })),
      'queue-does-not-exist-url': await call(new GetQueueUrlCommand({ QueueName })),
      'queue-does-not-exist-query': await query({ Action: 'GetQueueAttributes', QueueUrl }),
    };
  },

  async 'test_set_unsupported_attribute_standard[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    return {
      'invalid-attr-name-1': await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { FifoQueue: 'true' } })),
      'invalid-attr-name-2': await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { FifoQueue: 'false' } })),
    };
  },

  async 'test_set_unsupported_attribute_fifo[sqs]'({ call, queue, name }) {
    const QueueUrl = await queue();
    const first = await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { FifoQueue: 'true' } }));
    const fifo = await queue({ QueueName: `${name()}.fifo`, Attributes: { FifoQueue: 'true' } });
    const accepted = await call(new SetQueueAttributesCommand({ QueueUrl: fifo, Attributes: { FifoQueue: 'true' } }));
    if ('Error' in accepted) throw new Error(`FifoQueue=true on a FIFO queue refused: ${JSON.stringify(accepted)}`);
    return {
      'invalid-attr-name-1': first,
      'invalid-attr-name-2': await call(new SetQueueAttributesCommand({ QueueUrl: fifo, Attributes: { FifoQueue: 'false' } })),
    };
  },

  // The test creates its queues through the sqs_create_queue fixture, in JSON.
  async 'test_create_standard_queue_with_fifo_attribute_raises_error[sqs]'({ json, name }) {
    const QueueName = name();
    const create = (Attributes: Record<string, string>) => json(new CreateQueueCommand({ QueueName, Attributes }));
    return {
      'invalid-attribute-fifo-queue': await create({ FifoQueue: 'false' }),
      'invalid-attribute-content-based-deduplication': await create({ ContentBasedDeduplication: 'false' }),
      'invalid-attribute-deduplication-scope': await create({ DeduplicationScope: 'queue' }),
      'invalid-attribute-throughput-limit': await create({ FifoThroughputLimit: 'perQueue' }),
    };
  },

  async 'test_successive_purge_calls_fail[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    await call(new PurgeQueueCommand({ QueueUrl }));
    return { purge_queue_error: await call(new PurgeQueueCommand({ QueueUrl })) };
  },

  async 'test_too_many_entries_in_batch_request[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const Entries = Array.from({ length: 20 }, (_, i) => ({ Id: `message-${i}`, MessageBody: `messageBody-${i}` }));
    return { test_too_many_entries_in_batch_request: await call(new SendMessageBatchCommand({ QueueUrl, Entries })) };
  },

  async 'test_invalid_batch_id[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const Entries = [{ Id: 'message:a1b2c3', MessageBody: 'messageBody-a1b2c3' }];
    return { test_invalid_batch_id: await call(new SendMessageBatchCommand({ QueueUrl, Entries })) };
  },

  ...Object.fromEntries(
    ['', 'invalid:id', 'testLongId'.repeat(10)].map((id) => [
      `test_delete_message_batch_invalid_msg_id[sqs-${id}]`,
      (async ({ call, queue }) => {
        const QueueUrl = await queue();
        return {
          error_response: await call(new DeleteMessageBatchCommand({ QueueUrl, Entries: [{ Id: id, ReceiptHandle: 'testHandle1' }] })),
        };
      }) satisfies Replay,
    ]),
  ),

  async 'test_delete_message_batch_with_too_large_batch[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const handles = await twentyReceived(call, QueueUrl);
    const Entries = handles.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle }));
    return { error_response: await call(new DeleteMessageBatchCommand({ QueueUrl, Entries })) };
  },

  async 'test_change_message_visibility_batch_with_too_large_batch[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const handles = await twentyReceived(call, QueueUrl);
    const Entries = handles.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle, VisibilityTimeout: 123 }));
    return { error_response: await call(new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries })) };
  },
};

/** Sends two batches of 10 and receives all 20; their receipt handles. */
async function twentyReceived(call: Parameters<Replay>[0]['call'], QueueUrl: string): Promise<string[]> {
  const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: `message-${i}`, MessageBody: `messageBody-${i}` }));
  await call(new SendMessageBatchCommand({ QueueUrl, Entries }));
  await call(new SendMessageBatchCommand({ QueueUrl, Entries }));
  const handles: string[] = [];
  while (handles.length < 20) {
    const answer = await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    for (const m of (answer.Messages ?? []) as { ReceiptHandle: string }[]) handles.push(m.ReceiptHandle);
  }
  return handles;
}
