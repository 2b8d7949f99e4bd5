/**
 * Rough throughput of the SQS service on a file-backed database (WAL, synchronous=NORMAL,
 * as the data folder opens it). Run: `npx tsx local/sqs/bench.ts [messages]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openDatabase } from '../store/data-folder.js';
import { systemClock } from '../time/clock.js';
import { SqsService } from './sqs-service.js';

const total = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(path.join(tmpdir(), 'sqs-bench-'));
const db = openDatabase(path.join(dir, 'sqs.sqlite'));
const sqs = new SqsService({ db, clock: systemClock, baseUrl: 'http://127.0.0.1:4566', accountId: '000000000000', region: 'us-east-1' });
const body = JSON.stringify({ detail: 'x'.repeat(900), at: Date.now() });
const attributes = { traceId: { DataType: 'String', StringValue: 'trace-123' } };

async function measure(label: string, count: number, work: () => Promise<void>) {
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label.padEnd(44)} ${Math.round(count / seconds)
      .toLocaleString('en-US')
      .padStart(8)} msg/s  (${count} in ${seconds.toFixed(2)} s)`,
  );
}

const drain = async (QueueUrl: string, count: number) => {
  let done = 0;
  while (done < count) {
    const { Messages } = await sqs.ReceiveMessage({
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    if (Messages.length === 0) break;
    await sqs.DeleteMessageBatch({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) });
    done += Messages.length;
  }
};

const standard = (await sqs.CreateQueue({ QueueName: 'bench' })).QueueUrl;
await measure('SendMessage (one per call)', total, async () => {
  for (let i = 0; i < total; i++) await sqs.SendMessage({ QueueUrl: standard, MessageBody: body, MessageAttributes: attributes });
});
await measure('ReceiveMessage(10) + DeleteMessageBatch', total, () => drain(standard, total));
await measure('SendMessageBatch (10 per call)', total, async () => {
  for (let i = 0; i < total; i += 10) {
    await sqs.SendMessageBatch({
      QueueUrl: standard,
      Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: body, MessageAttributes: attributes })),
    });
  }
});
await measure('receive+delete with 20k backlog', total, () => drain(standard, total));

// A producer and four long-polling consumers at once, as the local pipeline runs them.
const pipeline = (await sqs.CreateQueue({ QueueName: 'pipeline' })).QueueUrl;
await measure('end to end: 1 producer, 4 long-poll consumers', total, async () => {
  let consumed = 0;
  const consumer = async () => {
    while (consumed < total) {
      const { Messages } = await sqs.ReceiveMessage({ QueueUrl: pipeline, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 });
      if (Messages.length === 0) continue;
      await sqs.DeleteMessageBatch({
        QueueUrl: pipeline,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      });
      consumed += Messages.length;
    }
  };
  const producer = async () => {
    for (let i = 0; i < total; i++) {
      await sqs.SendMessage({ QueueUrl: pipeline, MessageBody: body });
      // Yield now and then so consumers interleave, as they would with network I/O between calls.
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all([producer(), consumer(), consumer(), consumer(), consumer()]);
});

const fifo = (await sqs.CreateQueue({ QueueName: 'bench.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }))
  .QueueUrl;
const fifoCount = Math.min(total, 5_000);
await measure('FIFO SendMessage (50 groups)', fifoCount, async () => {
  for (let i = 0; i < fifoCount; i++) await sqs.SendMessage({ QueueUrl: fifo, MessageBody: `${body}${i}`, MessageGroupId: `g${i % 50}` });
});
await measure('FIFO ReceiveMessage(10) + DeleteMessageBatch', fifoCount, () => drain(fifo, fifoCount));

sqs.close();
db.close();
rmSync(dir, { recursive: true, force: true });
