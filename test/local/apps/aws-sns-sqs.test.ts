import { randomUUID } from 'node:crypto';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type MessageAttributeValue,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { onlyTopicArn, queueArn, queueUrl, receiveUntil, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-sns-sqs, integ.snssqs-rawMessageDelivery: an SNS topic with an
// SQS queue subscribed with raw message delivery, a filter policy on the message attributes
// (color red/orange or starting with "bl", size anything but small/medium, price in 100..200
// or above 300, store present) and a dead-letter queue for the subscription.
let sns: SNSClient;
let sqs: SQSClient;

runApp('aws-sns-sqs', async (running) => {
  sns = new SNSClient(running.config);
  sqs = new SQSClient(running.config);
});

interface Attributes {
  color?: string;
  size?: string;
  price?: number;
  store?: string;
}

function messageAttributes(attributes: Attributes): Record<string, MessageAttributeValue> {
  const result: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] =
      typeof value === 'number' ? { DataType: 'Number', StringValue: String(value) } : { DataType: 'String', StringValue: value };
  }
  return result;
}

async function publish(message: string, attributes: Attributes): Promise<void> {
  await sns.send(
    new PublishCommand({ TopicArn: await onlyTopicArn(sns), Message: message, MessageAttributes: messageAttributes(attributes) }),
  );
}

describe('aws-sns-sqs (integ.snssqs-rawMessageDelivery)', () => {
  it('delivers a message whose attributes match the filter policy to the queue raw, with its attributes', async () => {
    const queue = await queueUrl(sqs, 'testsnssqsstackqueue9');
    const message = `order ${randomUUID()}`;
    await publish(message, { color: 'red', size: 'large', price: 150, store: 'example_corp' });
    const received = await receiveUntil(sqs, queue, (messages) => messages.some((m) => m.Body === message));
    const delivered = received.find((m) => m.Body === message);
    // Raw delivery: the body is the message itself, not the SNS JSON envelope.
    expect(delivered?.Body).toBe(message);
    expect(delivered?.MessageAttributes).toEqual({
      color: { DataType: 'String', StringValue: 'red' },
      size: { DataType: 'String', StringValue: 'large' },
      price: { DataType: 'Number', StringValue: '150' },
      store: { DataType: 'String', StringValue: 'example_corp' },
    });
  });

  it('delivers only the messages the filter policy matches', async () => {
    const queue = await queueUrl(sqs, 'testsnssqsstackqueue9');
    const run = randomUUID();
    const base = { color: 'red', size: 'large', price: 150, store: 'example_corp' } satisfies Attributes;
    const cases: [string, Attributes, boolean][] = [
      ['orange', { ...base, color: 'orange' }, true],
      ['prefix bl', { ...base, color: 'blue' }, true],
      ['green', { ...base, color: 'green' }, false],
      ['size small', { ...base, size: 'small' }, false],
      ['size medium', { ...base, size: 'medium' }, false],
      // A policy key the message lacks never matches (only `exists: false` would).
      ['no size', { color: 'red', price: 150, store: 'example_corp' }, false],
      ['price 100', { ...base, price: 100 }, true],
      ['price 200', { ...base, price: 200 }, true],
      ['price 250', { ...base, price: 250 }, false],
      ['price 300', { ...base, price: 300 }, false],
      ['price 301', { ...base, price: 301 }, true],
      ['price 99', { ...base, price: 99 }, false],
      ['no store', { color: 'red', size: 'large', price: 150 }, false],
      ['no color', { size: 'large', price: 150, store: 'example_corp' }, false],
    ];
    for (const [name, attributes] of cases) await publish(`${run} ${name}`, attributes);
    const expected = cases.filter(([, , delivered]) => delivered).map(([name]) => `${run} ${name}`);
    const received = await receiveUntil(sqs, queue, (messages) => expected.every((body) => messages.some((m) => m.Body === body)));
    // Anything else published in this run would have arrived with these by now; wait one more poll for stragglers.
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const bodies = [...received, ...Messages].map((m) => m.Body ?? '').filter((body) => body.startsWith(run));
    expect(bodies.sort()).toEqual(expected.sort());
  });

  it('subscribes the queue with raw delivery, the filter policy and the dead-letter queue of the template', async () => {
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: await onlyTopicArn(sns) }));
    expect(Subscriptions).toHaveLength(1);
    const subscription = Subscriptions[0];
    expect(subscription).toMatchObject({ Protocol: 'sqs', Endpoint: await queueArn(sqs, await queueUrl(sqs, 'testsnssqsstackqueue9')) });
    const { Attributes = {} } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription?.SubscriptionArn }));
    expect(Attributes.RawMessageDelivery).toBe('true');
    expect(JSON.parse(Attributes.FilterPolicy ?? '{}')).toEqual({
      color: ['red', 'orange', { prefix: 'bl' }],
      size: [{ 'anything-but': ['small', 'medium'] }],
      price: [{ numeric: ['>', 300] }, { numeric: ['>=', 100, '<=', 200] }],
      store: [{ exists: true }],
    });
    expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: await queueArn(sqs, await queueUrl(sqs, 'existingdlqobj')),
    });
  });
});
