import { afterEach, describe, expect, it } from 'vitest';
import { withTraceHeader } from '../../../local/endpoint/trace-header.js';
import type { SendMessageBatchInput, SendMessageInput } from '../../../local/sqs/sqs-types.js';
import { QueuesByArn } from '../../../local/targets/queues.js';
import { arnOf, createSqs } from '../sqs/helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A real local SQS behind QueuesByArn with `coalesce`, recording which operation each message went through. */
async function coalescing() {
  const local = createSqs();
  cleanups.push(() => local.close());
  const calls: string[] = [];
  const queues = new QueuesByArn(
    {
      GetQueueUrl: (input) => local.sqs.GetQueueUrl(input),
      SendMessage: (input) => {
        calls.push('SendMessage');
        return local.sqs.SendMessage(input as SendMessageInput);
      },
      SendMessageBatch: (input: SendMessageBatchInput) => {
        calls.push(`SendMessageBatch(${input.Entries.length})`);
        return local.sqs.SendMessageBatch(input);
      },
    },
    { coalesce: true },
  );
  const { QueueUrl } = await local.sqs.CreateQueue({ QueueName: 'orders' });
  const received = async () =>
    (await local.sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['AWSTraceHeader'] })).Messages ?? [];
  return { queues, calls, QueueUrl, received, url: await queues.queueUrl(arnOf('orders')) };
}

const header = (n: number) => `Root=1-5759e988-bd862e3fe1be46a99427200${n};Parent=53995c3f42cd8ad${n};Sampled=1`;

describe('QueuesByArn with coalesce', () => {
  it('sends the messages of one turn to a queue as one SendMessageBatch, each answered with its own message id once it is kept', async () => {
    const { queues, calls, url, received } = await coalescing();
    const answers = await Promise.all(
      Array.from(
        { length: 12 },
        (_, i) => queues.SendMessage({ QueueUrl: url, MessageBody: `event ${i}` }) as Promise<{ MessageId: string }>,
      ),
    );
    expect(calls).toEqual(['SendMessageBatch(10)', 'SendMessageBatch(2)']);
    const messages = [...(await received()), ...(await received())];
    // In the order they were sent, each answer naming its own message.
    expect(messages.map((m) => m.Body)).toEqual(Array.from({ length: 12 }, (_, i) => `event ${i}`));
    expect(answers.map((a) => a.MessageId)).toEqual(messages.map((m) => m.MessageId));
  });

  it("keeps each message's trace header, the caller's context's, as SendMessage would", async () => {
    const { queues, url, received } = await coalescing();
    await Promise.all(
      [1, 2, 3].map((n) => withTraceHeader(header(n), () => queues.SendMessage({ QueueUrl: url, MessageBody: `event ${n}` }))),
    );
    const messages = await received();
    expect(messages.map((m) => [m.Body, m.Attributes?.AWSTraceHeader])).toEqual([1, 2, 3].map((n) => [`event ${n}`, header(n)]));
  });

  it('fails if SQS refuses a message: that message alone gets the error SendMessage gives, the others are sent', async () => {
    const { queues, calls, url, received } = await coalescing();
    const sends = ['fine', '\u0000 not allowed', 'also fine'].map((MessageBody) => queues.SendMessage({ QueueUrl: url, MessageBody }));
    const results = await Promise.allSettled(sends);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'InvalidMessageContents' });
    expect(calls).toEqual(['SendMessageBatch(3)', 'SendMessage']);
    expect((await received()).map((m) => m.Body).sort()).toEqual(['also fine', 'fine']);
  });

  it('fails if the queue is gone: every message of the batch is refused with QueueDoesNotExist, as SendMessage refuses it', async () => {
    const { queues } = await coalescing();
    const gone = 'http://127.0.0.1:4566/000000000000/gone';
    const results = await Promise.allSettled([1, 2].map((n) => queues.SendMessage({ QueueUrl: gone, MessageBody: `event ${n}` })));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({
      code: expect.stringMatching(/NonExistentQueue|QueueDoesNotExist/),
    });
  });
});
