import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';
import { freePort, RuntimeProcesses } from '../runtime-process.js';
import { eventSourceMapping } from '../template-resources.js';
import { forwardingConsumer } from './forwarding-consumer.js';

const BATCH = 5;

function assembly() {
  return assemblyOf(
    {
      Granted: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'granted', ShardCount: 1 } },
      Feed: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'feed', ShardCount: 1 } },
      Handled: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'handled' } },
      Consumer: forwardingConsumer(50, { Timeout: 30 }),
      Mapping: eventSourceMapping('Feed', 'Consumer', { StartingPosition: 'TRIM_HORIZON', BatchSize: BATCH }),
    },
    'Streams',
  );
}

describe('the local Kinesis killed', () => {
  const processes = new RuntimeProcesses();
  afterAll(() => processes.killAll());

  it('keeps every record PutRecord accepted before a SIGKILL', async () => {
    const cdkOut = assembly();
    const dataDir = tempDataDir();
    const port = await freePort();
    const first = await processes.start(cdkOut, dataDir, port);
    const client = new KinesisClient({ endpoint: `http://127.0.0.1:${port}`, region, credentials, maxAttempts: 1 });
    const accepted: string[] = [];
    const writers = Array.from({ length: 4 }, async (_, writer) => {
      for (let n = 0; ; n++) {
        const data = `w${writer}-${n}`;
        try {
          await client.send(new PutRecordCommand({ StreamName: 'granted', PartitionKey: `w${writer}`, Data: Buffer.from(data) }));
          accepted.push(data);
        } catch {
          return; // The process is gone.
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    first.child.kill('SIGKILL');
    await Promise.all(writers);
    await processes.start(cdkOut, dataDir, port);
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: 'granted', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
    const kept = new Set(Records?.map((r) => Buffer.from(r.Data ?? []).toString('utf8')));
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.filter((data) => !kept.has(data))).toEqual([]);
    client.destroy();
  });

  it('handles every record after a SIGKILL in the middle of a batch, again at most the batch in flight', async () => {
    const cdkOut = assembly();
    const dataDir = tempDataDir();
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const first = await processes.start(cdkOut, dataDir, port);
    const kinesis = new KinesisClient({ endpoint, region, credentials });
    const sqs = new SQSClient({ endpoint, region, credentials });
    const records = Array.from({ length: 4 * BATCH }, (_, n) => ({ PartitionKey: 'k', Data: Buffer.from(`r${n}`) }));
    await kinesis.send(new PutRecordsCommand({ StreamName: 'feed', Records: records }));
    const QueueUrl = `${endpoint}/000000000000/handled`;
    const handled: string[] = [];
    const receive = async () => {
      const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of answer.Messages ?? []) {
        handled.push(m.Body ?? '');
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    };
    // Killed once the second batch is under way.
    await eventually(
      async () => {
        await receive();
        return handled.length > BATCH ? true : undefined;
      },
      20_000,
      'the second batch',
    );
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await processes.start(cdkOut, dataDir, port);
    const all = records.map((r) => Buffer.from(r.Data).toString());
    await eventually(
      async () => {
        await receive();
        return all.every((data) => handled.includes(data)) ? true : undefined;
      },
      30_000,
      'every record handled',
    );
    expect(handled.length - all.length).toBeLessThanOrEqual(BATCH);
    kinesis.destroy();
    sqs.destroy();
  });
});
