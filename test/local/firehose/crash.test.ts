import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { CRASH_POINT_VARIABLE } from '../../../local/store/crash-points.js';
import type { TestApp } from '../../../testing/index.js';
import { crashClients, useCrashableApps } from '../../helpers/crashable-apps.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';

/** Apps on a runtime in a process of its own, which `crash()` kills with SIGKILL and starts again on the same data folder. */
const crashable = useCrashableApps({ iam: 'off' });

/** A bucket and a DirectPut stream to it, flushed every second (so a test waits for no long buffer). */
const assembly = () =>
  assemblyOf({
    Landing: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'landing' } },
    Stream: {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: {
        DeliveryStreamName: 'clicks',
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          BucketARN: { 'Fn::GetAtt': ['Landing', 'Arn'] },
          Prefix: 'clicks/',
          BufferingHints: { IntervalInSeconds: 1, SizeInMBs: 1 },
        },
      },
    },
  });

/** PutRecordBatch as the AWS CLI sends it (JSON 1.1): each record a line. */
async function putRecords(endpoint: string, lines: readonly string[]): Promise<void> {
  const answer = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Firehose_20150804.PutRecordBatch' },
    body: JSON.stringify({
      DeliveryStreamName: 'clicks',
      Records: lines.map((line) => ({ Data: Buffer.from(`${line}\n`).toString('base64') })),
    }),
  });
  if (!answer.ok) throw new Error(`PutRecordBatch: ${answer.status} ${await answer.text()}`);
  const json = (await answer.json()) as { FailedPutCount?: number };
  if (json.FailedPutCount !== 0) throw new Error(`PutRecordBatch refused ${json.FailedPutCount} records`);
}

/** Every line of every object under `clicks/`, as often as S3 holds it. */
async function delivered(s3: S3Client): Promise<string[]> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'landing', Prefix: 'clicks/' }));
  const lines: string[] = [];
  for (const { Key } of Contents) {
    const object = await s3.send(new GetObjectCommand({ Bucket: 'landing', Key }));
    lines.push(...((await object.Body?.transformToString()) ?? '').split('\n').filter((line) => line !== ''));
  }
  return lines;
}

/** Waits until S3 holds every line of `expected`, then answers what it holds. */
async function deliveredAll(s3: S3Client, expected: readonly string[]): Promise<string[]> {
  let lines: string[] = [];
  await eventually(
    async () => {
      lines = await delivered(s3);
      const held = new Set(lines);
      return expected.every((line) => held.has(line)) ? true : undefined;
    },
    30_000,
    'every accepted record in S3',
  );
  return lines;
}

/** How many records and planned batches the stream's buffer holds, read beside the runtime in its data folder. */
function buffered(dataDir: string): number {
  const db = new DatabaseSync(path.join(dataDir, 'firehose.sqlite'), { readOnly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return count('firehose_records') + count('firehose_batches');
  } finally {
    db.close();
  }
}

/** The lines S3 holds more than once. */
const repeated = (lines: readonly string[]) => lines.filter((line, i) => lines.indexOf(line) !== i);

async function startArmed(cdkOut: string): Promise<TestApp> {
  // The variable is read by the runtime's own process when it starts (and by its restart).
  process.env[CRASH_POINT_VARIABLE] = 'firehose-after-delivery';
  try {
    return await crashable(cdkOut);
  } finally {
    delete process.env[CRASH_POINT_VARIABLE];
  }
}

describe('the local Firehose killed', () => {
  it('delivers to S3, once each, every record PutRecordBatch accepted before a SIGKILL', async () => {
    const running = await crashable(assembly());
    const { config } = crashClients(running, { forcePathStyle: true });
    const s3 = new S3Client(config);
    const accepted: string[] = [];
    let stopped = false;
    const writers = Array.from({ length: 3 }, async (_, writer) => {
      for (let n = 0; !stopped; n++) {
        const lines = Array.from({ length: 5 }, (_, i) => `w${writer}-${n}-${i}`);
        try {
          await putRecords(running.endpoint, lines);
          accepted.push(...lines);
        } catch {
          return; // The process is gone: this batch was not acknowledged.
        }
      }
    });
    await eventually(async () => (accepted.length >= 100 ? true : undefined), 30_000, 'some records accepted');
    // The SIGKILL goes out within the call, while batches are arriving; the restart on the same data follows.
    const crashed = running.crash();
    stopped = true;
    await Promise.all(writers);
    await crashed;

    const lines = await deliveredAll(s3, accepted);
    // A batch the kill cut may have been committed unanswered: it is delivered once too, never twice.
    expect(repeated(lines)).toEqual([]);
    s3.destroy();
  }, 120_000);

  it('delivers a batch once when the runtime dies after writing its object and before deleting its records', async () => {
    const running = await startArmed(assembly());
    const { config } = crashClients(running, { forcePathStyle: true });
    const s3 = new S3Client(config);
    const lines = Array.from({ length: 20 }, (_, n) => `r${n}`);
    await putRecords(running.endpoint, lines);
    // The flush a second later writes the object and kills the runtime at its crash point: crash() starts it again.
    await eventually(
      async () =>
        (await fetch(running.endpoint).then(
          () => false,
          () => true,
        ))
          ? true
          : undefined,
      30_000,
      'the runtime to die at its crash point',
    );
    await running.crash();

    await deliveredAll(s3, lines);
    await eventually(async () => (buffered(running.dataDir) === 0 ? true : undefined), 30_000, 'the batch delivered again');
    const held = await delivered(s3);
    // The restart delivered the batch again, under the same key: S3 holds each record once.
    expect(held.sort()).toEqual([...lines].sort());
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'landing', Prefix: 'clicks/' }));
    expect(Contents).toHaveLength(1);
    s3.destroy();
  }, 120_000);
});
