import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { receiveBodies } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, eventRule, inlineFunction } from '../template-resources.js';

const queue = (name: string, more: Record<string, unknown> = {}) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name, ...more } });
const pipe = (name: string, source: string, props: Record<string, unknown>) => ({
  Type: 'AWS::Pipes::Pipe',
  Properties: { Name: name, RoleArn: 'arn:aws:iam::000000000000:role/pipe', Source: arnOf(source), ...props },
});

/** Reports the messages whose body has `fail` as batch item failures (by message id), as Pipes' partial batch failure describes. */
const TARGET = `exports.handler = async (records) => ({
  batchItemFailures: records.filter((r) => JSON.parse(r.body).fail).map((r) => ({ itemIdentifier: r.messageId })),
});`;

/**
 * Pipes with SQS sources, as https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-sqs.html
 * and the input transformation, filtering and batching pages describe them.
 */
function assembly(): string {
  return assemblyOf(
    {
      Orders: queue('orders-in'),
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'orders-bus' } },
      BusOut: queue('orders-bus-out'),
      Rule: eventRule({ bus: 'Bus', pattern: { account: ['000000000000'] }, target: 'BusOut', id: 'q' }),
      OrdersPipe: pipe('orders-pipe', 'Orders', {
        SourceParameters: {
          FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { type: ['NEW'] } }) }] },
          SqsQueueParameters: { BatchSize: 5 },
        },
        Target: arnOf('Bus'),
        TargetParameters: { InputTemplate: '{"orderId": "<$.body.orderId>", "pipe": "<aws.pipes.pipe-name>"}' },
      }),
      Jobs: queue('jobs-in', {
        VisibilityTimeout: 1,
        RedrivePolicy: { deadLetterTargetArn: arnOf('JobsDlq'), maxReceiveCount: 2 },
      }),
      JobsDlq: queue('jobs-dlq'),
      Target: inlineFunction(TARGET, { FunctionName: 'jobs-target', Runtime: 'nodejs22.x' }),
      JobsPipe: pipe('jobs-pipe', 'Jobs', { SourceParameters: { SqsQueueParameters: { BatchSize: 10 } }, Target: arnOf('Target') }),
    },
    'QueuePipes',
  );
}

describe('EventBridge Pipes with an SQS source', () => {
  const local = restartableRuntime({ assembly, ownsAssembly: true, clients: ({ url }) => ({ sqs: new SQSClient(sdkConfig(url)) }) });

  const send = (name: string, body: unknown) =>
    local.sqs.send(new SendMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl(name), MessageBody: JSON.stringify(body) }));

  const drain = (name: string, expected: number) => receiveBodies(local.sqs, local.runtime.sqs.queueUrl(name), expected, 20_000);

  const messagesIn = async (name: string) => {
    const { Attributes } = await local.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: local.runtime.sqs.queueUrl(name),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  };

  it('puts each message its filter matches on the bus, the JSON body read by the input template, as "Event from aws:sqs" from "Pipe <name>"', async () => {
    await send('orders-in', { orderId: 'o-1', type: 'NEW' });
    await send('orders-in', { orderId: 'o-2', type: 'CANCELLED' });
    await send('orders-in', { orderId: 'o-3', type: 'NEW' });
    const events = (await drain('orders-bus-out', 2)).map((body) => JSON.parse(body));
    expect(events.map((e) => [e.source, e['detail-type'], e.detail])).toEqual([
      ['Pipe orders-pipe', 'Event from aws:sqs', { orderId: 'o-1', pipe: 'orders-pipe' }],
      ['Pipe orders-pipe', 'Event from aws:sqs', { orderId: 'o-3', pipe: 'orders-pipe' }],
    ]);
    // Delivered and filtered-out messages alike are deleted from the source queue.
    await local.runtime.pipes.idle();
    expect(await messagesIn('orders-in')).toBe(0);
  });

  it("hands a function target the batch as an array of SQS records and leaves the messages it reports as failed to the queue's redrive policy", async () => {
    await send('jobs-in', { job: 'a' });
    await send('jobs-in', { job: 'b', fail: true });
    await send('jobs-in', { job: 'c' });
    const [dead] = await drain('jobs-dlq', 1);
    expect(JSON.parse(dead as string)).toEqual({ job: 'b', fail: true });
    await local.runtime.pipes.idle();
    expect(await messagesIn('jobs-in')).toBe(0);
    expect(await messagesIn('jobs-dlq')).toBe(1);
  });
});
