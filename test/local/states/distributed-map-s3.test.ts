import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import { checksumOf } from '../../../local/s3/checksums.js';
import { assemblyOf } from '../assembly.js';
import { executionEnded } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';
import { ROLE } from './helpers.js';

const BUCKET = 'catalog';

/** A distributed Map over `reader`, each item passed through `{item, index}`; `extra` adds fields to the Map (a ResultWriter) or leaves one out (undefined). */
function mapMachine(reader: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ...(reader ? { ItemReader: reader } : {}),
        ItemSelector: { 'item.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Echo',
          States: {
            Echo: {
              Type: 'Choice',
              Choices: [{ Variable: '$.item.fail', IsPresent: true, Next: 'Fail' }],
              Default: 'Done',
            },
            Fail: { Type: 'Fail', Error: 'Item.Bad', Cause: 'asked to fail' },
            Done: { Type: 'Pass', End: true },
          },
        },
        ...extra,
        End: true,
      },
    },
  });
}

const MACHINES: Record<string, string> = {
  json: mapMachine({
    Resource: 'arn:aws:states:::s3:getObject',
    ReaderConfig: { InputType: 'JSON' },
    Parameters: { Bucket: BUCKET, 'Key.$': '$.key' },
  }),
  csv: mapMachine({
    Resource: 'arn:aws:states:::s3:getObject',
    ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', MaxItems: 2 },
    Parameters: { Bucket: BUCKET, Key: 'items.csv' },
  }),
  listing: mapMachine({
    Resource: 'arn:aws:states:::s3:listObjectsV2',
    Parameters: { Bucket: BUCKET, Prefix: 'images/' },
  }),
  exported: mapMachine(
    { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSONL' }, Parameters: { Bucket: BUCKET, Key: 'items.jsonl' } },
    {
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: BUCKET, Prefix: 'results' } },
      ToleratedFailureCount: 1,
    },
  ),
  // Each child answers its item, a list: FLATTEN joins the lists.
  flattened: mapMachine(undefined, {
    ItemsPath: '$.lists',
    ItemSelector: undefined,
    ResultWriter: { WriterConfig: { Transformation: 'FLATTEN', OutputType: 'JSON' } },
  }),
  inventory: mapMachine({
    Resource: 'arn:aws:states:::s3:getObject',
    ReaderConfig: { InputType: 'MANIFEST' },
    Parameters: { Bucket: BUCKET, Key: 'inventory/manifest.json' },
  }),
  sdk: JSON.stringify({
    StartAt: 'Put',
    States: {
      Put: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
        Parameters: { Bucket: BUCKET, Key: 'notes/hello.txt', Body: 'hello from a state machine' },
        ResultPath: '$.put',
        Next: 'Get',
      },
      Get: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
        Parameters: { Bucket: BUCKET, Key: 'notes/hello.txt' },
        ResultSelector: { 'body.$': '$.Body', 'type.$': '$.ContentType', 'encryption.$': '$.ServerSideEncryption' },
        ResultPath: '$.got',
        Next: 'List',
      },
      List: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:s3:listObjects',
        Parameters: { Bucket: BUCKET, Prefix: 'notes/' },
        ResultSelector: { 'keys.$': '$.Contents[*].Key', 'marker.$': '$.Marker' },
        ResultPath: '$.listed',
        Next: 'Missing',
      },
      Missing: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:s3:listObjects',
        Parameters: { Bucket: 'no-such-bucket-here' },
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.missing', Next: 'Done' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  }),
};

function assembly(): string {
  const machines = Object.fromEntries(
    Object.entries(MACHINES).map(([name, definition]) => [
      name,
      { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: name, DefinitionString: definition, RoleArn: ROLE } },
    ]),
  );
  return assemblyOf({ Catalog: { Type: 'AWS::S3::Bucket', Properties: { BucketName: BUCKET } }, ...machines }, 'Maps');
}

const app = restartableRuntime({
  assembly,
  ownsAssembly: true,
  clients: ({ url }) => ({ sfn: new SFNClient(sdkConfig(url)), s3: s3Client(url) }),
});

beforeAll(async () => {
  const put = (Key: string, Body: string) => app.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  await put('items.json', JSON.stringify([{ id: 'a' }, { id: 'b' }, { id: 'c' }]));
  await put('items.csv', 'id,name\n1,"Widget, large"\n2,Gadget\n3,Gizmo\n');
  await put('items.jsonl', '{"id":1}\n{"id":2,"fail":true}\n{"id":3}\n');
  await put('images/one.jpg', 'x');
  await put('images/two.jpg', 'yy');
  await put('other.txt', 'z');
});

async function run(machine: string, input: unknown = {}) {
  const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${machine}`;
  const { executionArn } = await app.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  return executionEnded(app.sfn, String(executionArn));
}

async function objectText(Key: string): Promise<string> {
  const object = await app.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
  return (await object.Body?.transformToString()) ?? '';
}

describe('Distributed Map with an S3 ItemReader and ResultWriter', () => {
  it('iterates over the items of a JSON array object its ItemReader reads', async () => {
    const ended = await run('json', { key: 'items.json' });
    expect(ended.status, ended.cause).toBe('SUCCEEDED');
    expect(JSON.parse(String(ended.output))).toEqual([
      { item: { id: 'a' }, index: 0 },
      { item: { id: 'b' }, index: 1 },
      { item: { id: 'c' }, index: 2 },
    ]);
  });

  it('reads a CSV object by its header row, every value a string, up to MaxItems', async () => {
    const ended = await run('csv');
    expect(JSON.parse(String(ended.output))).toEqual([
      { item: { id: '1', name: 'Widget, large' }, index: 0 },
      { item: { id: '2', name: 'Gadget' }, index: 1 },
    ]);
  });

  it('iterates over a bucket listing’s objects under a prefix, as listObjectsV2 items', async () => {
    const ended = await run('listing');
    const items = (JSON.parse(String(ended.output)) as { item: Record<string, unknown> }[]).map((r) => r.item);
    expect(items.map((i) => [i.Key, i.Size, i.StorageClass])).toEqual([
      ['images/one.jpg', 1, 'STANDARD'],
      ['images/two.jpg', 2, 'STANDARD'],
    ]);
    expect(items[0]).toMatchObject({ Etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), LastModified: expect.any(Number) });
  });

  it('exports the children’s results and a manifest under the prefix, and answers where they are', async () => {
    const ended = await run('exported');
    expect(ended.status, ended.cause).toBe('SUCCEEDED');
    const output = JSON.parse(String(ended.output)) as { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
    const runId = output.MapRunArn.split(':').at(-1);
    // A Map without a Label has a UUID in its place, as AWS's recorded Map Run ARNs show.
    const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
    expect(output.MapRunArn).toMatch(new RegExp(`^arn:aws:states:us-east-1:000000000000:mapRun:exported/${UUID}:${UUID}$`));
    const label = output.MapRunArn.split('/')[1]?.split(':')[0];
    expect(output.ResultWriterDetails).toEqual({ Bucket: BUCKET, Key: `results/${runId}/manifest.json` });
    const manifest = JSON.parse(await objectText(output.ResultWriterDetails.Key));
    expect(manifest).toMatchObject({
      DestinationBucket: BUCKET,
      MapRunArn: output.MapRunArn,
      ResultFiles: {
        PENDING: [],
        SUCCEEDED: [{ Key: `results/${runId}/SUCCEEDED_0.json` }],
        FAILED: [{ Key: `results/${runId}/FAILED_0.json` }],
      },
    });
    const succeeded = JSON.parse(await objectText(`results/${runId}/SUCCEEDED_0.json`)) as Record<string, unknown>[];
    expect(succeeded.map((r) => JSON.parse(String(r.Output)))).toEqual([
      { item: { id: 1 }, index: 0 },
      { item: { id: 3 }, index: 2 },
    ]);
    expect(succeeded[0]).toMatchObject({
      Status: 'SUCCEEDED',
      Input: '{"item":{"id":1},"index":0}',
      StateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:exported/${label}`,
      ExecutionArn: expect.stringContaining(`arn:aws:states:us-east-1:000000000000:execution:exported/${label}:`),
    });
    const failed = JSON.parse(await objectText(`results/${runId}/FAILED_0.json`)) as Record<string, unknown>[];
    expect(failed).toEqual([expect.objectContaining({ Status: 'FAILED', Error: 'Item.Bad', Cause: 'asked to fail' })]);
  });

  it('shapes the results in place when the ResultWriter has only a WriterConfig', async () => {
    const ended = await run('flattened', { lists: [[1, 2], [3]] });
    expect(JSON.parse(String(ended.output))).toEqual([1, 2, 3]);
  });

  it('fails with States.ItemReaderFailed if the object does not exist', async () => {
    const ended = await run('json', { key: 'missing.json' });
    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('States.ItemReaderFailed');
    expect(ended.cause).toContain('S3.NoSuchKeyException');
  });

  it('fails with States.ItemReaderFailed if a JSON object is not an array', async () => {
    await app.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'object.json', Body: '{"id":1}' }));
    const ended = await run('json', { key: 'object.json' });
    expect(ended.error).toBe('States.ItemReaderFailed');
    expect(ended.cause).toBe('Attempting to map over non-iterable node.');
  });

  it('names at start-up a Map whose ItemReader reads a format the runtime does not, which fails with States.ItemReaderFailed', async () => {
    expect(app.runtime.warnings).toEqual([
      'state machine inventory, Map state "Each": its ItemReader\'s InputType MANIFEST is not read (only JSON, JSONL and CSV) locally; the Map fails when it runs',
    ]);
    await app.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inventory/manifest.json', Body: '{}' }));
    const ended = await run('inventory');
    expect(ended.error).toBe('States.ItemReaderFailed');
  });

  it('puts an object as its JSON text and gets it as text through the aws-sdk:s3 integrations, lists it, and fails as S3 does', async () => {
    const ended = await run('sdk');
    expect(ended.status, ended.cause).toBe('SUCCEEDED');
    const output = JSON.parse(String(ended.output));
    // AWS's putObject writes the Body's JSON text (a string in quotes) with the Java SDK's content type and CRC32.
    const written = '"hello from a state machine"';
    expect(output.put).toEqual({
      ChecksumCRC32: checksumOf('crc32', Buffer.from(written)),
      ChecksumType: 'FULL_OBJECT',
      ETag: `"${createHash('md5').update(written).digest('hex')}"`,
      ServerSideEncryption: 'AES256',
    });
    expect(output.got).toEqual({ body: written, type: 'text/plain; charset=UTF-8', encryption: 'AES256' });
    expect(output.listed).toEqual({ keys: ['notes/hello.txt'], marker: '' });
    expect(output.missing.Error).toBe('S3.NoSuchBucketException');
    expect(output.missing.Cause).toMatch(
      /^The specified bucket does not exist \(Service: S3, Status Code: 404, Request ID: [0-9a-f-]+, Extended Request ID: \S+\) \(SDK Attempt Count: 1\)$/,
    );
  });
});
