import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { zip } from '../../helpers/zip-archive.js';
import { assemblyOf } from '../assembly.js';
import { eventually, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

/** Logs each record it is given, with its code's mark: what the tests look for. */
const handler = (mark: string) =>
  `exports.handler = async (event) => {\n  for (const r of event.Records) console.log('${mark} got ' + (r.body ?? JSON.stringify(r.dynamodb.Keys)));\n};\n`;

const ROLE = 'arn:aws:iam::000000000000:role/consumer';
const logs: string[] = [];
const app = restartableRuntime({
  assembly: () => assemblyOf({}),
  ownsAssembly: true,
  options: { logEvents: true, log: (line) => logs.push(line) },
  clients: ({ url }) => {
    const config = { ...sdkConfig(url), maxAttempts: 1 };
    return { lambda: new LambdaClient(config), sqs: new SQSClient(config), dynamodb: new DynamoDBClient(config) };
  },
});

const waiting = () => ({ client: app.lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 });

async function createFunction(FunctionName: string, mark: string): Promise<void> {
  await app.lambda.send(
    new CreateFunctionCommand({
      FunctionName,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: zip([{ path: 'index.js', body: handler(mark) }]) },
    }),
  );
  await waitUntilFunctionActiveV2(waiting(), { FunctionName });
}

async function queue(QueueName: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl = '' } = await app.sqs.send(new CreateQueueCommand({ QueueName }));
  const { Attributes } = await app.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl, arn: String(Attributes?.QueueArn) };
}

const seen = (line: string) => eventually(async () => (logs.some((l) => l.includes(line)) ? true : undefined), 15_000, line);

async function mapped(FunctionName: string, EventSourceArn: string, extra: object = {}): Promise<string> {
  const { UUID = '' } = await app.lambda.send(new CreateEventSourceMappingCommand({ FunctionName, EventSourceArn, ...extra }));
  await eventually(async () =>
    (await app.lambda.send(new GetEventSourceMappingCommand({ UUID }))).State === 'Enabled' ? true : undefined,
  );
  return UUID;
}

describe('Event source mappings made through Lambda’s API', () => {
  it('runs an SQS mapping CreateEventSourceMapping made: the queue’s messages reach the function', async () => {
    await createFunction('api-consumer', 'consumer');
    const inbox = await queue('api-inbox');
    await mapped('api-consumer', inbox.arn);
    await app.sqs.send(new SendMessageCommand({ QueueUrl: inbox.url, MessageBody: 'first' }));
    await seen('consumer got first');
  });

  it('runs a DynamoDB stream mapping made through the API from its starting position', async () => {
    await createFunction('api-stream-consumer', 'stream');
    const { TableDescription } = await app.dynamodb.send(
      new CreateTableCommand({
        TableName: 'api-stream-table',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    await app.dynamodb.send(new PutItemCommand({ TableName: 'api-stream-table', Item: { id: { S: 'before' } } }));
    await mapped('api-stream-consumer', String(TableDescription?.LatestStreamArn), { StartingPosition: 'TRIM_HORIZON' });
    await seen('stream got {"id":{"S":"before"}}');
  });

  it('applies the FilterCriteria UpdateEventSourceMapping gives a stream mapping, and clears them when given none', async () => {
    await createFunction('api-filtered-stream', 'filtered');
    const TableName = 'api-filtered-table';
    const { TableDescription } = await app.dynamodb.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    const UUID = await mapped('api-filtered-stream', String(TableDescription?.LatestStreamArn), { StartingPosition: 'LATEST' });
    const Filters = [{ Pattern: '{"dynamodb":{"Keys":{"id":{"S":[{"prefix":"keep"}]}}}}' }];
    const put = (id: string) => app.dynamodb.send(new PutItemCommand({ TableName, Item: { id: { S: id } } }));
    const settled = () =>
      eventually(async () => ((await app.lambda.send(new GetEventSourceMappingCommand({ UUID }))).State === 'Enabled' ? true : undefined));

    expect((await app.lambda.send(new UpdateEventSourceMappingCommand({ UUID, FilterCriteria: { Filters } }))).FilterCriteria).toEqual({
      Filters,
    });
    await settled();
    await put('drop-1');
    await put('keep-1');
    await seen('filtered got {"id":{"S":"keep-1"}}');
    expect(logs.some((line) => line.includes('"drop-1"'))).toBe(false);

    const cleared = await app.lambda.send(new UpdateEventSourceMappingCommand({ UUID, FilterCriteria: { Filters: [] } }));
    expect(cleared.FilterCriteria).toBeUndefined();
    await settled();
    await put('drop-2');
    await seen('filtered got {"id":{"S":"drop-2"}}');
  });

  it('runs the version an alias names for a mapping on the alias, not the function’s latest code', async () => {
    await createFunction('api-versioned', 'version-one');
    const { Version } = await app.lambda.send(new PublishVersionCommand({ FunctionName: 'api-versioned' }));
    await app.lambda.send(new CreateAliasCommand({ FunctionName: 'api-versioned', Name: 'live', FunctionVersion: Version }));
    await app.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'api-versioned', ZipFile: zip([{ path: 'index.js', body: handler('latest') }]) }),
    );
    await waitUntilFunctionUpdatedV2(waiting(), { FunctionName: 'api-versioned' });
    const orders = await queue('api-orders');
    await mapped('api-versioned:live', orders.arn);
    await app.sqs.send(new SendMessageCommand({ QueueUrl: orders.url, MessageBody: 'to-the-alias' }));
    await seen('version-one got to-the-alias');
    expect(logs.some((line) => line.includes('latest got to-the-alias'))).toBe(false);
  });

  it('keeps a mapping whose function is deleted: its queue keeps its messages until a function of the name is made again', async () => {
    await createFunction('api-outlived', 'first-life');
    const q = await queue('api-outlived-q');
    const uuid = await mapped('api-outlived', q.arn);
    await app.lambda.send(new DeleteFunctionCommand({ FunctionName: 'api-outlived' }));
    expect((await app.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State).toBe('Enabled');
    await app.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'meanwhile' }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(logs.some((line) => line.includes('got meanwhile'))).toBe(false);
    await createFunction('api-outlived', 'second-life');
    await seen('second-life got meanwhile');
  });

  it('keeps the mappings it made across a restart, with their updates and tags: they are listed and run again', async () => {
    const before = await app.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'api-consumer' }));
    const Resource = String(before.EventSourceMappings?.[0]?.EventSourceMappingArn);
    await app.lambda.send(new TagResourceCommand({ Resource, Tags: { team: 'orders' } }));
    // An update keeps them.
    await app.lambda.send(new UpdateEventSourceMappingCommand({ UUID: before.EventSourceMappings?.[0]?.UUID, BatchSize: 5 }));
    await app.restart();
    const after = await app.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'api-consumer' }));
    expect(after.EventSourceMappings?.map((m) => [m.UUID, m.State])).toEqual(before.EventSourceMappings?.map((m) => [m.UUID, 'Enabled']));
    expect((await app.lambda.send(new ListTagsCommand({ Resource }))).Tags).toEqual({ team: 'orders' });
    expect(after.EventSourceMappings?.[0]?.BatchSize).toBe(5);
    const lines = (await app.runtime.serviceReports()).flatMap((report) => report.lines ?? []);
    expect(lines.find((line) => line.includes('event source mappings made through Lambda'))).toContain('api-inbox -> api-consumer');
    const inbox = await queue('api-inbox');
    await app.sqs.send(new SendMessageCommand({ QueueUrl: inbox.url, MessageBody: 'after-restart' }));
    await seen('consumer got after-restart');
  });

  it('stops a mapping DeleteEventSourceMapping deleted: it answers Deleting, is gone, and its queue keeps its messages', async () => {
    const inbox = await queue('api-inbox');
    const [mapping] = (await app.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: inbox.arn }))).EventSourceMappings ?? [];
    const deleted = await app.lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping?.UUID }));
    expect(deleted.State).toBe('Deleting');
    await eventually(async () => {
      const listed = await app.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: inbox.arn }));
      return listed.EventSourceMappings?.length === 0 ? true : undefined;
    });
    await app.sqs.send(new SendMessageCommand({ QueueUrl: inbox.url, MessageBody: 'unread' }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { Attributes } = await app.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: inbox.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
  });

  it('fails if the queue does not exist, or a mapping of the queue to the function exists already, in Lambda’s words', async () => {
    const missing = `arn:aws:sqs:${region}:000000000000:no-such-queue`;
    await expect(
      app.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'api-consumer', EventSourceArn: missing })),
    ).rejects.toThrow(
      'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
    );
    const orders = await queue('api-orders');
    const [existing] =
      (await app.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: orders.arn }))).EventSourceMappings ?? [];
    await expect(
      app.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'api-versioned:live', EventSourceArn: orders.arn })),
    ).rejects.toThrow(`Please update or delete the existing mapping with UUID ${existing?.UUID}`);
  });
});
