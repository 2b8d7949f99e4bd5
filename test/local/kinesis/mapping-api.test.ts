import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { eventually, receiveBodies } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, eventSourceMapping } from '../template-resources.js';
import { forwardingConsumer } from './forwarding-consumer.js';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';

function assembly() {
  return assemblyOf(
    {
      Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks', ShardCount: 1 } },
      Handled: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'handled' } },
      Failed: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'failed' } },
      Consumer: forwardingConsumer(),
      Mapping: eventSourceMapping('Clicks', 'Consumer', {
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10,
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: arnOf('Failed') } },
      }),
    },
    'Streams',
  );
}

describe("Lambda's API over Kinesis event source mappings (local)", () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly,
    clients: ({ url }) => ({
      lambda: new LambdaClient(sdkConfig(url)),
      sqs: new SQSClient(sdkConfig(url)),
      kinesis: new KinesisClient(sdkConfig(url)),
    }),
  });
  let uuid: string;
  const put = (...data: string[]) =>
    local.kinesis.send(
      new PutRecordsCommand({ StreamName: 'clicks', Records: data.map((d) => ({ PartitionKey: d, Data: Buffer.from(d) })) }),
    );
  const get = () => local.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
  /** What the queue holds once every mapping has handled what it may (nothing more may come). */
  const rest = async () => {
    await local.runtime.pipes.idle();
    const more = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl('handled'), MaxNumberOfMessages: 10 }),
    );
    return (more.Messages ?? []).map((m) => m.Body);
  };

  it('lists and gets a Kinesis mapping with the members Lambda answers for a stream', async () => {
    const listed = await local.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: STREAM_ARN }));
    expect(listed.EventSourceMappings).toHaveLength(1);
    uuid = listed.EventSourceMappings?.[0]?.UUID as string;
    const { $metadata: _, ...mapping } = await get();
    expect(mapping).toEqual({
      UUID: uuid,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      ParallelizationFactor: 1,
      EventSourceArn: STREAM_ARN,
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
      LastModified: expect.any(Date),
      LastProcessingResult: 'No records processed',
      State: 'Enabled',
      StateTransitionReason: 'User action',
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failed' } },
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: false,
      MaximumRetryAttempts: 2,
      TumblingWindowInSeconds: 0,
      FunctionResponseTypes: [],
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${uuid}`,
    });
    const byFunction = await local.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'consumer' }));
    expect(byFunction.EventSourceMappings?.map((m) => m.UUID)).toEqual([uuid]);
    const other = await local.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: `${STREAM_ARN}-other` }));
    expect(other.EventSourceMappings).toEqual([]);
  });

  it('pauses a mapping with Enabled false and resumes it from where it stopped, each record handled once', async () => {
    await put('before');
    expect(await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('handled'), 1)).toEqual(['before']);
    const paused = await local.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    expect(paused.State).toBe('Disabling');
    await eventually(async () => ((await get()).State === 'Disabled' ? true : undefined), 10_000, 'Disabled');
    expect((await get()).LastProcessingResult).toBe('OK');
    await put('while-paused-1', 'while-paused-2');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rest()).toEqual([]);

    // The pause outlives a restart.
    await local.restart();
    expect((await get()).State).toBe('Disabled');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rest()).toEqual([]);

    const resumed = await local.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true, BatchSize: 50 }));
    expect(resumed).toMatchObject({ State: 'Enabling', BatchSize: 50 });
    expect((await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('handled'), 2)).sort()).toEqual(['while-paused-1', 'while-paused-2']);
    expect(await rest()).toEqual([]);
    await eventually(async () => ((await get()).State === 'Enabled' ? true : undefined), 10_000, 'Enabled');
  });

  it("fails if an update gives a member Lambda refuses for a stream, or names a mapping it doesn't have", async () => {
    await expect(
      local.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ScalingConfig: { MaximumConcurrency: 5 } })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('ScalingConfig applies only to an Amazon SQS'),
    });
    await expect(
      local.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, MaximumRecordAgeInSeconds: 30 })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await expect(local.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, TumblingWindowInSeconds: 30 }))).rejects.toMatchObject(
      {
        name: 'InvalidParameterValueException',
        message: expect.stringContaining('TumblingWindowInSeconds is not applied'),
      },
    );
    await expect(
      local.lambda.send(new UpdateEventSourceMappingCommand({ UUID: '00000000-0000-0000-0000-000000000000', Enabled: false })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await get()).State).toBe('Enabled');
  });
});
