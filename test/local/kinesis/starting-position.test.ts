import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeDefinitions } from '../../../local/pipes/definitions.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { loadApp } from '../../../local/template/load.js';
import { assemblyOf } from '../assembly.js';
import { credentials, receiveBodies, region, tempDataDir } from '../helpers.js';
import { arnOf, eventSourceMapping } from '../template-resources.js';
import { forwardingConsumer } from './forwarding-consumer.js';

const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });

/** The stream alone, then (`since` given) a mapping and a pipe that start reading it AT_TIMESTAMP `since`. */
function assembly(since?: number) {
  const consumers: Record<string, object> =
    since === undefined
      ? {}
      : {
          Handled: queue('handled'),
          Piped: queue('piped'),
          Consumer: forwardingConsumer(),
          Mapping: eventSourceMapping('Clicks', 'Consumer', {
            StartingPosition: 'AT_TIMESTAMP',
            // Lambda's StartingPositionTimestamp is epoch seconds (a Double).
            StartingPositionTimestamp: since / 1000,
          }),
          Pipe: {
            Type: 'AWS::Pipes::Pipe',
            Properties: {
              Name: 'since-pipe',
              RoleArn: 'arn:aws:iam::000000000000:role/pipe',
              Source: arnOf('Clicks'),
              // A pipe's is a date.
              SourceParameters: {
                KinesisStreamParameters: { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: new Date(since).toISOString() },
              },
              Target: arnOf('Piped'),
            },
          },
        };
  return assemblyOf({ Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks', ShardCount: 2 } }, ...consumers }, 'Streams');
}

describe('Kinesis event source mappings and pipes starting AT_TIMESTAMP (local)', () => {
  let runtime: LocalRuntime;
  let sqs: SQSClient;
  const dataDir = tempDataDir();

  const put = async (...data: string[]) => {
    const kinesis = new KinesisClient({ endpoint: runtime.url, region, credentials });
    await kinesis.send(
      new PutRecordsCommand({ StreamName: 'clicks', Records: data.map((d) => ({ PartitionKey: d, Data: Buffer.from(d) })) }),
    );
    kinesis.destroy();
  };

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ cdkOut: assembly(), dataDir, port: 0, logEvents: false, log: () => {} });
    await put('old-1', 'old-2', 'old-3', 'old-4');
    const since = Date.now() + 5;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await put('new-1', 'new-2', 'new-3', 'new-4');
    await runtime.stop();
    // The same data folder, now with a mapping and a pipe created after those records were written.
    runtime = await LocalRuntime.start({ cdkOut: assembly(since), dataDir, port: 0, logEvents: false, log: () => {} });
    sqs = new SQSClient({ endpoint: runtime.url, region, credentials });
  });
  afterAll(async () => {
    sqs.destroy();
    await runtime.stop();
  });

  it('reads from the first record that arrived at or after StartingPositionTimestamp, in every shard', async () => {
    await put('later');
    await runtime.pipes.idle();
    const handled = await receiveBodies(sqs, runtime.sqs.queueUrl('handled'), 5);
    expect(handled.sort()).toEqual(['later', 'new-1', 'new-2', 'new-3', 'new-4']);
    const piped = (await receiveBodies(sqs, runtime.sqs.queueUrl('piped'), 5)).map((b) => JSON.parse(b).data);
    expect(piped.map((d: string) => Buffer.from(d, 'base64').toString()).sort()).toEqual(['later', 'new-1', 'new-2', 'new-3', 'new-4']);
  });
});

describe('pipeDefinitions starting AT_TIMESTAMP', () => {
  it('fails if a mapping starts AT_TIMESTAMP without a timestamp or on a DynamoDB stream: named, and not run, as AWS refuses it', () => {
    const mapping = (source: object, timestamp?: number) => ({
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: source,
        FunctionName: 'f',
        StartingPosition: 'AT_TIMESTAMP',
        ...(timestamp === undefined ? {} : { StartingPositionTimestamp: timestamp }),
      },
    });
    const cdkOut = assemblyOf(
      {
        Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks' } },
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: 't',
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          },
        },
        NoTimestamp: mapping(arnOf('Clicks')),
        OnTable: mapping({ 'Fn::GetAtt': ['Table', 'StreamArn'] }, 1_700_000_000),
        Good: mapping(arnOf('Clicks'), 1_700_000_000.5),
      },
      'Streams',
    );
    const { pipes, warnings } = pipeDefinitions(loadApp({ cdkOut, baseUrl: 'http://localhost:4566', types: TEMPLATE_TYPES }));
    expect(pipes.map((p) => [p.startingPosition, p.startingPositionTimestampMs])).toEqual([['AT_TIMESTAMP', 1_700_000_000_500]]);
    expect(warnings).toEqual([
      expect.stringMatching(/NoTimestamp .*needs a StartingPositionTimestamp.*does not run locally/),
      expect.stringMatching(/OnTable .*only valid for a Kinesis stream source.*does not run locally/),
    ]);
  });
});
