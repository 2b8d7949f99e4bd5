import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Answer, Replay } from './recorded-replay.js';

type Message = { Body: string; ReceiptHandle: string; MessageId: string; MD5OfBody: string; Attributes?: Record<string, string> };
const messages = (answer: Answer): Message[] => (answer.Messages ?? []) as Message[];

/**
 * The recorded tests of tests/aws/services/sqs/test_sqs.py that snapshot nothing: validated on
 * AWS by their assertions alone. Each replay answers an `assertions` entry with the values the
 * test asserts (test_sqs.snapshot.json holds them as they held on AWS).
 */
export const ASSERTION_CASES: Record<string, Replay> = {
  async test_list_queues({ call, name }) {
    const run = name();
    const names = [`a-test-queue-${run}-1`, `a-test-queue-${run}-2`, `b-test-queue-${run}-3`];
    const urls: string[] = [];
    for (const QueueName of names) {
      await call(new CreateQueueCommand({ QueueName }));
      urls.push((await call(new GetQueueUrlCommand({ QueueName }))).QueueUrl as string);
    }
    const listed = async (QueueNamePrefix?: string) =>
      ((await call(new ListQueuesCommand({ QueueNamePrefix }))).QueueUrls as string[] | undefined)?.filter(
        (url) => !QueueNamePrefix?.endsWith('-') || url.includes(run),
      );
    const a = await listed('a-test-queue-');
    const b = await listed('b-test-queue-');
    const all = (await listed()) ?? [];
    return {
      assertions: {
        urlsEndWithNames: urls.every((url, i) => url.endsWith(names[i] as string)),
        a: urls.map((url) => a?.includes(url)),
        b: urls.map((url) => b?.includes(url)),
        all: urls.every((url) => all.includes(url)),
        nonExisting: 'QueueUrls' in (await call(new ListQueuesCommand({ QueueNamePrefix: 'nonexisting-queue-' }))),
      },
    };
  },

  async 'test_create_queue_and_get_attributes[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const answer = await call(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'CreatedTimestamp', 'VisibilityTimeout'] }),
    );
    const attributes = answer.Attributes as Record<string, string>;
    const created = Number(attributes.CreatedTimestamp);
    return {
      assertions: {
        names: Object.keys(attributes).sort(),
        arnEndsWithName: attributes.QueueArn?.endsWith(QueueUrl.slice(QueueUrl.lastIndexOf('/') + 1)),
        createdWithin30s: Number.isInteger(created) && Math.abs(created - Date.now() / 1000) <= 30,
        VisibilityTimeout: attributes.VisibilityTimeout,
      },
    };
  },

  async 'test_send_receive_message[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const sent = await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message' }));
    const received = messages(await call(new ReceiveMessageCommand({ QueueUrl })));
    const [message] = received;
    return {
      assertions: {
        MD5OfMessageBody: sent.MD5OfMessageBody,
        count: received.length,
        Body: message?.Body,
        sameId: message?.MessageId === sent.MessageId,
        sameMd5: message?.MD5OfBody === sent.MD5OfMessageBody,
        hasReceiptHandle: Boolean(message?.ReceiptHandle),
      },
    };
  },

  async 'test_receive_message_attributes_timestamp_types[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message' }));
    const [message] = messages(await call(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0, AttributeNames: ['All'] })));
    const first = Number(message?.Attributes?.ApproximateFirstReceiveTimestamp);
    const sent = Number(message?.Attributes?.SentTimestamp);
    return {
      assertions: {
        integers: Number.isInteger(first) && Number.isInteger(sent),
        // pytest.approx(first, 2): within 2 of each other relatively, which any two epoch times of a test are.
        close: Math.abs(sent - first) <= 2 * first,
      },
    };
  },

  async test_send_receive_message_multiple_queues({ call, queue }) {
    const [first, second] = [await queue(), await queue()];
    await call(new SendMessageCommand({ QueueUrl: first, MessageBody: 'message' }));
    const other = messages(await call(new ReceiveMessageCommand({ QueueUrl: second })));
    const own = messages(await call(new ReceiveMessageCommand({ QueueUrl: first })));
    return { assertions: { other: other.length, own: own.map((m) => m.Body) } };
  },

  async 'test_send_receive_message_encoded_content[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    await call(new SendMessageCommand({ QueueUrl, MessageBody: '"&quot;&quot;\r' }));
    return { assertions: { bodies: messages(await call(new ReceiveMessageCommand({ QueueUrl }))).map((m) => m.Body) } };
  },

  async 'test_send_message_batch[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const Entries = [
      { Id: '1', MessageBody: 'message-0' },
      { Id: '2', MessageBody: 'message-1' },
    ];
    await call(new SendMessageBatchCommand({ QueueUrl, Entries }));
    const receives: string[][] = [];
    for (let i = 0; i < 3; i++) receives.push(messages(await call(new ReceiveMessageCommand({ QueueUrl }))).map((m) => m.Body));
    return { assertions: { receives } };
  },

  async 'test_send_batch_receive_multiple[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const Entries = [
      { Id: '1', MessageBody: 'message-0' },
      { Id: '2', MessageBody: 'message-1' },
    ];
    await call(new SendMessageBatchCommand({ QueueUrl, Entries }));
    await call(new SendMessageCommand({ QueueUrl, MessageBody: 'message-2' }));
    const bodies: string[] = [];
    for (let i = 0; i < 3 && bodies.length < 3; i++) {
      bodies.push(...messages(await call(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 3 }))).map((m) => m.Body));
    }
    return { assertions: { bodies: bodies.sort() } };
  },

  async 'test_send_message_batch_with_empty_list[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const answer = await call(new SendMessageBatchCommand({ QueueUrl, Entries: [] }));
    const error = answer.Error as { Code: string } | undefined;
    const status = (answer.ResponseMetadata as { HTTPStatusCode: number }).HTTPStatusCode;
    return { assertions: { emptyBatch: error?.Code.includes('EmptyBatchRequest'), status400or404: [400, 404].includes(status) } };
  },

  // The test sends after a second on a timer while the receive waits; here the send is not awaited before the receive.
  async 'test_wait_time_seconds_waits_correctly[sqs]'({ call, queue, sleep }) {
    const QueueUrl = await queue();
    const later = sleep(1000).then(() => call(new SendMessageCommand({ QueueUrl, MessageBody: 'foobared' })));
    const received = messages(await call(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 })));
    await later;
    return { assertions: { received: received.length } };
  },
};
