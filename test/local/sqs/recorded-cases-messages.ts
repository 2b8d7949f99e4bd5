import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Replay } from './recorded-replay.js';

/**
 * SQS's message size limit, 1 MiB: current AWS documentation (SendMessage's MessageBody: "The
 * maximum size is 1 MiB or 1,048,576 bytes") wins over older recordings and documents that
 * say 256 KiB; these recordings were made after the change and show 1,048,576 too.
 */
const MAX_MESSAGE_SIZE = 1_048_576;
const FOO = { Foo: { DataType: 'String', StringValue: 'Bar' } };
type Message = { Body: string; ReceiptHandle: string; Attributes?: Record<string, string> };

/**
 * The recorded tests about sending and receiving, replayed call by call as
 * tests/aws/services/sqs/test_sqs.py makes them (its JSON-protocol `[sqs]` variant).
 */
export const MESSAGE_CASES: Record<string, Replay> = {
  async 'test_receive_empty_queue[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    return {
      empty_short_poll_resp_no_param: await call(new ReceiveMessageCommand({ QueueUrl })),
      empty_short_poll_resp: await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 })),
      empty_long_poll_resp: await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 })),
    };
  },

  async 'test_receive_message_message_attribute_names_filters[sqs]'({ call, queue }) {
    const QueueUrl = await queue({ Attributes: { VisibilityTimeout: '0' } });
    const sent = await call(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'msg',
        MessageAttributes: {
          'Help.Me': { DataType: 'String', StringValue: 'Me' },
          Hello: { DataType: 'String', StringValue: 'There' },
          General: { DataType: 'String', StringValue: 'Kenobi' },
        },
      }),
    );
    const receive = (MessageAttributeNames: string[]) =>
      call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MessageAttributeNames }));
    const first = async (names: string[]) => (await receive(names)).Messages?.[0];
    return {
      send_message_response: sent,
      empty_filter: await receive([]),
      all_name: await receive(['All']),
      all_wildcard_asterisk: await first(['*']),
      all_wildcard: await first(['.*']),
      only_non_existing_names: await first(['Foo', 'Help']),
      only_existing: await first(['Hello', 'General']),
      existing_and_non_existing: await first(['Foo', 'Hello']),
      prefix_filter: await first(['Hel.*']),
      illegal_name_1: await receive(['AWS.']),
      illegal_name_2: await receive(['..foo']),
    };
  },

  ...Object.fromEntries(
    (['AttributeNames', 'MessageSystemAttributeNames'] as const).map((parameter) => [
      parameter === 'AttributeNames'
        ? 'test_receive_message_attribute_names_filters[sqs]'
        : 'test_receive_message_message_system_attribute_names_filters[sqs]',
      (async ({ call, queue }) => {
        const QueueUrl = await queue({ Attributes: { VisibilityTimeout: '0' } });
        await call(new SendMessageCommand({ QueueUrl, MessageBody: 'msg', MessageAttributes: FOO }));
        const receive = (names: string[], MessageAttributeNames: string[] = []) =>
          call(
            new ReceiveMessageCommand({
              QueueUrl,
              WaitTimeSeconds: 5,
              [parameter]: names,
              MessageAttributeNames,
            } as ReceiveMessageCommandInput),
          );
        return {
          all_attributes: await receive(['All']),
          all_system_and_message_attributes: await receive(['All'], ['All']),
          single_attribute: await receive(['SenderId']),
          multiple_attributes: await receive(['SenderId', 'SequenceNumber']),
        };
      }) satisfies Replay,
    ]),
  ),

  async 'test_message_system_attribute_names_with_attribute_names[sqs]'({ call, queue }) {
    const QueueUrl = await queue({ Attributes: { VisibilityTimeout: '0' } });
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'msg', MessageAttributes: FOO }));
    // SenderId is a message system attribute the SDK's AttributeNames type does not list (it is deprecated there).
    const receive = (AttributeNames: string[]) =>
      call(
        new ReceiveMessageCommand({
          QueueUrl,
          WaitTimeSeconds: 5,
          MessageSystemAttributeNames: ['All'],
          AttributeNames,
        } as ReceiveMessageCommandInput),
      );
    return { same_values: await receive(['All']), different_values: await receive(['SenderId']) };
  },

  async 'test_send_oversized_message[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    // The attribute counts towards the size (name, type and value): one byte over in all.
    const MessageBody = 'a'.repeat(MAX_MESSAGE_SIZE - 'kStringx'.length + 1);
    const MessageAttributes = { k: { DataType: 'String', StringValue: 'x' } };
    return { send_oversized_message: await call(new SendMessageCommand({ QueueUrl, MessageBody, MessageAttributes })) };
  },

  async 'test_send_message_batch_with_oversized_contents[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const MessageBody = 'a'.repeat(MAX_MESSAGE_SIZE - 'kStringx'.length);
    const MessageAttributes = { k: { DataType: 'String', StringValue: 'x' } };
    const Entries = [
      { Id: '1', MessageBody, MessageAttributes },
      { Id: '2', MessageBody: 'a' },
    ];
    return { send_oversized_message_batch: await call(new SendMessageBatchCommand({ QueueUrl, Entries })) };
  },

  async test_send_batch_message_size({ call, queue }) {
    const QueueUrl = await queue({ Attributes: { MaximumMessageSize: '1024' } });
    const Entries = [
      { Id: 'a4cff0d1-1961-44bd-ae53-c6d5ed71ed08', MessageBody: 'a'.repeat(1024) },
      { Id: '35b535ed-b76a-4ebd-b749-6eb35cdb55ee', MessageBody: 'a'.repeat(1025) },
    ];
    return { 'send-message-batch-result': await call(new SendMessageBatchCommand({ QueueUrl, Entries })) };
  },

  async 'test_send_empty_message[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    return { send_empty_message: await call(new SendMessageCommand({ QueueUrl, MessageBody: '' })) };
  },

  async 'test_send_message_with_binary_attributes[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const BinaryValue = new TextEncoder().encode('traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01');
    await call(
      new SendMessageCommand({ QueueUrl, MessageBody: 'test', MessageAttributes: { attr1: { DataType: 'Binary', BinaryValue } } }),
    );
    return { 'binary-attrs-msg': await call(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] })) };
  },

  async 'test_send_message_with_empty_string_attribute[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const MessageAttributes = { ErrorDetails: { StringValue: '', DataType: 'String' } };
    return { 'empty-string-attr': await call(new SendMessageCommand({ QueueUrl, MessageBody: 'test', MessageAttributes })) };
  },

  async 'test_send_receive_wait_time_seconds[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message' }));
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message' }));
    return {
      recieve_message_error_too_large: await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 21 })),
      recieve_message_error_too_small: await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: -1 })),
      empty_short_poll_by_default_resp: await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 })),
      empty_short_poll_explicit_resp: await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 })),
    };
  },

  ...Object.fromEntries(
    Object.entries({ empty: '', spaces: 'group 123', too_long: 'a'.repeat(129) }).flatMap(([id, value]) => [
      [
        `test_send_message_to_standard_queue_with_invalid_message_group_id[${id}]`,
        (async ({ call, queue }) => {
          const QueueUrl = await queue();
          return { 'error-response': await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message', MessageGroupId: value })) };
        }) satisfies Replay,
      ],
      [
        `test_message_deduplication_id_invalid[${id}]`,
        (async ({ call, queue, name }) => {
          const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes: { FifoQueue: 'true' } });
          const input = { QueueUrl, MessageBody: 'Hello World!', MessageGroupId: 'test', MessageDeduplicationId: value };
          return { 'error-response': await call(new SendMessageCommand(input)) };
        }) satisfies Replay,
      ],
    ]),
  ),

  async 'test_fifo_queue_send_message_with_delay_seconds_fails[sqs]'({ call, queue, name }) {
    const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } });
    return {
      send_message: await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message-1', MessageGroupId: '1', DelaySeconds: 2 })),
    };
  },

  // Its `-query` answers came from the test framework's default client (`aws_client.sqs`), which speaks JSON.
  async 'test_posting_to_fifo_requires_deduplicationid_group_id[sqs]'({ call, json, queue, name }) {
    const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes: { FifoQueue: 'true' } });
    return {
      'invalid-parameter-value': await call(new SendMessageCommand({ QueueUrl, MessageBody: 'test', MessageGroupId: 'fifo_group-1' })),
      'missing-parameter': await call(new SendMessageCommand({ QueueUrl, MessageBody: 'test', MessageDeduplicationId: 'fifo_dedup-1' })),
      'invalid-parameter-value-query': await json(
        new SendMessageCommand({ QueueUrl, MessageBody: 'test', MessageGroupId: 'fifo_group-1' }),
      ),
      'missing-parameter-query': await json(
        new SendMessageCommand({ QueueUrl, MessageBody: 'test', MessageDeduplicationId: 'fifo_dedup-1' }),
      ),
    };
  },

  async test_dead_letter_queue_message_attributes({ call, queue, name }) {
    const dlq = await queue();
    const dlqArn = await arnOf(call, dlq);
    const QueueUrl = await queue({
      QueueName: name(),
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) },
    });
    const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    await call(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'message-1',
        MessageSystemAttributes: { AWSTraceHeader: { StringValue: trace, DataType: 'String' } },
        MessageAttributes: { MyAttribute: { StringValue: 'foobar', DataType: 'String' } },
      }),
    );
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message-2' }));
    const receiveAll = async (url: string, extra: Partial<ReceiveMessageCommandInput>, times: number) => {
      const messages: Message[] = [];
      for (let i = 0; i < times; i++) {
        const answer = await call(
          new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['All'], MessageAttributeNames: ['All'], ...extra }),
        );
        messages.push(...((answer.Messages ?? []) as Message[]));
      }
      // As the test does: SenderId is the caller's principal, which differs between accounts.
      for (const m of messages) delete m.Attributes?.SenderId;
      return messages.sort((a, b) => a.Body.localeCompare(b.Body));
    };
    const before = await receiveAll(QueueUrl, { VisibilityTimeout: 0 }, 4);
    return {
      'dlq-arn': dlqArn,
      'sourcen-arn': await arnOf(call, QueueUrl),
      'rec-pre-dlq': before,
      'dlq-messages': await receiveAll(dlq, { MaxNumberOfMessages: 10, VisibilityTimeout: 30 }, 1),
    };
  },

  async 'test_fifo_empty_message_groups_added_back_to_queue[sqs]'({ call, queue, name }) {
    const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes: { FifoQueue: 'True' } });
    await call(new SendMessageCommand({ QueueUrl, MessageDeduplicationId: '1', MessageGroupId: 'g1', MessageBody: 'Message 1' }));
    const initial = await call(new ReceiveMessageCommand({ QueueUrl }));
    await call(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: (initial.Messages?.[0] as Message | undefined)?.ReceiptHandle }));
    const empty = await call(new ReceiveMessageCommand({ QueueUrl }));
    await call(new SendMessageCommand({ QueueUrl, MessageDeduplicationId: '2', MessageGroupId: 'g1', MessageBody: 'Message 2' }));
    return {
      'inital-fifo-receive': initial,
      'empty-fifo-receive': empty,
      'final-fifo-receive': await call(new ReceiveMessageCommand({ QueueUrl })),
    };
  },

  ...Object.fromEntries(
    [0, 1, 2].map((position) => [
      `test_fifo_group_visibility_extends_with_change_message_visibility[sqs-${position}-visible]`,
      (async ({ call, queue, name, sleep }) => {
        const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes: { FifoQueue: 'true', VisibilityTimeout: '1' } });
        for (const body of ['foo', 'bar', 'baz']) {
          await call(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: '1', MessageDeduplicationId: body }));
        }
        const all = await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 5 }));
        const ReceiptHandle = (all.Messages?.[position] as Message | undefined)?.ReceiptHandle;
        await call(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 4 }));
        await sleep(2500);
        return {
          receive_all_messages: all,
          'some-messages-invisible': await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 5 })),
        };
      }) satisfies Replay,
    ]),
  ),

  async 'test_fifo_message_attributes[sqs]'({ call, queue, name }) {
    const Attributes = {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      VisibilityTimeout: '0',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    };
    const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes });
    const sent = await call(
      new SendMessageCommand({ QueueUrl, MessageBody: 'message-body-1', MessageGroupId: 'group-1', MessageDeduplicationId: 'dedup-1' }),
    );
    const receive = () => call(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ['All'], WaitTimeSeconds: 10 }));
    return { send_message: sent, receive_message_0: await receive(), receive_message_1: await receive() };
  },

  // Recorded without a snapshot: the test's assertions, as the answer they hold for.
  async 'test_fifo_message_group_visibility_after_change_message_visibility[sqs]'({ call, queue, name, sleep }) {
    const Attributes = { FifoQueue: 'true', VisibilityTimeout: '30', ContentBasedDeduplication: 'true' };
    const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes });
    for (const [body, group] of [
      ['g1-m1', 'group-1'],
      ['g1-m2', 'group-1'],
      ['g2-m1', 'group-2'],
    ]) {
      await call(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: group }));
    }
    const first = await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2 }));
    const [m1] = (first.Messages ?? []) as Message[];
    await call(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m1?.ReceiptHandle, VisibilityTimeout: 1 }));
    await sleep(2000);
    const second = await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 3 }));
    const bodies = (answer: typeof first) => ((answer.Messages ?? []) as Message[]).map((m) => m.Body);
    return { assertions: { first: bodies(first), second: bodies(second) } };
  },
};

async function arnOf(call: Parameters<Replay>[0]['call'], QueueUrl: string): Promise<string> {
  const answer = await call(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return (answer.Attributes as Record<string, string>).QueueArn as string;
}
