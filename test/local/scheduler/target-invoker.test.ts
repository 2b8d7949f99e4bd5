import { describe, expect, it } from 'vitest';
import { SchedulerTargetInvoker } from '../../../local/scheduler/target-invoker.js';
import { createSns, topicArn } from '../sns/helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/scheduler';
const FIFO_TOPIC = topicArn('orders.fifo');
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:orders.fifo';

/** An invoker over a real SNS with one FIFO topic (content-based deduplication on), and a queue that records what it is sent. */
function invoker() {
  const topics = [{ name: 'orders.fifo', arn: FIFO_TOPIC, attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' }, tags: {} }];
  const sns = createSns({ topics });
  const published: unknown[] = [];
  const sent: unknown[] = [];
  const target = new SchedulerTargetInvoker({
    sns: {
      Publish: async (input) => {
        published.push(input);
        return sns.sns.Publish(input);
      },
    },
    sqs: {
      GetQueueUrl: async ({ QueueName }) => ({ QueueUrl: `http://localhost/000000000000/${QueueName}` }),
      SendMessage: async (input) => {
        sent.push(input);
        return { MessageId: 'm-1' };
      },
    },
    events: { PutEvents: async () => ({}) },
    lambda: { invokeAsync: async () => ({}) },
    states: { StartExecution: async () => ({}) },
  });
  return { target, published, sent, close: () => sns.close() };
}

describe('SchedulerTargetInvoker', () => {
  it('publishes to an SNS FIFO topic with the input alone, so the topic refuses it for want of a MessageGroupId, as on AWS', async () => {
    const { target, published, close } = invoker();
    const firing = target.invoke({ Arn: FIFO_TOPIC, RoleArn: ROLE, SqsParameters: { MessageGroupId: 'g' } }, '{"n":1}', 'dedup-1');
    await expect(firing).rejects.toMatchObject({ code: 'InvalidParameter', message: expect.stringContaining('MessageGroupId') });
    expect(published).toEqual([{ TopicArn: FIFO_TOPIC, Message: '{"n":1}' }]);
    close();
  });

  it("sends to an SQS FIFO queue with the target's group id and the firing's deduplication id", async () => {
    const { target, sent, close } = invoker();
    await target.invoke({ Arn: QUEUE, RoleArn: ROLE, SqsParameters: { MessageGroupId: 'g' } }, 'hello', 'dedup-1');
    expect(sent).toEqual([expect.objectContaining({ MessageBody: 'hello', MessageGroupId: 'g', MessageDeduplicationId: 'dedup-1' })]);
    close();
  });
});
