import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SendMessageCommandInput,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

type Message = { Body: string; ReceiptHandle: string; MessageId: string; Attributes?: Record<string, string> };

/**
 * The recorded tests about FIFO queues (deduplication, its scope, throughput settings) and
 * fair queues, replayed call by call as tests/aws/services/sqs/test_sqs.py makes them (its
 * JSON-protocol `[sqs]` variant); each returns the answers by the recording's snapshot keys.
 */
export const FIFO_CASES: Record<string, Replay> = {
  ...Object.fromEntries(
    [true, false].flatMap((contentBased) => {
      const setup = async ({ queue, name }: ReplayContext) => {
        const Attributes: Record<string, string> = { FifoQueue: 'true', ...(contentBased ? { ContentBasedDeduplication: 'true' } : {}) };
        const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes });
        const send = (MessageGroupId: string) => ({
          QueueUrl,
          MessageBody: '{"foo": "bar"}',
          MessageGroupId,
          ...(contentBased ? {} : { MessageDeduplicationId: 'dedup1' }),
        });
        return { QueueUrl, send };
      };
      const arrivesOnce: Replay = async (context) => {
        const { call } = context;
        const { QueueUrl, send } = await setup(context);
        await call(new SendMessageCommand(send('group-1')));
        const first = await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 3 }));
        await call(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: messages(first)[0]?.ReceiptHandle }));
        await call(new SendMessageCommand(send('group-1')));
        const duplicate = await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
        return { 'get-messages': parsedAsSnapshot(first) as Answer, 'get-messages-duplicate': duplicate };
      };
      const notOnGroup: Replay = async (context) => {
        const { call } = context;
        const { QueueUrl, send } = await setup(context);
        await call(new SendMessageCommand(send('group-1')));
        await call(new SendMessageCommand(send('group-2')));
        const first = await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 2 }));
        const second = await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
        return { 'get-messages': parsedAsSnapshot(first) as Answer, 'get-dedup-messages': second };
      };
      const variant = contentBased ? 'True' : 'False';
      return [
        [`test_fifo_deduplication_arrives_once_after_delete[sqs-${variant}]`, arrivesOnce],
        [`test_fifo_deduplication_not_on_message_group_id[sqs-${variant}]`, notOnGroup],
      ];
    }),
  ),

  async 'test_sqs_fifo_same_dedup_id_different_message_groups[sqs]'(context) {
    return sendTwiceAcrossGroups(context, { FifoQueue: 'True', ContentBasedDeduplication: 'False' }, 'Test', 'Test', true);
  },

  async 'test_sqs_fifo_message_group_scope_no_throughput_setting[sqs]'(context) {
    const Attributes = { FifoQueue: 'True', ContentBasedDeduplication: 'True', DeduplicationScope: 'messageGroup' };
    return sendTwiceAcrossGroups(context, Attributes, 'Test', 'Test', false);
  },

  async 'test_fifo_high_throughput_ordering[sqs]'(context) {
    const Attributes = {
      FifoQueue: 'True',
      ContentBasedDeduplication: 'False',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    };
    return sendTwiceAcrossGroups(context, Attributes, 'Test1', 'Test2', true);
  },

  async 'test_fifo_change_to_regular_throughput_after_creation[sqs]'(context) {
    const { call } = context;
    const Attributes = {
      FifoQueue: 'True',
      ContentBasedDeduplication: 'False',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    };
    const { QueueUrl, send } = await fifoWithDedup(context, Attributes);
    const first = await receiveAndDelete(call, QueueUrl, await send('Test1', 'group1'));
    const second = await receiveAndDelete(call, QueueUrl, await send('Test2', 'group2'));
    await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' } }));
    const changed = await call(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    await send('Test3', 'group3');
    return {
      'same-dedup-different-grp-1': first,
      'same-dedup-different-grp-2': second,
      'set-to-regular-throughput': changed,
      'same-dedup-different-grp-regular-throughput': await call(new ReceiveMessageCommand({ QueueUrl })),
    };
  },

  async 'test_fifo_change_to_high_throughput_after_creation[sqs]'(context) {
    const { call } = context;
    const Attributes = { FifoQueue: 'True', ContentBasedDeduplication: 'False', DeduplicationScope: 'queue' };
    const { QueueUrl, send } = await fifoWithDedup(context, Attributes);
    const first = await receiveAndDelete(call, QueueUrl, await send('Test1', 'group1'));
    await send('Test2', 'group2');
    const duplicate = await call(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
    const high = { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' };
    await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: high }));
    const changed = await call(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    const old = await call(new ReceiveMessageCommand({ QueueUrl }));
    await send('Test3', 'group3');
    const third = await call(new ReceiveMessageCommand({ QueueUrl }));
    const fourth = await receiveAndDelete(call, QueueUrl, await send('Test4', 'group4', 'dedup_2'));
    await send('Test5', 'group5', 'dedup_2');
    return {
      'same-dedup-different-grp-1': first,
      'same-dedup-different-grp-2': duplicate,
      'set-to-high-throughput': changed,
      'same-dedup-different-grp-high-throughput': old,
      'same-dedup-different-grp-high-throughput-2': third,
      'new-dedup2-high-throughput': fourth,
      'same-dedup2-high-throughput': await call(new ReceiveMessageCommand({ QueueUrl })),
    };
  },

  async 'test_fair_queue_with_message_group_id[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    return {
      send_message: await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message', MessageGroupId: 'test' })),
      'get-message-with-deduplication-id': await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, AttributeNames: ['All'] })),
    };
  },

  ...Object.fromEntries(
    (['MessageGroupId', 'MessageDeduplicationId'] as const).map((missing) => [
      missing === 'MessageGroupId'
        ? 'test_send_batch_missing_message_group_id_for_fifo_queue[sqs]'
        : 'test_send_batch_missing_deduplication_id_for_fifo_queue[sqs]',
      (async ({ call, queue, name }) => {
        const QueueUrl = await queue({
          QueueName: `${name()}.fifo`,
          Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' },
        });
        const entry = () => ({
          Id: `message-${name()}`,
          MessageBody: 'messageBody',
          MessageGroupId: 'test-group',
          MessageDeduplicationId: `dedup-${name()}`,
        });
        const partial: Partial<ReturnType<typeof entry>> = entry();
        delete partial[missing];
        const Entries = [entry(), partial as ReturnType<typeof entry>];
        const key =
          missing === 'MessageGroupId' ? 'test_missing_message_group_id_for_fifo_queue' : 'test_missing_deduplication_id_for_fifo_queue';
        return { [key]: await call(new SendMessageBatchCommand({ QueueUrl, Entries })) };
      }) satisfies Replay,
    ]),
  ),

  // Recorded without answers: the test asserts that a 128-character deduplication id is taken.
  async test_message_deduplication_id_success({ call, queue, name }) {
    const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes: { FifoQueue: 'true' } });
    const input = { QueueUrl, MessageBody: 'Hello World!', MessageGroupId: 'test', MessageDeduplicationId: 'a'.repeat(128) };
    const answer = await call(new SendMessageCommand(input));
    if ('Error' in answer) throw new Error(`a 128-character MessageDeduplicationId refused: ${JSON.stringify(answer.Error)}`);
    return {};
  },

  // Recorded without answers: the test asserts the dead-letter queue takes the message and the group goes on.
  async 'test_dead_letter_queue_with_fifo_and_content_based_deduplication[sqs]'({ call, queue, name }) {
    const fifo = { FifoQueue: 'true', ContentBasedDeduplication: 'true' };
    const dlq = await queue({ QueueName: `${name()}.fifo`, Attributes: { ...fifo, MessageRetentionPeriod: '1209600' } });
    const dlqArn = (await call(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes as {
      QueueArn: string;
    };
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn.QueueArn, maxReceiveCount: 2 });
    const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes: { ...fifo, VisibilityTimeout: '60', RedrivePolicy } });
    const sent = await call(new SendMessageCommand({ QueueUrl, MessageBody: 'foobar', MessageGroupId: '1' }));
    for (let i = 0; i < 3; i++) await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, VisibilityTimeout: 0 }));
    const dead = messages(await call(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 10 })));
    if (dead.length !== 1 || dead[0]?.MessageId !== sent.MessageId || dead[0]?.Body !== 'foobar') {
      throw new Error(`dead-letter queue received ${JSON.stringify(dead)}`);
    }
    const next = await call(new SendMessageCommand({ QueueUrl, MessageBody: 'foobar2', MessageGroupId: '1' }));
    const after = messages(await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 })));
    if (after[0]?.MessageId !== next.MessageId || after[0]?.Body !== 'foobar2') throw new Error(`then received ${JSON.stringify(after)}`);
    return {};
  },
};

const messages = (answer: Answer): Message[] => (answer.Messages ?? []) as Message[];

/** A FIFO queue and a sender with the tests' shared deduplication id (unless given another). */
async function fifoWithDedup({ call, queue, name }: ReplayContext, Attributes: Record<string, string>) {
  const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes });
  const send = (MessageBody: string, MessageGroupId: string, MessageDeduplicationId = 'same-dedup') =>
    call(new SendMessageCommand({ QueueUrl, MessageBody, MessageGroupId, MessageDeduplicationId }));
  return { QueueUrl, send };
}

/** One receive (its answer) whose message is then deleted, as the tests do after a send. */
async function receiveAndDelete(
  call: ReplayContext['call'],
  QueueUrl: string,
  _sent: Answer,
  input: Partial<ReceiveMessageCommandInput> = {},
) {
  const answer = await call(new ReceiveMessageCommand({ QueueUrl, ...input }));
  const [first] = messages(answer);
  if (first) await call(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle }));
  return answer;
}

/** Sends to group1, receives and deletes, sends to group2 (with the same deduplication id unless content-based), receives. */
async function sendTwiceAcrossGroups(
  context: ReplayContext,
  Attributes: Record<string, string>,
  firstBody: string,
  secondBody: string,
  withDedupId: boolean,
): Promise<Record<string, unknown>> {
  const { call } = context;
  const QueueUrl = await context.queue({ QueueName: `${context.name()}.fifo`, Attributes });
  const send = (MessageBody: string, MessageGroupId: string): Promise<Answer> => {
    const input: SendMessageCommandInput = { QueueUrl, MessageBody, MessageGroupId };
    if (withDedupId) input.MessageDeduplicationId = 'same-dedup';
    return call(new SendMessageCommand(input));
  };
  const first = await receiveAndDelete(call, QueueUrl, await send(firstBody, 'group1'));
  await send(secondBody, 'group2');
  return { 'same-dedup-different-grp-1': first, 'same-dedup-different-grp-2': await call(new ReceiveMessageCommand({ QueueUrl })) };
}
