import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { assemblyOf } from '../assembly.js';
import { dynamoDbClient, receiveBodies } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, eventRule, inlineFunction } from '../template-resources.js';

const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });

/** Fails the whole batch when any record's new image has `fail`; otherwise answers `{ pk, n }` per record. */
const ENRICHMENT = `exports.handler = async (records) => {
  if (records.some((r) => r.dynamodb.NewImage && r.dynamodb.NewImage.fail)) throw new Error('cannot enrich ' + records.map((r) => r.dynamodb.Keys.pk.S).join(','));
  return records.map((r) => ({ pk: r.dynamodb.Keys.pk.S, n: Number(r.dynamodb.NewImage.n.N), kind: r.eventName }));
};`;

/** Sends each record's key to the `esm-out` queue and reports the records with `fail` as batch item failures. */
const CONSUMER = `const { SQSClient, SendMessageCommand, GetQueueUrlCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'esm-out' }));
  const batchItemFailures = [];
  for (const r of event.Records) {
    if (r.dynamodb.NewImage && r.dynamodb.NewImage.fail) batchItemFailures.push({ itemIdentifier: r.dynamodb.SequenceNumber });
    else await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: r.dynamodb.Keys.pk.S + ' ' + r.eventSourceARN }));
  }
  return { batchItemFailures };
};`;

function assembly() {
  const table = (name: string) =>
    tableResource(name, { key: { pk: 'S' } }, { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  const pipe = (name: string, tableId: string, props: Record<string, unknown>) => ({
    Type: 'AWS::Pipes::Pipe',
    Properties: { Name: name, RoleArn: 'arn:aws:iam::000000000000:role/pipe', Source: { 'Fn::GetAtt': [tableId, 'StreamArn'] }, ...props },
  });
  return assemblyOf(
    {
      Orders: table('orders'),
      Jobs: table('jobs'),
      Slow: table('slow'),
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'test-bus' } },
      BusOut: queue('bus-out'),
      Out: queue('out'),
      Dlq: queue('pipe-dlq'),
      SlowOut: queue('slow-out'),
      Feed: table('feed'),
      EsmOut: queue('esm-out'),
      EsmDlq: queue('esm-dlq'),
      Consumer: inlineFunction(CONSUMER, { FunctionName: 'consumer', Runtime: 'nodejs22.x', Timeout: 10 }),
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': ['Feed', 'StreamArn'] },
          FunctionName: { Ref: 'Consumer' },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 10,
          MaximumBatchingWindowInSeconds: 1,
          MaximumRetryAttempts: 0,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          DestinationConfig: { OnFailure: { Destination: arnOf('EsmDlq') } },
        },
      },
      Rule: eventRule({ bus: 'Bus', pattern: { source: ['test.orders'] }, target: 'BusOut', id: 'q' }),
      Enrich: inlineFunction(ENRICHMENT, { FunctionName: 'enrich', Runtime: 'nodejs22.x' }),
      // Inserts of orders (not other item kinds) as events, shaped by an input template.
      OrdersPipe: pipe('orders-pipe', 'Orders', {
        SourceParameters: {
          FilterCriteria: {
            Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['order'] } } } }) }],
          },
          DynamoDBStreamParameters: { StartingPosition: 'TRIM_HORIZON', BatchSize: 10 },
        },
        Target: arnOf('Bus'),
        TargetParameters: {
          InputTemplate: '{"orderId": <$.dynamodb.Keys.pk.S>, "change": "<$.eventName>", "pipe": "<aws.pipes.pipe-name>"}',
          EventBridgeEventBusParameters: { Source: 'test.orders', DetailType: '$.eventName' },
        },
      }),
      // Enriched jobs to a queue; a batch that keeps failing is bisected, then dead-lettered.
      JobsPipe: pipe('jobs-pipe', 'Jobs', {
        SourceParameters: {
          DynamoDBStreamParameters: {
            StartingPosition: 'TRIM_HORIZON',
            BatchSize: 4,
            MaximumBatchingWindowInSeconds: 1,
            MaximumRetryAttempts: 1,
            OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
            DeadLetterConfig: { Arn: arnOf('Dlq') },
          },
        },
        Enrichment: arnOf('Enrich'),
        Target: arnOf('Out'),
      }),
      // A long batching window, so that records are still waiting when the runtime stops.
      SlowPipe: pipe('slow-pipe', 'Slow', {
        SourceParameters: {
          DynamoDBStreamParameters: { StartingPosition: 'TRIM_HORIZON', BatchSize: 100, MaximumBatchingWindowInSeconds: 3 },
        },
        Target: arnOf('SlowOut'),
      }),
    },
    'Pipes',
  );
}

describe('EventBridge Pipes from DynamoDB streams (local)', () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly,
    options: { pipesRetryBaseMs: 50 },
    clients: ({ url }) => ({ ddb: dynamoDbClient(url), sqs: new SQSClient(sdkConfig(url)) }),
  });

  const put = (table: string, pk: string, more: Record<string, unknown> = {}) =>
    local.ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, ...more } as never }));

  /** Receives what the queue holds now (and deletes nothing: each test uses its own items). */
  const drain = (name: string, expected: number) => receiveBodies(local.sqs, local.runtime.sqs.queueUrl(name), expected, 15_000);

  it('puts only the records its filter matches on the bus, shaped by its input template, with a dynamic detail-type', async () => {
    await put('orders', 'o-1', { kind: { S: 'order' } });
    await put('orders', 'c-1', { kind: { S: 'customer' } });
    await put('orders', 'o-1', { kind: { S: 'order' }, note: { S: 'changed' } });
    await put('orders', 'o-2', { kind: { S: 'order' } });
    const bodies = (await drain('bus-out', 2)).map((b) => JSON.parse(b));
    expect(bodies.map((b) => [b['detail-type'], b.source, b.detail])).toEqual([
      ['INSERT', 'test.orders', { orderId: 'o-1', change: 'INSERT', pipe: 'orders-pipe' }],
      ['INSERT', 'test.orders', { orderId: 'o-2', change: 'INSERT', pipe: 'orders-pipe' }],
    ]);
    await local.runtime.pipes.idle();
    const more = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl('bus-out'), MaxNumberOfMessages: 10 }),
    );
    expect(more.Messages ?? []).toEqual([]);
  });

  it('calls the enrichment with the batch and sends each answer to the target, in the order the items were written', async () => {
    for (let n = 1; n <= 6; n++) await put('jobs', 'j-ordered', { n: { N: String(n) } });
    const bodies = (await drain('out', 6)).map((b) => JSON.parse(b));
    expect(bodies.map((b) => b.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(bodies.map((b) => b.kind)).toEqual(['INSERT', 'MODIFY', 'MODIFY', 'MODIFY', 'MODIFY', 'MODIFY']);
  });

  it('bisects a failing batch, delivers the records that succeed and sends the one that keeps failing to the dead-letter queue', async () => {
    await local.runtime.pipes.idle();
    await put('jobs', 'j-a', { n: { N: '1' } });
    await put('jobs', 'j-bad', { n: { N: '2' }, fail: { BOOL: true } });
    await put('jobs', 'j-c', { n: { N: '3' } });
    const delivered = (await drain('out', 2)).map((b) => JSON.parse(b).pk);
    expect(delivered).toEqual(['j-a', 'j-c']);
    const [dead] = (await drain('pipe-dlq', 1)).map((b) => JSON.parse(b));
    expect(dead).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      DDBStreamBatchInfo: { batchSize: 1, streamArn: expect.stringContaining('table/jobs/stream/') },
    });
    expect(dead.responseContext.errorMessage).toContain('cannot enrich j-bad');
  });

  it('runs a Lambda event source mapping from the stream, retrying from the first reported item failure', async () => {
    await put('feed', 'f-1');
    await put('feed', 'f-bad', { fail: { BOOL: true } });
    await put('feed', 'f-3');
    const processed = await drain('esm-out', 2);
    expect(processed.map((b) => b.split(' ')[0])).toEqual(['f-1', 'f-3']);
    expect(processed[0]).toContain(':table/feed/stream/');
    const [dead] = (await drain('esm-dlq', 1)).map((b) => JSON.parse(b));
    // Lambda checkpoints before the first failure: f-bad and everything after it are what failed.
    expect(dead).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', functionArn: expect.stringContaining(':function:consumer') },
      DDBStreamBatchInfo: { batchSize: 2 },
    });
    // The function answered (it reported item failures): its function error is null, as Lambda writes it.
    expect(dead.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: null });
  });

  it('delivers records written before a restart once, after it (the position is committed only after delivery)', async () => {
    await put('slow', 's-1');
    await put('slow', 's-2');
    await put('slow', 's-3');
    await local.restart();
    const bodies = (await drain('slow-out', 3)).map((b) => JSON.parse(b).dynamodb.Keys.pk.S);
    expect(bodies).toEqual(['s-1', 's-2', 's-3']);
    await local.runtime.pipes.idle();
    await local.restart();
    await put('slow', 's-4');
    const after = (await drain('slow-out', 1)).map((b) => JSON.parse(b).dynamodb.Keys.pk.S);
    expect(after).toEqual(['s-4']);
  });
});
