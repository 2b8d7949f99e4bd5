import { describe, expect, it } from 'vitest';
import type { TargetDefinition } from '../../../local/events/definitions.js';
import { type InvocationRecord, ServiceDestinations } from '../../../local/lambda/async/destinations.js';
import { targetDelivery } from '../events/target-delivery.js';

const record: InvocationRecord = {
  version: '1.0',
  timestamp: '2026-01-01T00:00:00.000Z',
  requestContext: {
    requestId: 'r-1',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST',
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  },
  requestPayload: { id: 1 },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: { errorType: 'Error', errorMessage: 'boom' },
};

function destinations() {
  const calls: { service: string; args: unknown[] }[] = [];
  const sender = new ServiceDestinations({
    sqs: {
      GetQueueUrl: async ({ QueueName }) => ({ QueueUrl: `http://localhost/000000000000/${QueueName}` }),
      SendMessage: async (input) => void calls.push({ service: 'sqs', args: [input] }),
    },
    lambda: {
      invokeAsync: async (fn, event) => {
        calls.push({ service: 'lambda', args: [fn, event] });
        return { requestId: 'r-2' };
      },
    },
    events: { putServiceEvent: (bus, event) => void calls.push({ service: 'events', args: [bus, event] }) },
  });
  return { sender, calls };
}

describe('ServiceDestinations', () => {
  it('puts the record on an event bus as a "Lambda Function Invocation Result" event from source lambda', async () => {
    const { sender, calls } = destinations();
    const bus = 'arn:aws:events:us-east-1:000000000000:event-bus/app-bus';
    await sender.send(bus, JSON.stringify(record));
    await sender.send(bus, JSON.stringify({ ...record, requestContext: { ...record.requestContext, condition: 'Success' } }));
    expect(calls).toEqual([
      {
        service: 'events',
        args: [
          bus,
          {
            source: 'lambda',
            'detail-type': 'Lambda Function Invocation Result - Failure',
            resources: [bus, record.requestContext.functionArn],
            detail: record,
          },
        ],
      },
      expect.objectContaining({ args: [bus, expect.objectContaining({ 'detail-type': 'Lambda Function Invocation Result - Success' })] }),
    ]);
  });

  it('invokes a destination function asynchronously with the record, and sends SQS the record as the body', async () => {
    const { sender, calls } = destinations();
    await sender.send('arn:aws:lambda:us-east-1:000000000000:function:audit', JSON.stringify(record));
    await sender.send('arn:aws:sqs:us-east-1:000000000000:failures', JSON.stringify(record), {
      RequestID: { DataType: 'String', StringValue: 'r-1' },
    });
    expect(calls).toEqual([
      { service: 'lambda', args: ['arn:aws:lambda:us-east-1:000000000000:function:audit', record] },
      {
        service: 'sqs',
        args: [
          {
            QueueUrl: 'http://localhost/000000000000/failures',
            MessageBody: JSON.stringify(record),
            MessageAttributes: { RequestID: { DataType: 'String', StringValue: 'r-1' } },
          },
        ],
      },
    ]);
  });

  it('fails if the destination is an SNS topic or S3 bucket while that service does not run locally, or another service', async () => {
    const { sender } = destinations();
    await expect(sender.send('arn:aws:sns:us-east-1:000000000000:topic', '{}')).rejects.toMatchObject({ code: 'UnsupportedDestination' });
    await expect(sender.send('arn:aws:s3:::bucket', JSON.stringify(record))).rejects.toMatchObject({ code: 'UnsupportedDestination' });
    await expect(sender.send('arn:aws:dynamodb:us-east-1:000000000000:table/t', '{}')).rejects.toMatchObject({
      code: 'UnsupportedDestination',
    });
  });

  it('writes the record to an S3 bucket destination under aws/lambda/async/<function>/YYYY/MM/DD/, at the record’s time', async () => {
    const objects: { bucket: string; key: string; body: string }[] = [];
    const sender = new ServiceDestinations({
      sqs: { GetQueueUrl: async () => ({ QueueUrl: '' }), SendMessage: async () => undefined },
      lambda: { invokeAsync: async () => ({ requestId: '' }) },
      events: { putServiceEvent: () => undefined },
      s3: { putObject: (bucket, key, body) => void objects.push({ bucket, key, body }) },
    });
    await sender.send('arn:aws:s3:::failed-events', JSON.stringify({ ...record, timestamp: '2026-11-29T22:05:09.123Z' }));
    expect(objects).toEqual([
      {
        bucket: 'failed-events',
        key: expect.stringMatching(/^aws\/lambda\/async\/fn\/2026\/11\/29\/2026-11-29T22\.05\.09-[0-9a-f-]{36}$/),
        body: expect.stringContaining('"condition":"RetriesExhausted"'),
      },
    ]);
  });
});

describe('LocalTargetDelivery to Lambda', () => {
  const target: TargetDefinition = { id: 'fn', arn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer' };
  const event = {
    version: '0' as const,
    id: 'e-1',
    'detail-type': 'T',
    source: 's',
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {},
  };

  it('invokes the function asynchronously and succeeds once the event is queued', async () => {
    const invoked: unknown[] = [];
    const delivery = targetDelivery([], {
      lambda: {
        invokeAsync: async (fn, input) => {
          invoked.push([fn, input]);
          return { requestId: 'r' };
        },
      },
    });
    await delivery.deliver(target, '{"a":1}', event);
    expect(invoked).toEqual([[target.arn, { a: 1 }]]);
  });

  it('fails the delivery when Lambda does not accept the event, so EventBridge retries it', async () => {
    const delivery = targetDelivery([], {
      lambda: {
        invokeAsync: async () => {
          throw Object.assign(new Error('Function not found'), { code: 'ResourceNotFoundException' });
        },
      },
    });
    await expect(delivery.deliver(target, '{}', event)).rejects.toThrow('Function not found');
  });
});
