import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { type DiscardedBatchesPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { runCli } from '../../cli/run-cli.js';
import { assemblyOf } from '../assembly.js';
import { eventually, receiveBodies } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { eventSourceMapping, inlineFunction } from '../template-resources.js';

const THROWS = `exports.handler = async () => { throw new Error('no stock for o-1'); };`;
const stream = (name: string) => ({ Type: 'AWS::Kinesis::Stream', Properties: { Name: name, ShardCount: 1 } });

const logs: string[] = [];

const local = restartableRuntime({
  ownsAssembly: true,
  assembly: () =>
    assemblyOf({
      Clicks: stream('clicks'),
      Orders: stream('orders'),
      Piped: stream('piped'),
      // A pipe without a dead-letter queue, to the same function: what it gives up on is skipped too.
      Pipe: {
        Type: 'AWS::Pipes::Pipe',
        Properties: {
          Name: 'skipping-pipe',
          RoleArn: 'arn:aws:iam::000000000000:role/pipe',
          Source: { 'Fn::GetAtt': ['Piped', 'Arn'] },
          SourceParameters: { KinesisStreamParameters: { StartingPosition: 'TRIM_HORIZON', MaximumRetryAttempts: 0 } },
          Target: { 'Fn::GetAtt': ['Thrower', 'Arn'] },
        },
      },
      OrdersFailed: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders-failed' } },
      Thrower: inlineFunction(THROWS, { FunctionName: 'thrower' }),
      OrderThrower: inlineFunction(THROWS, { FunctionName: 'order-thrower' }),
      // No on-failure destination: what it gives up on is skipped.
      ClicksMapping: eventSourceMapping('Clicks', 'Thrower', { StartingPosition: 'TRIM_HORIZON', BatchSize: 10, MaximumRetryAttempts: 1 }),
      OrdersMapping: eventSourceMapping('Orders', 'OrderThrower', {
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10,
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['OrdersFailed', 'Arn'] } } },
      }),
    }),
  options: { pipesRetryBaseMs: 20, log: (line) => logs.push(line) },
  clients: ({ url }) => ({ kinesis: new KinesisClient(sdkConfig(url)), sqs: new SQSClient(sdkConfig(url)) }),
});

async function discardedPage(query = ''): Promise<DiscardedBatchesPage> {
  const answer = await fetch(`${local.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.discardedBatches}${query}`);
  expect(answer.status).toBe(200);
  return (await answer.json()) as DiscardedBatchesPage;
}

async function discarded(): Promise<DiscardedBatchesPage['batches']> {
  return (await discardedPage()).batches;
}

async function failureRows(): Promise<{ kind: string; source: string; id: string; error: string; reason: string; what: string }[]> {
  const listed = await runCli(['failures', '--json', '--endpoint', local.runtime.url, '--cdk-out', local.cdkOut]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout).failures;
}

const put = (name: string, ...data: string[]) =>
  local.kinesis.send(new PutRecordsCommand({ StreamName: name, Records: data.map((d) => ({ PartitionKey: 'k', Data: Buffer.from(d) })) }));

describe('stream batches a mapping gave up on (the read API and switchyard failures)', () => {
  it('lists a batch given up on with no on-failure destination: function, stream, shard, sequence numbers, count, reason; after a restart too', async () => {
    const sent = await put('clicks', 'c-1', 'c-2');
    const [first, second] = sent.Records ?? [];
    const [batch, ...more] = await eventually(async () => {
      const batches = await discarded();
      return batches.length > 0 ? batches : undefined;
    });
    expect(more).toEqual([]);
    expect(batch).toMatchObject({
      consumerKind: 'event source mapping',
      functionName: 'thrower',
      targetArn: expect.stringContaining(':function:thrower'),
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
      source: 'clicks',
      shardId: first?.ShardId,
      startSequenceNumber: first?.SequenceNumber,
      endSequenceNumber: second?.SequenceNumber,
      batchSize: 2,
      condition: 'RetryAttemptsExhausted',
      limit: 'MaximumRetryAttempts 1',
      attempts: 2,
      reason: 'the function failed: Error: no stock for o-1',
    });
    expect(Date.now() - Date.parse(batch?.discardedAt ?? '')).toBeLessThan(60_000);
    // The dev log names the function and the stream, not only the mapping's internal name.
    expect(logs.find((line) => line.includes('record(s) skipped'))).toMatch(
      /^\[pipes\] event source mapping [0-9a-f-]+ \(function thrower, stream clicks\): 2 record\(s\) skipped \(shard shardId-000000000000, sequence numbers \d+ to \d+; RetryAttemptsExhausted, MaximumRetryAttempts 1: the function failed: Error: no stock for o-1\): no on-failure destination/,
    );

    const row = (await failureRows()).find((r) => r.kind === 'discarded');
    expect(row).toEqual(
      expect.objectContaining({
        source: 'clicks',
        id: `${first?.SequenceNumber}-${second?.SequenceNumber}`,
        error: 'RetryAttemptsExhausted',
        what: `2 records of ${first?.ShardId}`,
        reason:
          'function thrower gave up on them after 2 attempts (RetryAttemptsExhausted, MaximumRetryAttempts 1): the function failed: Error: no stock for o-1; no on-failure destination: the records are skipped',
      }),
    );
    const table = await runCli(['failures', '--endpoint', local.runtime.url, '--cdk-out', local.cdkOut, '--source', 'thrower']);
    expect(table.stdout).toMatch(/clicks +discarded +\d+-\d+ +2 records of shardId-000000000000 +function thrower gave up/);

    // Kept in the data folder: a restart (the checkpoint past the batch) still lists it, and delivers nothing again.
    await local.restart();
    await local.runtime.pipes.idle();
    expect(await discarded()).toEqual([batch]);
  });

  it('does not list a batch it described in its on-failure destination', async () => {
    await put('orders', 'o-1');
    const [record] = (await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('orders-failed'), 1)).map((b) => JSON.parse(b));
    expect(record).toMatchObject({ requestContext: { condition: 'RetryAttemptsExhausted' }, KinesisBatchInfo: { batchSize: 1 } });
    await local.runtime.pipes.idle();
    expect((await discarded()).map((b) => b.source)).not.toContain('orders');
    expect((await failureRows()).filter((r) => r.kind === 'discarded').map((r) => r.source)).not.toContain('orders');
  });

  it('lists a batch a pipe from a stream gave up on with no dead-letter queue', async () => {
    const sent = await put('piped', 'p-1');
    const batch = await eventually(async () => (await discarded()).find((b) => b.source === 'piped'));
    expect(batch).toMatchObject({
      consumerKind: 'pipe',
      consumer: 'skipping-pipe',
      startSequenceNumber: sent.Records?.[0]?.SequenceNumber,
      batchSize: 1,
      condition: 'RetryAttemptsExhausted',
      limit: 'MaximumRetryAttempts 0',
      attempts: 1,
      reason: 'the target function failed: Error: no stock for o-1',
    });
    expect(batch.functionName).toBeUndefined();
    const row = (await failureRows()).find((r) => r.kind === 'discarded' && r.source === 'piped');
    expect(row?.reason).toBe(
      'pipe skipping-pipe gave up on them after 1 attempt (RetryAttemptsExhausted, MaximumRetryAttempts 0): the target function failed: Error: no stock for o-1; no dead-letter queue: the records are skipped',
    );
  });

  it('lists the batches of one source before it pages, so an older batch of it is not hidden behind newer ones of others', async () => {
    // By now the clicks batch is older than the pipe's: a first page of one, filtered after paging, held only the pipe's.
    await eventually(async () => ((await discarded()).length >= 2 ? true : undefined));
    const page = await discardedPage('?source=clicks&limit=1');
    expect(page.batches.map((b) => b.source)).toEqual(['clicks']);
    expect(page.nextToken).toBeUndefined();
    expect((await discardedPage('?source=skipping-pipe')).batches.map((b) => b.consumer)).toEqual(['skipping-pipe']);
    expect((await discardedPage('?source=arn:aws:kinesis:us-east-1:000000000000:stream/piped')).batches).toHaveLength(1);
    const bySource = await runCli([
      'failures',
      '--json',
      '--endpoint',
      local.runtime.url,
      '--cdk-out',
      local.cdkOut,
      '--source',
      'clicks',
      '--limit',
      '1',
    ]);
    expect(JSON.parse(bySource.stdout).failures.map((r: { source: string }) => r.source)).toEqual(['clicks']);
  });

  it('fails if --source names nothing: no queue or flow, and no stream, function or pipe that skipped records', async () => {
    const listed = await runCli(['failures', '--endpoint', local.runtime.url, '--cdk-out', local.cdkOut, '--source', 'clickz']);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toMatch(/no source "clickz" .*; nor did a stream, function, mapping or pipe of that name skip stream records/);
  });
});
