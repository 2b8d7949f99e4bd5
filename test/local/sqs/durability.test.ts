import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';
import { ACCOUNT, arnOf, BASE_URL, counts, createSqs, printedBeforeSigkill, useSqsFiles } from './helpers.js';

const sqsFile = useSqsFiles('sqs-durability-');

describe('SqsService durability', () => {
  it('keeps queues, messages, receive counts and in-flight state across a reopen', async () => {
    const file = sqsFile();
    const clock = new ManualClock();
    const first = createSqs({ clock, file });
    await first.sqs.CreateQueue({ QueueName: 'dlq' });
    const { QueueUrl } = await first.sqs.CreateQueue({
      QueueName: 'q',
      Attributes: {
        VisibilityTimeout: '30',
        RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":5}',
      },
    });
    await first.sqs.SendMessageBatch({ QueueUrl, Entries: ['a', 'b', 'c'].map((b) => ({ Id: b, MessageBody: b })) });
    const inFlight = await first.sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 2 });
    first.close();

    const second = createSqs({ clock, file });
    expect(await counts(second.sqs, QueueUrl)).toEqual({ visible: 1, inFlight: 2, delayed: 0 });
    const { Attributes } = await second.sqs.GetQueueAttributes({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] });
    expect(Attributes.VisibilityTimeout).toBe('30');
    expect((await second.sqs.ListDeadLetterSourceQueues({ QueueUrl: `${BASE_URL}/${ACCOUNT}/dlq` })).queueUrls).toEqual([QueueUrl]);
    // Receipt handles issued before the restart still work.
    await second.sqs.DeleteMessage({ QueueUrl, ReceiptHandle: inFlight.Messages[0]?.ReceiptHandle ?? '' });
    clock.advance(30_000);
    const { Messages } = await second.sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] });
    const byBody = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(Messages.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount]).sort(byBody)).toEqual(
      [
        ['c', '1'],
        [inFlight.Messages[1]?.Body, '2'],
      ].sort(byBody),
    );
    second.close();
  });

  it('resumes a running message move task after a restart', async () => {
    const file = sqsFile();
    const clock = new ManualClock();
    const first = createSqs({ clock, file });
    const { QueueUrl: dlq } = await first.sqs.CreateQueue({ QueueName: 'dlq' });
    const policy = JSON.stringify({ deadLetterTargetArn: arnOf('dlq'), maxReceiveCount: 1 });
    await first.sqs.CreateQueue({ QueueName: 'source', Attributes: { RedrivePolicy: policy } });
    const { QueueUrl: target } = await first.sqs.CreateQueue({ QueueName: 'target' });
    await first.sqs.SendMessageBatch({ QueueUrl: dlq, Entries: ['a', 'b', 'c'].map((b) => ({ Id: b, MessageBody: b })) });
    await first.sqs.StartMessageMoveTask({ SourceArn: arnOf('dlq'), DestinationArn: arnOf('target'), MaxNumberOfMessagesPerSecond: 1 });
    await vi.waitFor(async () => expect((await counts(first.sqs, target)).visible).toBe(1));
    first.close();

    const second = createSqs({ clock, file });
    await vi.waitFor(async () => {
      const [task] = (await second.sqs.ListMessageMoveTasks({ SourceArn: arnOf('dlq') })).Results;
      expect(task).toMatchObject({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 3 });
    }, 5_000);
    expect((await counts(second.sqs, target)).visible).toBe(3);
    second.close();
  });

  it('loses nothing it acknowledged when the process is killed with SIGKILL', async () => {
    const file = sqsFile();
    // The child acknowledges each call by printing it, then is killed mid-stream.
    const output = await printedBeforeSigkill(
      file,
      `
      const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '60' } });
      for (let i = 0; i < 200; i++) {
        const { MessageId } = await sqs.SendMessage({ QueueUrl, MessageBody: 'm' + i });
        process.stdout.write('sent ' + MessageId + '\\n');
      }
      const { Messages } = await sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10 });
      for (const m of Messages) process.stdout.write('received ' + m.MessageId + '\\n');
      process.stdout.write('ready\\n');
      setInterval(() => sqs.SendMessage({ QueueUrl, MessageBody: 'unacknowledged' }), 1);
    `,
    );

    const sent = [...output.matchAll(/^sent (\S+)$/gm)].map((m) => m[1]);
    const received = new Set([...output.matchAll(/^received (\S+)$/gm)].map((m) => m[1]));
    expect(sent).toHaveLength(200);
    expect(received.size).toBe(10);

    const clock = new ManualClock(Date.now());
    const reopened = createSqs({ clock, file });
    const QueueUrl = `${BASE_URL}/${ACCOUNT}/q`;
    const found = new Map<string, string>();
    const drain = async () => {
      for (;;) {
        const { Messages } = await reopened.sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 });
        if (Messages.length === 0) return;
        for (const m of Messages) found.set(m.MessageId, m.Body);
      }
    };
    await drain();
    // Everything acknowledged is there; the received ones stay hidden until their 60 s are up.
    for (const id of sent) if (id && !received.has(id)) expect(found.has(id)).toBe(true);
    for (const id of received) expect(found.has(id ?? '')).toBe(false);
    clock.advance(60_000);
    await drain();
    for (const id of sent) expect(found.has(id ?? '')).toBe(true);
    reopened.close();
  });
});
