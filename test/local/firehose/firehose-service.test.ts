import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliveryStreamDefinition, DeliveryTargets } from '../../../local/firehose/delivery.js';
import { FirehoseService } from '../../../local/firehose/firehose-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { useTempFolders } from '../../helpers/temp-folders.js';

const STREAM: DeliveryStreamDefinition = {
  name: 'clicks',
  bucketArn: 'arn:aws:s3:::landing',
  intervalSeconds: 60,
  sizeMb: 1,
};
const PROCESSOR = 'arn:aws:lambda:us-east-1:000000000000:function:enrich';

type Handler = (event: { records: { recordId: string; data: string }[] }) => unknown;

/** Targets that keep the objects put, and answer invocations with `handler` (a throw is the function's error). */
function fakeTargets(handler?: Handler) {
  const objects = new Map<string, string>();
  const invocations: unknown[] = [];
  const targets: DeliveryTargets = {
    putObject: (bucket, key, body) => void objects.set(`${bucket}/${key}`, body.toString('utf8')),
    invoke: async (_fn, event) => {
      invocations.push(event);
      try {
        return { ok: true, payload: JSON.stringify(handler?.(event as Parameters<Handler>[0])) };
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      }
    },
  };
  return { objects, invocations, targets };
}

const logged: string[] = [];

function service(stream: DeliveryStreamDefinition, targets: DeliveryTargets, file = ':memory:', clock = new ManualClock()) {
  const db = openDatabase(file);
  const onError = (error: Error) => {
    throw error;
  };
  const firehose = new FirehoseService({
    db,
    clock,
    region: 'us-east-1',
    accountId: '000000000000',
    targets,
    onError,
    log: (line) => logged.push(line),
  });
  firehose.declare([stream]);
  return { firehose, clock, db };
}

const data = (text: string) => ({ Data: Buffer.from(text).toString('base64') });
const decode = (d: string) => Buffer.from(d, 'base64').toString('utf8');

describe('FirehoseService', () => {
  const { folder } = useTempFolders('firehose-');

  it('answers PutRecordBatch with a RecordId a record and delivers them as one object once the interval has passed, concatenated', async () => {
    const { objects, targets } = fakeTargets();
    const { firehose, clock } = service({ ...STREAM, prefix: 'raw/' }, targets);
    const answer = await firehose.PutRecordBatch({ DeliveryStreamName: 'clicks', Records: [data('{"a":1}\n'), data('{"a":2}\n')] });
    expect(answer).toMatchObject({ FailedPutCount: 0, Encrypted: false });
    expect(answer.RequestResponses).toHaveLength(2);
    expect(answer.RequestResponses[0]?.RecordId).toMatch(/^[0-9a-f]{64}$/);

    clock.advance(59_000);
    await firehose.runDue();
    expect(objects.size).toBe(0);

    clock.advance(1_000);
    await firehose.runDue();
    expect([...objects.entries()]).toEqual([
      [expect.stringMatching(/^landing\/raw\/2026\/01\/01\/00\/clicks-1-2026-01-01-00-01-00-[0-9a-f-]{36}$/), '{"a":1}\n{"a":2}\n'],
    ]);
  });

  it('flushes at once when the buffer reaches SizeInMBs', async () => {
    const { objects, targets } = fakeTargets();
    const { firehose } = service(STREAM, targets);
    const big = 'x'.repeat(600 * 1024);
    await firehose.PutRecord({ DeliveryStreamName: 'clicks', Record: data(big) });
    await firehose.runDue();
    expect(objects.size).toBe(0);
    await firehose.PutRecord({ DeliveryStreamName: 'clicks', Record: data(big) });
    await firehose.runDue();
    // One megabyte an object: the first record now, the second left for its interval.
    expect([...objects.values()].map((body) => body.length)).toEqual([big.length]);
  });

  it('applies the Lambda processor: Ok records delivered as it answered them, Dropped ones left out, ProcessingFailed ones to processing-failed/', async () => {
    const { objects, invocations, targets } = fakeTargets((event) => ({
      records: event.records.map((r) => {
        const text = decode(r.data);
        if (text === 'drop') return { recordId: r.recordId, result: 'Dropped', data: r.data };
        if (text === 'bad') return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
        return { recordId: r.recordId, result: 'Ok', data: Buffer.from(`${text.toUpperCase()}\n`).toString('base64') };
      }),
    }));
    const { firehose, clock } = service({ ...STREAM, processor: { lambdaArn: PROCESSOR, retries: 3 } }, targets);
    await firehose.PutRecordBatch({ DeliveryStreamName: 'clicks', Records: [data('one'), data('drop'), data('bad'), data('two')] });
    clock.advance(60_000);
    await firehose.runDue();

    expect(invocations).toEqual([
      {
        invocationId: expect.any(String),
        deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks',
        region: 'us-east-1',
        records: ['one', 'drop', 'bad', 'two'].map((text) => ({
          recordId: expect.any(String),
          approximateArrivalTimestamp: Date.UTC(2026, 0, 1),
          data: Buffer.from(text).toString('base64'),
        })),
      },
    ]);
    const delivered = [...objects.entries()].find(([key]) => key.startsWith('landing/2026/'));
    expect(delivered?.[1]).toBe('ONE\nTWO\n');
    const failed = [...objects.entries()].find(([key]) => key.startsWith('landing/processing-failed/2026/01/01/00/clicks-1-'));
    expect(
      failed?.[1]
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      expect.objectContaining({
        errorCode: 'Lambda.ProcessingFailedStatus',
        rawData: Buffer.from('bad').toString('base64'),
        lambdaArn: PROCESSOR,
      }),
    ]);
  });

  it('delivers the source records as they were put under the backup prefix when S3BackupMode is Enabled', async () => {
    const { objects, targets } = fakeTargets((event) => ({
      records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: Buffer.from('changed').toString('base64') })),
    }));
    const stream = {
      ...STREAM,
      prefix: 'out/',
      processor: { lambdaArn: PROCESSOR, retries: 3 },
      backup: { bucketArn: 'arn:aws:s3:::archive', prefix: 'source/' },
    };
    const { firehose, clock } = service(stream, targets);
    await firehose.PutRecordBatch({ DeliveryStreamName: 'clicks', Records: [data('a'), data('b')] });
    clock.advance(60_000);
    await firehose.runDue();
    const byPrefix = (prefix: string) => [...objects.entries()].filter(([key]) => key.startsWith(prefix)).map(([, body]) => body);
    expect(byPrefix('landing/out/2026/')).toEqual(['changedchanged']);
    expect(byPrefix('archive/source/2026/01/01/00/clicks-1-')).toEqual(['ab']);
  });

  it('retries an invocation that fails NumberOfRetries times, then writes the batch to the ErrorOutputPrefix', async () => {
    const { objects, invocations, targets } = fakeTargets(() => {
      throw new Error('processor crashed');
    });
    const { firehose, clock } = service(
      { ...STREAM, errorOutputPrefix: 'errors/', processor: { lambdaArn: PROCESSOR, retries: 2 } },
      targets,
    );
    await firehose.PutRecord({ DeliveryStreamName: 'clicks', Record: data('one') });
    clock.advance(60_000);
    await firehose.runDue();
    expect(invocations).toHaveLength(3);
    expect([...objects.keys()]).toEqual([expect.stringMatching(/^landing\/errors\/2026\/01\/01\/00\/clicks-1-/)]);
    expect(logged.at(-1)).toMatch(
      /^firehose clicks: 1 of 1 records failed processing \(Lambda\.FunctionError\); written to s3:\/\/landing\/errors\/2026\//,
    );
    expect(JSON.parse([...objects.values()][0] ?? '')).toMatchObject({
      errorCode: 'Lambda.FunctionError',
      errorMessage: 'processor crashed',
      attemptsMade: 3,
    });
  });

  it('delivers after a restart what it accepted before it', async () => {
    const file = path.join(folder(), 'firehose.sqlite');
    const before = service(STREAM, fakeTargets().targets, file);
    await before.firehose.PutRecord({ DeliveryStreamName: 'clicks', Record: data('kept') });
    before.db.close();

    const { objects, targets } = fakeTargets();
    const after = service(STREAM, targets, file, before.clock);
    after.clock.advance(60_000);
    await after.firehose.runDue();
    expect([...objects.values()]).toEqual(['kept']);
    after.db.close();
  });

  it('answers ResourceNotFoundException for a stream it does not have, and describes and lists the ones it has', async () => {
    const { firehose } = service({ ...STREAM, processor: { lambdaArn: PROCESSOR, retries: 3 } }, fakeTargets().targets);
    await expect(firehose.PutRecord({ DeliveryStreamName: 'nope', Record: data('x') })).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
    expect(await firehose.ListDeliveryStreams({})).toEqual({ DeliveryStreamNames: ['clicks'], HasMoreDeliveryStreams: false });
    const { DeliveryStreamDescription } = await firehose.DescribeDeliveryStream({ DeliveryStreamName: 'clicks' });
    expect(DeliveryStreamDescription).toMatchObject({
      DeliveryStreamARN: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks',
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamType: 'DirectPut',
    });
  });
});
