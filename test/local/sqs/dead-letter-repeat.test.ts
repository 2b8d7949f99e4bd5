import { describe, expect, it } from 'vitest';
import { md5OfMessageAttributes } from '../../../local/sqs/md5.js';
import { ManualClock } from '../../../local/time/clock.js';
import { arnOf, createSqs, useSqsFiles } from './helpers.js';

const ORIGINAL = 'Switchyard.OriginalMessageId';
const sqsFile = useSqsFiles('sqs-dead-letter-repeat-');

describe('SqsService dead-letter repeats', () => {
  it('links both copies of a message dead-lettered twice across a restart by its message id, leaving the moved copy as AWS delivers it', async () => {
    const file = sqsFile();
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
    // The consumer's copy names the message; SQS's copy is that message, with its id.
    expect(Messages.map((m) => m.MessageAttributes?.[ORIGINAL]?.StringValue ?? m.MessageId)).toEqual([MessageId, MessageId]);
    const moved = Messages.find((m) => m.MessageId === MessageId);
    // SQS's own: the same message id, its attributes and their MD5 unchanged, where it came from.
    expect(moved?.Attributes?.DeadLetterQueueSourceArn).toBe(arnOf('work'));
    expect(moved?.MessageAttributes).toEqual({ tenant: { DataType: 'String', StringValue: 'acme' } });
    expect(moved?.MD5OfMessageAttributes).toBe(md5OfMessageAttributes({ tenant: { DataType: 'String', StringValue: 'acme' } }));
    second.close();
  });

  it('gives the copies an older runtime moved to a dead-letter queue back their own attributes when it opens their data folder', async () => {
    const file = sqsFile();
    const clock = new ManualClock();
    const first = createSqs({ clock, file });
    await first.sqs.CreateQueue({ QueueName: 'dlq' });
    const { QueueUrl: source } = await first.sqs.CreateQueue({
      QueueName: 'work',
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('dlq'), maxReceiveCount: 1 }) },
    });
    const tenant = { tenant: { DataType: 'String', StringValue: 'acme' } };
    const { MessageId: moved = '' } = await first.sqs.SendMessage({ QueueUrl: source, MessageBody: 'm', MessageAttributes: tenant });
    const { MessageId: bare = '' } = await first.sqs.SendMessage({ QueueUrl: source, MessageBody: 'b' });
    await first.sqs.ReceiveMessage({ QueueUrl: source, VisibilityTimeout: 0, MaxNumberOfMessages: 10 });
    await first.sqs.ReceiveMessage({ QueueUrl: source, MaxNumberOfMessages: 10 });
    // As an older runtime stored them: the marker naming the message itself among their attributes.
    const marked = (id: string, extra: object) => ({ ...extra, [ORIGINAL]: { DataType: 'String', StringValue: id } });
    const mark = first.db.prepare('UPDATE sqs_message SET attributes = ?, md5_attributes = ? WHERE message_id = ?');
    mark.run(JSON.stringify(marked(moved, tenant)), md5OfMessageAttributes(marked(moved, tenant)), moved);
    mark.run(JSON.stringify(marked(bare, {})), md5OfMessageAttributes(marked(bare, {})), bare);
    first.close();

    const second = createSqs({ clock, file });
    const { Messages } = await second.sqs.ReceiveMessage({
      QueueUrl: second.sqs.queueUrl('dlq'),
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
    });
    const byId = new Map(Messages.map((m) => [m.MessageId, m]));
    expect(byId.get(moved)?.MessageAttributes).toEqual(tenant);
    expect(byId.get(moved)?.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(tenant));
    expect(byId.get(bare)?.MessageAttributes).toBeUndefined();
    expect(byId.get(bare)?.MD5OfMessageAttributes).toBeUndefined();
    second.close();
  });

  it("keeps the Switchyard.OriginalMessageId a consumer's dead-letter redriven back carries when SQS moves it again", async () => {
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
