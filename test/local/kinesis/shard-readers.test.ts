import { describe, expect, it } from 'vitest';
import { type KinesisRecord, sequenceNumberOf } from '../../../local/kinesis/kinesis-store.js';
import type { PipeDefinition } from '../../../local/pipes/definitions.js';
import { type KinesisSource, type PipeServices, PipesService } from '../../../local/pipes/pipes-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { eventually } from '../helpers.js';
import { pipeDefinition } from '../pipes/pipe-definition.js';

const STREAM = 'arn:aws:kinesis:us-east-1:000000000000:stream/s';
const SHARDS = ['shardId-000000000000', 'shardId-000000000001'];

const MAPPING: PipeDefinition = pipeDefinition({
  name: 'esm-m',
  arn: 'm',
  sourceArn: STREAM,
  targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  mapping: { reportBatchItemFailures: false },
});

describe('PipesService reading a Kinesis stream', () => {
  it('keeps a position per shard: a shard committing after another never moves the other back, so each record is handled once', async () => {
    const clock = new ManualClock();
    // The first shard's records are older (lower positions) than the second's.
    const records: KinesisRecord[] = [
      ['a1', 0],
      ['a2', 0],
      ['b1', 1],
      ['b2', 1],
    ].map(([data, shard], index) => ({
      position: index + 1,
      streamArn: STREAM,
      shardId: SHARDS[shard as number] as string,
      sequenceNumber: sequenceNumberOf(index + 1),
      partitionKey: String(shard),
      data: Buffer.from(data as string),
      arrivalMs: clock.now(),
    }));
    const source: KinesisSource = {
      shardIds: () => SHARDS,
      read: (_arn, shardId, after, limit) => records.filter((r) => r.shardId === shardId && r.position > after).slice(0, limit),
      latestPosition: (_arn, shardId) => Math.max(0, ...records.filter((r) => r.shardId === shardId).map((r) => r.position)),
      positionBefore: () => 0,
      onRecords: () => () => {},
    };
    const handled: string[] = [];
    let failedFirst = false;
    const lambda: PipeServices['lambda'] = {
      invoke: async (_fn, event) => {
        const data = (event as { Records: { kinesis: { data: string } }[] }).Records.map((r) =>
          Buffer.from(r.kinesis.data, 'base64').toString(),
        );
        // The first shard's first batch fails, so that the second shard commits its (higher) position first.
        if (data[0] === 'a1' && !failedFirst) {
          failedFirst = true;
          return { ok: false, error: { errorType: 'Error', errorMessage: 'once' } };
        }
        handled.push(...data);
        return { ok: true, payload: 'null' };
      },
    };
    const services: PipeServices = {
      lambda,
      events: { PutEvents: async () => ({ FailedEntryCount: 0 }) },
      sqs: { queueUrlOf: (arn) => arn, SendMessage: async () => ({}) },
      states: { StartExecution: async () => ({}) },
    };
    const pipes = new PipesService({
      db: openDatabase(':memory:'),
      clock,
      pipes: [MAPPING],
      source: { readAfter: () => [], latestPosition: () => 0, onRecords: () => () => {} },
      kinesis: source,
      services,
      retryBaseMs: 50,
    });
    pipes.start();
    await eventually(async () => (handled.length >= 4 ? true : undefined), 5000, 'both shards handled');
    // Long enough for an idle reader to look at its shard again (it sleeps a second when it has read everything).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await pipes.stop();
    expect(handled.filter((d) => d.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(handled.filter((d) => d.startsWith('b'))).toEqual(['b1', 'b2']);
  });

  it('sends a batch given up on to an SNS topic on-failure destination, with its KinesisBatchInfo', async () => {
    const clock = new ManualClock();
    const record: KinesisRecord = {
      position: 7,
      streamArn: STREAM,
      shardId: 'shardId-000000000001',
      sequenceNumber: sequenceNumberOf(7),
      partitionKey: 'k',
      data: Buffer.from('poison'),
      arrivalMs: clock.now(),
    };
    const published: { TopicArn: string; Message: string }[] = [];
    const pipes = new PipesService({
      db: openDatabase(':memory:'),
      clock,
      pipes: [{ ...MAPPING, maximumRetryAttempts: 0, deadLetterArn: 'arn:aws:sns:us-east-1:000000000000:failures' }],
      source: { readAfter: () => [], latestPosition: () => 0, onRecords: () => () => {} },
      kinesis: {
        shardIds: () => [record.shardId],
        read: (_arn, _shard, after) => (after < record.position ? [record] : []),
        latestPosition: () => record.position,
        positionBefore: () => 0,
        onRecords: () => () => {},
      },
      services: {
        lambda: { invoke: async () => ({ ok: false, error: { errorType: 'Error', errorMessage: 'poisoned' } }) },
        events: { PutEvents: async () => ({ FailedEntryCount: 0 }) },
        sqs: { queueUrlOf: (arn) => arn, SendMessage: async () => ({}) },
        states: { StartExecution: async () => ({}) },
        sns: {
          Publish: async (input) => {
            published.push(input);
            return {};
          },
        },
      },
      retryBaseMs: 5,
    });
    pipes.start();
    await pipes.idle();
    await pipes.stop();
    expect(published.map((p) => p.TopicArn)).toEqual(['arn:aws:sns:us-east-1:000000000000:failures']);
    expect(JSON.parse(published[0]?.Message as string)).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1, functionArn: MAPPING.targetArn },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      KinesisBatchInfo: {
        shardId: 'shardId-000000000001',
        startSequenceNumber: record.sequenceNumber,
        endSequenceNumber: record.sequenceNumber,
        batchSize: 1,
        streamArn: STREAM,
      },
    });
  });
});
