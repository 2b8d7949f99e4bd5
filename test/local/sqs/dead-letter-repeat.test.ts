import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/clock.js';
import { md5OfMessageAttributes } from '../../../local/sqs/md5.js';
import { arnOf, createSqs } from './helpers.js';

const ORIGINAL = 'Switchyard.OriginalMessageId';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sqs-dead-letter-repeat-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SqsService dead-letter repeats', () => {
  it('marks both copies of a message dead-lettered twice across a restart with the same Switchyard.OriginalMessageId', async () => {
    const file = path.join(dir, 'sqs.sqlite');
    const clock = new ManualClock();
    const first = createSqs({ clock, file });
    const { QueueUrl: dlq } = await first.sqs.CreateQueue({ QueueName: 'dlq' });
    const { QueueUrl: source } = await first.sqs.CreateQueue({
      QueueName: 'work',
      Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('dlq'), maxReceiveCount: 2 }) },
    });
    const { MessageId } = await first.sqs.SendMessage({
      QueueUrl: source,
      MessageBody: 'poison',
      MessageAttributes: { tenant: { DataType: 'String', StringValue: 'acme' } },
    });
    await first.sqs.ReceiveMessage({ QueueUrl: source });
    clock.advance(30_000);
    const [last] = (await first.sqs.ReceiveMessage({ QueueUrl: source, MessageAttributeNames: ['All'] })).Messages;
    // On its last receive the consumer kit sends the record to the dead-letter queue itself, with the reason...
    await first.sqs.SendMessage({
      QueueUrl: dlq,
      MessageBody: last?.Body ?? '',
      MessageAttributes: {
        'Switchyard.ErrorName': { DataType: 'String', StringValue: 'InvalidEvent' },
        [ORIGINAL]: { DataType: 'String', StringValue: last?.MessageId ?? '' },
        tenant: { DataType: 'String', StringValue: 'acme' },
      },
    });
    // ...and the runtime is killed before the event source mapping deletes the source message.
    first.close();

    const second = createSqs({ clock, file });
    clock.advance(30_000);
    // The next receive finds it past maxReceiveCount: SQS's redrive moves it too.
    expect((await second.sqs.ReceiveMessage({ QueueUrl: source })).Messages).toEqual([]);
    const { Messages } = await second.sqs.ReceiveMessage({
      QueueUrl: dlq,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    });
    expect(Messages).toHaveLength(2);
    expect(Messages.map((m) => m.MessageAttributes?.[ORIGINAL]?.StringValue)).toEqual([MessageId, MessageId]);
    const moved = Messages.find((m) => m.MessageId === MessageId);
    // SQS's own: the same message id, its attributes, where it came from; the marker is extra.
    expect(moved?.Attributes?.DeadLetterQueueSourceArn).toBe(arnOf('work'));
    expect(moved?.MessageAttributes?.tenant).toEqual({ DataType: 'String', StringValue: 'acme' });
    expect(moved?.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(moved?.MessageAttributes ?? {}));
    second.close();
  });

  it('keeps the Switchyard.OriginalMessageId a dead-letter redriven back already carries when it is moved again', async () => {
    const clock = new ManualClock();
    const { sqs, close } = createSqs({ clock });
    await sqs.CreateQueue({ QueueName: 'dlq' });
    const { QueueUrl: source } = await sqs.CreateQueue({
      QueueName: 'work',
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('dlq'), maxReceiveCount: 1 }) },
    });
    await sqs.SendMessage({
      QueueUrl: source,
      MessageBody: 'again',
      MessageAttributes: { [ORIGINAL]: { DataType: 'String', StringValue: 'first-id' } },
    });
    await sqs.ReceiveMessage({ QueueUrl: source, VisibilityTimeout: 0 });
    await sqs.ReceiveMessage({ QueueUrl: source });
    const [moved] = (await sqs.ReceiveMessage({ QueueUrl: `${source.replace(/work$/, 'dlq')}`, MessageAttributeNames: ['All'] })).Messages;
    expect(moved?.MessageAttributes?.[ORIGINAL]?.StringValue).toBe('first-id');
    close();
  });

  it('gives a message moved to a FIFO dead-letter queue its message id as deduplication id, as AWS does', async () => {
    const clock = new ManualClock();
    const { sqs, close } = createSqs({ clock });
    const { QueueUrl: dlq } = await sqs.CreateQueue({ QueueName: 'dlq.fifo', Attributes: { FifoQueue: 'true' } });
    const { QueueUrl: source } = await sqs.CreateQueue({
      QueueName: 'work.fifo',
      Attributes: { FifoQueue: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('dlq.fifo'), maxReceiveCount: 1 }) },
    });
    const { MessageId } = await sqs.SendMessage({ QueueUrl: source, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd-1' });
    await sqs.ReceiveMessage({ QueueUrl: source, VisibilityTimeout: 0 });
    await sqs.ReceiveMessage({ QueueUrl: source });
    const [moved] = (await sqs.ReceiveMessage({ QueueUrl: dlq, MessageSystemAttributeNames: ['All'] })).Messages;
    expect(moved?.MessageId).toBe(MessageId);
    expect(moved?.Attributes?.MessageDeduplicationId).toBe(MessageId);
    close();
  });
});
