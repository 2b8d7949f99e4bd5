import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, s3Client } from '../restartable-runtime.js';
import { inlineFunction } from '../template-resources.js';

/** The processor of firehose-transformation-cdk-typescript's shape: adds a field to each JSON record, drops those marked so. */
const PROCESSOR = `
exports.handler = async (event) => ({
  records: event.records.map((r) => {
    const item = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
    if (item.drop) return { recordId: r.recordId, result: 'Dropped', data: r.data };
    const data = Buffer.from(JSON.stringify({ ...item, processed: true }) + '\\n').toString('base64');
    return { recordId: r.recordId, result: 'Ok', data };
  }),
});`;

const clock = new AdvanceableClock();
const app = restartableRuntime({
  assembly: () =>
    assemblyOf({
      Landing: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'landing' } },
      Enrich: inlineFunction(PROCESSOR, { FunctionName: 'enrich' }),
      Stream: {
        Type: 'AWS::KinesisFirehose::DeliveryStream',
        Properties: {
          DeliveryStreamName: 'orders',
          DeliveryStreamType: 'DirectPut',
          ExtendedS3DestinationConfiguration: {
            BucketARN: { 'Fn::GetAtt': ['Landing', 'Arn'] },
            Prefix: 'orders/',
            BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 1 },
            ProcessingConfiguration: {
              Enabled: true,
              Processors: [
                { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: { 'Fn::GetAtt': ['Enrich', 'Arn'] } }] },
                // Not run locally: named once at start-up.
                { Type: 'AppendDelimiterToRecord', Parameters: [{ ParameterName: 'Delimiter', ParameterValue: '\\n' }] },
              ],
            },
          },
        },
      },
    }),
  ownsAssembly: true,
  options: { clock },
  clients: (runtime) => ({ s3: s3Client(runtime.url) }),
});

/** A Firehose request as the AWS CLI sends it (JSON 1.1). */
async function firehose(operation: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await fetch(app.runtime.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Firehose_20150804.${operation}` },
    body: JSON.stringify(body),
  });
  const json = (await answer.json()) as Record<string, unknown>;
  if (!answer.ok) throw new Error(`${operation}: ${answer.status} ${JSON.stringify(json)}`);
  return json;
}

const record = (item: unknown) => ({ Data: Buffer.from(JSON.stringify(item)).toString('base64') });

/** The bodies of the objects under `orders/`, once there are `count`. */
async function delivered(count: number): Promise<string[]> {
  return eventually(async () => {
    const { Contents = [] } = await app.s3.send(new ListObjectsV2Command({ Bucket: 'landing', Prefix: 'orders/' }));
    if (Contents.length < count) return undefined;
    return Promise.all(
      Contents.map(
        async ({ Key }) => (await app.s3.send(new GetObjectCommand({ Bucket: 'landing', Key }))).Body?.transformToString() ?? '',
      ),
    );
  });
}

describe('Firehose delivery streams of a template', () => {
  it('names a processor it does not run once among the start-up warnings', () => {
    const named = app.runtime.warnings.filter((line) => line.includes('AppendDelimiterToRecord processor is not run locally'));
    expect(named).toHaveLength(1);
  });

  it('names each stream in the start-up report with where it delivers', async () => {
    const reports = await app.runtime.serviceReports();
    expect(reports.flatMap((r) => r.lines ?? []).join('\n')).toContain(
      'orders → s3://landing/orders/ (flushed every 60 s or at 1 MB, through enrich)',
    );
    expect((await firehose('DescribeDeliveryStream', { DeliveryStreamName: 'orders' })).DeliveryStreamDescription).toMatchObject({
      DeliveryStreamARN: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/orders',
    });
  });

  it('delivers PutRecordBatch records through the processor as one object once the buffer interval has passed', async () => {
    const answer = await firehose('PutRecordBatch', {
      DeliveryStreamName: 'orders',
      Records: [record({ id: 1 }), record({ id: 2, drop: true }), record({ id: 3 })],
    });
    expect(answer).toMatchObject({ FailedPutCount: 0, Encrypted: false });
    await clock.advanceTo(clock.now() + 60_000, { timeoutMs: 10_000 });
    expect(await delivered(1)).toEqual(['{"id":1,"processed":true}\n{"id":3,"processed":true}\n']);
  });

  it('delivers after a restart the records it accepted before it', async () => {
    await firehose('PutRecord', { DeliveryStreamName: 'orders', Record: record({ id: 4 }) });
    await app.restart();
    await clock.advanceTo(clock.now() + 60_000, { timeoutMs: 10_000 });
    expect(await delivered(2)).toContain('{"id":4,"processed":true}\n');
  });
});
