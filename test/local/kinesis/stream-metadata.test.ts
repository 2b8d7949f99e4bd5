import {
  AddTagsToStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamConsumersCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  StartStreamEncryptionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/events';

describe('StreamMetadataApi', () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly: () => assemblyOf({ Events: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'events', ShardCount: 1 } } }, 'Streams'),
    clients: ({ url }) => ({ kinesis: new KinesisClient(sdkConfig(url)) }),
  });

  it('tags a stream by name and by ARN, lists its tags in key order and removes them, as they survive a restart', async () => {
    await local.kinesis.send(new AddTagsToStreamCommand({ StreamName: 'events', Tags: { team: 'ml', env: 'dev' } }));
    await local.kinesis.send(new TagResourceCommand({ ResourceARN: STREAM_ARN, Tags: { cost: '42' } }));
    await local.restart();
    expect((await local.kinesis.send(new ListTagsForStreamCommand({ StreamName: 'events' }))).Tags).toEqual([
      { Key: 'cost', Value: '42' },
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'ml' },
    ]);
    const page = await local.kinesis.send(new ListTagsForStreamCommand({ StreamName: 'events', Limit: 1, ExclusiveStartTagKey: 'cost' }));
    expect(page).toMatchObject({ Tags: [{ Key: 'env', Value: 'dev' }], HasMoreTags: true });
    await local.kinesis.send(new RemoveTagsFromStreamCommand({ StreamARN: STREAM_ARN, TagKeys: ['env', 'team'] }));
    expect((await local.kinesis.send(new ListTagsForResourceCommand({ ResourceARN: STREAM_ARN }))).Tags).toEqual([
      { Key: 'cost', Value: '42' },
    ]);
  });

  it('fails if a resource would have more than 50 tags, or the stream is not there', async () => {
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await expect(local.kinesis.send(new AddTagsToStreamCommand({ StreamName: 'events', Tags: many }))).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
    await expect(local.kinesis.send(new AddTagsToStreamCommand({ StreamName: 'nope', Tags: { a: 'b' } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('keeps a stream encryption setting and reports it', async () => {
    await local.kinesis.send(new StartStreamEncryptionCommand({ StreamName: 'events', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
    const { StreamDescriptionSummary } = await local.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'events' }));
    expect(StreamDescriptionSummary).toMatchObject({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
  });

  it('registers, describes, lists and deregisters enhanced fan-out consumers', async () => {
    const { Consumer } = await local.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: STREAM_ARN, ConsumerName: 'reader' }));
    expect(Consumer).toEqual({
      ConsumerName: 'reader',
      ConsumerARN: expect.stringMatching(new RegExp(`^${STREAM_ARN}/consumer/reader:\\d+$`)),
      ConsumerStatus: 'ACTIVE',
      ConsumerCreationTimestamp: expect.any(Date),
    });
    const described = await local.kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: STREAM_ARN, ConsumerName: 'reader' }));
    expect(described.ConsumerDescription).toEqual({ ...Consumer, StreamARN: STREAM_ARN });
    expect((await local.kinesis.send(new ListStreamConsumersCommand({ StreamARN: STREAM_ARN }))).Consumers).toEqual([Consumer]);
    expect(
      (await local.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'events' }))).StreamDescriptionSummary?.ConsumerCount,
    ).toBe(1);
    await expect(
      local.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: STREAM_ARN, ConsumerName: 'reader' })),
    ).rejects.toMatchObject({
      name: 'ResourceInUseException',
    });
    await local.kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: Consumer?.ConsumerARN }));
    expect((await local.kinesis.send(new ListStreamConsumersCommand({ StreamARN: STREAM_ARN }))).Consumers).toEqual([]);
    await expect(
      local.kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: STREAM_ARN, ConsumerName: 'reader' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
