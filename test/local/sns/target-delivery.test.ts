import { describe, expect, it } from 'vitest';
import { envelope, targetDelivery } from '../events/target-delivery.js';

const event = envelope();

function delivery(published: unknown[], withSns = true) {
  return targetDelivery([], withSns ? { sns: { Publish: async (input: unknown) => published.push(input) } } : {});
}

describe('LocalTargetDelivery to SNS topics', () => {
  it('publishes the rule input to a standard topic', async () => {
    const published: unknown[] = [];
    await delivery(published).deliver({ id: 't', arn: 'arn:aws:sns:us-east-1:000000000000:orders' }, '{"x":1}', event);
    expect(published).toEqual([{ TopicArn: 'arn:aws:sns:us-east-1:000000000000:orders', Message: '{"x":1}' }]);
  });

  it("publishes to a FIFO topic with the target's group id and the event id for deduplication", async () => {
    const published: unknown[] = [];
    const arn = 'arn:aws:sns:us-east-1:000000000000:orders.fifo';
    await delivery(published).deliver({ id: 't', arn, messageGroupId: 'orders' }, '{"x":1}', event);
    expect(published).toEqual([{ TopicArn: arn, Message: '{"x":1}', MessageGroupId: 'orders', MessageDeduplicationId: 'event-1' }]);
  });

  it('fails if no SNS service is there to take it', async () => {
    await expect(
      delivery([], false).deliver({ id: 't', arn: 'arn:aws:sns:us-east-1:000000000000:orders' }, '{}', event),
    ).rejects.toMatchObject({ code: 'UnsupportedTarget' });
  });
});
