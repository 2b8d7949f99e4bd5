import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { EventEnvelope } from '../../../local/events/definitions.js';
import { TargetDispatcher, type TargetServices, UnsupportedTargetError } from '../../../local/targets/dispatcher.js';
import { QueuesByArn } from '../../../local/targets/queues.js';
import { DISPATCHABLE, type DispatchableService } from '../../../local/targets/reachable.js';

const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders.fifo';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:audit';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:fulfil';
const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/app';
const LOG_GROUP = 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/app:*';
const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/orders';
const DELIVERY_STREAM = 'arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks';

/** A target of each service the dispatcher says it reaches (a service added to DISPATCHABLE needs one here to compile). */
const TARGET_OF: Readonly<Record<DispatchableService, string>> = {
  sqs: QUEUE,
  sns: TOPIC,
  lambda: FUNCTION,
  states: MACHINE,
  events: BUS,
  kinesis: STREAM,
  logs: LOG_GROUP,
  firehose: DELIVERY_STREAM,
};

const event: EventEnvelope = {
  version: '0',
  id: 'e-1',
  'detail-type': 'OrderPlaced',
  source: 'app.orders',
  account: '123456789012',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
};

function services() {
  const calls: [string, ...unknown[]][] = [];
  const lookups: string[] = [];
  const all: Required<TargetServices> = {
    sqs: new QueuesByArn({
      GetQueueUrl: async ({ QueueName }) => {
        lookups.push(QueueName);
        return QueueName === 'missing' ? {} : { QueueUrl: `http://localhost/123456789012/${QueueName}` };
      },
      SendMessage: async (input) => {
        calls.push(['SendMessage', input]);
        return { MessageId: 'm-1' };
      },
    }),
    sns: { Publish: async (input) => calls.push(['Publish', input]) },
    lambda: {
      invokeAsync: async (fn, input) => calls.push(['invokeAsync', fn, input]),
      invoke: async (fn, input) => {
        calls.push(['invoke', fn, input]);
        return { ok: true, payload: '"done"' };
      },
    },
    states: { StartExecution: async (input) => calls.push(['StartExecution', input]) },
    events: {
      PutEvents: async (input) => {
        calls.push(['PutEvents', input]);
        return { FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] };
      },
      putServiceEvent: (bus, serviceEvent) => void calls.push(['putServiceEvent', bus, serviceEvent]),
      forward: (bus, forwarded) => void calls.push(['forward', bus, forwarded]),
    },
    logs: { write: (group, stream, events) => void calls.push(['write', group, stream, events]) },
    kinesis: { PutRecord: async (input) => calls.push(['PutRecord', input]) },
    firehose: {
      PutRecord: async (input) => calls.push(['Firehose.PutRecord', input]),
      // A record whose text is `refuse` is refused, as a stream over its quota refuses one.
      PutRecordBatch: async (input) => {
        calls.push(['Firehose.PutRecordBatch', input]);
        const refused = (data: string) => Buffer.from(data, 'base64').toString() === 'refuse';
        return {
          FailedPutCount: input.Records.filter((r) => refused(r.Data)).length,
          RequestResponses: input.Records.map((r) =>
            refused(r.Data) ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' } : { RecordId: 'r' },
          ),
        };
      },
    },
    customBuses: {
      forward: (bus, events) => {
        calls.push(['customBus', bus, events]);
        return events.map(() => ({ EventId: 'e-3' }));
      },
    },
  };
  return { all, calls, lookups };
}

describe('TargetDispatcher', () => {
  it("sends to a queue with SendMessage, with the caller's group, deduplication id and attributes, looking its URL up once", async () => {
    const { all, calls, lookups } = services();
    const dispatcher = new TargetDispatcher(all);
    const attributes = { RULE_ARN: { DataType: 'String', StringValue: 'r' } };
    const sent = await dispatcher.send(QUEUE, {
      body: 'hello',
      sqs: { MessageGroupId: 'g', MessageDeduplicationId: 'd', MessageAttributes: attributes },
    });
    await dispatcher.send(QUEUE, { body: 'again' });
    expect(calls).toEqual([
      [
        'SendMessage',
        {
          QueueUrl: 'http://localhost/123456789012/orders.fifo',
          MessageBody: 'hello',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'd',
          MessageAttributes: attributes,
        },
      ],
      ['SendMessage', { QueueUrl: 'http://localhost/123456789012/orders.fifo', MessageBody: 'again' }],
    ]);
    expect(lookups).toEqual(['orders.fifo']);
    expect(sent).toEqual({ service: 'sqs', answer: { MessageId: 'm-1' } });
  });

  it('fails if SQS has no such queue, naming its ARN', async () => {
    const { all } = services();
    await expect(new TargetDispatcher(all).send('arn:aws:sqs:us-east-1:123456789012:missing', { body: '' })).rejects.toMatchObject({
      code: 'QueueDoesNotExist',
      message: 'queue arn:aws:sqs:us-east-1:123456789012:missing does not exist',
    });
  });

  it("publishes to a topic with the caller's subject and attributes", async () => {
    const { all, calls } = services();
    await new TargetDispatcher(all).send(TOPIC, {
      body: 'hi',
      sns: { Subject: 'S', MessageAttributes: { a: { DataType: 'String', StringValue: '1' } } },
    });
    expect(calls).toEqual([
      ['Publish', { TopicArn: TOPIC, Message: 'hi', Subject: 'S', MessageAttributes: { a: { DataType: 'String', StringValue: '1' } } }],
    ]);
  });

  it('invokes a function asynchronously with the body parsed as JSON, or with the event the caller gives', async () => {
    const { all, calls } = services();
    const dispatcher = new TargetDispatcher(all);
    await dispatcher.send(FUNCTION, { body: '{"a":1}' });
    await dispatcher.send(FUNCTION, { body: 'not json', lambda: { event: 'not json' } });
    expect(calls).toEqual([
      ['invokeAsync', FUNCTION, { a: 1 }],
      ['invokeAsync', FUNCTION, 'not json'],
    ]);
  });

  it("invokes a function synchronously when asked, and answers the function's outcome", async () => {
    const { all, calls } = services();
    const sent = await new TargetDispatcher(all).send(FUNCTION, { body: '[1]', lambda: { invocationType: 'RequestResponse' } });
    expect(calls).toEqual([['invoke', FUNCTION, [1]]]);
    expect(sent).toEqual({ service: 'lambda', outcome: { ok: true, payload: '"done"' } });
  });

  it('starts an execution with the body as input, named when the caller names it', async () => {
    const { all, calls } = services();
    const dispatcher = new TargetDispatcher(all);
    await dispatcher.send(MACHINE, { body: '{}' });
    await dispatcher.send(MACHINE, { body: '{}', states: { name: 'run-1' } });
    expect(calls).toEqual([
      ['StartExecution', { stateMachineArn: MACHINE, input: '{}' }],
      ['StartExecution', { stateMachineArn: MACHINE, input: '{}', name: 'run-1' }],
    ]);
  });

  it('puts entries on a bus with PutEvents, a service event as the service, and forwards an event unchanged', async () => {
    const { all, calls } = services();
    const dispatcher = new TargetDispatcher(all);
    const sent = await dispatcher.send(BUS, { body: '', events: { entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] } });
    const serviceEvent = { source: 'lambda', 'detail-type': 'Result', resources: [], detail: {} };
    await dispatcher.send(BUS, { body: '', events: { serviceEvent } });
    await dispatcher.send(BUS, { body: '', events: { forward: event } });
    expect(calls).toEqual([
      ['PutEvents', { Entries: [{ EventBusName: BUS, Source: 's', DetailType: 'd', Detail: '{}' }] }],
      ['putServiceEvent', BUS, serviceEvent],
      ['forward', BUS, event],
    ]);
    expect(sent).toEqual({ service: 'events', answer: { FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] } });
  });

  it('builds the bus message only for a bus target, when given as a function', async () => {
    const { all, calls } = services();
    const dispatcher = new TargetDispatcher(all);
    let built = 0;
    const events = () => {
      built++;
      return { forward: event };
    };
    await dispatcher.send(QUEUE, { body: 'not an event', events });
    await dispatcher.send(BUS, { body: 'not an event', events });
    expect(built).toBe(1);
    expect(calls.at(-1)).toEqual(['forward', BUS, event]);
  });

  it.each([
    [
      'a service the runtime does not run',
      'arn:aws:codebuild:us-east-1:123456789012:project/build',
      'codebuild',
      'targets of service codebuild',
    ],
    ['an S3 bucket', 'arn:aws:s3:::uploads', 's3', 'targets of service s3'],
    ['not an ARN', 'orders', undefined, 'target orders is not an ARN'],
  ])('fails if the target is %s, with a typed error naming the ARN', async (_what, arn, service, message) => {
    const { all } = services();
    const failure = new TargetDispatcher(all).send(arn, { body: '{}' });
    await expect(failure).rejects.toBeInstanceOf(UnsupportedTargetError);
    await expect(failure).rejects.toMatchObject({ name: 'UnsupportedTargetError', code: 'UnsupportedTarget', arn, service });
    await expect(failure).rejects.toThrow(message);
  });

  it('writes the body to a log group as one log event, in the stream and at the time the caller gives', async () => {
    const { all, calls } = services();
    await expect(
      new TargetDispatcher(all).send(LOG_GROUP, { body: '{"a":1}', logs: { streamName: 'e-1', timestamp: 1_000 } }),
    ).resolves.toEqual({ service: 'logs' });
    expect(calls).toEqual([['write', '/aws/events/app', 'e-1', [{ timestamp: 1_000, message: '{"a":1}' }]]]);
    await expect(new TargetDispatcher(all).send(LOG_GROUP, { body: '{}' })).rejects.toMatchObject({ code: 'UnsupportedTarget' });
  });

  it('puts the body on a stream as one record (Data in base64) with the partition key the caller gives', async () => {
    const { all, calls } = services();
    await expect(new TargetDispatcher(all).send(STREAM, { body: '{"a":1}', kinesis: { partitionKey: 'k' } })).resolves.toMatchObject({
      service: 'kinesis',
    });
    expect(calls).toEqual([['PutRecord', { StreamARN: STREAM, Data: Buffer.from('{"a":1}').toString('base64'), PartitionKey: 'k' }]]);
    await expect(new TargetDispatcher(all).send(STREAM, { body: '{}' })).rejects.toMatchObject({ code: 'UnsupportedTarget' });
  });

  it("puts the body in a delivery stream as one record (Data in base64), the stream named by the ARN's name, or the bytes the caller gives", async () => {
    const { all, calls } = services();
    const dispatcher = new TargetDispatcher(all);
    await expect(dispatcher.send(DELIVERY_STREAM, { body: '{"a":1}' })).resolves.toMatchObject({ service: 'firehose' });
    await dispatcher.send(DELIVERY_STREAM, { body: '', firehose: { data: Uint8Array.of(0x1f, 0x8b) } });
    expect(calls).toEqual([
      ['Firehose.PutRecord', { DeliveryStreamName: 'clicks', Record: { Data: Buffer.from('{"a":1}').toString('base64') } }],
      ['Firehose.PutRecord', { DeliveryStreamName: 'clicks', Record: { Data: Buffer.from([0x1f, 0x8b]).toString('base64') } }],
    ]);
  });

  it('sends a batch to a delivery stream through PutRecordBatch, up to 500 records a call, each record its own result', async () => {
    const { all, calls } = services();
    const messages = Array.from({ length: 501 }, (_, i) => ({ body: i === 3 ? 'refuse' : `r${i}` }));
    const results = await new TargetDispatcher(all).sendBatch(DELIVERY_STREAM, messages);
    expect(calls.map(([operation, input]) => [operation, (input as { Records: unknown[] }).Records.length])).toEqual([
      ['Firehose.PutRecordBatch', 500],
      ['Firehose.PutRecordBatch', 1],
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(500);
    expect(results[3]).toMatchObject({ ok: false, error: { code: 'ServiceUnavailableException', message: 'Slow down.' } });
  });

  it('fails if the delivery stream a target names does not exist: its ResourceNotFoundException, for the caller to retry or dead-letter', async () => {
    const missing = new AwsError('ResourceNotFoundException', 'Firehose gone under account 123456789012 not found.');
    const dispatcher = new TargetDispatcher({
      firehose: {
        PutRecord: async () => Promise.reject(missing),
        PutRecordBatch: async () => Promise.reject(missing),
      },
    });
    await expect(dispatcher.send(DELIVERY_STREAM, { body: '{}' })).rejects.toBe(missing);
    const results = await dispatcher.sendBatch(DELIVERY_STREAM, [{ body: 'a' }, { body: 'b' }]);
    expect(results).toEqual([
      { ok: false, error: missing },
      { ok: false, error: missing },
    ]);
  });

  it('reaches a target of every service it says it reaches (DISPATCHABLE), through that service', async () => {
    const { all, calls } = services();
    const dispatcher = new TargetDispatcher(all);
    expect(Object.keys(TARGET_OF).sort()).toEqual(Object.keys(DISPATCHABLE).sort());
    for (const [service, arn] of Object.entries(TARGET_OF)) {
      const sent = await dispatcher.send(arn, {
        body: '{}',
        events: { forward: event },
        kinesis: { partitionKey: 'k' },
        logs: { streamName: 's', timestamp: 1 },
      });
      expect(sent.service).toBe(service);
    }
    expect(calls).toHaveLength(Object.keys(DISPATCHABLE).length);
  });

  it.each([
    ['an API destination', 'arn:aws:events:us-east-1:123456789012:api-destination/hook/1f2e', 'events'],
    ['an activity', 'arn:aws:states:us-east-1:123456789012:activity:approve', 'states'],
    ["a table's stream", 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000', 'dynamodb'],
  ])('fails if the ARN names %s, another resource than the one it reaches', async (_what, arn, service) => {
    const { all, calls } = services();
    await expect(new TargetDispatcher(all).send(arn, { body: '{}', events: { forward: event } })).rejects.toMatchObject({
      name: 'UnsupportedTargetError',
      service,
    });
    expect(calls).toEqual([]);
  });

  it('fails if the service of the ARN was not given to it, or a bus target came without events', async () => {
    const { all } = services();
    const { sns: _sns, ...withoutSns } = all;
    await expect(new TargetDispatcher(withoutSns).send(TOPIC, { body: '' })).rejects.toThrow(
      `SNS topic targets (${TOPIC}) are not run locally`,
    );
    await expect(new TargetDispatcher(all).send(BUS, { body: '{}' })).rejects.toMatchObject({ code: 'UnsupportedTarget', arn: BUS });
  });

  it("fails with the caller's own error when it words unsupported targets its own way", async () => {
    const dispatcher = new TargetDispatcher({}, (arn) => new UnsupportedTargetError(arn, 'sqs', `no ${arn}`, 'UnsupportedDestination'));
    await expect(dispatcher.send(QUEUE, { body: '' })).rejects.toMatchObject({ code: 'UnsupportedDestination', message: `no ${QUEUE}` });
  });
});
