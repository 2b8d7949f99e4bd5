import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamCommand, KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  GetEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { credentials, region } from '../helpers.js';
import { until } from './recorded-cases-mappings.js';
import { type Answer, asBotoAnswer, type ReplayContext } from './recorded-replay.js';
import { type HandlerFile, handlerSource } from './sqs-mapping-replay.js';

/**
 * The fixtures of LocalStack's stream mapping tests (tests/aws/services/lambda_/event_source_mapping/,
 * its conftest and localstack.testing's fixtures), made with the SDK's clients at the runtime's
 * endpoint: tables with streams, Kinesis streams, queues and topics, functions of the tests'
 * Python files, and the reads the tests make of what the mappings did (the function's log
 * events, a queue's messages).
 */
export interface StreamFixtures {
  readonly dynamodb: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly logs: CloudWatchLogsClient;
}

/** A replay's context with the runtime's clock to move (the tests that wait a minute for a record to expire). */
export interface StreamReplayContext extends ReplayContext {
  /** Moves the runtime's clock `ms` on, once the work in flight has ended (AdvanceableClock). */
  advance(ms: number): Promise<void>;
}

const clientsByContext = new Map<string, StreamFixtures>();

export function fixtures(c: ReplayContext): StreamFixtures {
  let found = clientsByContext.get(c.endpoint);
  if (found === undefined) {
    const config = { endpoint: c.endpoint, region, credentials, maxAttempts: 1 };
    found = {
      dynamodb: new DynamoDBClient(config),
      kinesis: new KinesisClient(config),
      sqs: new SQSClient(config),
      sns: new SNSClient(config),
      logs: new CloudWatchLogsClient(config),
    };
    clientsByContext.set(c.endpoint, found);
  }
  return found;
}

/** `utils.py`'s `create_lambda_with_response`: prints the event, answers `response` (Python source). */
export const withResponse = (response: string) => ({
  code: `\nimport json\n\ndef handler(event, context):\n    print(json.dumps(event))\n    return ${response}\n`,
});

/**
 * `create_lambda_function` with one of LocalStack's handler files (fixtures/localstack-functions/,
 * `<module>.handler`) or, given `{ code }`, one Python file of the test's own (`handler.py`): a
 * python3.12 function, waited for; its name.
 */
export async function pythonFunction(
  c: ReplayContext,
  handler: HandlerFile | { readonly code: string },
  extra: { Environment?: { Variables: Record<string, string> } } = {},
): Promise<string> {
  const name = c.name('lambda_func');
  const [module, code] = typeof handler === 'string' ? [handler, handlerSource(handler)] : ['handler', handler.code];
  await c.create(name, {
    Runtime: 'python3.12',
    Handler: `${module}.handler`,
    Code: { ZipFile: c.archive(`${module}.py`, code) },
    ...extra,
  });
  return name;
}

/**
 * `dynamodb_create_table` (a PAY_PER_REQUEST table keyed by a string `partitionKey`, with a
 * stream of `viewType` if given), its answer; then `_await_dynamodb_table_active`.
 */
export async function createTable(c: ReplayContext, partitionKey: string, viewType?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES') {
  const { dynamodb } = fixtures(c);
  const TableName = c.name('test-table');
  const answer = await asBotoAnswer(() =>
    dynamodb.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        ...(viewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } } : {}),
      }),
    ),
  );
  await until(async () => (await dynamodb.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus === 'ACTIVE');
  return { TableName, answer, streamArn: (answer.TableDescription as { LatestStreamArn?: string }).LatestStreamArn };
}

/** UpdateTable turning the table's stream on: its answer and the stream's ARN. */
export async function enableStream(c: ReplayContext, TableName: string, viewType: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES') {
  const answer = await asBotoAnswer(() =>
    fixtures(c).dynamodb.send(
      new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } }),
    ),
  );
  return { answer, streamArn: String((answer.TableDescription as { LatestStreamArn: string }).LatestStreamArn) };
}

export const putItem = (c: ReplayContext, TableName: string, Item: Record<string, AttributeValue>) =>
  fixtures(c).dynamodb.send(new PutItemCommand({ TableName, Item }));

/** `kinesis_create_stream` of one shard and `wait_for_stream_ready`: its name and ARN. */
export async function createKinesisStream(c: ReplayContext): Promise<{ StreamName: string; arn: string }> {
  const { kinesis } = fixtures(c);
  const StreamName = c.name('test-stream');
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  let arn = '';
  await until(async () => {
    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName }));
    arn = String(StreamDescription?.StreamARN);
    return StreamDescription?.StreamStatus === 'ACTIVE';
  });
  return { StreamName, arn };
}

export const putRecord = (c: ReplayContext, StreamName: string, Data: string, PartitionKey: string) =>
  fixtures(c).kinesis.send(new PutRecordCommand({ StreamName, Data: Buffer.from(Data), PartitionKey }));

export const putRecords = (c: ReplayContext, StreamName: string, records: readonly { Data: string; PartitionKey: string }[]) =>
  fixtures(c).kinesis.send(
    new PutRecordsCommand({ StreamName, Records: records.map((r) => ({ Data: Buffer.from(r.Data), PartitionKey: r.PartitionKey })) }),
  );

/** `sqs_create_queue` and `sqs_get_queue_arn`. */
export async function createQueue(c: ReplayContext): Promise<{ url: string; arn: string }> {
  const { sqs } = fixtures(c);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: c.name('queue') }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: String(QueueUrl), arn: String(Attributes?.QueueArn) };
}

/** `sns_create_topic`, subscribed by a new queue (`sns_allow_topic_sqs_queue`: the local queue takes it unasked). */
export async function topicIntoQueue(c: ReplayContext): Promise<{ topicArn: string; queueUrl: string }> {
  const { sns } = fixtures(c);
  const queue = await createQueue(c);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: c.name('topic') }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
  return { topicArn: String(TopicArn), queueUrl: queue.url };
}

/** CreateEventSourceMapping, its answer as botocore reported it. */
export const createMapping = (c: ReplayContext, input: CreateEventSourceMappingCommandInput) =>
  c.call(new CreateEventSourceMappingCommand(input));

/**
 * How long a replay waits, after what it expects, for an invocation it must not see (a retry,
 * a record a filter or a disabled mapping lets through): a warm local function runs in far less.
 */
export const SETTLE_MS = 700;

/** A mapping's UUID, from CreateEventSourceMapping's answer. */
export const uuidOf = (answer: unknown): string => String((answer as Answer).UUID);

/** `_await_event_source_mapping_state`. */
export const mappingState = (c: ReplayContext, UUID: string, state: string) =>
  until(async () => (await c.lambda.send(new GetEventSourceMappingCommand({ UUID }))).State === state);

/** A value's JSON parsed where it is a JSON object or list, as LocalStack's snapshot shows a string that is one. */
function parsedJson(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : text;
  } catch {
    return text;
  }
}

/**
 * `receive_message` of one message, waited for (the tests' `verify_failure_received` retries
 * until one comes): its answer, each Body parsed as the snapshot shows it.
 */
export async function receiveFailure(c: ReplayContext, QueueUrl: string, timeoutMs = 15_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await asBotoAnswer(() => fixtures(c).sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 })));
    const messages = answer.Messages as { Body: string }[] | undefined;
    if (messages?.length) return { ...answer, Messages: messages.map((m) => ({ ...m, Body: parsedJson(m.Body) })) };
    if (Date.now() > deadline) throw new Error(`no message came to ${QueueUrl}`);
  }
}

/** An SNS notification a queue received (raw delivery off), as the tests snapshot it: the envelope with its Message parsed. */
export async function receiveNotification(c: ReplayContext, QueueUrl: string): Promise<unknown> {
  const answer = await receiveFailure(c, QueueUrl);
  const envelope = (answer.Messages as { Body: Record<string, unknown> }[])[0]?.Body ?? {};
  return { ...envelope, Message: parsedJson(String(envelope.Message)) };
}

/**
 * `get_lambda_log_events`: the function's log events, but the runtime's own lines, each
 * parsed when it is JSON (those `filter` keeps); waited for until there are `count` (the
 * tests' retries), then read again after `settleMs` so that one too many shows.
 */
export async function logEvents(
  c: ReplayContext,
  functionName: string,
  count: number,
  filter: (event: unknown) => boolean = () => true,
  settleMs = 0,
): Promise<unknown[]> {
  let events: unknown[] = [];
  const read = async () => {
    const lines: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await fixtures(c).logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}`, nextToken }));
        lines.push(...(page.events ?? []).map((e) => String(e.message)));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return [];
      throw error;
    }
    return lines
      .map((line) => line.replace(/\n$/, ''))
      .filter((line) => line !== '' && !/^(INIT_START|START|END|REPORT)/.test(line))
      .map((line) => parsedJsonValue(line))
      .filter(filter);
  };
  await waitFor(async () => {
    events = await read();
    return events.length >= count;
  }, `${count} log events of ${functionName}`);
  if (settleMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    events = await read();
  }
  return events;
}

/** Polls `check` until it holds, for up to 20 s (a mapping's retries take their backoffs). */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `s3_bucket` as an on-failure destination: the bucket's ARN, and the failure record Lambda
 * puts in it, read once there is one (its key checked as the tests check it:
 * `aws/lambda/<mapping UUID>/<shard id>/<yyyy/mm/dd>/<time>`).
 */
export async function s3FailureRecord(c: ReplayContext, batchInfo: 'DDBStreamBatchInfo' | 'KinesisBatchInfo') {
  const Bucket = c.name('bucket').toLowerCase();
  await c.s3.send(new CreateBucketCommand({ Bucket }));
  return {
    arn: `arn:aws:s3:::${Bucket}`,
    async read(uuid: string): Promise<unknown> {
      let keys: string[] = [];
      await waitFor(async () => {
        keys = ((await c.s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => String(o.Key));
        return keys.length > 0;
      }, `a failure record in ${Bucket}`);
      if (keys.length !== 1) throw new Error(`${keys.length} objects in ${Bucket}`);
      const key = keys[0] as string;
      const object = await c.s3.send(new GetObjectCommand({ Bucket, Key: key }));
      const record = JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString()) as Record<
        string,
        { shardId?: string }
      > & { timestamp: string };
      const at = record.timestamp.slice(0, 19);
      const prefix = `aws/lambda/${uuid}/${record[batchInfo]?.shardId}/${at.slice(0, 10).replace(/-/g, '/')}/${at.replace(/:/g, '.')}`;
      if (!key.startsWith(prefix)) throw new Error(`the failure record's key ${key} does not start with ${prefix}`);
      return record;
    },
  };
}

function parsedJsonValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The events of a log that are a mapping's invocations (`"Records" in event`), as the tests keep them. */
export const invocations = (event: unknown) => typeof event === 'object' && event !== null && 'Records' in event;
