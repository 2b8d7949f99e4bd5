import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../../local/eventbridgev2/delivery/targets.js';
import type { PublishBatchRequestEntry } from '../../../local/sns/message.js';
import type { SendMessageBatchInput, SendMessageBatchOutput } from '../../../local/sqs/sqs-types.js';
import { TargetDispatcher, type TargetMessage } from '../../../local/targets/dispatcher.js';
import { QueuesByArn } from '../../../local/targets/queues.js';

const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders.fifo';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/orders';

/** Services that record each call; `refuse` names the batch entries (by Id) the queue or topic refuses. */
function recording(options: { refuse?: readonly string[]; missingQueue?: boolean; withoutBatch?: boolean } = {}) {
  const calls: [string, unknown][] = [];
  const answer = (entries: readonly { Id?: string }[]): SendMessageBatchOutput => ({
    Successful: entries
      .filter((e) => !options.refuse?.includes(String(e.Id)))
      .map((e) => ({ Id: String(e.Id), MessageId: `m-${e.Id}`, MD5OfMessageBody: 'md5' })),
    Failed: entries
      .filter((e) => options.refuse?.includes(String(e.Id)))
      .map((e) => ({ Id: String(e.Id), Code: 'InvalidMessageContents', Message: 'bad characters', SenderFault: true })),
  });
  const sqs = new QueuesByArn({
    GetQueueUrl: async ({ QueueName }) => (options.missingQueue ? {} : { QueueUrl: `http://localhost/123456789012/${QueueName}` }),
    SendMessage: async (input) => {
      calls.push(['SendMessage', input]);
      return { MessageId: 'm' };
    },
    ...(options.withoutBatch
      ? {}
      : {
          SendMessageBatch: async (input: SendMessageBatchInput) => {
            calls.push(['SendMessageBatch', input]);
            return answer(input.Entries);
          },
        }),
  });
  const sns = {
    Publish: async (input: unknown) => calls.push(['Publish', input]),
    PublishBatch: async (input: { TopicArn: string; PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
      calls.push(['PublishBatch', input]);
      return answer(input.PublishBatchRequestEntries);
    },
  };
  const kinesis = { PutRecord: async (input: unknown) => calls.push(['PutRecord', input]) };
  return { dispatcher: new TargetDispatcher({ sqs, sns, kinesis }), calls };
}

const messages = (count: number): TargetMessage[] =>
  Array.from({ length: count }, (_, n) => ({
    body: `{"n":${n}}`,
    sqs: { MessageGroupId: 'g', MessageDeduplicationId: `e-${n}` },
    sns: { MessageGroupId: 'g', MessageDeduplicationId: `e-${n}` },
    kinesis: { partitionKey: `e-${n}` },
  }));

describe('TargetDispatcher.sendBatch', () => {
  it('sends to a queue through SendMessageBatch, 10 entries a call, each Id its place and each message its options', async () => {
    const { dispatcher, calls } = recording();
    const results = await dispatcher.sendBatch(QUEUE, messages(12));
    expect(results).toEqual(Array.from({ length: 12 }, () => ({ ok: true })));
    expect(calls.map(([operation]) => operation)).toEqual(['SendMessageBatch', 'SendMessageBatch']);
    const [first, second] = calls.map(([, input]) => input as SendMessageBatchInput);
    expect(first?.QueueUrl).toBe('http://localhost/123456789012/orders.fifo');
    expect(first?.Entries).toHaveLength(10);
    expect(first?.Entries[0]).toEqual({ Id: '0', MessageBody: '{"n":0}', MessageGroupId: 'g', MessageDeduplicationId: 'e-0' });
    expect(second?.Entries.map((entry) => entry.Id)).toEqual(['10', '11']);
  });

  it('fails an entry the queue refused alone, with its code and message', async () => {
    const { dispatcher } = recording({ refuse: ['1'] });
    const results = await dispatcher.sendBatch(QUEUE, messages(3));
    expect(results[0]).toEqual({ ok: true });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'InvalidMessageContents', message: 'bad characters' } });
    expect(results[2]).toEqual({ ok: true });
  });

  it('fails each entry of a call refused as a whole (a queue that does not exist)', async () => {
    const { dispatcher } = recording({ missingQueue: true });
    const results = await dispatcher.sendBatch(QUEUE, messages(2));
    expect(results).toMatchObject([
      { ok: false, error: { code: 'QueueDoesNotExist' } },
      { ok: false, error: { code: 'QueueDoesNotExist' } },
    ]);
  });

  it('publishes to a topic through PublishBatch', async () => {
    const { dispatcher, calls } = recording();
    const results = await dispatcher.sendBatch(TOPIC, messages(2));
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(calls).toEqual([
      [
        'PublishBatch',
        {
          TopicArn: TOPIC,
          PublishBatchRequestEntries: [
            { Id: '0', Message: '{"n":0}', MessageGroupId: 'g', MessageDeduplicationId: 'e-0' },
            { Id: '1', Message: '{"n":1}', MessageGroupId: 'g', MessageDeduplicationId: 'e-1' },
          ],
        },
      ],
    ]);
  });

  it('sends one message at a time to a target without a batch operation, or a service given without one', async () => {
    const { dispatcher, calls } = recording({ withoutBatch: true });
    await dispatcher.sendBatch(QUEUE, messages(2));
    await dispatcher.sendBatch(STREAM, messages(2));
    expect(calls.map(([operation]) => operation)).toEqual(['SendMessage', 'SendMessage', 'PutRecord', 'PutRecord']);
  });
});

describe('sendBatch (Custom Event Bus targets)', () => {
  const items = (count: number) =>
    Array.from({ length: count }, (_, n) => ({ eventId: `e-${n}`, groupId: 'g', payload: { n }, parameters: {} }));
  const options = { singleEvent: false, ordered: true, invocation: async () => ({}) };

  it('sends a FIFO queue its batch in one SendMessageBatch, the event ids the deduplication ids, a refused event failing alone', async () => {
    const { dispatcher, calls } = recording({ refuse: ['2'] });
    const results = await sendBatch(dispatcher, QUEUE, items(4), options);
    expect(calls.map(([operation]) => operation)).toEqual(['SendMessageBatch']);
    const input = calls[0]?.[1] as SendMessageBatchInput;
    expect(input.Entries.map((entry) => entry.MessageDeduplicationId)).toEqual(['e-0', 'e-1', 'e-2', 'e-3']);
    expect(results.map((result) => result.ok)).toEqual([true, true, false, true]);
    expect(results[2]).toMatchObject({ errorCode: 'InvalidMessageContents' });
  });

  it('publishes a topic its batch in one PublishBatch', async () => {
    const { dispatcher, calls } = recording();
    await sendBatch(dispatcher, TOPIC, items(3), options);
    expect(calls.map(([operation]) => operation)).toEqual(['PublishBatch']);
  });
});
