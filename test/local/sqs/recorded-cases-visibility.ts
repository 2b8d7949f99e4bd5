import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { credentials, region } from '../helpers.js';
import { REQUEST_HEADERS } from './recorded-query-client.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

type Message = { Body: string; ReceiptHandle: string; MessageId: string; Attributes?: Record<string, string> };
const messages = (answer: Answer): Message[] => (answer.Messages ?? []) as Message[];
const TRACE = 'Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1';
const COUNTS = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;

/**
 * The recorded tests about visibility timeouts, delays, queue counts and message size limits,
 * replayed call by call as tests/aws/services/sqs/test_sqs.py makes them (its JSON-protocol
 * `[sqs]` variant). Those recorded without a snapshot answer an `assertions` entry: the values
 * the test asserts, which held on AWS.
 */
export const VISIBILITY_CASES: Record<string, Replay> = {
  async 'test_change_message_visibility_after_visibility_timeout_expiration[sqs]'({ call, queue, sleep }) {
    const QueueUrl = await queue({ Attributes: { VisibilityTimeout: '1' } });
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'test' }));
    const [message] = messages(await call(new ReceiveMessageCommand({ QueueUrl })));
    await sleep(2000);
    const ReceiptHandle = message?.ReceiptHandle;
    return {
      visibility_timeout_expired: await call(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 2 })),
    };
  },

  async 'test_delete_after_visibility_timeout[sqs]'({ call, queue, sleep }) {
    const QueueUrl = await queue({ Attributes: { VisibilityTimeout: '1' } });
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'foobar' }));
    const [message] = messages(await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 })));
    await sleep(1000);
    await call(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle }));
    return { delete_after_timeout_queue_empty: await call(new ReceiveMessageCommand({ QueueUrl })) };
  },

  ...Object.fromEntries(
    [false, true].map((extended) => [
      extended ? 'test_fifo_delete_after_visibility_timeout_extended[sqs]' : 'test_fifo_delete_after_visibility_timeout[sqs]',
      (async ({ call, queue, name, sleep }) => {
        const Attributes = { VisibilityTimeout: '1', FifoQueue: 'True', ContentBasedDeduplication: 'True' };
        const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes });
        await call(new SendMessageCommand({ QueueUrl, MessageBody: 'foobar', MessageGroupId: '1' }));
        const received = await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
        const ReceiptHandle = messages(received)[0]?.ReceiptHandle;
        if (extended) await call(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 5 }));
        await sleep(extended ? 1500 : 1000);
        const deleted = await call(new DeleteMessageCommand({ QueueUrl, ReceiptHandle }));
        if (!extended) return { received_sqs_message: received, delete_after_timeout_fifo: deleted };
        return { received_sqs_message: received, delete_after_timeout_fifo_extended: await call(new ReceiveMessageCommand({ QueueUrl })) };
      }) satisfies Replay,
    ]),
  ),

  async 'test_fifo_queue_send_message_with_zero_delay_defaults_to_queue_delay[sqs]'({ call, queue, name, sleep }) {
    const Attributes = { FifoQueue: 'true', ContentBasedDeduplication: 'true', DelaySeconds: '2' };
    const QueueUrl = await queue({ QueueName: `${name()}.fifo`, Attributes });
    const sent = await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message-1', MessageGroupId: '1', DelaySeconds: 0 }));
    const initial = await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    await sleep(3000);
    return {
      send_message_result: sent,
      receive_message_initial_result: initial,
      receive_message_after_delay_result: await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 })),
    };
  },

  // As the test runs outside AWS: a visibility timeout of 5 s, waited out.
  async 'test_approximate_number_of_messages_not_visible[sqs]'(context) {
    const QueueUrl = await context.queue({ Attributes: { VisibilityTimeout: '5' } });
    for (let i = 1; i <= 6; i++) await context.call(new SendMessageCommand({ QueueUrl, MessageBody: `message-${i}` }));
    await context.call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    return { assertions: await countsBeforeAndAfter(context, QueueUrl) };
  },

  async 'test_fifo_approximate_number_of_messages_not_visible[sqs]'(context) {
    const Attributes = { FifoQueue: 'True', ContentBasedDeduplication: 'True', VisibilityTimeout: '5' };
    const QueueUrl = await context.queue({ QueueName: `${context.name()}.fifo`, Attributes });
    for (let i = 1; i <= 6; i++) {
      const input = { QueueUrl, MessageBody: `message-${i}`, MessageGroupId: String(Math.ceil(i / 2)) };
      await context.call(new SendMessageCommand(input));
    }
    const receive = { QueueUrl, MaxNumberOfMessages: 1, MessageSystemAttributeNames: ['MessageGroupId'] } as ReceiveMessageCommandInput;
    const groups: (string | undefined)[] = [];
    for (let i = 0; i < 2; i++)
      groups.push(messages(await context.call(new ReceiveMessageCommand(receive)))[0]?.Attributes?.MessageGroupId);
    return { assertions: { groups, ...(await countsBeforeAndAfter(context, QueueUrl)) } };
  },

  async 'test_aws_trace_header_propagation[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const send = new SendMessageCommand({
      QueueUrl,
      MessageBody: 'test',
      MessageAttributes: { timestamp: { StringValue: '1493147359900', DataType: 'Number' } },
    });
    // As the test's botocore hook: the X-Ray header on the SendMessage request only, by either client.
    REQUEST_HEADERS.set(send, { 'x-amzn-trace-id': TRACE });
    send.middlewareStack.add(
      (next) => async (args) => {
        Object.assign((args.request as { headers: Record<string, string> }).headers, REQUEST_HEADERS.get(send));
        return next(args);
      },
      { step: 'build', name: 'xrayHeader' },
    );
    await call(send);
    const input = {
      QueueUrl,
      // Message system attributes the SDK's (deprecated) AttributeNames type does not list.
      AttributeNames: ['SentTimestamp', 'AWSTraceHeader'] as string[],
      MaxNumberOfMessages: 1,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 2,
      WaitTimeSeconds: 2,
    } as ReceiveMessageCommandInput;
    const [message] = messages(await call(new ReceiveMessageCommand(input))) as (Message & {
      MessageAttributes?: Record<string, unknown>;
    })[];
    // The recording's transformer replaced the attribute named timestamp with `timestamp`, which stands for its epoch value.
    const attributes = message?.MessageAttributes;
    return {
      'xray-msg':
        attributes && 'timestamp' in attributes
          ? { ...message, MessageAttributes: { ...attributes, timestamp: (attributes.timestamp as { StringValue?: string }).StringValue } }
          : message,
    };
  },

  async 'test_send_message_with_updated_maximum_message_size[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { MaximumMessageSize: '1024' } }));
    const base = await call(new SendMessageCommand({ QueueUrl, MessageBody: 'a'.repeat(1024) }));
    if ('Error' in base) throw new Error(`a message of the maximum size refused: ${JSON.stringify(base.Error)}`);
    const MessageAttributes = { k: { DataType: 'String', StringValue: 'x' } };
    const MessageBody = 'a'.repeat(1024 - 'kStringx'.length + 1);
    return { send_oversized_message: await call(new SendMessageCommand({ QueueUrl, MessageBody, MessageAttributes })) };
  },

  async 'test_send_message_batch_with_oversized_contents_with_updated_maximum_message_size[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { MaximumMessageSize: '2048' } }));
    const MessageAttributes = { k: { DataType: 'String', StringValue: 'x' } };
    const Entries = [
      { Id: '1', MessageBody: 'a'.repeat(2048 - 'kStringx'.length), MessageAttributes },
      { Id: '2', MessageBody: 'a' },
    ];
    return { send_oversized_message_batch: await call(new SendMessageBatchCommand({ QueueUrl, Entries })) };
  },

  async 'test_send_receive_max_number_of_messages[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message' }));
    return { send_max_number_of_messages: await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })) };
  },

  // The PHP SDK's way: a JSON-protocol request sent to the queue's URL instead of the endpoint's root.
  async test_send_message_via_queue_url_with_json_protocol({ queue }) {
    const QueueUrl = await queue();
    const response = await fetch(QueueUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.ReceiveMessage',
        authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ QueueUrl, WaitTimeSeconds: 1 }),
    });
    const type = response.headers.get('content-type');
    if (type !== 'application/x-amz-json-1.0') throw new Error(`answered ${type}`);
    const body = JSON.parse(await response.text()) as Record<string, unknown>;
    return { 'receive-json-on-queue-url': { ...body, ResponseMetadata: { HTTPStatusCode: response.status } } };
  },
};

/** The replays that wait out a visibility timeout or delay of seconds in real time. */
export const VISIBILITY_REAL_TIME = [
  'test_fifo_queue_send_message_with_zero_delay_defaults_to_queue_delay[sqs]',
  'test_approximate_number_of_messages_not_visible[sqs]',
  'test_fifo_approximate_number_of_messages_not_visible[sqs]',
  'test_change_message_visibility_after_visibility_timeout_expiration[sqs]',
];

/** The queue's three counts as the test retries them: once they show the received messages invisible, then once visible again. */
async function countsBeforeAndAfter({ call, sleep }: ReplayContext, QueueUrl: string) {
  const counts = async () =>
    (await call(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...COUNTS] }))).Attributes as Record<string, string>;
  const before = await counts();
  let after = await counts();
  for (let i = 0; i < 60 && after.ApproximateNumberOfMessagesNotVisible !== '0'; i++) {
    await sleep(250);
    after = await counts();
  }
  return { before, after };
}
