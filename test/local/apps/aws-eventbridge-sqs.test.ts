import { randomUUID } from 'node:crypto';
import { EventBridgeClient, ListEventBusesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { only, queueUrl, receiveUntil, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-eventbridge-sqs, integ.evtsqs-new-bus: a new custom event bus
// whose rule (source "solutionsconstructs") sends events to an SQS queue with a dead-letter queue.
let events: EventBridgeClient;
let sqs: SQSClient;
let busName: string;
let queue: string;
let dlq: string;

runApp('aws-eventbridge-sqs', async (running) => {
  events = new EventBridgeClient(running.config);
  sqs = new SQSClient(running.config);
  const { EventBuses = [] } = await events.send(new ListEventBusesCommand({}));
  busName = only(
    EventBuses.map((b) => b.Name ?? ''),
    'CustomEventBus',
  );
  queue = await queueUrl(sqs, 'constructqueue481');
  dlq = await queueUrl(sqs, 'constructqueuedlq');
});

async function attributes(url: string): Promise<Record<string, string>> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  return Attributes;
}

describe('aws-eventbridge-sqs (integ.evtsqs-new-bus)', () => {
  it('delivers an event matching the rule to the queue, in the EventBridge envelope', async () => {
    const marker = randomUUID();
    const put = await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: busName, Source: 'solutionsconstructs', DetailType: 'integ test', Detail: JSON.stringify({ marker }) }],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const [message] = await receiveUntil(sqs, queue, (received) => received.length > 0);
    const envelope = JSON.parse(message?.Body ?? '{}');
    expect(envelope).toEqual({
      version: '0',
      id: put.Entries?.[0]?.EventId,
      'detail-type': 'integ test',
      source: 'solutionsconstructs',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [],
      detail: { marker },
    });
  });

  it('leaves events of other sources out of the queue', async () => {
    const other = randomUUID();
    const wanted = randomUUID();
    await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: busName, Source: 'someone.else', DetailType: 'integ test', Detail: JSON.stringify({ marker: other }) },
          { EventBusName: busName, Source: 'solutionsconstructs', DetailType: 'integ test', Detail: JSON.stringify({ marker: wanted }) },
        ],
      }),
    );
    const received = await receiveUntil(sqs, queue, (messages) => messages.some((m) => m.Body?.includes(wanted)));
    expect(received.some((m) => m.Body?.includes(other))).toBe(false);
  });

  it('gives the queue its dead-letter queue after 15 receives', async () => {
    const dlqArn = (await attributes(dlq)).QueueArn;
    expect(JSON.parse((await attributes(queue)).RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: dlqArn, maxReceiveCount: 15 });
  });

  it('encrypts the queue with the customer managed key the app creates, and the dead-letter queue with the AWS managed key', async () => {
    expect((await attributes(queue)).KmsMasterKeyId).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    expect((await attributes(dlq)).KmsMasterKeyId).toBe('alias/aws/sqs');
  });
});
